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
* **a final check**: the end state must have the fingerprint the revision recorded, and
  only then does ``alembic_version`` move (Alembic's write is held back until the check
  passes); a revision whose check fails stays unrecorded, the run stops there (``--force``
  included: it lets a run start over drift, it never records a state the schema is not), its
  statements recorded as run, and it is recorded by the next run once the schema is its state;
* **the database default**: when the schema is the recorded state in everything but the
  database's default charset and collation (a database created under another server default),
  the run gives it the recorded default first (``ALTER DATABASE``: no table or row changes),
  since what the revisions create (routines, triggers, events) takes the database collation;
* **online changes** (``Session.online``): an ``ALTER TABLE`` on a large table that would
  block writes goes through pt-online-schema-change instead (:mod:`schema_tools.online`);
  it is recorded like any other statement, and the server is sent ``DO 0`` in its place.
  pt-osc never outlives the run (:mod:`schema_tools.online.child`) and keeps the advisory
  lock for as long as it runs; its step is recorded with the statement (``online``: the
  table, pt-osc's names, the phase, its process), so that what an interrupted change left
  is recognised by the next run as that statement, not as drift, and finished: dropped
  (the statement runs again) or completed after the swap (foreign key names put back; the
  statement counts as committed) (:mod:`schema_tools.online.resume`);
* **interruptions** (a signal, pt-osc stopped, the server gone) end with one line: the
  revision and statement, why, what is on the server now, where the next run resumes.

What is printed never contains a password: connections are named by their redacted URL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import sqlalchemy as sa

from ..diff.compare import diff
from ..errors import ConnectionFailed, InputError, SchemaToolsError
from ..migrate.commands import MigrationFailed, _alembic_errors
from ..migrate.revision import RevisionDir
from ..model.snapshot import Snapshot
from ..online.child import Interrupted, interruptible
from ..online.ptosc import OnlineInterrupted, OnlineOptions
from ..online.progress import (
    PROGRESS_TABLE, OnlineLeftover, ProgressLog, interrupted_online, tracked, without_leftovers,
)
from ..migrate.revision import recorded_fingerprints
from ..render.change_lines import change_line, clean
from ..sources.connection import ConnectionSpec
from ..dialect.sqlscript import first_keywords
from .identify import (
    BASE, DefaultDifference, base_state, read_live, recorded_defaults, require_known_versions, tracked_tables,
    with_other_defaults,
)

_RAN = 0  # the progress row, numbered 0, that says every statement of the revision ran

# the server's "the change is already there" answers, for a statement that was interrupted:
# table/column/key/constraint exists, or the thing to drop is gone
ALREADY_APPLIED = frozenset({1050, 1060, 1061, 1068, 1091, 1826, 1304, 1359, 1022, 4031, 1146, 1051,
                             1305, 1360, 1054})

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


# Alembic's writes of the revision (held back until the revision's end state is checked)
_VERSION_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+`?alembic_version`?(?=[\s(]|$)", re.I)

def _digest(statement: str) -> str:
    return hashlib.sha256(statement.strip().encode("utf-8")).hexdigest()


# DDL on the database's own objects: its whole effect shows in the schema
_DDL_VERBS = frozenset({"CREATE", "ALTER", "DROP", "RENAME"})
_DDL_MODIFIERS = frozenset({"OR", "REPLACE", "IF", "NOT", "EXISTS", "TEMPORARY", "ONLINE", "OFFLINE",
                            "IGNORE", "UNIQUE", "FULLTEXT", "SPATIAL", "DEFINER", "INVOKER", "ALGORITHM",
                            "SQL", "SECURITY", "AGGREGATE"})
_NOT_IN_SCHEMA = frozenset({"USER", "ROLE", "DATABASE", "SCHEMA", "SERVER"})


def changes_data(statement: str) -> bool:
    """Whether a statement may change what the schema does not show: rows (INSERT, REPLACE,
    UPDATE, DELETE, LOAD DATA, TRUNCATE), or anything a CALL or a BEGIN ... END block does.
    Only CREATE, ALTER, DROP and RENAME of the database's own objects, and ALTER DATABASE
    (its default charset and collation are part of the schema), are pure DDL."""
    words = first_keywords(statement, 8)
    if not words or words[0] not in _DDL_VERBS:
        return True
    obj = next((w for w in words[1:] if w not in _DDL_MODIFIERS), None)
    if words[0] == "ALTER" and obj in ("DATABASE", "SCHEMA"):
        return False
    return obj is None or obj in _NOT_IN_SCHEMA


class _Tracker:
    """Statement hooks on the connection Alembic runs a revision on."""

    def __init__(self, log: ProgressLog, revision: str, direction: str, say: Callable[[str], None],
                 online=None, ran: bool = False):
        """``ran``: every statement ran in an earlier run; none is sent again."""
        self.ran = ran
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
        self.text = ""  # the statement being run, for reports
        self.version_write: tuple[str, object] | None = None  # Alembic's, held back until the check
        # what a hook raised: SQLAlchemy may replace it with the error of its own clean-up
        # (a rollback on a connection that is gone)
        self.raised: BaseException | None = None

    def before(self, conn, cursor, statement, parameters, context, executemany):
        try:
            return self._before(cursor, statement, parameters)
        except BaseException as exc:
            self.raised = exc
            raise

    def _before(self, cursor, statement, parameters):
        if _VERSION_WRITE.match(statement):
            # alembic_version moves only once the revision's end state is checked: Alembic's
            # write is held back (it expects one row changed: a one-row SELECT stands in)
            self.version_write = (statement, parameters)
            return "SELECT 1", None
        if not tracked(statement):
            return statement, parameters
        self.n += 1
        self.text = statement
        if self.ran:
            self.skipped += 1
            return "DO 0", None
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
        """Run the statement through pt-online-schema-change when it should; then it is done.
        Each phase of the online step is recorded with the statement, so that a run that
        stops part-way (whatever stops it) is recognised and finished by the next one."""
        if self.online is None:
            return False
        n = self.n

        def record(step) -> None:
            self.log.mark_online(self.revision, self.direction, n, step.to_json())

        try:
            if not self.online.handle(statement, record=record):
                return False
        except OnlineInterrupted as exc:
            if exc.committed:  # pt-osc had swapped the tables, and what it left is finished
                self.log.mark(self.revision, self.direction, n, digest, "done", statement)
                self.executed += 1
                self.online_run += 1
            raise
        self.log.mark(self.revision, self.direction, n, digest, "done", statement)
        self.executed += 1
        self.online_run += 1
        return True

    def write_version(self, conn) -> None:
        """Alembic's write of alembic_version, held back until now."""
        if self.version_write is None:
            return
        statement, parameters = self.version_write
        with conn.cursor() as cur:
            cur.execute(statement, parameters)
        self.version_write = None

    def after(self, conn, cursor, statement, parameters, context, executemany):
        if self.current is not None and statement == self.current[2]:
            n, digest, text = self.current
            try:
                self.log.mark(self.revision, self.direction, n, digest, "done", text)
            except BaseException as exc:
                self.raised = exc
                raise
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
_LOST_CODES = frozenset({0, 2003, 2006, 2013, 2055})


def _connection_lost(error: str) -> bool:
    return error.startswith(_LOST)


def _first_line(text: str) -> str:
    """The statement on one line, cut to 120 characters (names escaped)."""
    from ..online.statements import one_line

    return one_line(text)[:120]


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
    # constraints an additive path left out (HY606), counted on the database: (line, failing rows)
    decisions: list[tuple[str, int | None]] = field(default_factory=list)


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
    # the schema is the recorded state of ``current`` but for the database default: set first
    database_default: DefaultDifference | None = None
    database_statement: str = ""  # the ALTER DATABASE that sets it
    start_fingerprint: str | None = None  # the recorded state of ``current``
    # online steps an earlier run left part-way, in the revision the plan resumes: finished first
    online: list[OnlineLeftover] = field(default_factory=list)
    # revisions whose every statement an earlier run ran (its end check failed): checked, recorded
    ran: list[str] = field(default_factory=list)


def _online_notes(plan: UpgradePlan, leftovers: Sequence[OnlineLeftover], force: bool) -> None:
    """What the run does about the interrupted online steps of the revision it resumes."""
    from ..online import resume

    for item in leftovers:
        step, found = item.step, item.found
        what = (f"statement {item.statement} of {item.revision} (online change of {step.table}) was "
                f"interrupted (recorded phase: {step.phase})")
        if found.state == "unknown":
            if not force:
                raise DriftRefused(
                    f"{what}, and the server is in none of the states that change passes through: "
                    f"{resume.describe(step, found)}; nothing was changed",
                    details=found.leftovers, hint="look at the table by hand (docs/dba-guide.md, section 5); "
                                                  "--force goes on anyway")
            plan.notes.append(f"{what}: {resume.describe(step, found)}; going on (--force)")
            continue
        plan.online.append(item)
        todo = ("the run drops them, then runs the statement again"
                if found.state == "unchanged" and (found.tables or found.triggers)
                else "the statement runs again" if found.state == "unchanged"
                else "the run finishes it, and the statement counts as committed")
        plan.notes.append(f"{what}: {resume.describe(step, found)}: {todo}")


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
        out.append(f"{h} ({', '.join(label + '@head' for label in labels)})" if labels else h)
    return ", ".join(out)


def line_fingerprint(rdir: RevisionDir, schema) -> str:
    """The fingerprint that says which line of revisions a database recorded at ``base``
    starts: its own, or, when that is no line's starting state, the one it has under the
    database default of a recorded state, if that one is."""
    own = Snapshot(schema).fingerprint
    starts = {before for _, down, before, _ in recorded_fingerprints(rdir.script()) if not down and before}
    if own in starts:
        return own
    return next((fp for _, fp in with_other_defaults(schema, recorded_defaults(rdir)) if fp in starts), own)


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
    script = rdir.script()

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
    script = rdir.script()

    def steps():
        if target == current:
            return "upgrade", []
        if current != BASE and (target == BASE or target in _ancestry(script, current)):
            down = []
            for rev in _ancestry(script, current):
                if rev == target:
                    break
                down.append((rev, rdir.down_target(rev)))
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
    if plan.database_default is not None:
        lines.append(f"  first, the recorded database default (it is {plan.database_default.describe()}): "
                     f"{plan.database_statement}")
    for r in plan.revisions:
        resume = f", resuming after {plan.resume[r.revision]} committed" if r.revision in plan.resume else ""
        review = "" if r.approved is None else (" [approved]" if r.approved else " [NOT APPROVED]")
        lines.append(f"  {r.revision}{review}: {r.message} ({r.statements} statement(s){resume})")
        shown = r.findings[:10]
        lines += [f"    lint: {f}" for f in shown]
        if len(r.findings) > len(shown):
            lines.append(f"    lint: ... and {len(r.findings) - len(shown)} more (schema-tools review {r.revision})")
        failing = [line for line, n in r.decisions if n != 0]
        lines += [f"    left out: {line}" for line in failing]
        if len(r.decisions) > len(failing):
            lines.append(f"    left out: {len(r.decisions) - len(failing)} more constraint(s) that no row "
                         f"fails now (schema-tools review {r.revision} --url URL)")
        if r.tables:
            parts = []
            for t in r.tables:
                rows, size = plan.row_counts.get(t, (0, 0))
                parts.append(f"{t} (~{rows} rows, {size // 1024} KiB)")
            lines.append("    tables: " + ", ".join(parts))
    lines += [f"  note: {n}" for n in plan.notes]
    return "\n".join(clean(line) for line in lines) + "\n"


# ---------------------------------------------------------------------------------------
# running


@dataclass
class Session:
    rdir: RevisionDir
    spec: ConnectionSpec
    say: Callable[[str], None]
    lock_timeout: int = 0
    force: bool = False
    online: OnlineOptions | None = None  # --online, or None
    # the plan's lint findings count the rows a risky step of the first revision touches (on
    # the run's own connection): for a plan a person reads
    count_rows: bool = False


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
                               f"holds the lock {self.name!r}){self._online_holder()}; nothing was changed",
                               hint="wait for it, or give --lock-timeout SECONDS to wait")
        return self

    def _online_holder(self) -> str:
        """The pt-osc process an earlier run recorded, when it may be what holds the lock
        (pt-osc keeps the lock connection open for as long as it runs)."""
        from ..online import child, resume

        try:
            rows = ProgressLog(self.conn, create=False).interrupted_online()
        except pymysql.MySQLError:
            return ""
        for rev, _direction, n, _status, text in rows:
            try:
                step = resume.OnlineStep.from_json(text)
            except (ValueError, TypeError, KeyError):
                continue
            if step.pid is None or child.running(step.pid, step.pid_started, step.host) is False:
                continue
            tool = child.running(step.tool_pid, step.tool_started, step.host)
            started_by = ("; the upgrade that started it is gone, and it holds the lock until it exits "
                          "(it stops on its own, or finishes a swap it has begun)" if tool is False else "")
            return (f": {step.process()} runs the online change of {step.table} (statement {n} of {rev}, "
                    f"{step.phase}){started_by}")
        return ""

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
    # what an interrupted online step left is that step's, not drift (checked below)
    try:
        leftovers = interrupted_online(ProgressLog(conn, create=False), spec.database_name)
    except pymysql.MySQLError as exc:
        raise SchemaToolsError(f"{spec.redacted()}: the recorded progress cannot be read (ERROR "
                               f"{exc.args[0]}: {exc.args[-1]}); nothing was changed") from None
    raw, schema = schema, without_leftovers(schema, leftovers)
    fp = Snapshot(schema).fingerprint
    target, chosen = resolve_target(rdir, current, target,
                                    line_fingerprint(rdir, schema) if current == BASE else fp)
    direction, steps = _revision_steps(rdir, current, target)
    plan = UpgradePlan(current, target if not steps else steps[-1][1], direction)
    mine = [o for o in leftovers if steps and (o.revision, o.direction) == (steps[0][0], direction)]
    if len(mine) != len(leftovers):  # of another revision: what they left is drift
        schema = without_leftovers(raw, mine)
        fp = Snapshot(schema).fingerprint
    _online_notes(plan, mine, session.force)
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
    plan.start_fingerprint = expected.fingerprint
    default = _default_to_set(schema, expected.schema)
    # the live schema as it is once the recorded database default is set
    as_set = dataclasses.replace(schema, charset=expected.schema.charset,
                                 collation=expected.schema.collation) if default else schema
    if default is not None and Snapshot(as_set).fingerprint == expected.fingerprint:
        _set_default_first(plan, default, spec)
        fp = expected.fingerprint
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
        if resuming and first is not None and nxt is not None and _partial_ok(expected.schema, nxt.schema, schema):
            plan.notes.append(f"the schema is part-way through {first[0]} (an interrupted run): resuming")
        elif resuming and first is not None and nxt is not None and default \
                and _partial_ok(expected.schema, nxt.schema, as_set):
            _set_default_first(plan, default, spec)
            plan.notes.append(f"the schema is part-way through {first[0]} (an interrupted run): resuming")
        elif session.force:
            if default is not None:
                _set_default_first(plan, default, spec)
            plan.notes.append(f"the schema has drifted from the state of {current}; going on (--force)")
        else:
            changes = diff(expected.schema, schema)
            raise DriftRefused(
                f"the schema has drifted from the recorded state of {current}: {len(changes)} "
                f"difference(s); nothing was changed",
                details=difference_lines(changes),
                hint="see `schema-tools drift`" + _unrecorded_ptosc(conn, spec.database_name, schema)
                     + "; --force goes on anyway")
    _ran_before(plan, log, steps, fp, rdir)
    script = rdir.script()
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
    plan.row_counts = _row_counts(conn, spec.database_name, sorted(touched))
    # counts are of the database as it is: the starting state of the first revision only
    first_fresh = bool(plan.revisions) and plan.revisions[0].revision not in plan.resume
    _add_findings(rdir, plan, conn if session.count_rows and first_fresh else None)
    return plan


def _unrecorded_ptosc(conn, database: str, schema) -> str:
    """What a refusal adds when some of the drift is pt-online-schema-change's leftovers that
    no upgrade recorded ("" when none is)."""
    from ..online import leftovers

    try:
        found = leftovers.find(conn, database, schema)
    except pymysql.MySQLError:
        return ""
    n = len(found.tables) + len(found.triggers)
    if not n:
        return ""
    return (f" (it names {n} of them as pt-online-schema-change leftovers that no upgrade recorded, with "
            f"the statements that drop them)")


def _ran_before(plan: UpgradePlan, log: ProgressLog, steps, fp: str, rdir: RevisionDir) -> None:
    """An earlier run ran every statement of the next revision, and its end check failed
    (so alembic_version stayed): when the schema is now that revision's recorded state (made
    so by hand), the run records it, running none of its statements again."""
    if not steps:
        return
    rev, to_state = steps[0]
    mark = log.read(rev, plan.direction).get(_RAN)
    state = base_state(rdir, rev) if to_state == BASE else rdir.state(to_state)
    if mark is None or mark.status != "ran" or state is None or fp != state.fingerprint:
        return
    plan.ran.append(rev)
    plan.notes.append(f"every statement of {rev} ran in an earlier run, whose end check failed; the schema is "
                      f"now its recorded state: it is checked and recorded, and nothing of it runs again")


def _default_to_set(live, recorded) -> DefaultDifference | None:
    """What separates the live database default from the recorded state's, when it differs
    (None when the state records none)."""
    if not recorded.charset or (live.charset, live.collation) == (recorded.charset, recorded.collation):
        return None
    return DefaultDifference(live.charset, live.collation, recorded.charset, recorded.collation)


def _set_default_first(plan: UpgradePlan, default: DefaultDifference, spec: ConnectionSpec) -> None:
    plan.database_default = default
    plan.database_statement = default.statement(spec.database)


_FAILING = re.compile(r"; ([\d,]+) rows? of .* now$")


def _add_findings(rdir: RevisionDir, plan: UpgradePlan, conn=None) -> None:
    """The linter's findings on each planned revision (warnings and above), in the direction
    the plan runs it: a downgrade is linted as the change from the revision's state back to
    the one before it (dropping a foreign key the upgrade added is no new foreign key).

    With ``conn`` (the database, at the starting state of the first revision), the findings on
    that revision give the tables' sizes and count the rows its risky steps touch (values a
    dropped column holds, NULLs under a new NOT NULL...): the later ones start from states the
    database is not in yet, so they are linted without counts."""
    from ..review import review_directory

    names = [r.revision for r in plan.revisions]
    if plan.direction == "downgrade":
        reviews = [_downgrade_review(rdir, rev, conn if i == 0 else None) for i, rev in enumerate(names)]
    elif conn is not None and names:
        reviews = review_directory(rdir.path, names[:1], conn=conn) + \
            (review_directory(rdir.path, names[1:]) if len(names) > 1 else [])
    else:
        reviews = review_directory(rdir.path, names)
    # not strict: with no revision planned, review_directory reviews them all
    for i, (planned, review) in enumerate(zip(plan.revisions, reviews, strict=False)):
        if review is None:
            continue
        for f in review.at_least("warning", accepted=True):
            accepted = f" (accepted by {f.accepted_by})" if f.accepted_by else ""
            planned.findings.append(f"{f.code} {f.severity}: {f.subject}: {f.why}{accepted}")
        if i == 0 and conn is not None and plan.direction == "upgrade":
            # the constraints an additive path left out, with the rows of the database that
            # fail each (HY606 counts them where it has the database)
            for f in review.findings:
                if f.code == "HY606" and (f.why.endswith(" now") or "; rows that fail it" in f.why):
                    m = _FAILING.search(f.why)
                    planned.decisions.append((f"{f.code} {f.severity}: {f.subject}: {f.why}",
                                              int(m.group(1).replace(",", "")) if m else None))


def _downgrade_review(rdir: RevisionDir, rev: str, conn=None):
    """The findings on the downgrade of ``rev``: the change from its recorded state back to
    its starting state (None for a merge, which has no single starting state); with ``conn``,
    the rows it touches counted there."""
    from ..review.config import load_config
    from ..review.data import live_database
    from ..review.engine import read_state, review_states
    from ..review.revfile import RevisionSet

    rset = RevisionSet(rdir.path)
    r = rset.get(rev)
    before_path = rset.before_state_path(r)
    if before_path is None:
        return None
    config = load_config(rset.path)
    with live_database(conn=conn, count_timeout=config.count_timeout) as (stats, data):
        return review_states(read_state(rset.state_path(r.rev_id)), read_state(before_path),
                             label=f"downgrade {r.rev_id}", config=config, stats=stats, data=data)


def execute(session: Session, plan: UpgradePlan, conn) -> None:
    """Run the plan's revisions one at a time with durable progress; check the end state."""
    rdir, spec, say = session.rdir, session.spec, session.say
    log = ProgressLog(conn)
    for rev, direction in plan.discard:
        log.clear(rev, direction)
    if plan.database_default is not None:
        _run_set_default(session, plan, conn)
        if not plan.revisions:
            return
    cfg = rdir.config()
    from alembic import command

    fn = command.upgrade if plan.direction == "upgrade" else command.downgrade
    runner = None
    with interruptible():
        try:
            _finish_online(session, plan, log)
            if session.online is not None:
                from ..online.plan import OnlineRunner

                # pt-osc holds the lock connection's descriptor: the lock lasts as long as it runs
                runner = OnlineRunner(spec, session.online, say, hold=_descriptor(conn))
            _run_revisions(session, plan, log, cfg, fn, runner)
        finally:
            if runner is not None:
                runner.close()


def _descriptor(conn) -> int | None:
    """The socket descriptor of a PyMySQL connection, if it has one."""
    sock = getattr(conn, "_sock", None)
    try:
        return sock.fileno() if sock is not None else None
    except OSError:
        return None


def _finish_online(session: Session, plan: UpgradePlan, log: ProgressLog) -> None:
    """What interrupted online steps left, finished before anything else runs: the table
    unchanged (its leftovers dropped; the statement runs again), or the change complete
    (the statement is recorded as committed)."""
    try:
        _finish_online_steps(session, plan, log)
    except pymysql.MySQLError as exc:
        words = _lost_words(exc) if exc.args and exc.args[0] in _LOST_CODES else f"ERROR {exc.args[0]}: {exc.args[-1]}"
        raise UpgradeInterrupted(f"{plan.direction} stopped while finishing what an interrupted online change "
                                 f"left, before any revision ran: {words}; the next `{plan.direction}` looks "
                                 f"again at what is on the server", error=words, statement="") from None


def _finish_online_steps(session: Session, plan: UpgradePlan, log: ProgressLog) -> None:
    from ..online import resume

    for item in plan.online:
        step = item.step
        found = resume.inspect(log.conn, session.spec.database_name, step)
        if found.state != item.found.state:  # changed since the pre-flight: look again next run
            raise ResumeConflict(f"what the interrupted online change of {step.table} left has changed since "
                                 f"the pre-flight ({item.found.state} -> {found.state}); nothing was changed",
                                 hint="run the upgrade again")
        session.say(f"statement {item.statement} of {item.revision} (online change of {step.table}), "
                    f"interrupted (recorded phase: {step.phase}): {resume.describe(step, found)}")
        if resume.finish(log.conn, session.spec.database_name, step, found, session.say):
            rec = log.read(item.revision, item.direction).get(item.statement)
            if rec is not None:
                log.mark(item.revision, item.direction, item.statement, rec.digest, "done", rec.text)
            session.say(f"    statement {item.statement} is committed: the change of {step.table} is complete")
        else:
            session.say(f"    {step.table} is unchanged: statement {item.statement} runs again")


def _run_set_default(session: Session, plan: UpgradePlan, conn) -> None:
    """Give the database the recorded default (idempotent: nothing to record); with no
    revision to run after it, check that the schema is now the recorded state."""
    dd = plan.database_default
    assert dd is not None, "planned only when the database default differs"
    with conn.cursor() as cur:
        cur.execute(plan.database_statement.rstrip(";"))
    session.say(f"database default set to {dd.recorded_charset} / {dd.recorded_collation}, the "
                f"recorded state's (it was {dd.charset} / {dd.collation})")
    if plan.revisions:
        return
    schema, _ = _current(session.spec, session.rdir)
    if Snapshot(schema).fingerprint != plan.start_fingerprint:
        expected = base_state(session.rdir) if plan.current == BASE else session.rdir.state(plan.current)
        changes = diff(expected.schema, schema) if expected is not None else []
        raise DriftError(f"the database default is set, but the schema is not the recorded state of "
                         f"{plan.current}: {len(changes)} difference(s)", details=difference_lines(changes),
                         hint="see `schema-tools drift`")
    session.say(f"    the schema is the recorded state of {plan.current} ({plan.start_fingerprint[:19]}...)")


def _run_revisions(session: Session, plan: UpgradePlan, log: ProgressLog, cfg, fn, runner) -> None:
    """Each revision: its statements (recorded), its end state checked, and only then
    alembic_version moved and its progress cleared."""
    rdir, spec, say = session.rdir, session.spec, session.say
    recorded = plan.current  # what alembic_version records
    for i, planned in enumerate(plan.revisions, 1):
        rev = planned.revision
        target = rev if plan.direction == "upgrade" else rdir.down_target(rev)
        if runner is not None:
            runner.start_revision(rdir.script().get_revision(rev).module)
        tracker = _Tracker(log, rev, plan.direction, say, online=runner, ran=rev in plan.ran)
        engine = sa.create_engine("mysql+pymysql://", poolclass=sa.pool.NullPool,
                                  creator=lambda: spec.connect(), isolation_level="AUTOCOMMIT")
        sa.event.listen(engine, "before_cursor_execute", tracker.before, retval=True)
        sa.event.listen(engine, "after_cursor_execute", tracker.after)
        t0 = time.monotonic()
        say(f"[{i}/{len(plan.revisions)}] {plan.direction} {rev}: {planned.message}")
        try:
            with engine.connect() as c:
                cfg.attributes["connection"] = c
                _alembic_errors(plan.direction, rev, functools.partial(fn, cfg, target))
        except BaseException as exc:
            error = _reported(plan.direction, rev, tracker, log, tracker.raised or exc)
            if error is None:
                raise
            raise error from None
        finally:
            with contextlib.suppress(Exception):
                engine.dispose()
        extra = f", {tracker.skipped} skipped (committed by an earlier run)" if tracker.skipped else ""
        if tracker.online_run:
            extra += f", {tracker.online_run} of them through pt-online-schema-change"
        say(f"    done: {tracker.executed} statement(s) run{extra} ({time.monotonic() - t0:.1f} s)")
        state_rev = rev if plan.direction == "upgrade" else rdir.down_target(rev)
        try:
            changes = _check_state(session, plan.direction, rev)
        except (pymysql.MySQLError, ConnectionFailed) as exc:
            words = _lost_words(exc) if isinstance(exc, pymysql.MySQLError) else str(exc)
            raise _interrupted(plan.direction, rev, tracker, log, f"{words} (reading its end state)",
                               f"all its statements ran; alembic_version stays at {recorded}",
                               committed=True) from None
        if changes is not None:
            # not recorded as applied (--force or not: it lets the run start over drift, never
            # records a state the schema is not); its statements stay recorded as committed,
            # and the next run, once the schema is that state, records it
            with contextlib.suppress(pymysql.MySQLError):
                log.mark(rev, plan.direction, _RAN, "", "ran", "every statement ran; the end check failed")
            after = len(plan.revisions) - i
            rest = f"the {after} revision(s) after it did not run" if after else "it was the last revision"
            raise DriftError(f"{plan.direction} of revision {rev} ran, but the schema is not the recorded state "
                             f"of {state_rev}: {len(changes)} difference(s); alembic_version stays at {recorded}; "
                             f"{rest}", details=difference_lines(changes),
                             hint=f"see `schema-tools drift`; once the schema is the recorded state of {state_rev}, "
                                  f"the next run moves alembic_version to {state_rev} without running the "
                                  f"statements of {rev} again (`schema-tools stamp {state_rev} --force` records it "
                                  f"as the schema is)")
        # checked: alembic_version moves, then what was recorded of the revision goes
        try:
            tracker.write_version(log.conn)
            recorded = state_rev
            log.clear(rev)
        except pymysql.MySQLError as exc:
            raise _interrupted(plan.direction, rev, tracker, log, _lost_words(exc) + " while it was recorded",
                               f"all its statements ran and its end state is the recorded one; alembic_version "
                               f"is at {recorded}", committed=True) from None


def _reported(direction: str, rev: str, tracker: _Tracker, log: ProgressLog,
              exc: BaseException) -> SchemaToolsError | None:
    """The one-line error for what stopped a revision part-way (None: not ours to word)."""
    if isinstance(exc, OnlineInterrupted):
        return _interrupted(direction, rev, tracker, log, exc.cause, exc.now, committed=exc.committed)
    if isinstance(exc, Interrupted):
        return _interrupted(direction, rev, tracker, log, f"{exc} received", _running_now(tracker))
    if isinstance(exc, MigrationFailed):
        return _failure(direction, rev, tracker, log, exc)
    if isinstance(exc, SchemaToolsError):  # an online change refused, a revision edited...
        tracker.failed(str(exc))
        return exc
    if isinstance(exc, sa.exc.DBAPIError) and isinstance(exc.orig, pymysql.MySQLError):
        exc = exc.orig
    if isinstance(exc, pymysql.MySQLError):  # the progress table's or the online runner's connection
        if exc.args and exc.args[0] in _LOST_CODES:
            return _interrupted(direction, rev, tracker, log, _lost_words(exc),
                                "what is on the server cannot be checked now")
        return _interrupted(direction, rev, tracker, log, f"ERROR {exc.args[0]}: {exc.args[-1]}",
                            _running_now(tracker))
    return None


class UpgradeInterrupted(MigrationFailed):
    """A run stopped part-way (a signal, pt-osc stopped, the server gone): one line says where,
    what is on the server, and that the next run resumes (exit 1)."""


def _lost_words(exc: pymysql.MySQLError) -> str:
    code = exc.args[0] if exc.args else "?"
    return f"the connection to the server was lost (ERROR {code}: {exc.args[-1] if exc.args else ''})"


def _running_now(tracker: _Tracker) -> str:
    if tracker.current is None:
        return "no statement was running"
    n, _, text = tracker.current
    check = " (it changes data: check whether it did first)" if changes_data(text) else ""
    return (f"statement {n} had been sent to the server, which may finish it: whether it commits is unknown, "
            f"so it stays recorded as running and runs again{check}")


def _interrupted(direction: str, rev: str, tracker: _Tracker, log: ProgressLog, cause: str, now: str, *,
                 committed: bool = False) -> UpgradeInterrupted:
    """The one line of a run stopped part-way: the revision and statement, why, what is on
    the server now, and where the next run resumes."""
    try:
        done = sorted(n for n, r in log.read(rev, direction).items() if r.status == "done")
        recorded = _ranges(done) or "none"
    except pymysql.MySQLError:
        recorded = f"unknown ({PROGRESS_TABLE} cannot be read now)"
    n = tracker.n
    where = f"statement {n} ({_first_line(tracker.text)[:80]})" if n else "its start"
    resume = (f"the next `{direction}` resumes after statement {n}" if committed and n
              else f"the next `{direction}` resumes at statement {n}" if n else f"the next `{direction}` resumes it")
    return UpgradeInterrupted(f"{direction} of revision {rev} interrupted at {where}: {cause}; {now}; "
                              f"statement(s) committed: {recorded}; {resume}",
                              error=cause, statement=tracker.text)


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


def _check_state(session: Session, direction: str, rev: str) -> list | None:
    """After each revision: None when the schema is the recorded state it must be, else
    what separates them."""
    rdir, spec, say = session.rdir, session.spec, session.say
    state_rev = rev if direction == "upgrade" else rdir.down_target(rev)
    expected = base_state(rdir, rev) if state_rev == BASE else rdir.state(state_rev)
    if expected is None:
        return None
    schema, _ = _current(spec, rdir)
    if Snapshot(schema).fingerprint != expected.fingerprint:
        return diff(expected.schema, schema)
    say(f"    the schema is the recorded state of {state_rev} ({expected.fingerprint[:19]}...)")
    return None



def _ranges(numbers: Sequence[int]) -> str:
    out: list[str] = []
    start: int | None = None
    prev = 0
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
