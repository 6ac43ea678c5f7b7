"""Generate Alembic revisions from two schema states.

A revision directory is an Alembic environment (``alembic.ini``, ``env.py``,
``script.py.mako``, ``versions/``) plus ``states/``: the snapshot each revision produces
(``states/<rev>.json``) and the state the first revision starts from (``states/base.json``).
A directory may hold several roots (independent lines, such as one per site, each with its
branch label): ``base.json`` is the starting state of the first root written, and every
other root whose starting state differs records it as ``states/<root>.before.json``.
Those states are what ``verify`` and ``drift`` compare a live database with, and the
fingerprints in each revision's header name them.

The revision file is deterministic: the same inputs give a byte-identical file.  Its id
is derived from the two fingerprints and the message unless ``rev_id`` is given.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..dialect.types import DISPLAY_WIDTH, INTEGER_NAMES, TEXT_TYPES
from ..diff.changes import Add, Alter, Change, Drop, Rename
from ..errors import InputError
from ..model.objects import Column, DataType, Schema
from ..model.snapshot import OBJECTS, Snapshot, fingerprint
from .plan import Step

# a revision's down revision: one, several (a merge) or none
_Down = str | Sequence[str] | None

if TYPE_CHECKING:
    import pymysql
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from .revfile import RevisionSet

# Alembic's name for the state before the first revision of a line
BASE = "base"
TEMPLATE_FILES = ("alembic.ini", "env.py", "script.py.mako")
FIX_REVISION_FILE = "fix the revision file, or restore it from version control (`git diff`, `git checkout`)"
POLICIES = ("exact", "additive")


def not_a_revision_directory(path: str | Path) -> InputError:
    """The error of a reader given a directory without ``versions/`` (a wrong --dir, or a
    command run outside the project)."""
    return InputError(f"{path}: not a revision directory (no versions/)",
                      hint="give the revision directory with --dir (default: revisions/ of the "
                           "current directory)")


@dataclass(frozen=True)
class RevisionInfo:
    rev_id: str
    down_revision: str | None
    path: Path
    before: str
    after: str


class RevisionDir:
    """A revision directory; created as an Alembic environment on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # the loaded ScriptDirectory, by the names, times and sizes of the files it loaded
        self._script: tuple[tuple[tuple[str, int, int], ...], ScriptDirectory] | None = None

    def __getstate__(self) -> dict[str, object]:
        """What a worker process receives (``verify --jobs``): the loaded scripts hold
        modules, which do not pickle; the worker loads them again."""
        return dict(self.__dict__, _script=None)

    @property
    def versions(self) -> Path:
        return self.path / "versions"

    @property
    def states(self) -> Path:
        return self.path / "states"

    def ensure(self) -> RevisionDir:
        """Make this a revision directory (for a writer: new revisions go here)."""
        self.versions.mkdir(parents=True, exist_ok=True)
        self.states.mkdir(parents=True, exist_ok=True)
        return self._complete()

    def _complete(self) -> RevisionDir:
        """Put back the Alembic files a revision directory needs (``env.py``...)."""
        template = resources.files("schema_tools.migrate").joinpath("template")
        for name in TEMPLATE_FILES:
            dest = self.path / name
            if not dest.exists():
                with resources.as_file(template.joinpath(name)) as src:
                    shutil.copyfile(src, dest)
        return self

    def config(self, url: str | None = None) -> Config:
        from alembic.config import Config

        if not self.versions.is_dir():  # a reader writes nothing into a directory it does not know
            raise not_a_revision_directory(self.path)
        self._complete()
        cfg = Config(str(self.path / "alembic.ini"))
        cfg.set_main_option("script_location", str(self.path))
        cfg.set_main_option("version_locations", str(self.versions))
        if url:
            cfg.cmd_opts = None
        return cfg

    def require(self) -> RevisionDir:
        """For a reader: this must be a revision directory with revisions, or
        :class:`InputError` says so (a wrong ``--dir`` must not read as a wrong database)."""
        if not self.versions.is_dir():
            raise not_a_revision_directory(self.path)
        if not any(p for p in self.versions.glob("*.py") if not p.name.startswith("__")):
            raise InputError(f"{self.path}: no revisions (versions/ holds no revision file)",
                             hint="give the revision directory with --dir")
        return self

    def script(self) -> ScriptDirectory:
        """The Alembic ``ScriptDirectory``, every revision file loaded: a file that cannot be
        loaded is an :class:`InputError` naming it (``file:line``).  Loaded once while the
        files of ``versions/`` stay as they are."""
        key = tuple((p.name, st.st_mtime_ns, st.st_size) for p in sorted(self.versions.glob("*.py"))
                    for st in (p.stat(),))
        cached = self._script
        if cached is not None and cached[0] == key:
            return cached[1]
        script = self._load_script()
        self._script = (key, script)
        return script

    def _load_script(self) -> ScriptDirectory:
        from alembic.script import ScriptDirectory

        graph = self._graph()
        if graph is not None:  # every file plain: each is imported when it runs
            from .lazy_scripts import lazy_script_directory

            return lazy_script_directory(self.config(), graph)
        script = ScriptDirectory.from_config(self.config())
        try:
            script.get_heads()  # loads every revision file
        except SyntaxError as exc:
            where = self._revision_file(exc.filename)
            raise InputError(f"{where}:{exc.lineno}: a revision file that is not valid Python "
                             f"({exc.msg})", hint=FIX_REVISION_FILE) from None
        except InputError:
            raise
        except Exception as exc:  # an import or a name that fails, a broken down_revision
            where, line = self._failing_file(exc)
            raise InputError(f"{where}{':' + str(line) if line else ''}: revisions cannot be loaded: "
                             f"{type(exc).__name__}: {exc}", hint=FIX_REVISION_FILE) from None
        return script

    def _revision_file(self, name: str | None) -> Path:
        """The revision file ``name`` (a path, or the bare name a compiler reports) refers to."""
        if name:
            candidate = Path(name)
            if candidate.exists():
                return candidate
            here = self.versions / candidate.name
            if here.exists():
                return here
        return self.versions

    def _failing_file(self, exc: BaseException) -> tuple[Path, int | None]:
        """The revision file and line where ``exc`` was raised (the innermost frame in
        ``versions/``); the directory itself when no frame is there (a graph error)."""
        import traceback

        versions = self.versions.resolve()
        found: tuple[Path, int | None] = (self.versions, None)
        for frame in traceback.extract_tb(exc.__traceback__):
            path = Path(frame.filename)
            if path.parent.resolve() == versions:
                found = (self.versions / path.name, frame.lineno)
        return found

    def revision_ids(self) -> set[str]:
        """The id of every revision."""
        graph = self._graph()
        if graph is not None:
            return set(graph.by_id)
        return {r.revision for r in self.script().walk_revisions()}

    def _graph(self) -> RevisionSet | None:
        """The revision graph read from the files without importing them, when Alembic
        would load exactly that graph (:meth:`RevisionSet.alembic_graph`); else None, and
        the callers load the files with Alembic (which names what it cannot load)."""
        from .revfile import RevisionSet

        if not self.versions.is_dir():
            return None
        self._complete()  # as loading with Alembic does
        try:
            graph = RevisionSet(self.path)
        except InputError:
            return None
        return graph if graph.alembic_graph() else None

    def offline_sql(self, rev: str, direction: str, prev: str) -> str:
        """What Alembic's offline mode (``--sql``) writes for one step: ``rev``'s upgrade
        from ``prev``, or (``direction`` ``downgrade``) its downgrade to ``prev``."""
        from alembic import command

        from .commands import alembic_errors

        cfg = self.config()
        buf = io.StringIO()
        cfg.output_buffer = buf
        cfg.set_main_option("sqlalchemy.url", "mysql+pymysql://localhost/db")
        if direction == "upgrade":
            rng = f"{prev}:{rev}"
            alembic_errors("upgrade", rev, lambda: command.upgrade(cfg, rng, sql=True))
        else:
            rng = f"{rev}:{prev}"
            alembic_errors("downgrade", rev, lambda: command.downgrade(cfg, rng, sql=True))
        return buf.getvalue()

    def heads(self) -> list[str]:
        if not self.versions.exists():
            return []
        graph = self._graph()
        if graph is not None:
            return graph.heads()
        return sorted(self.script().get_heads())

    @property
    def objects(self) -> Path | None:
        """Where the states store their objects by content (``states/objects/``), when the
        directory uses that layout (the folder exists); else None: states written in full."""
        path = self.states / OBJECTS
        return path if path.is_dir() else None

    def state(self, rev: str | None) -> Snapshot | None:
        path = self.states / f"{rev or 'base'}.json"
        return Snapshot.read(path) if path.exists() else None

    def roots(self) -> list[str]:
        """The revisions that start a line (no down revision)."""
        if not self.versions.exists():
            return []
        return sorted(r.revision for r in self.script().walk_revisions() if not r.down_revision)

    def down_target(self, rev: str) -> str:
        """Where the downgrade of ``rev`` goes: its down revision, :data:`BASE` below the
        first revision of a line."""
        down = self.script().get_revision(rev).down_revision
        # a merge's down revisions (a tuple) are passed on as they are
        return BASE if down is None else cast(str, down)

    def root_state(self, root: str) -> Snapshot | None:
        """The state ``root`` starts from: ``states/<root>.before.json``, else ``base.json``."""
        path = self.states / f"{root}.before.json"
        return Snapshot.read(path) if path.exists() else self.state(None)

    def head_state(self, branch: str | None = None) -> tuple[str | None, Snapshot | None]:
        graph = self._graph() if self.versions.exists() else None
        heads = graph.heads() if graph is not None else self.heads()
        if branch and heads and graph is not None:
            heads = [h for h in heads if graph.on_branch(h, branch)]
        elif branch and heads:
            script = self.script()
            heads = [h for h in heads if branch in script.get_revision(h).branch_labels
                     or any(branch in r.branch_labels for r in script.iterate_revisions(h, "base"))]
            if not heads:  # a new branch: it starts where --from says, not at base
                return None, None
        if len(heads) > 1:
            raise InputError(f"{self.path}: several heads ({', '.join(heads)}); name one with --branch")
        head = heads[0] if heads else None
        return head, self.state(head)


    def start(self, branch: str | None, source: Schema | None,
              rev_id: str | None = None) -> tuple[str | None, Schema]:
        """Where a new revision starts: (the head it follows, its starting state).  The
        state is ``source`` (``--from``), which must then be the head's state, or the head's
        state; an ``rev_id`` that exists already is refused."""
        if rev_id is not None and ((self.states / f"{rev_id}.json").exists() or (
                self.versions.is_dir() and any(self.versions.glob("*.py"))
                and rev_id in self.revision_ids())):
            raise InputError(f"{self.path}: revision {rev_id} exists already; choose another --rev-id")
        head, head_snap = self.head_state(branch)
        if source is None:
            if head_snap is None:
                raise InputError(f"{self.path}: no revisions yet{' on branch ' + branch if branch else ''}; "
                                 f"give the starting state with --from")
            return head, head_snap.schema
        if head is not None and head_snap is not None and head_snap.fingerprint != Snapshot(source).fingerprint:
            raise InputError(f"--from does not match the head state of {self.path} (revision {head}); "
                             f"leave --from out to start from the head")
        return head, source


def recorded_fingerprints(script: ScriptDirectory) -> list[tuple[str, _Down, str | None, str | None]]:
    """(revision, down revision, fingerprint before, fingerprint after) of every revision of
    ``script`` (a ``ScriptDirectory``), newest first, read from the revision files' headers:
    no state file is parsed."""
    out: list[tuple[str, _Down, str | None, str | None]] = []
    for rev in script.walk_revisions():
        down = rev.down_revision if rev.down_revision else None
        out.append((rev.revision, down, getattr(rev.module, "schema_before", None),
                    getattr(rev.module, "schema_after", None)))
    return out


def read_versions(conn: pymysql.connections.Connection) -> list[str] | None:
    """The revisions in ``alembic_version``; None when the table does not exist."""
    import pymysql

    with conn.cursor() as cur:
        try:
            cur.execute("SELECT `version_num` FROM `alembic_version` ORDER BY `version_num`")
        except pymysql.MySQLError as exc:
            if exc.args[0] == 1146:
                return None
            raise
        return [r[0] for r in cur.fetchall()]


# ---------------------------------------------------------------------------------------
# additive policy


def widen(a: DataType, b: DataType) -> DataType:
    """A type that holds every value of both ``a`` and ``b`` (for the additive policy).
    Types of different families cannot be widened: ``a`` is kept."""
    if a == b:
        return a
    if a.name in INTEGER_NAMES and b.name in INTEGER_NAMES:
        rank = max(INTEGER_NAMES.index(a.name), INTEGER_NAMES.index(b.name))
        if a.unsigned != b.unsigned:
            rank = min(rank + 1, len(INTEGER_NAMES) - 1)
            unsigned = False
        else:
            unsigned = a.unsigned
        name = INTEGER_NAMES[rank]
        return DataType(name, DISPLAY_WIDTH[name][unsigned], unsigned=unsigned)
    if a.name in ("varchar", "char") and b.name in ("varchar", "char"):
        name = "varchar" if "varchar" in (a.name, b.name) else "char"
        return DataType(name, max(a.length or 1, b.length or 1))
    if a.name in TEXT_TYPES and b.name in TEXT_TYPES:
        return DataType(TEXT_TYPES[max(TEXT_TYPES.index(a.name), TEXT_TYPES.index(b.name))])
    if a.name == b.name and a.name in ("enum", "set"):
        return DataType(a.name, values=a.values + tuple(v for v in b.values if v not in a.values))
    if a.name == b.name == "decimal":
        scale = max(a.scale or 0, b.scale or 0)
        whole = max((a.length or 10) - (a.scale or 0), (b.length or 10) - (b.scale or 0))
        return DataType("decimal", min(whole + scale, 65), scale, unsigned=a.unsigned and b.unsigned)
    if {a.name, b.name} <= {"float", "double"}:
        return DataType("double", unsigned=a.unsigned and b.unsigned) if a.length is None and b.length is None else a
    return a


# what the additive policy leaves as the site has it, for a person to decide (module doc of
# :func:`additive`); a column keeps its own attributes but for a wider type and character set
_TYPE_ATTRS = frozenset({"type", "type_name", "length", "scale", "values", "unsigned", "zerofill"})
_SILENT = frozenset({"position", "index_order", "check_order"})  # order only: not a decision


@dataclass(frozen=True)
class Decision:
    """A difference from the target that an additive path leaves out: ``kind`` and
    ``path`` of the object, ``what`` the target has that the site keeps otherwise.  A
    constraint left out also has ``constraint`` (``check``, ``unique``, ``primary``,
    ``foreign_key``), its ``table`` and ``columns``, and the ``clause`` of a CHECK or the
    ``ref_table`` and ``ref_columns`` of a foreign key, to count the rows that fail it."""

    kind: str
    path: str
    what: str
    constraint: str | None = None
    table: str | None = None
    columns: tuple[str, ...] = ()
    clause: str | None = None
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()

    def literal(self) -> dict[str, Any]:
        """The decision as the revision file writes it (attributes with a value)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in (None, ())}


def additive(changes: Sequence[Change], source: Schema | None = None,
             target: Schema | None = None, decisions: list[Decision] | None = None) -> list[Change]:
    """``changes`` under the additive policy: the site gains what the target has and loses
    nothing of its own.  The path never

    * drops anything, or replaces a view, routine, trigger, event, index, foreign key or
      check the site has with the target's definition;
    * changes a column of the site's but to widen its type or character set: its default,
      NULL allowance, collation, comment and other attributes stay;
    * changes a table's options, character set or comment, or the database default;
    * adds a constraint (CHECK, UNIQUE, primary key, foreign key) over rows the site has:
      on an existing table, only over columns the path adds, which are NULL in every row.

    What it leaves out is appended to ``decisions`` (order aside): the review names each,
    and counts the rows that fail a left-out constraint where it has the database.  A
    guessed rename becomes an addition beside the old object; a new NOT NULL column
    without default is added nullable."""
    decisions = [] if decisions is None else decisions
    existing = {t.name for t in source.tables} if source is not None else set()
    new_columns = {(c.table or "", c.after.name) for c in changes if c.kind == "column" and isinstance(c, Add)}
    new_columns |= {(c.table or "", c.after.name) for c in changes
                    if c.kind == "column" and isinstance(c, Rename) and not c.confirmed}

    def unguess(c: Rename) -> Change | None:
        # a guessed rename would change a name the site's programs use: add the new
        # object beside the old one instead
        if c.kind == "column" and target is not None:
            table = target.table(c.table or "")
            assert table is not None, f"the target has the table of the column {c.path}"
            cols = [col.name for col in table.columns]
            pos = cols.index(c.name)
            return Add("column", c.table, c.after, cols[pos - 1] if pos else None)
        if c.kind == "table":
            return Add("table", None, target.table(c.name) if target is not None else c.after)
        return Add(c.kind, c.table, c.after) if c.kind != "column" else None

    def decide(c: Change, what: str, **constraint: Any) -> None:
        decisions.append(Decision(c.kind, c.path, what, **constraint))

    out: list[Change] = []
    for change in changes:
        c: Change = change
        if isinstance(change, Rename) and not change.confirmed:
            unguessed = unguess(change)
            if unguessed is None:
                continue
            c = unguessed
        if isinstance(c, Drop):
            continue  # the site's own
        if isinstance(c, Rename) and c.kind == "column":
            # a name that differs in letter case only: the site's column under the new name
            c = dataclasses.replace(c, after=dataclasses.replace(c.before, name=c.after.name))
        if isinstance(c, Alter) and c.kind != "column":
            shown = [x for x in c.changed if x not in _SILENT]
            if shown:
                decide(c, f"the target's {', '.join(shown)} (the site keeps its own)")
            continue
        if c.kind == "column" and isinstance(c, Add) and not c.after.nullable and c.after.default is None \
                and not c.after.auto_increment:
            # a NOT NULL column without default cannot be filled on the site's existing rows
            c = dataclasses.replace(c, after=dataclasses.replace(c.after, nullable=True, default="NULL"))
        if c.kind == "column" and isinstance(c, Alter):
            widened = _widened(c, decide)
            if widened is None:
                continue
            c = widened
        if c.table is not None and c.table in existing and isinstance(c, Add) \
                and c.kind in ("index", "foreign_key", "check"):
            constraint = _constraint_over_rows(c, new_columns, out)
            if constraint is not None:
                decide(c, f"the target's {_CONSTRAINT_WORDS[constraint]} (left out: the site's rows "
                          f"may not meet it)", constraint=constraint, table=c.table,
                       **_constrained(c))
                continue
        out.append(c)
    if source is not None and target is not None:
        out = _harmonize_fk_types(out, source, target)
    return out


def _widened(c: Alter, decide: Callable[..., None]) -> Alter | None:
    """The site's column with the wider of the two types (and character sets); the other
    attributes the target gives it are left to decide."""
    old, target_col = c.before, c.after
    wide = widen(old.type, target_col.type)
    new = dataclasses.replace(old, name=target_col.name, type=wide)
    if new.type.is_string and target_col.charset and old.charset \
            and _narrower_charset(target_col.charset, old.charset):
        new = dataclasses.replace(new, charset=target_col.charset, collation=target_col.collation)
    widened = tuple(x for x in c.changed if x in _TYPE_ATTRS and wide != old.type) \
        + tuple(x for x in ("charset", "collation") if x in c.changed and getattr(new, x) != getattr(old, x))
    kept = holds(new.type, target_col.type)
    left = [x for x in c.changed if x not in _SILENT
            and not (x in _TYPE_ATTRS and kept)
            and not (x in ("charset", "collation") and getattr(new, x) == getattr(target_col, x))]
    if left:
        # the target's column CHECK is a constraint over the site's rows: counted by the review
        check = ({"constraint": "check", "table": c.table, "clause": target_col.check}
                 if "check" in left and target_col.check else {})
        decide(c, f"the target's {', '.join(sorted(set(left)))} (the site keeps its own)", **check)
    if not widened:
        return None
    return dataclasses.replace(c, after=new, changed=tuple(sorted(set(widened))))


def holds(a: DataType, b: DataType) -> bool:
    """Whether type ``a`` holds every value of type ``b`` (it is ``b``, or wider)."""
    if a == b:
        return True
    if a.name == b.name and a.name in ("enum", "set"):
        return set(b.values) <= set(a.values)
    # widening is symmetric where the two types have a common wider type
    return widen(a, b) == a and widen(b, a) == a


def _constraint_over_rows(c: Add, new_columns: set[tuple[str, str]], added: Sequence[Change]) -> str | None:
    """The kind of constraint (``check``, ``unique``, ``primary``, ``foreign_key``) when the
    addition ``c`` to an existing table constrains rows the site has: a CHECK, or a key or
    foreign key over a column that is not new and NULL in every row; else None."""
    if c.kind == "check":
        return "check"
    if c.kind == "index" and not c.after.unique:
        return None
    columns = c.after.column_names if c.kind == "index" else tuple(c.after.columns)
    kind = c.after.kind if c.kind == "index" else "foreign_key"
    null_everywhere = {(a.table, a.after.name) for a in added
                       if a.kind == "column" and isinstance(a, Add) and a.after.nullable
                       and a.after.default in (None, "NULL")}
    if kind != "primary" and all((c.table, col) in new_columns and (c.table, col) in null_everywhere
                                 for col in columns):
        return None
    return kind


_CONSTRAINT_WORDS = {"check": "CHECK constraint", "unique": "unique key", "primary": "primary key",
                     "foreign_key": "foreign key"}


def _constrained(c: Add) -> dict[str, Any]:
    """What counts the rows that fail the constraint ``c`` adds."""
    if c.kind == "check":
        return {"clause": c.after.clause}
    if c.kind == "index":
        return {"columns": tuple(c.after.column_names)}
    return {"columns": tuple(c.after.columns), "ref_table": c.after.ref_table,
            "ref_columns": tuple(c.after.ref_columns)}


# character sets by the characters they can store (each holds all of the ones before it)
_CHARSET_RANK = {"ascii": 0, "latin1": 1, "utf8mb3": 2, "utf8": 2, "utf8mb4": 3}


def _narrower_charset(old: str | None, new: str | None) -> bool:
    """Whether converting from ``old`` to ``new`` can lose characters."""
    if not old or not new or old == new:
        return False
    if old not in _CHARSET_RANK or new not in _CHARSET_RANK:
        return False  # not ranked: left to the reviewer (DS106)
    return _CHARSET_RANK[new] < _CHARSET_RANK[old]


def _harmonize_fk_types(  # noqa: C901 - a fixed point over the foreign-key graph, integer rules inline
        changes: list[Change], source: Schema, target: Schema) -> list[Change]:
    """Widening can leave the two ends of a foreign key with different integer types, which
    the server refuses.  Give every column linked by foreign keys the widest of their types."""

    final: dict[tuple[str, str], Column] = {}
    for t in source.tables:
        for col in t.columns:
            final[(t.name, col.name)] = col
    for c in changes:
        if c.kind == "table" and isinstance(c, Add):
            for col in c.after.columns:
                final[(c.name, col.name)] = col
        elif c.kind == "column" and isinstance(c, Add):
            final[(c.table or "", c.after.name)] = c.after
        elif c.kind == "column" and isinstance(c, Alter):
            final.pop((c.table or "", c.before.name), None)
            final[(c.table or "", c.after.name)] = c.after
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    kept = {t.name for t in target.tables}
    fks = [(t.name, fk) for t in target.tables for fk in t.foreign_keys]
    fks += [(t.name, fk) for t in source.tables if t.name not in kept for fk in t.foreign_keys]
    for table, fk in fks:
        for a, b in zip(fk.columns, fk.ref_columns, strict=False):
            ka, kb = (table, a), (fk.ref_table, b)
            if ka in final and kb in final:
                parent[find(ka)] = find(kb)
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in list(parent) + list({find(k) for k in parent}):
        groups.setdefault(find(key), [])
        if key not in groups[find(key)]:
            groups[find(key)].append(key)
    wanted: dict[tuple[str, str], dict[str, Any]] = {}  # column -> attributes to override
    for members in groups.values():
        group = [final[m] for m in members]
        if all(col.type.name in INTEGER_NAMES for col in group):
            wide = group[0].type
            for col in group[1:]:
                wide = widen(wide, col.type)
            for m in members:
                if final[m].type != wide:
                    wanted.setdefault(m, {})["type"] = wide
        ranked = [col for col in group if col.charset in _CHARSET_RANK]
        if ranked and len({col.charset for col in ranked}) > 1:
            # string keys: every end gets the widest character set of the group
            widest = max(ranked, key=lambda col: _CHARSET_RANK[col.charset or ""])
            for m in members:
                if final[m].charset in _CHARSET_RANK and final[m].charset != widest.charset:
                    wanted.setdefault(m, {}).update(charset=widest.charset, collation=widest.collation)
    if not wanted:
        return changes
    out: list[Change] = []
    for c in changes:
        table = c.table or ""
        if c.kind == "table" and isinstance(c, Add) and any(k[0] == c.name for k in wanted):
            cols = tuple(dataclasses.replace(col, **wanted.pop((c.name, col.name), {}))
                         for col in c.after.columns)
            c = dataclasses.replace(c, after=dataclasses.replace(c.after, columns=cols))
        elif c.kind == "column" and isinstance(c, Add) and (table, c.after.name) in wanted:
            c = dataclasses.replace(c, after=dataclasses.replace(c.after, **wanted.pop((table, c.after.name))))
        elif c.kind == "column" and isinstance(c, Alter) and (table, c.after.name) in wanted:
            attrs = wanted.pop((table, c.after.name))
            new = dataclasses.replace(c.after, **attrs)
            changed = set(c.changed) | set(attrs)
            changed = {x for x in changed if getattr(new, x, None) != getattr(c.before, x, None)
                       or x not in ("type", "charset", "collation")}
            if not changed:
                continue
            c = dataclasses.replace(c, after=new, changed=tuple(sorted(changed)))
        out.append(c)
    # columns that did not change at all but must now follow their foreign keys
    for (table, name), attrs in sorted(wanted.items()):
        col = final[(table, name)]
        new = dataclasses.replace(col, **attrs)
        if new != col:
            out.append(Alter("column", table, col, new, tuple(sorted(attrs))))
    return sorted(out, key=lambda c: c.sort_key())


# ---------------------------------------------------------------------------------------
# rendering


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "revision"


def _pylit(text: str) -> str:
    """A Python string literal of ``text``: triple-quoted for readable multi-line SQL where
    that reads back exactly, ``repr`` otherwise (a quote at the end, a carriage return,
    which Python reads as a newline, or any other control character)."""
    if "\n" in text and '"""' not in text and not text.endswith('"') \
            and not any(_control(ch) for ch in text if ch not in "\n\t"):
        return '"""' + text.replace("\\", "\\\\") + '"""'
    return repr(text)


def _control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def _comment(text: str) -> str:
    """``text`` for a ``#`` comment: on one line whatever names it holds (a name with a
    newline would otherwise end the comment and start code)."""
    return "".join(repr(ch)[1:-1] if _control(ch) else ch for ch in text)


_DROP_TABLE = re.compile(r"^DROP TABLE `((?:[^`]|``)+)`$")
_RENAME_TABLE = re.compile(r"^RENAME TABLE `((?:[^`]|``)+)` TO `((?:[^`]|``)+)`$")
_DROP_FK = re.compile(r"^ALTER TABLE `((?:[^`]|``)+)` DROP FOREIGN KEY `((?:[^`]|``)+)`$")


def _unq(name: str) -> str:
    return name.replace("``", "`")


def render_step(step: Step) -> list[str]:
    """Python lines for one step: an ``op.*`` call where Alembic expresses it exactly,
    ``run_sql`` with the exact statement otherwise."""
    sql = step.sql
    if not step.session:
        m = _DROP_TABLE.match(sql)
        if m:
            return [f"op.drop_table({_unq(m.group(1))!r})"]
        m = _RENAME_TABLE.match(sql)
        if m:
            return [f"op.rename_table({_unq(m.group(1))!r}, {_unq(m.group(2))!r})"]
        m = _DROP_FK.match(sql)
        if m:
            return [f"op.drop_constraint({_unq(m.group(2))!r}, {_unq(m.group(1))!r}, type_=\"foreignkey\")"]
    args = [_pylit(sql)] + [repr(s) for s in step.session]
    return ["run_sql(" + ", ".join(args) + ")"]


def _body(steps: Sequence[Step]) -> str:
    if not steps:
        return "    pass\n"
    out: list[str] = []
    phase = None
    for step in steps:
        if step.phase != phase:
            phase = step.phase
            out.append(f"    # -- {phase}")
        for change in step.changes:
            if isinstance(change, Rename) and change.confirmed is False:
                out.append("    # " + _comment(
                    f"CONFIRM: likely rename {change.old_name} -> {change.name} ({change.reason}); "
                    f"replace by a drop and an add if it is not one"))
        for line in render_step(step):
            out.append("    " + line)
    return "\n".join(out) + "\n"


_ONE_A_LINE = frozenset({"decisions"})  # long tuples written one item a line


def _literal(value: Any) -> str:
    """``repr`` of a module-level literal; a tuple of tuples or dicts one item a line."""
    if isinstance(value, tuple) and value and all(isinstance(v, (tuple, dict)) for v in value):
        return "(\n" + "".join(f"    {v!r},\n" for v in value) + ")"
    return repr(value)


def render_revision(*, rev_id: str, down_revision: str | None, message: str,
                    branch_labels: Sequence[str] | None, before: str, after: str, policy: str,
                    upgrade: Sequence[Step], downgrade: Sequence[Step],
                    extra: dict[str, Any] | None = None) -> str:
    """The revision file.  ``extra``: more module-level names (literals), written after
    ``depends_on``."""
    labels = tuple(branch_labels) if branch_labels else None
    more = "".join(f"{k} = {_literal(v) if k in _ONE_A_LINE else repr(v)}\n" for k, v in (extra or {}).items())
    doc = message.replace('"""', "'''").replace("\\", "/")
    return (
        f'"""{doc}\n\n'
        f"Revision ID: {rev_id}\n"
        f"Revises: {down_revision or ''}\n"
        f"Generated by schema-tools (policy: {policy}).\n"
        f"Expects schema: {before}\n"
        f"Produces schema: {after}\n"
        f'"""\n'
        f"from alembic import op\n\n"
        f"from schema_tools.migrate.runtime import run_sql\n\n"
        f"revision = {rev_id!r}\n"
        f"down_revision = {down_revision!r}\n"
        f"branch_labels = {labels!r}\n"
        f"depends_on = None\n"
        f"{more}\n"
        f"schema_before = {before!r}\n"
        f"schema_after = {after!r}\n\n\n"
        f"def upgrade() -> None:\n{_body(upgrade)}\n\n"
        f"def downgrade() -> None:\n{_body(downgrade)}"
    )


def derive_rev_id(before: str, after: str, message: str, down_revision: str | None) -> str:
    h = hashlib.sha256(f"{before}\n{after}\n{message}\n{down_revision}".encode()).hexdigest()
    return h[:12]


def write_revision(rdir: RevisionDir, *, source: Schema, target: Schema, expected: Schema,
                   message: str, policy: str = "exact", rev_id: str | None = None,
                   branch: str | None = None, down_revision: str | None = None,
                   upgrade: Sequence[Step], downgrade: Sequence[Step],
                   extra: dict[str, Any] | None = None, slug: str | None = None) -> RevisionInfo:
    """Write the revision file and the expected state; return where.  ``slug`` names the
    file after the id (default: from the message); ``extra``: see :func:`render_revision`."""
    before, after = fingerprint(source), fingerprint(expected)
    rev_id = rev_id or derive_rev_id(before, after, message, down_revision)
    if not re.fullmatch(r"[A-Za-z0-9_]+", rev_id):
        raise InputError(f"revision id {rev_id!r}: use letters, digits and _ only")
    rdir.ensure()
    text = render_revision(rev_id=rev_id, down_revision=down_revision, message=message,
                           branch_labels=[branch] if branch else None, before=before, after=after,
                           policy=policy, upgrade=upgrade, downgrade=downgrade, extra=extra)
    path = rdir.versions / f"{rev_id}_{slug or _slug(message)}.py"
    path.write_text(text, encoding="utf-8")
    objects = rdir.objects
    Snapshot(expected, {"revision": rev_id}).write(rdir.states / f"{rev_id}.json", objects=objects)
    if down_revision is None:
        base = rdir.states / "base.json"
        if not base.exists():
            Snapshot(source, {"revision": "base"}).write(base, objects=objects)
        elif Snapshot.read(base).fingerprint != before:
            # a second root (another line of revisions): its own starting state
            Snapshot(source, {"revision": f"{rev_id}.before"}).write(rdir.states / f"{rev_id}.before.json",
                                                                     objects=objects)
    return RevisionInfo(rev_id, down_revision, path, before, after)
