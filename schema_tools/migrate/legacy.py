"""Legacy ISPyB update scripts as Alembic revisions.

Sites evolve their schema with hand-written ``updates/*.sql`` scripts.  Each script
records itself in the ``SchemaStatus`` table: it inserts a row ``(scriptName, 'ONGOING')``
first and sets it to ``'DONE'`` last.  :func:`import_legacy` turns a folder of such
scripts into one revision per script, in file-name order (the folders' convention:
names start with the date, ``2024_01_09_...``):

* ``upgrade()`` runs the script's statements as written, one ``run_sql`` each, in the
  text the ``mariadb`` client sends for them (``DELIMITER`` blocks resolved, plain
  comments dropped), the ``SchemaStatus`` rows included, so legacy tooling still sees
  its ``DONE`` rows;
* the state the script produces is found by really running it, statement by statement
  over the same kind of connection, on a scratch database holding the previous state, and
  introspecting the result: ``states/<rev>.json`` and the revision's fingerprints;
* ``downgrade()`` deletes the script's ``SchemaStatus`` row, deletes the rows the script
  inserted into tables whose rows are not part of the schema (found on the scratch
  database; each matched by its values, auto-increment and time-stamp columns left out),
  and reverses the difference between the two states, as generated revisions do (lookup
  rows included).  Other row changes in such tables (UPDATE, DELETE) are not reverted.

A revision file also carries ``legacy_script = '<file name>'``, ``legacy_recorded =
'<name it writes into SchemaStatus>'`` (``None`` when it writes none) and
``legacy_writes``: the tables outside the lookup tables whose rows it writes (``verify``
does not count their rows as lost or gained in that step).  Revision ids are
derived from the file name: ``[<branch>_]<yyyymmdd>_<rest>``, lower case, cut to the 32
characters of Alembic's ``alembic_version`` column (a short hash is appended if two
names would collide).

``legacy.json`` in the revision directory maps the scripts to revisions, in order::

    [
      {"script": "2024_01_09_AdminVar_bump_version.sql",
       "recorded": "2024_01_09_AdminVar_bump_version.sql",
       "revision": "dls_20240109_adminvar_bump_versi"},
      ...
    ]

``script`` is the file name, ``recorded`` the exact ``scriptName`` the script writes into
``SchemaStatus`` (trailing spaces included; ``null`` when none), ``revision`` the revision
id.  Entries of several imports (several lines of revisions) follow one another; an
entry is replaced when its revision is imported again.  :func:`load_legacy_map` reads it.

A script that cannot run as written is reported with the reason and not imported:
a ``USE`` statement (the revision would switch databases), a ``DEFINER`` account that
does not exist on the server, or any statement the server refuses (names qualified with
another database, ``pydb.Movie``, fail this way).  By default the chain stops there (the
scripts after it are "not reached"); with ``skip_failed`` the script is left out and the
next one is tried on the state before it.  A script whose recorded name differs from its
file name, or that records none, is imported with a warning.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql

from ..diff.compare import DiffOptions, diff, reverse_changes
from ..errors import InputError, SqlError
from ..model.objects import Schema, quote_string
from ..model.snapshot import Snapshot
from ..dialect.ddl import quote_ident
from .plan import Step, plan
from ..dialect.lexer import Tok, name_at, tokenize
from ..dialect.sqlscript import Statement, client_strip, read_sql_file, split_sql
from ..sources.workspace import Workspace, open_workspace
from .revision import RevisionDir, write_revision
from .scripts import classify, clauses, stated_renames

LEGACY_MAP = "legacy.json"
REV_ID_MAX = 32  # alembic_version.version_num is VARCHAR(32)

def _value(tok: Tok | None) -> str | None:
    """The value of a string, or a name as the server reads it; None for anything else."""
    if tok is None:
        return None
    if tok.kind == "string":
        return tok.value
    return tok.name if tok.is_name else None


def _op(tok: Tok | None, text: str) -> bool:
    return tok is not None and tok.kind == "op" and tok.text == text


def _items(toks: Sequence[Tok], i: int) -> tuple[list[Tok | None], int]:
    """The comma-separated single tokens of the parenthesised list at ``toks[i]`` (None for an
    item of more than one token), and the index after it; ``([], i)`` when none is there."""
    if i >= len(toks) or not _op(toks[i], "("):
        return [], i
    items: list[Tok | None] = []
    j = i + 1
    while j < len(toks):
        end = j
        while end < len(toks) and not (_op(toks[end], ",") or _op(toks[end], ")")):
            end += 1
        items.append(toks[j] if end == j + 1 else None)
        if end >= len(toks) or _op(toks[end], ")"):
            return items, end + 1
        j = end + 1
    return items, j


def _status_row(toks: Sequence[Tok]) -> dict[str, str | None] | None:
    """The values by lower-cased column of ``INSERT [IGNORE] INTO SchemaStatus (...) VALUES
    (...)`` (one row, any column order), or None for any other statement."""
    i = 1 if toks and toks[0].is_kw("INSERT") else len(toks)
    if i < len(toks) and toks[i].is_kw("IGNORE"):
        i += 1
    if not (i + 1 < len(toks) and toks[i].is_kw("INTO") and toks[i + 1].is_name):
        return None
    table, i = name_at(toks, i + 1)
    if (table or "").lower() != "schemastatus":
        return None
    columns, i = _items(toks, i)
    if not (i < len(toks) and toks[i].is_kw("VALUES", "VALUE")):
        return None
    values, i = _items(toks, i + 1)
    names = [_value(c) for c in columns]
    if i != len(toks) or len(values) != len(columns) or None in names:
        return None
    return {str(n).lower(): _value(v) for n, v in zip(names, values, strict=True)}


def _status_done(toks: Sequence[Tok]) -> str | None:
    """The scriptName of ``UPDATE SchemaStatus SET schemaStatus = 'DONE' WHERE scriptName =
    '...'``, or None for any other statement."""
    if not (len(toks) == 10 and toks[0].is_kw("UPDATE") and toks[2].is_kw("SET") and toks[6].is_kw("WHERE")):
        return None
    if not (_op(toks[4], "=") and _op(toks[8], "=")):
        return None
    table, status, column = (_value(toks[k]) or "" for k in (1, 3, 7))
    if (table.lower(), status.lower(), column.lower()) != ("schemastatus", "schemastatus", "scriptname"):
        return None
    # the server compares 'done' with 'DONE' as equal (a _ci collation)
    return _value(toks[9]) if toks[5].kind == "string" and toks[5].value.upper() == "DONE" \
        and toks[9].kind == "string" else None


def _definers(toks: Sequence[Tok]) -> list[tuple[str, str]]:
    """The (user, host) of each ``DEFINER = user@host`` clause (not ``CURRENT_USER``)."""
    out = []
    for i, t in enumerate(toks):
        if not (t.is_kw("DEFINER") and i + 3 < len(toks) and _op(toks[i + 1], "=")):
            continue
        user, at = _value(toks[i + 2]), toks[i + 3]
        if user is None or at.kind != "var" or not at.text.startswith("@") or at.text.startswith("@@"):
            continue
        host = _value(toks[i + 4] if i + 4 < len(toks) else None) if at.text == "@" else at.text[1:]
        if host is not None:
            out.append((user, host))
    return out


# ---------------------------------------------------------------------------------------
# reading a script


@dataclass(frozen=True)
class LegacyScript:
    """One update script, read and checked without a server."""

    path: Path
    statements: tuple[Statement, ...]
    sql: tuple[str, ...]  # each statement as the mariadb client sends it
    recorded: str | None  # the scriptName of its ONGOING row
    done: str | None  # the scriptName its last UPDATE sets to DONE
    problems: tuple[str, ...]  # why it cannot run as written
    definers: tuple[tuple[int, str, str], ...]  # (line, user, host) of each DEFINER clause

    @property
    def name(self) -> str:
        return self.path.name

    def warnings(self) -> list[str]:
        out = []
        if self.recorded is None:
            out.append("records nothing in SchemaStatus")
        elif self.recorded != self.name and self.recorded.rstrip(" ") == self.name:
            out.append(f"records its file name with trailing spaces ({self.recorded!r}) in SchemaStatus")
        elif self.recorded != self.name:
            out.append(f"records {self.recorded!r} in SchemaStatus, not its file name")
        # SchemaStatus compares names without trailing spaces (PAD SPACE collations)
        if self.recorded is not None and (self.done or "").rstrip(" ") != self.recorded.rstrip(" "):
            out.append(f"sets {self.done!r} to DONE, not {self.recorded!r}" if self.done
                       else "never sets its SchemaStatus row to DONE")
        return out


def read_script(path: str | Path) -> LegacyScript:
    path = Path(path)
    text = read_sql_file(path)
    try:
        statements = tuple(split_sql(text, source=path.name))
    except SqlError as exc:  # it cannot run at all: a failed script, like one the server rejects
        return LegacyScript(path, (), (), None, None, (str(exc),), ())
    sql = tuple(client_strip(st.sql) for st in statements)
    recorded = done = None
    problems: list[str] = []
    definers: list[tuple[int, str, str]] = []
    for st, stmt in zip(statements, sql, strict=True):
        toks = tokenize(stmt, lenient=True)
        row = _status_row(toks)
        if row is not None and recorded is None and (row.get("schemastatus") or "").upper() == "ONGOING":
            recorded = row.get("scriptname")
        done = _status_done(toks) or done
        if len(toks) == 2 and toks[0].is_kw("USE") and toks[1].is_name:
            problems.append(f"line {st.line}: hard-coded USE {toks[1].name}: the revision "
                            f"would switch the connection to another database; remove the line")
        definers.extend((st.line, user, host) for user, host in _definers(toks))
    return LegacyScript(path, statements, sql, recorded, done, tuple(problems), tuple(definers))


def list_scripts(folder: str | Path) -> list[Path]:
    """The ``*.sql`` files of ``folder`` in the order they run: by file name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of update scripts")
    return sorted((p for p in folder.iterdir() if p.suffix.lower() == ".sql" and p.is_file()),
                  key=lambda p: p.name)


# ---------------------------------------------------------------------------------------
# revision ids and the map


def rev_id_for(script: str, branch: str | None = None, taken: Sequence[str] = ()) -> str:
    """``[<branch>_]<yyyymmdd>_<rest>`` from a script's file name, at most 32 characters."""
    stem = Path(script).stem
    m = re.match(r"^(\d{4})[_-](\d{2})[_-](\d{2})[_-]?(.*)$", stem)
    if m:
        stem = "".join(m.groups()[:3]) + "_" + m.group(4)
    slug = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "script"
    full = f"{branch}_{slug}" if branch else slug
    full = re.sub(r"[^A-Za-z0-9_]+", "_", full)
    rev = full[:REV_ID_MAX].rstrip("_")
    if rev in taken:
        h = hashlib.sha256(script.encode()).hexdigest()[:4]
        rev = full[:REV_ID_MAX - 5].rstrip("_") + "_" + h
    return rev


def load_legacy_map(rdir: RevisionDir) -> list[dict[str, Any]]:
    """The entries of ``legacy.json`` (``script``, ``recorded``, ``revision``), in order;
    empty when the directory has none."""
    path = rdir.path / LEGACY_MAP
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(e, dict) and "script" in e and "revision" in e
                                             for e in data):
        raise InputError(f"{path}: expected a list of {{script, recorded, revision}} entries")
    return [{"script": e["script"], "recorded": e.get("recorded"), "revision": e["revision"]}
            for e in data]


def _write_map(rdir: RevisionDir, entries: list[dict[str, Any]]) -> None:
    new = {e["revision"] for e in entries}
    kept = [e for e in load_legacy_map(rdir) if e["revision"] not in new]
    text = json.dumps(kept + entries, indent=2, ensure_ascii=False) + "\n"
    (rdir.path / LEGACY_MAP).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------
# importing


@dataclass
class ScriptResult:
    """What became of one script."""

    script: str
    status: str  # imported | failed | not reached
    revision: str | None = None
    recorded: str | None = None
    reason: str | None = None
    changes: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.status == "imported":
            text = f"{self.script}: imported as {self.revision} ({self.changes} change(s))"
        elif self.status == "failed":
            text = f"{self.script}: NOT IMPORTED: {self.reason}"
        else:
            text = f"{self.script}: not reached ({self.reason})"
        return text + "".join(f"; warning: {w}" for w in self.warnings)


class _Failed(Exception):
    pass


def _account_exists(conn: pymysql.connections.Connection, user: str, host: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s", (user, host))
        return bool(cur.fetchone()[0])


def written_tables(script: LegacyScript) -> list[str]:
    """The tables the script's data statements write to (INSERT, REPLACE, UPDATE and DELETE,
    alone or in a compound statement), as :func:`~.scripts.classify` reads them."""
    out: list[str] = []
    for sql in script.sql:
        for name in classify(sql).writes:
            if name not in out:
                out.append(name)
    return out


def read_rows(ws: Workspace, schema: Schema, tables: Sequence[str]) -> dict[str, list[tuple[Any, ...]]]:
    """(column, value literal) pairs of every row of ``tables``, for matching them on
    another server: auto-increment, generated and time-stamped columns left out."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    conn = ws.connect(ws.database)
    try:
        for name in tables:
            table = schema.table(name)
            if table is None:
                continue
            cols = [c.name for c in table.columns if not c.auto_increment and c.generated is None
                    and "current_timestamp" not in (c.default or "").lower()]
            if not cols:
                continue
            with conn.cursor() as cur:
                cur.execute("SELECT " + ", ".join(f"QUOTE({quote_ident(c)})" for c in cols)
                            + f" FROM {quote_ident(name)}")
                out[name] = [tuple(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()
    return out


_Rows = dict[str, list[tuple[Any, ...]]]


def inserted_rows(before: _Rows, after: _Rows) -> _Rows:
    """The rows of ``after`` that ``before`` does not hold (each row matched once)."""
    out = {}
    for table, rows in after.items():
        left = list(before.get(table, []))
        new = []
        for row in rows:
            if row in left:
                left.remove(row)
            else:
                new.append(row)
        if new:
            out[table] = new
    return out


def _run_script(ws: Workspace, script: LegacyScript) -> None:
    """Run ``script`` on the scratch database as its revision will: statement by statement,
    as written, on one new connection."""
    conn = ws.connect(ws.database)
    try:
        for line, user, host in script.definers:
            if user.upper() == "CURRENT_USER":
                continue
            if not _account_exists(conn, user, host):
                raise _Failed(f"line {line}: DEFINER {quote_ident(user)}@{quote_ident(host)} does not "
                              f"exist on the server; create the account or drop the DEFINER clause")
        for st, sql in zip(script.statements, script.sql, strict=True):
            try:
                with conn.cursor() as cur:
                    cur.execute(sql)
                    while cur.nextset():
                        pass
            except pymysql.MySQLError as exc:
                code = exc.args[0] if exc.args else "?"
                raise _Failed(f"line {st.line}: ERROR {code}: {exc.args[-1]}") from None
        conn.commit()
    finally:
        conn.close()


def reset_database(ws: Workspace, schema: Schema) -> None:
    """Bring the scratch database back to ``schema`` (after a script failed half-way), empty."""
    conn = ws.connect(None)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {quote_ident(ws.database)}")
            cur.execute(f"CREATE DATABASE {quote_ident(ws.database)}")
    finally:
        conn.close()
    ws.load_schema(schema)


def reference_tables(start: str | Path, base: Schema) -> list[str]:
    """The tables whose rows belong to the schema: those the base state tracks, and the
    configured reference tables (``reference_tables`` under ``[tool.schema_tools]`` in the
    first ``pyproject.toml`` from ``start`` upward that sets it; the ISPyB lookup tables
    by default) that the base does not have yet, for a script that creates them."""
    from ..config import configured_reference_tables

    have = {t.name for t in base.tables}
    return sorted({d.table for d in base.data}
                  | {t for t in configured_reference_tables(start) if t not in have})


_NOT_SESSION = ("NAMES", "CHARACTER", "CHARSET", "PASSWORD", "ROLE", "DEFAULT", "TRANSACTION", "STATEMENT",
                "GLOBAL")


def _session_variable(item: Sequence[Tok]) -> str | None:
    """The session variable one assignment of a SET sets (``SESSION x = ...``,
    ``@@SESSION.x = ...``, ``@@x = ...``, ``x = ...``), lower-cased; None for a user variable
    (``@x``) or a global one."""
    head = [t.text.upper() if t.kind == "var" else t.value if t.kind == "word" else t.text for t in item[:4]]
    for prefix in ((), ("SESSION",), ("LOCAL",), ("@@SESSION", "."), ("@@LOCAL", ".")):
        n = len(prefix)
        if tuple(head[:n]) == prefix and len(item) > n + 1 and item[n].kind == "word" \
                and item[n + 1].kind == "op" and item[n + 1].text in ("=", ":="):
            return item[n].text.lower()
    first = item[0] if item else None
    if first is not None and first.kind == "var" and first.text.startswith("@@") and "." not in first.text \
            and len(item) > 1 and item[1].kind == "op" and item[1].text in ("=", ":="):
        return first.text[2:].lower() if first.text.upper() != "@@GLOBAL" else None
    return None


def session_variables(script: LegacyScript) -> list[str]:
    """The session variables the script sets (``SET SESSION foreign_key_checks=OFF``)."""
    out: list[str] = []
    for sql in script.sql:
        toks = tokenize(sql, lenient=True)
        if len(toks) < 2 or not toks[0].is_kw("SET") or toks[1].is_kw(*_NOT_SESSION) \
                or (toks[1].kind == "var" and toks[1].text.upper() == "@@GLOBAL"):
            continue
        for item in clauses(toks[1:]):
            name = _session_variable(item)
            if name is not None and name not in out:
                out.append(name)
    return out


def upgrade_steps(script: LegacyScript, label: str = "legacy ") -> list[Step]:
    """The script's statements; session variables it sets are put back afterwards (a
    script ran in a client session of its own, revisions share one connection)."""
    names = session_variables(script)
    save = [Step(f"{label}session", f"SET @schema_tools_legacy_{n} = @@SESSION.{n}") for n in names]
    restore = [Step(f"{label}session", f"SET SESSION {n} = @schema_tools_legacy_{n}") for n in names]
    return save + [Step(f"{label}script {script.name}", sql) for sql in script.sql] + restore


def bookkeeping_undo(scripts: Sequence[LegacyScript], after: Schema, label: str = "legacy ") -> list[Step]:
    """The deletes of the ``SchemaStatus`` rows the scripts record, last script first."""
    if after.table("SchemaStatus") is None:
        return []
    return [Step(f"{label}bookkeeping",
                 f"DELETE FROM {quote_ident('SchemaStatus')} WHERE {quote_ident('scriptName')} = "
                 f"{quote_string(s.recorded)}") for s in reversed(scripts) if s.recorded is not None]


def downgrade_steps(scripts: Sequence[LegacyScript], before: Schema, after: Schema,
                    inserted: dict[str, list[tuple[Any, ...]]], options: DiffOptions | None = None,
                    label: str = "legacy ") -> list[Step]:
    """The downgrade of scripts that took ``before`` to ``after``: their ``SchemaStatus``
    rows deleted, the rows they inserted into tables whose rows are not part of the schema
    deleted by value, and the difference of the two states reversed (``options`` carries
    the renames the scripts state, which are renamed back)."""
    steps = bookkeeping_undo(scripts, after, label)
    for table, rows in sorted(inserted.items()):
        # rows the script inserted into tables whose rows are not part of the schema: each
        # deleted by its values (auto-increment keys differ from one server to another)
        for row in rows:
            where = " AND ".join(f"{quote_ident(c)} <=> {v if v is not None else 'NULL'}" for c, v in row)
            steps.append(Step("rows the script inserted", f"DELETE FROM {quote_ident(table)} WHERE {where} LIMIT 1"))
    changes = diff(before, after, options)
    steps += plan(reverse_changes(changes), after, before)
    return steps


Progress = Callable[[ScriptResult], None]


def import_legacy(rdir: RevisionDir, folder: str | Path, base: Schema, *, branch: str | None = None,
                  server: str | None = None, skip_failed: bool = False,
                  progress: Progress | None = None) -> list[ScriptResult]:
    """Import the scripts of ``folder`` onto ``base`` as revisions of ``rdir`` (see the
    module's documentation).  The first revision follows the head of ``branch`` if there
    is one (its state must be ``base``), else it starts a new line labelled ``branch``."""
    paths = list_scripts(folder)
    if not paths:
        raise InputError(f"{folder}: no .sql scripts")
    scripts = [read_script(p) for p in paths]
    rdir.ensure()
    head, head_snap = rdir.head_state(branch)
    if head is not None and head_snap is not None and head_snap.fingerprint != Snapshot(base).fingerprint:
        raise InputError(f"--base does not match the head state of {rdir.path} "
                         f"(revision {head}{', branch ' + branch if branch else ''})")
    taken = set()
    if rdir.versions.exists() and any(rdir.versions.glob("*.py")):
        taken = {r.revision for r in rdir.script().walk_revisions()}
    results: list[ScriptResult] = []
    entries: list[dict[str, Any]] = []
    say = progress or (lambda r: None)
    data_tables = reference_tables(rdir.path, base)
    current, down = base, head
    stopped: str | None = None
    with open_workspace(server) as ws:
        ws.load_schema(base)
        for script in scripts:
            result = ScriptResult(script.name, "imported", recorded=script.recorded,
                                  warnings=script.warnings())
            results.append(result)
            if stopped is not None:
                result.status, result.reason, result.warnings = "not reached", stopped, []
                say(result)
                continue
            untracked = [t for t in written_tables(script)
                         if t != "SchemaStatus" and t not in data_tables]
            try:
                if script.problems:
                    raise _Failed("; ".join(script.problems))
                rows_before = read_rows(ws, current, untracked)
                _run_script(ws, script)
            except _Failed as exc:
                result.status, result.reason = "failed", str(exc)
                say(result)
                reset_database(ws, current)
                if not skip_failed:
                    stopped = f"the chain stops at {script.name}"
                continue
            after = ws.introspect(self_check=False, data_tables=data_tables).schema
            inserted = inserted_rows(rows_before, read_rows(ws, after, untracked))
            renames = stated_renames(script.sql)
            writes = tuple(t for t in written_tables(script) if t not in data_tables)
            rev = rev_id_for(script.name, branch, sorted(taken))
            taken.add(rev)
            message = f"Legacy update script {script.name}"
            if result.warnings:
                message += "\n\n" + "\n".join(f"Warning: {w}" for w in result.warnings)
            write_revision(rdir, source=current, target=after, expected=after, message=message,
                           policy="legacy", rev_id=rev, branch=branch if down is None else None,
                           down_revision=down, upgrade=upgrade_steps(script),
                           downgrade=downgrade_steps([script], current, after, inserted,
                                                     DiffOptions(renames=renames)),
                           extra={"legacy_script": script.name, "legacy_recorded": script.recorded,
                                  "legacy_writes": writes,
                                  **({"script_renames": renames} if renames else {})},
                           slug="legacy")
            result.revision, result.changes = rev, len(diff(current, after, DiffOptions(renames=renames)))
            entries.append({"script": script.name, "recorded": script.recorded, "revision": rev})
            current, down = after, rev
            say(result)
    if entries:
        _write_map(rdir, entries)
    return results
