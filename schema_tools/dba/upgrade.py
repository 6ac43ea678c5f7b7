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
import functools
import hashlib
import time

import pymysql
import sqlalchemy as sa

from ..diff.compare import diff
from ..errors import ConnectionFailed, SchemaToolsError
from ..migrate.commands import MigrationFailed, alembic_errors
from ..model.snapshot import Snapshot
from ..online.child import Interrupted, interruptible
from ..online.ptosc import OnlineInterrupted
from ..online.progress import PROGRESS_TABLE, ProgressLog
from .identify import BASE, base_state
from .upgrade_plan import DriftError, Session, UpgradePlan, current_state, difference_lines
from .upgrade_statements import (
    LOST_CODES, RAN, ResumeConflict, Tracker, changes_data, connection_lost, first_line, ranges,
)


class LockBusy(SchemaToolsError):
    """Another upgrade of the same database holds the lock."""


# ---------------------------------------------------------------------------------------
# running


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
        words = _lost_words(exc) if exc.args and exc.args[0] in LOST_CODES else f"ERROR {exc.args[0]}: {exc.args[-1]}"
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
    schema, _ = current_state(session.spec, session.rdir)
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
        tracker = Tracker(log, rev, plan.direction, say, online=runner, ran=rev in plan.ran)
        engine = sa.create_engine("mysql+pymysql://", poolclass=sa.pool.NullPool,
                                  creator=lambda: spec.connect(), isolation_level="AUTOCOMMIT")
        sa.event.listen(engine, "before_cursor_execute", tracker.before, retval=True)
        sa.event.listen(engine, "after_cursor_execute", tracker.after)
        t0 = time.monotonic()
        say(f"[{i}/{len(plan.revisions)}] {plan.direction} {rev}: {planned.message}")
        try:
            with engine.connect() as c:
                cfg.attributes["connection"] = c
                alembic_errors(plan.direction, rev, functools.partial(fn, cfg, target))
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
                log.mark(rev, plan.direction, RAN, "", "ran", "every statement ran; the end check failed")
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


def _reported(direction: str, rev: str, tracker: Tracker, log: ProgressLog,
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
        if exc.args and exc.args[0] in LOST_CODES:
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


def _running_now(tracker: Tracker) -> str:
    if tracker.current is None:
        return "no statement was running"
    n, _, text = tracker.current
    check = " (it changes data: check whether it did first)" if changes_data(text) else ""
    return (f"statement {n} had been sent to the server, which may finish it: whether it commits is unknown, "
            f"so it stays recorded as running and runs again{check}")


def _interrupted(direction: str, rev: str, tracker: Tracker, log: ProgressLog, cause: str, now: str, *,
                 committed: bool = False) -> UpgradeInterrupted:
    """The one line of a run stopped part-way: the revision and statement, why, what is on
    the server now, and where the next run resumes."""
    try:
        done = sorted(n for n, r in log.read(rev, direction).items() if r.status == "done")
        recorded = ranges(done) or "none"
    except pymysql.MySQLError:
        recorded = f"unknown ({PROGRESS_TABLE} cannot be read now)"
    n = tracker.n
    where = f"statement {n} ({first_line(tracker.text)[:80]})" if n else "its start"
    resume = (f"the next `{direction}` resumes after statement {n}" if committed and n
              else f"the next `{direction}` resumes at statement {n}" if n else f"the next `{direction}` resumes it")
    return UpgradeInterrupted(f"{direction} of revision {rev} interrupted at {where}: {cause}; {now}; "
                              f"statement(s) committed: {recorded}; {resume}",
                              error=cause, statement=tracker.text)


def _failure(direction: str, rev: str, tracker: Tracker, log: ProgressLog,
             exc: MigrationFailed) -> MigrationFailed:
    """The one-line report of a revision's failed statement: which one, what is committed."""
    running = tracker.current if connection_lost(exc.error) else None
    unrecorded = tracker.failed(exc.error)
    try:
        done = sorted(n for n, r in log.read(rev, direction).items() if r.status == "done")
        committed = ranges(done) or "none"
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
    schema, _ = current_state(spec, rdir)
    if Snapshot(schema).fingerprint != expected.fingerprint:
        return diff(expected.schema, schema)
    say(f"    the schema is the recorded state of {state_rev} ({expected.fingerprint[:19]}...)")
    return None
