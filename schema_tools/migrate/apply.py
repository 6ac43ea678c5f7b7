"""Execute a plan's statements on a live connection, one at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pymysql

from ..errors import SchemaToolsError
from .plan import Step


class StepFailed(SchemaToolsError):
    """A statement of a plan failed; ``done`` statements before it were committed."""

    exit_code = 1

    def __init__(self, step: Step, index: int, total: int, error: str) -> None:
        first = step.sql.splitlines()[0][:160]
        super().__init__(f"statement {index + 1} of {total} failed: {error}: {first}")
        self.step = step
        self.index = index
        self.error = error


@dataclass
class ApplyResult:
    executed: int


def apply_steps(conn: pymysql.connections.Connection, steps: Sequence[Step]) -> ApplyResult:
    """Run ``steps`` in order; MariaDB DDL commits itself, so on failure the statements
    before the failing one stay applied: :class:`StepFailed` says which."""
    with conn.cursor() as cur:
        cur.execute("SELECT @@SESSION.sql_mode")
        saved_mode = cur.fetchone()[0]
        for i, step in enumerate(steps):
            try:
                for s in step.session:
                    cur.execute(s)
                cur.execute(step.sql)
            except pymysql.MySQLError as exc:
                raise StepFailed(step, i, len(steps), f"ERROR {exc.args[0]}: {exc.args[-1]}") from None
            finally:
                if step.session:
                    cur.execute("SET SESSION sql_mode = %s", (saved_mode,))
                    cur.execute("SET SESSION character_set_client = utf8mb4")
                    cur.execute("SET SESSION collation_connection = utf8mb4_general_ci")
    return ApplyResult(len(steps))
