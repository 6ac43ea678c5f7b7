"""Sizes of the tables a change touches, read from a live server (``review --url``)."""

from __future__ import annotations

from ..errors import ConnectionFailed, InputError
from .context import TableStats


def table_stats(url: str, *, defaults_file=None) -> dict[str, TableStats]:
    """information_schema.TABLES of the database ``url`` names: row estimate and bytes
    (data + indexes) of every base table."""
    from ..sources.connection import parse_url

    spec = parse_url(url, defaults_file=defaults_file)
    if not spec.database:
        raise InputError(f"{spec.redacted()}: the URL names no database")
    conn = spec.connect()
    try:
        return read_table_stats(conn, spec.database)
    except Exception as exc:  # pymysql errors: one line, no password
        raise ConnectionFailed(f"{spec.redacted()}: cannot read table sizes: "
                               f"{getattr(exc, 'args', [''])[-1]}") from None
    finally:
        conn.close()


def read_table_stats(conn, database: str) -> dict[str, TableStats]:
    """information_schema.TABLES of ``database`` through the open connection ``conn``."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0), "
                    "COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) "
                    "FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'", (database,))
        rows = cur.fetchall()
    return {name: TableStats(name, int(n), int(b)) for name, n, b in rows}
