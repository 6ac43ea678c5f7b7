"""What an ALTER costs on a live database: the table's real size (rows, data and index
length from ``information_schema.TABLES``) and what the algorithm does with it.

* ``INSTANT``: metadata only; the cost is the metadata lock, whatever the size.
* ``INPLACE`` without rebuild (an index added): the table is read, reads and writes go on.
* ``INPLACE`` with rebuild: the table is rewritten in the background, reads and writes go
  on (the changes made meanwhile are replayed at the end).
* ``COPY``, or any ``LOCK=SHARED``/``EXCLUSIVE``: the table is rewritten while writes
  wait: this is what ``--online`` sends to pt-online-schema-change.

Durations are estimates at a nominal rate (:data:`COPY_BYTES_PER_SECOND`); the ranking,
not the seconds, is the point.  :func:`estimate` adds the route an upgrade takes: through
pt-online-schema-change the copy is slower (chunks, triggers, a dry run first:
:data:`PTOSC_RATE_FACTOR`, :data:`PTOSC_FIXED_SECONDS`), but writes wait for one chunk at a
time instead of the whole copy.  ``bench/online.py`` prints estimate / actual for both routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..review.algorithms import COPY, INPLACE, INSTANT, Algorithm

COPY_BYTES_PER_SECOND = 40 * 1024 * 1024
"""A nominal rewrite rate (data plus indexes) for the estimates; measure yours with
``bench/online.py``."""


PTOSC_RATE_FACTOR = 0.25
"""pt-online-schema-change's copy rate, as a share of the server's own rewrite: rows go
through ``INSERT ... SELECT`` chunks sized to ``--chunk-time``, with the triggers replaying
the writes meanwhile (``bench/online.py``, with a writer going: 0.2 to 0.4 from 300,000 to
1,000,000 rows on MariaDB 10.11)."""

PTOSC_FIXED_SECONDS = 3.0
"""pt-osc's own cost whatever the table's size: the dry run, two starts of the tool, the
new table and triggers, the swap, the foreign keys put back, ``ANALYZE``."""

METADATA_LOCK = "the metadata lock (<0.1 s once the transactions open on the table end)"


@dataclass(frozen=True)
class TableSize:
    rows: int = 0
    data_bytes: int = 0
    index_bytes: int = 0

    @property
    def bytes(self) -> int:
        return self.data_bytes + self.index_bytes


def table_sizes(conn, database: str, tables: Sequence[str]) -> dict[str, TableSize]:
    """Row count (InnoDB's estimate), data and index length of each existing table."""
    tables = sorted(set(tables))
    if not tables:
        return {}
    marks = ", ".join(["%s"] * len(tables))
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0), COALESCE(DATA_LENGTH, 0), "
                    "COALESCE(INDEX_LENGTH, 0) FROM information_schema.TABLES "
                    f"WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN ({marks})", (database, *tables))
        return {name: TableSize(int(rows), int(data), int(index)) for name, rows, data, index in cur.fetchall()}


@dataclass(frozen=True)
class Cost:
    """The cost of one statement on one table."""

    algorithm: Algorithm
    lock: str
    size: TableSize

    @property
    def blocks_writes(self) -> bool:
        return self.algorithm.name == COPY or self.lock in ("SHARED", "EXCLUSIVE")

    @property
    def work_bytes(self) -> int:
        """Bytes the server reads or writes for it."""
        if self.algorithm.name == INSTANT:
            return 0
        if self.algorithm.name == INPLACE and not self.algorithm.rebuild:
            return self.size.data_bytes  # read to build the index
        return self.size.bytes

    @property
    def seconds(self) -> float:
        return self.work_bytes / COPY_BYTES_PER_SECOND

    @property
    def blocked_seconds(self) -> float:
        """Seconds writes to the table wait (estimate)."""
        return self.seconds if self.blocks_writes else 0.0

    @property
    def rank_key(self) -> tuple:
        """Sort key, most expensive first: blocked seconds, then work, then rows."""
        return (-self.blocked_seconds, -self.seconds, -self.size.rows)

    def describe(self) -> str:
        if self.algorithm.name == INSTANT:
            return "metadata only"
        what = f"~{self.size.rows:,} rows, {_mib(self.size.bytes)}"
        if self.blocks_writes:
            return f"writes blocked ~{_secs(self.seconds)} ({what})"
        if self.algorithm.rebuild:
            return f"rebuilt online ~{_secs(self.seconds)} ({what})"
        return f"read online ~{_secs(self.seconds)} ({what})"


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def _secs(s: float) -> str:
    return f"{s:.1f} s" if s >= 0.1 else "<0.1 s"


def about(s: float) -> str:
    """``~2.3 s``, or ``<0.1 s``."""
    return f"~{s:.1f} s" if s >= 0.1 else "<0.1 s"


@dataclass(frozen=True)
class Estimate:
    """What one statement will take, by the route it goes: ``seconds`` in all, and how long
    a write to the table may wait (``stall_seconds``, said in words by ``stall``)."""

    seconds: float
    stall_seconds: float
    stall: str

    def describe(self) -> str:
        return f"estimate: {about(self.seconds)}; stall: {self.stall}"


def estimate(cost: Cost, online: bool, chunk_time: float | None = None) -> Estimate:
    """The duration and the stall of a statement of cost ``cost``, run as a plain ALTER or
    (``online``) through pt-online-schema-change with chunks of ``chunk_time`` seconds."""
    if online:
        chunk = chunk_time or 0.5
        seconds = cost.size.bytes / (COPY_BYTES_PER_SECOND * PTOSC_RATE_FACTOR) + PTOSC_FIXED_SECONDS
        return Estimate(seconds, chunk,
                        f"~{_secs(chunk)} per write at most (one chunk of rows), plus the metadata locks "
                        f"of the triggers and of the swap")
    if cost.algorithm.name == INSTANT:
        return Estimate(0.0, 0.0, f"only {METADATA_LOCK}")
    if cost.blocks_writes:
        whole = "copy" if cost.algorithm.name == COPY else "statement"
        return Estimate(cost.seconds, cost.seconds, f"writes wait ~{_secs(cost.seconds)}, the whole {whole}")
    return Estimate(cost.seconds, 0.0, f"{METADATA_LOCK}, at the start and at the end; "
                                       f"reads and writes go on meanwhile")
