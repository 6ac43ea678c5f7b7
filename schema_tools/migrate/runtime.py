"""Helpers that generated revision files call (``from schema_tools.migrate.runtime import run_sql``).

``run_sql`` executes one statement exactly as written: colons are escaped for
SQLAlchemy's ``text()`` (routine bodies use ``:=``), percent signs are handled by
SQLAlchemy, and statements that need session settings (a routine's ``sql_mode``) get them
and restore the previous ones.  In offline ``--sql`` mode, routines and triggers are
written between ``DELIMITER ;;`` lines so the output loads with the ``mariadb`` client.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

_SAVE = ("SET @schema_tools_sql_mode = @@SESSION.sql_mode, "
         "@schema_tools_cs_client = @@SESSION.character_set_client, "
         "@schema_tools_coll_conn = @@SESSION.collation_connection")
_RESTORE = ("SET SESSION sql_mode = @schema_tools_sql_mode, "
            "SESSION character_set_client = @schema_tools_cs_client, "
            "SESSION collation_connection = @schema_tools_coll_conn")


def _text(sql: str) -> sa.TextClause:
    return sa.text(sql.replace(":", "\\:"))


def _compound(sql: str) -> bool:
    head = sql.lstrip()[:200].upper()
    return head.startswith("CREATE") and any(k in head for k in (" PROCEDURE ", " FUNCTION ", " TRIGGER ", " EVENT "))


def run_sql(sql: str, *session: str) -> None:
    """Execute ``sql``, after the ``session`` statements (``SET SESSION sql_mode = ...``)."""
    if session:
        op.execute(_text(_SAVE))
        for statement in session:
            op.execute(_text(statement))
    if context.is_offline_mode() and _compound(sql):
        impl = context.get_context().impl
        impl.static_output("DELIMITER ;;")
        impl.static_output(sql + ";;")
        impl.static_output("DELIMITER ;")
    else:
        op.execute(_text(sql))
    if session:
        op.execute(_text(_RESTORE))
