"""Revision files read without running them.

A revision file is Python; it is parsed (``ast``), never imported, so that reviewing a
revision from a pull request runs none of its code.  What is read: the Alembic header
(``revision``, ``down_revision``, ``branch_labels``), the fingerprints schema-tools
records (``schema_before``, ``schema_after``), and the SQL text of the ``upgrade()`` and
``downgrade()`` functions (the string arguments of ``run_sql``/``op.execute`` and the
``op.*`` calls).
"""

from __future__ import annotations

import ast
import hashlib
import marshal
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import cache_dir
from ..errors import InputError
from ..dialect.ddl import quote_ident


@dataclass(frozen=True)
class Call:
    """One call in ``upgrade()`` or ``downgrade()``: ``op.drop_table`` or ``run_sql``,
    its string arguments, and the SQL it runs when that is known (``sql``)."""

    function: str
    args: tuple[str, ...]
    line: int
    sql: str | None = None


@dataclass(frozen=True)
class RevisionFile:
    rev_id: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    path: Path
    message: str
    before: str | None
    after: str | None
    upgrade: tuple[Call, ...] | None  # None: no upgrade() function
    downgrade: tuple[Call, ...] | None
    # the module's other literal names (``irreversible_data``, ``legacy_script``...)
    values: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # importing the module runs nothing that can fail (:func:`_plain`)
    plain: bool = field(default=False, compare=False, hash=False, repr=False)
    # the module's docstring as written, and every name it binds
    doc: str | None = field(default=None, compare=False, hash=False, repr=False)
    names: tuple[str, ...] = field(default=(), compare=False, hash=False, repr=False)

    @property
    def slug(self) -> str:
        """The file name without the revision id and ``.py``."""
        stem = self.path.stem
        return stem[len(self.rev_id) + 1:] if stem.startswith(self.rev_id + "_") else stem

    def statements(self, which: str = "upgrade") -> list[Call]:
        calls = self.upgrade if which == "upgrade" else self.downgrade
        return [c for c in calls or () if c.sql is not None]


def _q(value: object) -> str:
    return quote_ident(str(value))


_OP_SQL = {
    "drop_table": lambda a: f"DROP TABLE {_q(a[0])}" if a else None,
    "rename_table": lambda a: f"RENAME TABLE {_q(a[0])} TO {_q(a[1])}" if len(a) > 1 else None,
    "drop_constraint": lambda a: f"ALTER TABLE {_q(a[1])} DROP CONSTRAINT {_q(a[0])}" if len(a) > 1 else None,
}


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _func_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_func_name(node.value)}.{node.attr}"
    return "?"


def _calls(fn: ast.FunctionDef) -> tuple[Call, ...]:
    out: list[Call] = []
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        name = _func_name(node.func)
        args = tuple(v for v in (_literal(a) for a in node.args) if isinstance(v, str))
        sql = None
        if name in ("run_sql", "op.execute") and args:
            sql = args[0]
        elif name.startswith("op.") and name[3:] in _OP_SQL:
            sql = _OP_SQL[name[3:]](args)
        out.append(Call(name, args, node.lineno, sql))
    return tuple(sorted(out, key=lambda c: c.line))


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value) if isinstance(value, (tuple, list)) else [value]


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        return tuple(v for v in value if isinstance(v, str))
    return ()


# revision files already parsed, by path: (text, parsed); a command that reads the
# directory twice (check: the integrity sum, then the lint) parses each file once
_PARSED: dict[Path, tuple[str, RevisionFile]] = {}


def read_revision_file(path: str | Path) -> RevisionFile:
    """Parse one revision file (once per process while its text is unchanged, and once
    for all commands while its content is in the cache of parsed files);
    :class:`InputError` when it is not one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot read revision file: {exc}") from None
    hit = _PARSED.get(path)
    if hit is not None and hit[0] == text:
        return hit[1]
    key = _content_key(text)
    parsed = _cache_read(key, path) if key else None
    if parsed is None:
        parsed = _parse_revision_file(path, text)
        if key:
            _cache_write(key, parsed)
    _PARSED[path] = (text, parsed)
    return parsed


# ---------------------------------------------------------------------------------------
# the cache of parsed files (:func:`schema_tools.config.cache_dir` ``revfiles``), one entry
# per content: an entry is named by the hash of the file's text and of the code that parses
# it, and holds the parse and its own hash (an entry that does not match it is ignored)

_CACHE_FORMAT = b"schema-tools revfile 2\n"
_PARSER: list[bytes] = []


def _parser_hash() -> bytes:
    """What a parse depends on besides the text: this module, the quoting of names and
    the Python version (``ast``, ``marshal``)."""
    if not _PARSER:
        import sys

        from ..dialect import ddl

        h = hashlib.sha256(_CACHE_FORMAT + sys.version.encode())
        for source in (__file__, ddl.__file__):
            h.update(Path(source).read_bytes())
        _PARSER.append(h.digest())
    return _PARSER[0]


def _content_key(text: str) -> str | None:
    if cache_dir("revfiles") is None:
        return None
    try:
        return hashlib.sha256(_parser_hash() + text.encode()).hexdigest()
    except OSError:
        return None


def _cache_read(key: str, path: Path) -> RevisionFile | None:
    folder = cache_dir("revfiles")
    if folder is None:
        return None
    try:
        data = (folder / key[:2] / key).read_bytes()
    except OSError:
        return None
    head, digest, payload = data[:len(_CACHE_FORMAT)], data[len(_CACHE_FORMAT):len(_CACHE_FORMAT) + 32], \
        data[len(_CACHE_FORMAT) + 32:]
    if head != _CACHE_FORMAT or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        return _unpack(marshal.loads(payload), path)
    except Exception:  # noqa: BLE001 - a damaged entry, whatever it holds, is no entry
        return None


def _cache_write(key: str, parsed: RevisionFile) -> None:
    folder = cache_dir("revfiles")
    if folder is None:
        return
    try:
        payload = marshal.dumps(_pack(parsed))
    except ValueError:  # a value marshal cannot hold: parsed again next time
        return
    data = _CACHE_FORMAT + hashlib.sha256(payload).digest() + payload
    try:
        target = folder / key[:2]
        target.mkdir(parents=True, exist_ok=True)
        tmp = target / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target / key)
    except OSError:
        pass  # a cache that cannot be written is no cache


def _pack_calls(calls: tuple[Call, ...] | None) -> tuple[tuple[str, tuple[str, ...], int, str | None], ...] | None:
    return None if calls is None else tuple((c.function, c.args, c.line, c.sql) for c in calls)


def _unpack_calls(packed: Any) -> tuple[Call, ...] | None:
    if packed is None:
        return None
    out = []
    for function, args, line, sql in packed:
        if not (isinstance(function, str) and isinstance(args, tuple) and all(isinstance(a, str) for a in args)
                and type(line) is int and (sql is None or isinstance(sql, str))):
            raise ValueError("not a call")
        out.append(Call(function, args, line, sql))
    return tuple(out)


def _pack(r: RevisionFile) -> tuple[Any, ...]:
    return (r.rev_id, r.down_revisions, r.branch_labels, r.message, r.before, r.after,
            _pack_calls(r.upgrade), _pack_calls(r.downgrade), r.values, r.plain, r.doc, r.names)


def _unpack(packed: Any, path: Path) -> RevisionFile:
    rev_id, downs, labels, message, before, after, upgrade, downgrade, values, plain, doc, names = packed
    strings = (rev_id, message, *downs, *labels)
    if not (isinstance(downs, tuple) and isinstance(labels, tuple) and all(isinstance(s, str) for s in strings)
            and all(v is None or isinstance(v, str) for v in (before, after))
            and isinstance(values, dict) and isinstance(plain, bool) and (doc is None or isinstance(doc, str))
            and isinstance(names, tuple) and all(isinstance(n, str) for n in names)):
        raise ValueError("not a revision file's parse")
    return RevisionFile(rev_id=rev_id, down_revisions=downs, branch_labels=labels, path=path,
                        message=message, before=before, after=after, upgrade=_unpack_calls(upgrade),
                        downgrade=_unpack_calls(downgrade), values=values, plain=plain, doc=doc, names=names)


def _parse_revision_file(path: Path, text: str) -> RevisionFile:
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        from .revision import FIX_REVISION_FILE

        raise InputError(f"{path}:{exc.lineno}: a revision file that is not valid Python ({exc.msg})",
                         hint=FIX_REVISION_FILE) from None
    except ValueError as exc:  # a NUL byte
        raise InputError(f"{path}: cannot read revision file: {exc}") from None
    values: dict[str, object] = {}
    functions: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = _literal(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            values[node.target.id] = _literal(node.value)
        elif isinstance(node, ast.FunctionDef):
            functions[node.name] = node
    rev = values.get("revision")
    if not isinstance(rev, str) or not rev:
        raise InputError(f"{path}: not a revision file (no revision = '...')")
    doc = ast.get_docstring(tree) or ""
    message = doc.strip().splitlines()[0] if doc.strip() else ""

    def fingerprint(key: str, label: str) -> str | None:
        value = values.get(key)
        if isinstance(value, str):
            return value
        m = re.search(rf"^{label}:\s*(\S+)", doc, re.M)
        return m.group(1) if m else None

    return RevisionFile(
        rev_id=rev, down_revisions=_as_tuple(values.get("down_revision")),
        branch_labels=_as_tuple(values.get("branch_labels")), path=path, message=message,
        before=fingerprint("schema_before", "Expects schema"),
        after=fingerprint("schema_after", "Produces schema"),
        upgrade=_calls(functions["upgrade"]) if "upgrade" in functions else None,
        downgrade=_calls(functions["downgrade"]) if "downgrade" in functions else None,
        values=values, plain=_plain(tree, path), doc=ast.get_docstring(tree, clean=False),
        names=_bound_names(tree),
    )


# what a plain revision file imports: alembic's ``op`` and ``run_sql``
_PLAIN_IMPORTS = {"alembic": {"op"}, "schema_tools.migrate.runtime": {"run_sql"}}


def _plain(tree: ast.Module, path: Path) -> bool:
    """Whether importing the module runs nothing that can fail: it compiles, imports only
    ``op`` from alembic and ``run_sql`` from schema_tools, assigns literals to names and
    defines functions without decorators, defaults or annotations but ``-> None``."""
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.ImportFrom):
            allowed = _PLAIN_IMPORTS.get(node.module or "")
            if node.level or allowed is None or any(a.name not in allowed for a in node.names):
                return False
        elif isinstance(node, ast.Assign):
            if not all(isinstance(t, ast.Name) for t in node.targets) or not _is_literal(node.value):
                return False
        elif isinstance(node, ast.FunctionDef):
            a = node.args
            if node.decorator_list or a.defaults or a.kw_defaults or a.posonlyargs or a.vararg or a.kwarg \
                    or a.kwonlyargs or any(x.annotation is not None for x in a.args) \
                    or not (node.returns is None or (isinstance(node.returns, ast.Constant)
                                                     and node.returns.value is None)):
                return False
        else:
            return False
    try:
        compile(tree, str(path), "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def _bound_names(tree: ast.Module) -> tuple[str, ...]:
    """The names the module's top-level statements bind (assigned, defined, imported)."""
    out: dict[str, None] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            out.update((t.id, None) for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update(((a.asname or a.name).split(".")[0], None) for a in node.names)
    return tuple(out)


def _is_literal(node: ast.AST) -> bool:
    if any(isinstance(n, ast.Call) for n in ast.walk(node)):  # set(): a name the module may rebind
        return False
    try:
        ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


_SIMPLE_ID = re.compile(r"[A-Za-z0-9_]+")


class RevisionSet:
    """Every revision file of a revision directory, with the graph they form."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.versions = self.path / "versions"
        self.states = self.path / "states"
        files = sorted(self.versions.glob("*.py")) if self.versions.is_dir() else []
        self.by_id: dict[str, RevisionFile] = {}
        for f in files:
            if f.name.startswith("__"):
                continue
            r = read_revision_file(f)
            if r.rev_id in self.by_id:
                raise InputError(f"{f}: revision {r.rev_id} is also defined in "
                                 f"{self.by_id[r.rev_id].path.name}")
            self.by_id[r.rev_id] = r

    def __iter__(self) -> Iterator[RevisionFile]:
        return iter(self.ordered())

    def alembic_graph(self) -> bool:
        """Whether Alembic, loading the directory, sees exactly this graph without error:
        every file in ``versions/`` is a plain revision file (:func:`_plain`) with a
        ``down_revision``, no ``depends_on``, simple ids and branch labels, each label once,
        every parent present and no cycle.  Then its heads, ids and branch labels are read
        here without importing the files."""
        if not self.versions.is_dir():
            return False
        ini = self.path / "alembic.ini"
        try:
            settings = ini.read_text(encoding="utf-8").lower() if ini.exists() else ""
        except (OSError, UnicodeDecodeError):
            return False
        if "sourceless" in settings or "recursive_version_locations" in settings:
            return False
        names = [p for p in self.versions.glob("*.py")]
        if any(p.name.startswith((".#", "__")) and not p.name.startswith("__init__") or not p.is_file()
               for p in names):
            return False
        labels: set[str] = set()
        for r in self.by_id.values():
            v = r.values
            down = v.get("down_revision", "")
            if not r.plain or v.get("depends_on") is not None or not (
                    down is None or isinstance(down, str) or (isinstance(down, (tuple, list)) and down)):
                return False
            if not isinstance(v.get("branch_labels"), (type(None), str, tuple, list)) \
                    or len(r.branch_labels) != len(_as_list(v.get("branch_labels"))):
                return False
            if not all(_SIMPLE_ID.fullmatch(x) for x in (r.rev_id, *r.down_revisions, *r.branch_labels)) \
                    or len(r.down_revisions) != len(_as_list(down)) \
                    or any(p not in self.by_id or p == r.rev_id for p in r.down_revisions) \
                    or labels & set(r.branch_labels) or len(set(r.branch_labels)) != len(r.branch_labels):
                return False
            labels |= set(r.branch_labels)
        if labels & set(self.by_id):
            return False
        return not self._cycle()

    def _cycle(self) -> bool:
        done: set[str] = set()
        for start in self.by_id:
            path: set[str] = set()
            todo: list[tuple[str, bool]] = [(start, False)]
            while todo:
                rev, leaving = todo.pop()
                if leaving:
                    path.discard(rev)
                    done.add(rev)
                    continue
                if rev in path:
                    return True
                if rev in done:
                    continue
                path.add(rev)
                todo.append((rev, True))
                todo += [(p, False) for p in self.by_id[rev].down_revisions]
        return False

    def on_branch(self, head: str, branch: str) -> bool:
        """Whether ``branch`` labels ``head`` or a revision below it (as Alembic carries
        a branch label up to the heads above it)."""
        seen: set[str] = set()
        todo = [head]
        while todo:
            rev = todo.pop()
            if rev in seen or rev not in self.by_id:
                continue
            seen.add(rev)
            if branch in self.by_id[rev].branch_labels:
                return True
            todo += list(self.by_id[rev].down_revisions)
        return False

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, rev: str) -> RevisionFile:
        """A revision by id or unique id prefix."""
        if rev in self.by_id:
            return self.by_id[rev]
        matches = [r for k, r in self.by_id.items() if k.startswith(rev)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise InputError(f"{self.path}: no revision {rev!r}")
        raise InputError(f"{self.path}: revision prefix {rev!r} is ambiguous "
                         f"({', '.join(sorted(r.rev_id for r in matches))})")

    def heads(self) -> list[str]:
        parents = {p for r in self.by_id.values() for p in r.down_revisions}
        return sorted(k for k in self.by_id if k not in parents)

    def ordered(self) -> list[RevisionFile]:
        """Base first: a revision after all of its parents, ties by id."""
        done: dict[str, RevisionFile] = {}
        pending = dict(sorted(self.by_id.items()))
        while pending:
            ready = [k for k, r in pending.items()
                     if all(p in done or p not in self.by_id for p in r.down_revisions)]
            if not ready:  # a cycle: keep the rest in id order
                ready = list(pending)
            for k in ready:
                done[k] = pending.pop(k)
        return list(done.values())

    def state_path(self, rev: str | None) -> Path:
        return self.states / f"{rev or 'base'}.json"

    def before_state_path(self, r: RevisionFile) -> Path | None:
        """The state a revision starts from: its parent's (for a root,
        ``states/<rev>.before.json`` if there is one, else ``base.json``); ``None`` for a
        merge of several parents."""
        if len(r.down_revisions) > 1:
            return None
        if not r.down_revisions:
            own = self.root_state_path(r)
            return own if own.exists() else self.state_path(None)
        return self.state_path(r.down_revisions[0])

    def root_state_path(self, r: RevisionFile) -> Path:
        """Where a root revision that does not start from ``base.json`` (a second line of
        revisions) records its starting state."""
        return self.states / f"{r.rev_id}.before.json"
