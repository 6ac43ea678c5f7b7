"""The progress an upgrade records in the database it upgrades (``schema_tools_progress``).

Each statement that changes the database (:func:`tracked`) gets a row: ``running`` before
it is sent, ``done`` once the server committed it, ``failed`` with the error; an online
step (:class:`~schema_tools.online.resume.OnlineStep`) is recorded with its statement, so
that what an interrupted pt-online-schema-change left (:class:`OnlineLeftover`) is told
apart from drift.  The upgrade (:mod:`schema_tools.dba.upgrade`) writes it; ``identify``
and ``drift`` read it (:mod:`.leftovers`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pymysql

from ..dialect.ddl import quote_ident
from . import resume
from .resume import Found, OnlineStep

PROGRESS_TABLE = "schema_tools_progress"

# statements that leave the database as it is: queries and session settings (PREPARE too:
# the EXECUTE of the prepared statement is tracked)
_UNTRACKED = re.compile(r"^\s*(?:(?:/\*.*?\*/|--[^\n]*\n|#[^\n]*\n)\s*)*"
                        r"(SET|SELECT|DO|SHOW|DESCRIBE|DESC|EXPLAIN|PREPARE|DEALLOCATE)\b", re.I | re.S)


# Alembic's statements on its version table (a table merely named like it is tracked)
_VERSION_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|DROP\s+TABLE|"
                            r"CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?)\s+`?alembic_version`?(?=[\s(]|$)",
                            re.I)


def tracked(statement: str) -> bool:
    """Whether a statement changes the database (and is recorded): session settings,
    queries and Alembic's own version table are not."""
    return not (_UNTRACKED.match(statement) or _VERSION_TABLE.match(statement))


@dataclass
class Recorded:
    digest: str
    status: str  # running | done | failed
    text: str
    online: str | None = None  # an online step (online.resume.OnlineStep as JSON), if it was one


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
                "`online` mediumtext, "
                "PRIMARY KEY (`revision`, `direction`, `statement`)"
                ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
        if not self._has_online():  # a table made by an earlier version of schema-tools
            with conn.cursor() as cur:
                cur.execute(f"ALTER TABLE {quote_ident(PROGRESS_TABLE)} ADD COLUMN `online` mediumtext")
            self._online_column = True

    _online_column: bool | None = None

    def _has_online(self) -> bool:
        """Whether the table has the ``online`` column (added in a later version)."""
        if self._online_column is None:
            rows = self._select("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                                "AND TABLE_NAME = %s AND COLUMN_NAME = 'online'", (PROGRESS_TABLE,))
            self._online_column = bool(rows and rows[0][0])
        return self._online_column

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
        online = "`online`" if self._has_online() else "NULL"
        rows = self._select(f"SELECT `statement`, `digest`, `status`, `sql_text`, {online} FROM "
                            f"{quote_ident(PROGRESS_TABLE)} WHERE `revision` = %s AND `direction` = %s",
                            (revision, direction))
        return {n: Recorded(d, s, t or "", o) for n, d, s, t, o in rows}

    def interrupted_online(self) -> list[tuple[str, str, int, str, str]]:
        """(revision, direction, statement, status, online step as JSON) of each statement
        recorded as an online step and not done: pt-osc's run may have left its tables and
        triggers."""
        if not self._has_online():
            return []
        return self._select(f"SELECT `revision`, `direction`, `statement`, `status`, `online` FROM "
                            f"{quote_ident(PROGRESS_TABLE)} WHERE `online` IS NOT NULL AND `status` <> 'done' "
                            "ORDER BY `revision`, `direction`, `statement`")

    def mark_online(self, revision: str, direction: str, n: int, step: str) -> None:
        """Record the online step (its names, its phase, pt-osc's process) of a statement."""
        with self.conn.cursor() as cur:
            cur.execute(f"UPDATE {quote_ident(PROGRESS_TABLE)} SET `online` = %s, `updated` = current_timestamp(6) "
                        "WHERE `revision` = %s AND `direction` = %s AND `statement` = %s",
                        (step, revision, direction, n))

    def pending(self) -> list[tuple[str, str]]:
        return self._select(f"SELECT DISTINCT `revision`, `direction` FROM {quote_ident(PROGRESS_TABLE)}")

    def mark(self, revision: str, direction: str, n: int, digest: str, status: str, text: str,
             error: str | None = None) -> None:
        """Record a statement's status (what is recorded of its online step stays)."""
        with self.conn.cursor() as cur:
            cur.execute(f"INSERT INTO {quote_ident(PROGRESS_TABLE)} (`revision`, `direction`, "
                        "`statement`, `digest`, `status`, `sql_text`, `error`, `updated`) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, current_timestamp(6)) ON DUPLICATE KEY UPDATE "
                        "`digest` = VALUES(`digest`), `status` = VALUES(`status`), `sql_text` = VALUES(`sql_text`), "
                        "`error` = VALUES(`error`), `updated` = VALUES(`updated`)",
                        (revision, direction, n, digest, status, text, error))

    def clear(self, revision: str, direction: str | None = None) -> None:
        with self.conn.cursor() as cur:
            if direction is None:
                cur.execute(f"DELETE FROM {quote_ident(PROGRESS_TABLE)} WHERE `revision` = %s", (revision,))
            else:
                cur.execute(f"DELETE FROM {quote_ident(PROGRESS_TABLE)} WHERE `revision` = %s "
                            "AND `direction` = %s", (revision, direction))


@dataclass(frozen=True)
class OnlineLeftover:
    """A statement recorded as an online step and not done, with what it left on the server."""

    revision: str
    direction: str
    statement: int
    step: OnlineStep
    found: Found


def interrupted_online(log: ProgressLog, database: str) -> list[OnlineLeftover]:
    """The online steps ``log`` records as not done, each with what it left on the server."""
    out = []
    for rev, direction, n, _status, text in log.interrupted_online():
        try:
            step = resume.OnlineStep.from_json(text)
        except (ValueError, TypeError, KeyError):
            continue
        out.append(OnlineLeftover(rev, direction, n, step, resume.inspect(log.conn, database, step)))
    return out


def without_leftovers(schema, leftovers: Sequence[OnlineLeftover]):
    """The live schema without exactly what the interrupted online steps left (their tables,
    triggers, foreign key names): not drift, but the interrupted statement."""
    for item in leftovers:
        schema = resume.normalise(schema, item.step, item.found)
    return schema
