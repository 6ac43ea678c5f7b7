"""Upgrading a production database, safely, with MariaDB's non-transactional DDL.

``upgrade`` (and ``downgrade``) run revisions one at a time through Alembic, with:

* **pre-flight**: the live schema must be the recorded state of the revision in
  ``alembic_version`` (or be part-way through the next revision, after an interrupted run);
  anything else is drift and is refused unless forced;
* **one run at a time**: an advisory lock (``GET_LOCK``) named after the database is held
  for the whole run, on a connection of its own; a second run waits ``lock_timeout``
  seconds, then stops cleanly, having changed nothing;
* **durable progress**: every statement of a revision is recorded in the
  ``schema_tools_progress`` table (``running`` before it is sent, ``done`` after the server
  committed it; each statement commits on its own).  After a failure or a kill, the next
  run skips the statements recorded ``done``, provided the revision still has them,
  unchanged; a statement left ``running`` (the process died while the server ran it) is
  run again, and an error saying its effect is already there (a duplicate column, a
  missing index to drop...) counts as committed.  Both are reported.  Progress is discarded
  when the schema shows the revision did not start, only if every committed statement was
  DDL: the schema cannot show that a data statement (INSERT, UPDATE...) ran;
* **a final check**: the end state must have the fingerprint the revision recorded;
* **online changes** (``Session.online``): an ``ALTER TABLE`` on a large table that would
  block writes goes through pt-online-schema-change instead (:mod:`schema_tools.online`);
  it is recorded like any other statement, and the server is sent ``DO 0`` in its place.

What is printed never contains a password: connections are named by their redacted URL.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pymysql
import sqlalchemy as sa

from ..diff.compare import diff
from ..errors import InputError, SchemaToolsError
from ..migrate.commands import MigrationFailed, _alembic_errors
from ..migrate.revision import RevisionDir, not_a_revision_directory
from ..model.snapshot import Snapshot
from ..render.ddl import quote_ident
from ..render.diff_report import change_line
from ..sources.connection import ConnectionSpec
from ..sources.sqlscript import first_keywords
from .identify import BASE, base_state, read_live, require_known_versions, tracked_tables

PROGRESS_TABLE = "schema_tools_progress"

# the server's "the change is already there" answers, for a statement that was interrupted:
# table/column/key/constraint exists, or the thing to drop is gone
ALREADY_APPLIED = frozenset({1050, 1060, 1061, 1068, 1091, 1826, 1304, 1359, 1022, 4031, 1146, 1051,
                             1305, 1360, 1054})

_UNTRACKED = re.compile(r"^\s*(?:(?:/\*.*?\*/|--[^\n]*\n|#[^\n]*\n)\s*)*(SET|SELECT|DO|SHOW|DESCRIBE|DESC|EXPLAIN)\b",
                        re.I | re.S)


class DriftError(SchemaToolsError):
    """The live schema is not the state its recorded revision says."""

    exit_code = 1


SHOWN_DIFFERENCES = 10


def difference_lines(changes: Sequence, shown: int = SHOWN_DIFFERENCES,
                     rest: str = "`schema-tools drift` lists them all") -> list[str]:
    """The first ``shown`` differences, one line each (what turns the recorded state into
    the live one), and a count of the rest."""
    lines = [change_line(c) for c in changes[:shown]]
    if len(changes) > shown:
        lines.append(f"... and {len(changes) - shown} more ({rest})")
    return lines


class DriftRefused(SchemaToolsError):
    """Before a run: the live schema is not the state its recorded revision says, so
    nothing is done (a refusal: exit 2)."""


class LockBusy(SchemaToolsError):
    """Another upgrade of the same database holds the lock."""


class ResumeConflict(SchemaToolsError):
    """An interrupted revision was edited in a statement already committed."""


# Alembic's statements on its version table (a table merely named like it is tracked)
_VERSION_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|DROP\s+TABLE|"
                            r"CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?)\s+`?alembic_version`?(?=[\s(]|$)",
                            re.I)


def _digest(statement: str) -> str:
    return hashlib.sha256(statement.strip().encode("utf-8")).hexdigest()


def tracked(statement: str) -> bool:
    """Whether a statement changes the database (and is recorded): session settings,
    queries and Alembic's own version table are not."""
    return not (_UNTRACKED.match(statement) or _VERSION_TABLE.match(statement))


# DDL on the database's own objects: its whole effect shows in the schema
_DDL_VERBS = frozenset({"CREATE", "ALTER", "DROP", "RENAME"})
_DDL_MODIFIERS = frozenset({"OR", "REPLACE", "IF", "NOT", "EXISTS", "TEMPORARY", "ONLINE", "OFFLINE",
                            "IGNORE", "UNIQUE", "FULLTEXT", "SPATIAL", "DEFINER", "INVOKER", "ALGORITHM",
                            "SQL", "SECURITY", "AGGREGATE"})
_NOT_IN_SCHEMA = frozenset({"USER", "ROLE", "DATABASE", "SCHEMA", "SERVER"})


def changes_data(statement: str) -> bool:
    """Whether a statement may change what the schema does not show: rows (INSERT, REPLACE,
    UPDATE, DELETE, LOAD DATA, TRUNCATE), or anything a CALL or a BEGIN ... END block does.
    Only CREATE, ALTER, DROP and RENAME of the database's own objects are pure DDL."""
    words = first_keywords(statement, 8)
    if not words or words[0] not in _DDL_VERBS:
        return True
    obj = next((w for w in words[1:] if w not in _DDL_MODIFIERS), None)
    return obj is None or obj in _NOT_IN_SCHEMA


# ---------------------------------------------------------------------------------------
# the progress table


@dataclass
class Recorded:
    digest: str
    status: str  # running | done | failed
    text: str


class ProgressLog:
    """``schema_tools_progress`` in the database being upgraded, written on a connection of
    its own in autocommit mode, so that a record survives whatever happens next."""

    def __init__(self, conn, *, create: bool = True) -> None:
        """``create``: make the table if missing (a pre-flight only reads it, changing nothing)."""
        self.conn = conn
        if not create:
            return
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {quote_ident(PROGRESS_TABLE)} ("
                "`revision` varchar(64) NOT NULL, `direction` varchar(10) NOT NULL, "
                "`statement` int NOT NULL, `digest` char(64) NOT NULL, "
                "`status` varchar(10) NOT NULL, `sql_text` mediumtext, `error` text, "
                "`updated` timestamp(6) NOT NULL DEFAULT current_timestamp(6), "
                "PRIMARY KEY (`revision`, `direction`, `statement`)"
                ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")

    def _select(self, sql: str, args=()) -> list[tuple]:
        with self.conn.cursor() as cur:
            try:
                cur.execute(sql, args)
            except pymysql.MySQLError as exc:
                if exc.args[0] == 1146:  # no table yet: no progress recorded
                    return []
                raise
            return list(cur.fetchall())

    def read(self, revision: str, direction: str) -> dict[int, Recorded]:
        rows = self._select(f"SELECT `statement`, `digest`, `status`, `sql_text` FROM {quote_ident(PROGRESS_TABLE)} "
                            "WHERE `revision` = %s AND `direction` = %s", (revision, direction))
        return {n: Recorded(d, s, t or "") for n, d, s, t in rows}

    def pending(self) -> list[tuple[str, str]]:
        return self._select(f"SELECT DISTINCT `revision`, `direction` FROM {quote_ident(PROGRESS_TABLE)}")

    def mark(self, revision: str, direction: str, n: int, digest: str, status: str, text: str,
             error: str | None = None) -> None:
        with self.conn.cursor() as cur:
            cur.execute(f"REPLACE INTO {quote_ident(PROGRESS_TABLE)} (`revision`, `direction`, "
                        "`statement`, `digest`, `status`, `sql_text`, `error`, `updated`) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, current_timestamp(6))",
                        (revision, direction, n, digest, status, text, error))

    def clear(self, revision: str, direction: str | None = None) -> None:
        with self.conn.cursor() as cur:
            if direction is None:
                cur.execute(f"DELETE FROM {quote_ident(PROGRESS_TABLE)} WHERE `revision` = %s", (revision,))
            else:
                cur.execute(f"DELETE FROM {quote_ident(PROGRESS_TABLE)} WHERE `revision` = %s "
                            "AND `direction` = %s", (revision, direction))


class _Tracker:
    """Statement hooks on the connection Alembic runs a revision on."""

    def __init__(self, log: ProgressLog, revision: str, direction: str, say: Callable[[str], None],
                 online=None):
        self.log = log
        self.online = online  # an online.plan.OnlineRunner, or None
        self.revision = revision
        self.direction = direction
        self.say = say
        self.recorded = log.read(revision, direction)
        self.n = 0
        self.current: tuple[int, str, str] | None = None
        self.skipped = 0
        self.rerun_committed: list[int] = []
        self.executed = 0
        self.online_run = 0

    def before(self, conn, cursor, statement, parameters, context, executemany):
        if not tracked(statement):
            return statement, parameters
        self.n += 1
        digest = _digest(statement)
        rec = self.recorded.get(self.n)
        if rec is not None and rec.status in ("done", "running") and rec.digest != digest:
            raise ResumeConflict(
                f"revision {self.revision} was interrupted after statement {self.n} ran, and that "
                f"statement has changed since: {_first_line(rec.text)!r} is now "
                f"{_first_line(statement)!r}",
                hint="restore the revision as it was, or repair by hand and clear its rows from "
                     f"{PROGRESS_TABLE}")
        if rec is not None and rec.status == "done":
            self.skipped += 1
            return "DO 0", None
        if rec is not None and rec.status == "running":
            # interrupted while the server ran it: run it again; "already there" means it committed
            if self._online(statement, digest):
                return "DO 0", None
            try:
                cursor.execute(statement, parameters)
            except pymysql.MySQLError as exc:
                if exc.args[0] not in ALREADY_APPLIED:
                    raise
                self.rerun_committed.append(self.n)
                self.say(f"  statement {self.n} was interrupted and had committed "
                         f"(the server says: ERROR {exc.args[0]}: {exc.args[-1]})")
            else:
                self.executed += 1
                self.say(f"  statement {self.n} was interrupted by an earlier run: run again")
            self.log.mark(self.revision, self.direction, self.n, digest, "done", statement)
            return "DO 0", None
        self.log.mark(self.revision, self.direction, self.n, digest, "running", statement)
        self.current = (self.n, digest, statement)
        if self._online(statement, digest):
            self.current = None
            return "DO 0", None
        return statement, parameters

    def _online(self, statement: str, digest: str) -> bool:
        """Run the statement through pt-online-schema-change when it should; then it is done."""
        if self.online is None:
            return False
        if not self.online.handle(statement):
            return False
        self.log.mark(self.revision, self.direction, self.n, digest, "done", statement)
        self.executed += 1
        self.online_run += 1
        return True

    def after(self, conn, cursor, statement, parameters, context, executemany):
        if self.current is not None and statement == self.current[2]:
            n, digest, text = self.current
            self.log.mark(self.revision, self.direction, n, digest, "done", text)
            self.executed += 1
            self.current = None

    def failed(self, error: str) -> str | None:
        """Record the statement that failed; a statement the server was running when the
        connection was lost stays ``running`` (it may have committed).  The progress table's
        own error, if it cannot be written."""
        if self.current is None or _connection_lost(error):
            return None
        n, digest, text = self.current
        try:
            self.log.mark(self.revision, self.direction, n, digest, "failed", text, error)
        except pymysql.MySQLError as exc:
            return f"ERROR {exc.args[0]}: {exc.args[-1]}"
        return None


# the client's "the connection is gone": whatever was running may or may not have committed
_LOST = ("ERROR 2006:", "ERROR 2013:", "ERROR 2055:")


def _connection_lost(error: str) -> bool:
    return error.startswith(_LOST)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:120] if lines else ""


# ---------------------------------------------------------------------------------------
# planning


@dataclass
class PlannedRevision:
    revision: str
    message: str
    statements: int
    tables: list[str]
    approved: bool | None = None
    findings: list[str] = field(default_factory=list)  # lint findings, one line each


@dataclass
class UpgradePlan:
    current: str  # revision id or "base"
    target: str
    direction: str
    revisions: list[PlannedRevision] = field(default_factory=list)
    resume: dict[str, int] = field(default_factory=dict)  # revision -> statements done
    discard: list[tuple[str, str]] = field(default_factory=list)  # stale progress to clear
    row_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (rows, bytes)
    notes: list[str] = field(default_factory=list)


def _script(rdir: RevisionDir):
    if not rdir.versions.is_dir():
        raise not_a_revision_directory(rdir.path)
    return rdir.script()


def _alembic_lookup(rdir: RevisionDir, run):
    """``run()``, with Alembic's errors on a revision name as :class:`InputError`."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return run()
    except (CommandError, RevisionError) as exc:
        raise InputError(f"{rdir.path}: {exc}") from None


def _ancestry(script, rev: str) -> list[str]:
    """``rev`` and everything below it, newest first."""
    return [r.revision for r in script.iterate_revisions(rev, "base")]


def _head_names(script, heads: Sequence[str]) -> str:
    """Heads as a DBA names them with --to: the id, and the branch label when there is one."""
    out = []
    for h in sorted(heads):
        labels = sorted(script.get_revision(h).branch_labels or ())
        out.append(f"{h} ({', '.join(l + '@head' for l in labels)})" if labels else h)
    return ", ".join(out)


def line_heads(script, fingerprint: str | None) -> list[str]:
    """The heads of the lines whose first revision starts from the state ``fingerprint``
    (recorded in the root revision's header)."""
    out = []
    for head in script.get_heads():
        for r in script.iterate_revisions(head, "base"):
            if not r.down_revision and getattr(r.module, "schema_before", None) == fingerprint:
                out.append(head)
                break
    return sorted(out)


def resolve_target(rdir: RevisionDir, current: str, target: str,
                   fingerprint: str | None = None) -> tuple[str, str | None]:
    """(the revision ``target`` names for a database at ``current``, a note on how it was
    chosen).  ``head`` is the head of the database's own line: the line of the revision in
    ``alembic_version``, or, with none recorded, the line whose starting state the schema
    (``fingerprint``) is.  Refused when that leaves several heads (--to names one)."""
    script = _script(rdir)

    def lookup():
        if target == BASE:
            return BASE, None
        if target not in ("head", "heads"):
            found = script.get_revision(target)
            if found is None:
                raise InputError(f"{rdir.path}: unknown revision {target}")
            return found.revision, None
        heads = sorted(script.get_heads())
        if current != BASE:
            above = [h for h in heads if current in _ancestry(script, h)]
            if len(above) == 1:
                return above[0], None
            raise InputError(f"{rdir.path}: {len(above)} heads above {current} "
                             f"({_head_names(script, above)}); name one with --to")
        if len(heads) == 1:
            return heads[0], None
        mine = line_heads(script, fingerprint) if fingerprint else []
        if len(mine) == 1:
            return mine[0], (f"alembic_version records no revision; the schema is the starting state "
                             f"of the line of {_head_names(script, mine)}: following it")
        why = (f"the schema is the starting state of {len(mine)} of them" if mine
               else "the schema is the starting state of none of them")
        raise InputError(f"alembic_version records no revision, {rdir.path} has {len(heads)} lines "
                         f"of revisions (heads {_head_names(script, heads)}) and {why}; "
                         f"name the target with --to",
                         hint="`schema-tools identify` says where the schema stands; "
                              "`schema-tools stamp` records it")

    return _alembic_lookup(rdir, lookup)


def _revision_steps(rdir: RevisionDir, current: str, target: str) -> tuple[str, list[tuple[str, str]]]:
    """(direction, [(revision, the state it leads to)]) from ``current`` to ``target`` (a
    resolved revision id, or base)."""
    script = _script(rdir)

    def steps():
        if target == current:
            return "upgrade", []
        if current != BASE and (target == BASE or target in _ancestry(script, current)):
            down = []
            for rev in _ancestry(script, current):
                if rev == target:
                    break
                down.append((rev, _down_target(rdir, rev)))
            return "downgrade", down
        chain = list(reversed(_ancestry(script, target)))
        if current != BASE:
            if current not in chain:
                raise InputError(f"{target} is neither above nor below {current}, the revision in "
                                 f"alembic_version: it is on another line of revisions",
                                 hint="upgrade and downgrade follow the database's own line; "
                                      "see `schema-tools identify`")
            chain = chain[chain.index(current) + 1:]
        return "upgrade", [(r, r) for r in chain]

    return _alembic_lookup(rdir, steps)


def _tables_touched(rdir: RevisionDir, rev: str, before: str, after: str) -> list[str]:
    a = base_state(rdir, rev) if before == BASE else rdir.state(before)
    b = base_state(rdir, rev) if after == BASE else rdir.state(after)
    if a is None or b is None:
        return []
    names = set()
    for c in diff(a.schema, b.schema):
        if c.kind == "table":
            names.add(getattr(c, "old_name", None) or c.name)
        elif c.table:
            names.add(c.table)
    return sorted(n for n in names if a.schema.table(n) is not None)


_STATEMENT_CALL = re.compile(r"^\s+(?:run_sql|op\.)", re.M)


def _statement_count(path: Path) -> tuple[int, int]:
    """Statements of a revision file's upgrade() and downgrade()."""
    up, _, down = path.read_text(encoding="utf-8").partition("def downgrade()")
    return len(_STATEMENT_CALL.findall(up)), len(_STATEMENT_CALL.findall(down))


def _row_counts(conn, database: str, tables: Sequence[str]) -> dict[str, tuple[int, int]]:
    from ..online.cost import table_sizes

    return {name: (size.rows, size.bytes) for name, size in table_sizes(conn, database, tables).items()}


def describe_plan(plan: UpgradePlan) -> str:
    lines = [f"{plan.direction} from {plan.current} to {plan.target}: "
             f"{len(plan.revisions)} revision(s)"]
    for r in plan.revisions:
        resume = f", resuming after {plan.resume[r.revision]} committed" if r.revision in plan.resume else ""
        review = "" if r.approved is None else (" [approved]" if r.approved else " [NOT APPROVED]")
        lines.append(f"  {r.revision}{review}: {r.message} ({r.statements} statement(s){resume})")
        shown = r.findings[:10]
        lines += [f"    lint: {f}" for f in shown]
        if len(r.findings) > len(shown):
            lines.append(f"    lint: ... and {len(r.findings) - len(shown)} more (schema-tools review {r.revision})")
        if r.tables:
            parts = []
            for t in r.tables:
                rows, size = plan.row_counts.get(t, (0, 0))
                parts.append(f"{t} (~{rows} rows, {size // 1024} KiB)")
            lines.append("    tables: " + ", ".join(parts))
    lines += [f"  note: {n}" for n in plan.notes]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# running


@dataclass
class Session:
    rdir: RevisionDir
    spec: ConnectionSpec
    say: Callable[[str], None]
    lock_timeout: int = 0
    force: bool = False
    online: object = None  # online.ptosc.OnlineOptions: --online, or None


def _lock_name(database: str) -> str:
    name = f"schema_tools.upgrade.{database}"
    if len(name) > 64:
        name = "schema_tools.upgrade." + hashlib.sha256(database.encode()).hexdigest()[:40]
    return name


class AdvisoryLock:
    def __init__(self, conn, database: str, timeout: int) -> None:
        self.conn = conn
        self.name = _lock_name(database)
        self.timeout = timeout

    def __enter__(self):
        with self.conn.cursor() as cur:
            # the lock lives as long as this connection: it must not time out while a long
            # statement runs on the other one
            cur.execute("SET SESSION wait_timeout = 31536000")
            cur.execute("SELECT GET_LOCK(%s, %s)", (self.name, self.timeout))
            got = cur.fetchone()[0]
            if got != 1:
                cur.execute("SELECT IS_USED_LOCK(%s)", (self.name,))
                holder = cur.fetchone()[0]
                raise LockBusy(f"another upgrade of this database is running (connection {holder} "
                               f"holds the lock {self.name!r}); nothing was changed",
                               hint="wait for it, or give --lock-timeout SECONDS to wait")
        return self

    def __exit__(self, *exc) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute("DO RELEASE_LOCK(%s)", (self.name,))
        except pymysql.MySQLError:
            pass


def _current(spec: ConnectionSpec, rdir: RevisionDir, *, versions: bool = False):
    """(live schema, the revision it is recorded at[, what alembic_version holds])."""
    schema, recorded, legacy = read_live(spec, tracked_tables(rdir))
    if recorded is None or not recorded:
        current = BASE
    elif len(recorded) > 1:
        raise InputError(f"alembic_version records several revisions ({', '.join(recorded)}); "
                         f"upgrade one branch at a time with --to")
    else:
        current = recorded[0]
    return (schema, current, recorded) if versions else (schema, current)


def _partial_ok(before, after, live) -> bool:
    """Whether ``live`` lies between the two states: each of its differences from ``before``
    is part of the revision's change, or a dependent dropped on the way (foreign keys,
    indexes, routines, views and triggers are dropped and re-created)."""
    want = {(c.action, c.kind, c.path) for c in diff(before, after)}
    for c in diff(before, live):
        if (c.action, c.kind, c.path) in want:
            continue
        if c.action in ("drop", "alter") and c.kind in ("foreign_key", "index", "routine", "view",
                                                       "trigger", "check", "event"):
            continue
        return False
    return True


def _progress_before(plan: UpgradePlan, log: ProgressLog, rev: str, *, after: str | None) -> None:
    """Progress recorded for ``rev`` (which comes after the planned revision ``after``, or
    first) while the schema is at the state of ``plan.current``.

    Committed DDL only: it did not stay, so the progress is discarded and the revision starts
    afresh.  Committed data changes only, in the next revision: they are resumed after, never run
    again (no schema shows that an INSERT ran).  Anything else is refused: the schema says the
    run was undone, and whether its data changes were cannot be told."""
    committed = {n: r for n, r in log.read(rev, plan.direction).items() if r.status == "done"}
    data = sorted(n for n, r in committed.items() if changes_data(r.text))
    if not data:
        plan.discard.append((rev, plan.direction))
        plan.notes.append(f"progress recorded for {rev} by an earlier run is discarded: the "
                          f"schema is at the state before it")
        return
    ddl = sorted(set(committed) - set(data))
    if after is None and not ddl:
        plan.notes.append(f"progress recorded for {rev} by an earlier run is kept: statement(s) "
                          f"{_ranges(data)} changed data, which the schema cannot show; they are "
                          f"not run again")
        return
    undone = (f"without the schema changes of statement(s) {_ranges(ddl)}" if ddl
              else f"before {after}, which {rev} comes after")
    raise ResumeConflict(
        f"an earlier run of {rev} committed statement(s) {_ranges(sorted(committed))}, of which "
        f"{_ranges(data)} changed data, but the schema is at the state of {plan.current}, "
        f"{undone}: whether the data changes stayed cannot be told; nothing was changed",
        hint="check the data by hand; then `schema-tools stamp --auto` forgets the recorded "
             "progress, and the next run starts the revision afresh")


def prepare(session: Session, target: str, conn) -> UpgradePlan:
    """Pre-flight: where the database is, whether it drifted, and what would run."""
    rdir, spec = session.rdir, session.spec
    schema, current, versions = _current(spec, rdir, versions=True)
    require_known_versions(rdir, versions, spec)
    fp = Snapshot(schema).fingerprint
    target, chosen = resolve_target(rdir, current, target, fp)
    direction, steps = _revision_steps(rdir, current, target)
    plan = UpgradePlan(current, target if not steps else steps[-1][1], direction)
    if chosen and steps:
        plan.notes.append(chosen)
    log = ProgressLog(conn, create=False)
    pending = {(r, d) for r, d in log.pending()}
    if current == BASE:
        expected = base_state(rdir, steps[-1][0] if steps and direction == "upgrade" else None)
    else:
        expected = rdir.state(current)
    if expected is None:
        raise InputError(f"{rdir.path}: no recorded state for {current}")
    if fp == expected.fingerprint:
        # the schema is exactly where the recorded revision leaves it: the DDL an earlier run
        # recorded of the next revisions did not stay (undone by hand, or stale); what it
        # recorded of data changes, the schema cannot tell
        for i, (rev, _) in enumerate(steps):
            if (rev, direction) in pending:
                _progress_before(plan, log, rev, after=steps[i - 1][0] if i else None)
    else:
        first = steps[0] if steps else None
        resuming = first is not None and (first[0], direction) in pending
        nxt = (base_state(rdir, first[0]) if first[1] == BASE else rdir.state(first[1])) if first else None
        if resuming and nxt is not None and _partial_ok(expected.schema, nxt.schema, schema):
            plan.notes.append(f"the schema is part-way through {first[0]} (an interrupted run): resuming")
        elif session.force:
            plan.notes.append(f"the schema has drifted from the state of {current}; going on (--force)")
        else:
            changes = diff(expected.schema, schema)
            raise DriftRefused(
                f"the schema has drifted from the recorded state of {current}: {len(changes)} "
                f"difference(s); nothing was changed",
                details=difference_lines(changes), hint="see `schema-tools drift`; --force goes on anyway")
    script = _script(rdir)
    touched: set[str] = set()
    prev = current
    for rev, to_state in steps:
        module_rev = script.get_revision(rev)
        ups, downs = _statement_count(Path(module_rev.path)) if module_rev.path else (0, 0)
        tables = _tables_touched(rdir, rev, prev, to_state)
        touched.update(tables)
        plan.revisions.append(PlannedRevision(rev, (module_rev.doc or "").strip().splitlines()[0]
                                              if module_rev.doc else "",
                                              ups if direction == "upgrade" else downs, tables))
        recorded = log.read(rev, direction) if (rev, direction) not in plan.discard else {}
        done = sum(1 for r in recorded.values() if r.status == "done")
        if recorded:
            plan.resume[rev] = done
        prev = to_state
    plan.row_counts = _row_counts(conn, spec.database, sorted(touched))
    _add_findings(rdir, plan)
    return plan


def _add_findings(rdir: RevisionDir, plan: UpgradePlan) -> None:
    """The linter's findings on each planned revision (warnings and above), in the direction
    the plan runs it: a downgrade is linted as the change from the revision's state back to
    the one before it (dropping a foreign key the upgrade added is no new foreign key)."""
    from ..review import review_directory

    if plan.direction == "downgrade":
        reviews = [_downgrade_review(rdir, r.revision) for r in plan.revisions]
    else:
        reviews = review_directory(rdir.path, [r.revision for r in plan.revisions])
    for planned, review in zip(plan.revisions, reviews):
        if review is None:
            continue
        for f in review.at_least("warning", accepted=True):
            accepted = f" (accepted by {f.accepted_by})" if f.accepted_by else ""
            planned.findings.append(f"{f.code} {f.severity}: {f.subject}: {f.why}{accepted}")


def _downgrade_review(rdir: RevisionDir, rev: str):
    """The findings on the downgrade of ``rev``: the change from its recorded state back to
    its starting state (None for a merge, which has no single starting state)."""
    from ..review.config import load_config
    from ..review.engine import read_state, review_states
    from ..review.revfile import RevisionSet

    rset = RevisionSet(rdir.path)
    r = rset.get(rev)
    before_path = rset.before_state_path(r)
    if before_path is None:
        return None
    return review_states(read_state(rset.state_path(r.rev_id)), read_state(before_path),
                         label=f"downgrade {r.rev_id}", config=load_config(rset.path))


def execute(session: Session, plan: UpgradePlan, conn) -> None:
    """Run the plan's revisions one at a time with durable progress; check the end state."""
    rdir, spec, say = session.rdir, session.spec, session.say
    log = ProgressLog(conn)
    for rev, direction in plan.discard:
        log.clear(rev, direction)
    cfg = rdir.config()
    from alembic import command

    fn = command.upgrade if plan.direction == "upgrade" else command.downgrade
    runner = None
    if session.online is not None:
        from ..online.plan import OnlineRunner

        runner = OnlineRunner(spec, session.online, say)
    try:
        _run_revisions(session, plan, log, cfg, fn, runner)
    finally:
        if runner is not None:
            runner.close()


def _run_revisions(session: Session, plan: UpgradePlan, log: ProgressLog, cfg, fn, runner) -> None:
    rdir, spec, say = session.rdir, session.spec, session.say
    for i, planned in enumerate(plan.revisions, 1):
        rev = planned.revision
        target = rev if plan.direction == "upgrade" else _down_target(rdir, rev)
        if runner is not None:
            runner.start_revision(_script(rdir).get_revision(rev).module)
        tracker = _Tracker(log, rev, plan.direction, say, online=runner)
        engine = sa.create_engine("mysql+pymysql://", poolclass=sa.pool.NullPool,
                                  creator=lambda: spec.connect(), isolation_level="AUTOCOMMIT")
        sa.event.listen(engine, "before_cursor_execute", tracker.before, retval=True)
        sa.event.listen(engine, "after_cursor_execute", tracker.after)
        t0 = time.monotonic()
        say(f"[{i}/{len(plan.revisions)}] {plan.direction} {rev}: {planned.message}")
        try:
            with engine.connect() as c:
                cfg.attributes["connection"] = c
                _alembic_errors(plan.direction, rev, lambda: fn(cfg, target))
        except SchemaToolsError as exc:
            if not isinstance(exc, MigrationFailed):  # an online change refused or failed
                tracker.failed(str(exc))
                raise
            raise _failure(plan.direction, rev, tracker, log, exc) from None
        finally:
            engine.dispose()
        log.clear(rev)  # both directions: what was recorded of it is history now
        extra = f", {tracker.skipped} skipped (committed by an earlier run)" if tracker.skipped else ""
        if tracker.online_run:
            extra += f", {tracker.online_run} of them through pt-online-schema-change"
        say(f"    done: {tracker.executed} statement(s) run{extra} ({time.monotonic() - t0:.1f} s)")
        _check_state(session, plan.direction, rev, last=i == len(plan.revisions))


def _failure(direction: str, rev: str, tracker: _Tracker, log: ProgressLog,
             exc: MigrationFailed) -> MigrationFailed:
    """The one-line report of a revision's failed statement: which one, what is committed."""
    running = tracker.current if _connection_lost(exc.error) else None
    unrecorded = tracker.failed(exc.error)
    try:
        done = sorted(n for n, r in log.read(rev, direction).items() if r.status == "done")
        committed = _ranges(done) or "none"
    except pymysql.MySQLError as err:
        unrecorded = unrecorded or f"ERROR {err.args[0]}: {err.args[-1]}"
        committed = "unknown"
    where = f"{direction} of revision {rev} failed at statement {tracker.n}: {exc.error}"
    if running is not None:
        check = " (it changes data: check whether it did first)" if changes_data(running[2]) else ""
        where += (f"; the connection was lost while statement {running[0]} ran, so whether it committed "
                  f"is unknown: it stays recorded as running, and the next run runs it again{check}")
    if unrecorded:
        where += f"; {PROGRESS_TABLE} cannot be read or written ({unrecorded})"
    return MigrationFailed(f"{where}; statement(s) committed: {committed}; the next run resumes after them",
                           error=exc.error, statement=exc.statement)


def _check_state(session: Session, direction: str, rev: str, *, last: bool) -> None:
    """After each revision: the schema must be its recorded state, or nothing more runs
    (with --force, which went on from a drifted schema, only the end state is required)."""
    rdir, spec, say = session.rdir, session.spec, session.say
    state_rev = rev if direction == "upgrade" else _down_target(rdir, rev)
    expected = base_state(rdir, rev) if state_rev == BASE else rdir.state(state_rev)
    schema, _ = _current(spec, rdir)
    if expected is not None and Snapshot(schema).fingerprint != expected.fingerprint:
        changes = diff(expected.schema, schema)
        if session.force and not last:
            say(f"    warning: not the recorded state of {state_rev} ({len(changes)} difference(s)); "
                f"going on (--force)")
            return
        raise DriftError(f"{direction} of revision {rev} ran, but the schema is not the recorded state "
                         f"of {state_rev}: {len(changes)} difference(s)", details=difference_lines(changes),
                         hint="nothing after it was run; see `schema-tools drift`")
    if expected is not None:
        say(f"    the schema is the recorded state of {state_rev} ({expected.fingerprint[:19]}...)")



def _down_target(rdir: RevisionDir, rev: str) -> str:
    down = _script(rdir).get_revision(rev).down_revision
    return BASE if down is None else down


def _ranges(numbers: Sequence[int]) -> str:
    out, start, prev = [], None, None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}-{prev}" if start != prev else str(start))
    return ", ".join(out)
