"""How the hardened upgrade tracks the statements of a revision as they run.

The progress rows it writes (``running`` before a statement is sent, ``done`` after the
server committed it), the statements it holds back or treats as already applied, and
whether a statement changes data the schema cannot show (:func:`changes_data`).
The run itself is in :mod:`schema_tools.dba.upgrade`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import pymysql

from ..errors import SchemaToolsError
from ..online.ptosc import OnlineInterrupted
from ..online.progress import PROGRESS_TABLE, ProgressLog, tracked
from ..dialect.sqlscript import first_keywords

RAN = 0  # the progress row, numbered 0, that says every statement of the revision ran

# the server's "the change is already there" answers, for a statement that was interrupted:
# table/column/key/constraint exists, or the thing to drop is gone
ALREADY_APPLIED = frozenset({1050, 1060, 1061, 1068, 1091, 1826, 1304, 1359, 1022, 4031, 1146, 1051,
                             1305, 1360, 1054})


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


class Tracker:
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
                f"statement has changed since: {first_line(rec.text)!r} is now "
                f"{first_line(statement)!r}",
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
        if self.current is None or connection_lost(error):
            return None
        n, digest, text = self.current
        try:
            self.log.mark(self.revision, self.direction, n, digest, "failed", text, error)
        except pymysql.MySQLError as exc:
            return f"ERROR {exc.args[0]}: {exc.args[-1]}"
        return None


# the client's "the connection is gone": whatever was running may or may not have committed
_LOST = ("ERROR 2006:", "ERROR 2013:", "ERROR 2055:")
LOST_CODES = frozenset({0, 2003, 2006, 2013, 2055})


def connection_lost(error: str) -> bool:
    return error.startswith(_LOST)


def first_line(text: str) -> str:
    """The statement on one line, cut to 120 characters (names escaped)."""
    from ..online.statements import one_line

    return one_line(text)[:120]

def ranges(numbers: Sequence[int]) -> str:
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
