"""Read a live database into the model, in two round trips.

The first round trip brings the server version and the list of tables; the second
asks information_schema for everything else and fetches ``SHOW CREATE`` of every table
and view, all in one multi-statement batch (:func:`fetch`; the rows of lookup tables,
when wanted, take one more).  Only then is the model built (:func:`build`), so that
reads of several databases in several threads keep the server busy while the client
works.  ``SHOW CREATE TABLE`` supplies what information_schema does not say (an
explicit ``USING`` of an index, partitioning, which column a renamed column's CHECK
belongs to, the table options as a CREATE TABLE must give them) and is the oracle of
the self-check: each table's CREATE is regenerated from the model and compared with the
server's, and every mismatch is reported as unsupported, by table and feature.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pymysql
from pymysql.constants import CLIENT

from ..errors import ConnectionFailed, SchemaToolsError
from ..flavour import Flavour, detect
from ..model.objects import (
    Check, Column, DataType, Event, ForeignKey, Index, IndexColumn, Parameter, Routine,
    Schema, Table, TableData, Trigger, View,
)
from ..model.order import with_order
from ..dialect.ddl import quote_ident
from .show_create import (
    Unsupported, column_checks, self_check_tables, show_create_parts, shown_order, trigger_body, view_body,
)

MULTI_STATEMENTS = CLIENT.MULTI_STATEMENTS

AUTO_INCREMENT_TABLE = "schema_tools_auto_increment"
"""Where a revision that inserts rows into a table keeps the table's AUTO_INCREMENT counter
from before, for its downgrade to restore (:func:`schema_tools.migrate.plan.plan`)."""

# bookkeeping tables of the migration tools, not part of the schema they manage
BOOKKEEPING_TABLES = frozenset({"alembic_version", "schema_tools_progress", AUTO_INCREMENT_TABLE})


@dataclass
class IntrospectionResult:
    schema: Schema
    flavour: Flavour
    server_version: str
    unsupported: list[Unsupported] = field(default_factory=list)
    seconds: float = 0.0


def _lit(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def run_batch(conn: pymysql.connections.Connection, queries: Sequence[str]) -> list[list[tuple]]:
    """Run ``queries`` in one round trip when the connection allows multi-statements."""
    results: list[list[tuple]] = []
    with conn.cursor() as cur:
        if conn.client_flag & MULTI_STATEMENTS and len(queries) > 1:
            cur.execute(";\n".join(queries))
            results.append(list(cur.fetchall()))
            while cur.nextset():
                results.append(list(cur.fetchall()))
        else:
            for q in queries:
                cur.execute(q)
                results.append(list(cur.fetchall()))
    return results


_SELECT = re.compile(r"^SELECT (.*?) (FROM information_schema\..*?)(?: ORDER BY (.*))?$", re.S)


def _folds(flavour: Flavour) -> bool:
    """Whether the server can fold rows into JSON (JSON_ARRAYAGG ... ORDER BY)."""
    return flavour.is_mariadb and flavour.version >= (10, 5, 0)


def _fold(queries: Sequence[str], flavour: Flavour) -> tuple[list[str], list[bool]]:
    """The information_schema queries, each folded by the server into one JSON array.

    Most of a live read is the driver decoding thousands of rows; one JSON document per
    query is decoded by the C json module instead (:func:`_unfold`).  Same rows, same
    order.  MariaDB 10.5+ only (JSON_ARRAYAGG ... ORDER BY); elsewhere the plain queries
    run.  Returns the queries to run, and for each whether it stays plain."""
    if not _folds(flavour):
        return list(queries), [True] * len(queries)
    folded, plain = [], []
    for q in queries:
        m = _SELECT.match(q)
        # events carry datetimes, whose text form JSON would change: read them plainly
        if m and "EVENTS" not in q:
            order = f" ORDER BY {m.group(3)}" if m.group(3) else ""
            folded.append(f"SELECT JSON_ARRAYAGG(JSON_ARRAY({m.group(1)}){order}) {m.group(2)}")
            plain.append(False)
        else:
            folded.append(q)
            plain.append(True)
    return folded, plain


def _unfold(results: Sequence[list[tuple]], plain: Sequence[bool]) -> list[list[tuple]]:
    out = []
    for rows, is_plain in zip(results, plain, strict=True):
        if is_plain:
            out.append(rows)
        else:
            doc = rows[0][0] if rows else None
            out.append([tuple(r) for r in json.loads(doc)] if doc else [])
    return out


# JSON_ARRAYAGG is limited to group_concat_max_len
_GROUP_CONCAT_MAX = "SET SESSION group_concat_max_len = 4294967295"


def _in_list(names: Sequence[str]) -> str:
    """The inside of ``IN (...)``: quoted literals, or NULL for none (matches nothing)."""
    return ", ".join(_lit(n) for n in names) or "NULL"


def _tables_query(db: str, only: Sequence[str] | None = None) -> str:
    """Tables and views (``TABLE_TYPE`` ``VIEW``), read before the other queries: their
    names make the ``SHOW CREATE`` statements that travel with those queries.  ``only``:
    these tables alone (the views come from :func:`_views_query`)."""
    where = "" if only is None else f" AND TABLE_NAME IN ({_in_list(only)})"
    return (f"SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT, "
            f"TABLE_TYPE "
            f"FROM information_schema.TABLES WHERE TABLE_SCHEMA = {_lit(db)}{where}")


def _views_query(db: str) -> str:
    """The names of the views, for a partial read.  Asking information_schema.TABLES for
    ``TABLE_TYPE = 'VIEW'`` opens every table; the directory listing opens none."""
    return f"SHOW FULL TABLES FROM {quote_ident(db)} WHERE Table_type = 'VIEW'"


def _queries(db: str, flavour: Flavour, collations: Sequence[str],
             views: Sequence[str], only: Sequence[str] | None = None,
             only_routines: Sequence[str] | None = None, events: bool = True,
             triggers: bool = True) -> list[str | None]:
    """The information_schema queries after the tables query, which told the collations
    of the tables and the names of the views (the server then opens only those).
    ``only``/``only_routines``: the table-level and routine queries ask for these alone.
    None stands for a query a partial read has no need to run (no views, no routines
    named, events or triggers not asked for): its result is empty."""
    s = _lit(db)
    t = "" if only is None else f" AND TABLE_NAME IN ({_in_list(only)})"
    names = None if only_routines is None else _in_list(only_routines)
    r = "" if names is None else f" AND ROUTINE_NAME IN ({names})"
    p = "" if names is None else f" AND SPECIFIC_NAME IN ({names})"
    # the triggers of the tables read
    g = "" if only is None else f" AND EVENT_OBJECT_TABLE IN ({_in_list(only)})"
    view_names = _in_list(views)
    level = "LEVEL" if flavour.has_check_level else "'Table'"
    ignored = "IGNORED" if flavour.has_index_ignored else "'NO'"
    algorithm = "ALGORITHM" if flavour.has_view_algorithm_column else "'UNDEFINED'"
    in_use = _in_list(sorted(set(collations)))
    partial = only is not None
    queries: list[str | None] = [
        f"SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
        f"WHERE SCHEMA_NAME = {s}",
        f"SELECT COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS "
        f"WHERE COLLATION_NAME IN ({in_use})",
        f"SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
        f"CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION, DATA_TYPE "
        f"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {s}{t} "
        f"ORDER BY TABLE_NAME, ORDINAL_POSITION",
        f"SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE, "
        f"INDEX_COMMENT, {ignored} FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {s}{t} "
        f"ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        f"SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE "
        f"FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {s}{t}",
        f"SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, "
        f"REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
        f"WHERE TABLE_SCHEMA = {s}{t} AND REFERENCED_TABLE_NAME IS NOT NULL "
        f"ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
        f"SELECT TABLE_NAME, CONSTRAINT_NAME, {level}, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
        f"WHERE CONSTRAINT_SCHEMA = {s}{t} ORDER BY TABLE_NAME, CONSTRAINT_NAME",
        f"SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, DEFINER, SECURITY_TYPE, {algorithm}, "
        f"CHARACTER_SET_CLIENT, COLLATION_CONNECTION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = {s} "
        f"AND TABLE_NAME IN ({view_names})",
        f"SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, DTD_IDENTIFIER, CHARACTER_SET_NAME, "
        f"COLLATION_NAME, IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT, SQL_MODE, "
        f"DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION "
        f"FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = {s}{r}",
        f"SELECT SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME, "
        f"DTD_IDENTIFIER, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.PARAMETERS "
        f"WHERE SPECIFIC_SCHEMA = {s}{p} AND ORDINAL_POSITION > 0 ORDER BY SPECIFIC_NAME, ORDINAL_POSITION",
        f"SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT, "
        f"ACTION_ORDER, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION "
        f"FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {s}{g}",
        f"SELECT EVENT_NAME, EVENT_DEFINITION, EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, "
        f"STARTS, ENDS, STATUS, ON_COMPLETION, EVENT_COMMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, "
        f"COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = {s}",
    ]
    if partial and not views:
        queries[_VIEWS - 1] = None
    if only_routines is not None and not only_routines:
        queries[_ROUTINES - 1] = queries[_PARAMETERS - 1] = None
    if not events:
        queries[_EVENTS - 1] = None
    if not triggers:
        queries[_TRIGGERS - 1] = None
    return queries


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Pause the cyclic garbage collector (unless paused already).  A read makes tens of
    thousands of small objects in no reference cycle: rows, then the model; the
    collections their allocation triggers only walk the heap."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class Fetched:
    """What :func:`fetch` brought from the server, for :func:`build` to turn into a model."""

    database: str
    version_string: str
    flavour: Flavour
    rows: list[list[tuple]]  # the tables query, then those of :func:`_queries`, decoded
    creates: dict[str, str]  # SHOW CREATE TABLE by table
    view_creates: dict[str, str]  # SHOW CREATE VIEW by view
    bodies: dict[tuple, str]  # verbatim routine bodies by (type, name), parameter lists by (type, name, "param_list")
    data: tuple[TableData, ...]
    types: dict[str, DataType]  # COLUMN_TYPE -> DataType, parsed once per read
    started: float
    # trigger and event bodies as written (information_schema rewrites their strings)
    trigger_bodies: dict[str, str] = field(default_factory=dict)
    event_bodies: dict[str, str] = field(default_factory=dict)


def fetch(conn: pymysql.connections.Connection, database: str, *,
          data_tables: Sequence[str] = (), only_tables: Sequence[str] | None = None,
          only_routines: Sequence[str] | None = None, events: bool = True,
          triggers: bool = True) -> Fetched:
    """Every server round trip of a read of ``database``, and nothing of the model.

    The first brings the server version and the tables; the second every other
    information_schema query with ``SHOW CREATE`` of each table and view; then, when
    needed, the verbatim routine bodies and the rows of ``data_tables``.  Keeping the
    client's work out of it lets reads of several databases in several threads keep the
    server busy, the model being built afterwards (:func:`build`)."""
    with _cyclic_gc_paused():
        return _fetch(conn, database, data_tables, only_tables,
                      only_tables if only_routines is None else only_routines, events, triggers)


def _fetch(conn, database: str, data_tables: Sequence[str],
           only_tables: Sequence[str] | None = None,
           only_routines: Sequence[str] | None = None, events: bool = True,
           triggers: bool = True) -> Fetched:
    started = time.perf_counter()
    first = ["SELECT VERSION()", _tables_query(database, only_tables)]
    if only_tables is not None:
        first.append(_views_query(database))
    try:
        version_rows, tables, *views = run_batch(conn, first)
    except pymysql.MySQLError as exc:
        raise ConnectionFailed(f"cannot read database {database!r}: {exc.args[-1]}") from None
    version_string = version_rows[0][0]
    flavour = detect(version_string)
    if only_tables is not None:
        wanted = set(only_tables)
        # the row information_schema.TABLES has for a view: only its name and type matter
        tables = [r for r in tables if r[5] != "VIEW" and r[0] in wanted]
        tables += [(r[0], None, None, None, "VIEW", "VIEW") for r in views[0]]
    table_names = sorted(r[0] for r in tables if r[5] != "VIEW" and r[0] not in BOOKKEEPING_TABLES)
    view_names = sorted(r[0] for r in tables if r[5] == "VIEW")
    queries = _queries(database, flavour, [r[2] for r in tables if r[2]], view_names,
                       None if only_tables is None else table_names, only_routines, events, triggers)
    asked = [q for q in queries if q is not None]
    # folding pays on whole databases; on a few tables, plain rows come back sooner
    folded, plain = _fold(asked, flavour) if only_tables is None or len(table_names) > 20 \
        else (asked, [True] * len(asked))
    prefix = [] if all(plain) else [_GROUP_CONCAT_MAX]
    db = quote_ident(database)
    shows = [f"SHOW CREATE TABLE {db}.{quote_ident(n)}" for n in table_names]
    shows += [f"SHOW CREATE VIEW {db}.{quote_ident(n)}" for n in view_names]
    try:
        results = run_batch(conn, prefix + folded + shows)[len(prefix):]
    except pymysql.MySQLError as exc:
        raise ConnectionFailed(f"cannot read database {database!r}: {exc.args[-1]}") from None
    got = iter(_unfold(results[:len(folded)], plain))
    rows = [tables] + [[] if q is None else next(got) for q in queries]
    if not rows[_SCHEMATA]:
        raise SchemaToolsError(f"database {database!r} does not exist on the server")
    show_create = results[len(folded):]
    creates = {r[0][0]: r[0][1] for r in show_create[:len(table_names)]}
    view_creates = {r[0][0]: r[0][1] for r in show_create[len(table_names):]}
    bodies = _verbatim_bodies(conn, database, flavour, only_routines) if rows[_ROUTINES] else {}
    trigger_bodies = _trigger_bodies(conn, database, [r[0] for r in rows[_TRIGGERS]])
    event_bodies = _event_bodies(conn, database, flavour) if rows[_EVENTS] else {}
    types: dict[str, DataType] = {}
    data: tuple[TableData, ...] = ()
    if data_tables:
        cols_by_table = _group(rows[_COLUMNS])
        primary = _group([r for r in rows[_STATISTICS] if r[1] == "PRIMARY"])
        specs = []
        for name in sorted(set(data_tables) & set(table_names)):
            cols = [(r[1], _data_type(types, r[2]).name) for r in cols_by_table.get(name, [])
                    if _generation(r[5], r[9]) is None]
            keys = [r[3] for r in primary.get(name, [])] or [c for c, _ in cols]
            specs.append((name, cols, keys))
        data = _read_rows(conn, database, specs, fold=_folds(flavour))
    return Fetched(database, version_string, flavour, rows, creates, view_creates, bodies, data,
                   types, started, trigger_bodies=trigger_bodies, event_bodies=event_bodies)


# positions in Fetched.rows
(_TABLES, _SCHEMATA, _COLLATIONS, _COLUMNS, _STATISTICS, _FK_RULES, _FK_COLUMNS, _CHECKS, _VIEWS,
 _ROUTINES, _PARAMETERS, _TRIGGERS, _EVENTS) = range(13)


def _data_type(types: dict[str, DataType], column_type: str) -> DataType:
    dtype = types.get(column_type)
    if dtype is None:
        dtype = DataType.parse(column_type.replace(" /*M!100301 COMPRESSED*/", ""))
        types[column_type] = dtype
    return dtype


def _generation(extra: str | None, expression: str | None) -> str | None:
    """The expression of a generated column (EXTRA says ``VIRTUAL GENERATED`` or
    ``STORED GENERATED``), or ``None`` for a plain column."""
    return expression if expression is not None and "GENERATED" in (extra or "").upper() else None


def _verbatim_bodies(conn, db: str, flavour: Flavour,
                     only: Sequence[str] | None = None) -> dict[tuple, str]:
    """Routine bodies exactly as written, and their parameter lists (keyed
    ``(type, name, "param_list")``).

    information_schema's ROUTINE_DEFINITION is not verbatim: MariaDB unescapes string
    literals in it (a written ``'\\\\2'`` reads back as ``'\\2'``).  MariaDB keeps the
    original text in ``mysql.proc``; without access to it, fall back to ROUTINE_DEFINITION."""
    if not flavour.is_mariadb:
        return {}
    try:
        names = "" if only is None else f" AND name IN ({_in_list(only)})"
        (rows,) = run_batch(conn, [f"SELECT type, name, body, param_list FROM mysql.proc "
                                   f"WHERE db = {_lit(db)}{names}"])
    except pymysql.MySQLError:
        return {}
    out: dict[tuple[Any, ...], str] = {}
    for rtype, name, body, param_list in rows:
        rtype = rtype.decode() if isinstance(rtype, bytes) else rtype
        out[(rtype, name)] = _text(body)
        out[(rtype, name, "param_list")] = _text(param_list)
    return out


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else (value or "")


def _trigger_bodies(conn, db: str, names: Sequence[str]) -> dict[str, str]:
    """Trigger bodies as written, from SHOW CREATE TRIGGER (information_schema's
    ACTION_STATEMENT rewrites string literals and loses backslashes).  A trigger whose
    statement is not understood keeps ACTION_STATEMENT."""
    if not names:
        return {}
    try:
        results = run_batch(conn, [f"SHOW CREATE TRIGGER {quote_ident(db)}.{quote_ident(n)}" for n in names])
    except pymysql.MySQLError:
        return {}
    out = {}
    for name, rows in zip(names, results, strict=True):
        body = trigger_body(rows[0][2] or "") if rows and len(rows[0]) > 2 else None
        if body:
            out[name] = body
    return out


def _event_bodies(conn, db: str, flavour: Flavour) -> dict[str, str]:
    """Event bodies as written: MariaDB keeps them in ``mysql.event`` (EVENT_DEFINITION
    rewrites string literals, as for triggers).  Without access: EVENT_DEFINITION."""
    if not flavour.is_mariadb:
        return {}
    try:
        (rows,) = run_batch(conn, [f"SELECT name, body FROM mysql.event WHERE db = {_lit(db)}"])
    except pymysql.MySQLError:
        return {}
    return {(n.decode() if isinstance(n, bytes) else n):
            (b.decode("utf-8", "surrogateescape") if isinstance(b, bytes) else b) for n, b in rows}


def _group(rows: list[tuple], key: int = 0) -> dict[Any, list[tuple]]:
    out: dict[Any, list[tuple]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def _typed(dtd: str, charset: str | None, collation: str | None) -> str:
    if charset and collation:
        return f"{dtd} CHARSET {charset} COLLATE {collation}"
    return dtd


_USING_RE = re.compile(r"^\s*(?:PRIMARY KEY|(?:UNIQUE |FULLTEXT |SPATIAL )?KEY `((?:[^`]|``)*)`)"
                       r" .* USING (BTREE|HASH|RTREE)")
_OPTION_TAIL = re.compile(r"^\)\s*(.*)$", re.S)


def introspect(conn: pymysql.connections.Connection, database: str, *,
               self_check: bool = True, loader_account: str | None = None,
               data_tables: Sequence[str] = (), only_tables: Sequence[str] | None = None,
               only_routines: Sequence[str] | None = None, events: bool = True,
               triggers: bool = True) -> IntrospectionResult:
    """Read ``database`` over ``conn`` into a :class:`Schema`: :func:`fetch`, then :func:`build`.

    ``loader_account`` is the account (``user@host``) that created the objects whose source
    said no DEFINER: definers equal to it are recorded as ``None``, meaning "whoever creates
    the object".  A workspace passes its own account, one no source names
    (:mod:`~schema_tools.sources.workspace`), so that a stated DEFINER such as
    ``root@localhost`` is kept.  Without it, every definer is recorded as the server has it
    (``schema-tools snapshot URL``).
    ``data_tables`` names the lookup tables whose rows are read too.  ``only_tables``
    limits the tables (and their triggers) read to those names, ``only_routines`` the
    routines (default: the same names); views are all read, and events and triggers unless
    ``events`` or ``triggers`` is false (the schema then has none).  A partial read, for a
    caller that knows the others did not change.
    """
    return build(fetch(conn, database, data_tables=data_tables, only_tables=only_tables,
                       only_routines=only_routines, events=events, triggers=triggers),
                 self_check=self_check, loader_account=loader_account)


def build(fetched: Fetched, *, self_check: bool = True,
          loader_account: str | None = None) -> IntrospectionResult:
    """The model of what :func:`fetch` read, and the self-check of every table (see
    :func:`introspect` for ``loader_account``)."""
    with _cyclic_gc_paused():
        return _build(fetched, self_check, loader_account)


def _build(fetched: Fetched, self_check: bool, loader_account: str | None) -> IntrospectionResult:
    database, flavour, types = fetched.database, fetched.flavour, fetched.types
    creates, bodies = fetched.creates, fetched.bodies
    (tables, schemata, collations, columns, stats, fk_rules, fk_columns, checks, views,
     routines, params, triggers, events) = fetched.rows
    charset_of = dict(collations)
    tables = [r for r in tables if r[5] != "VIEW" and r[0] not in BOOKKEEPING_TABLES]
    # SHOW CREATE VIEW, unlike information_schema, leaves out the database qualifier
    table_like_database = any(r[0] == database for r in tables)
    view_defs = {name: view_body(name, text, database, table_like_database)
                 for name, text in fetched.view_creates.items()}

    cols_by_table = _group(columns)
    stats_by_table = _group(stats)
    # two plain queries joined here: the server's join of the two views is slow
    rules = {(r[0], r[1]): (r[2], r[3]) for r in fk_rules}
    fks = [(t, name, *rules.get((t, name), ("RESTRICT", "RESTRICT")), col, rschema, rtable, rcol)
           for (t, name, col, rschema, rtable, rcol) in fk_columns if (t, name) in rules]
    fks_by_table = _group(fks)
    checks_by_table = _group(checks)

    model_tables = []
    odd_tables = []
    parsed = {name: show_create_parts(text) for name, text in creates.items()}
    for name, engine, collation, create_options, comment, table_type in tables:
        if table_type != "BASE TABLE":
            odd_tables.append(Unsupported(name, f"table type {table_type}", "BASE TABLE", table_type))
        defs, shown_options, partitioning = parsed.get(name) or ([], None, None)
        model_tables.append(_table(
            name, engine, collation, charset_of.get(collation), create_options or "", comment or "",
            cols_by_table.get(name, []), stats_by_table.get(name, []), fks_by_table.get(name, []),
            checks_by_table.get(name, []), defs, partitioning, flavour, types, shown_options,
        ))

    params_by_routine = _group(params)
    model_routines = []
    for (rname, rtype, body, dtd, cs, coll, determ, access, security, comment, sql_mode,
         definer, cs_client, coll_conn, db_coll) in routines:
        plist = tuple(
            Parameter(pname, _typed(pdtd, pcs, pcoll), pmode if rtype == "PROCEDURE" else None)
            for (_, ptype, _, pmode, pname, pdtd, pcs, pcoll) in params_by_routine.get(rname, [])
            if ptype == rtype
        )
        model_routines.append(Routine(
            name=rname, kind=rtype, body=bodies.get((rtype, rname), body or ""), parameters=plist,
            param_list=bodies.get((rtype, rname, "param_list")),
            returns=_typed(dtd, cs, coll) if rtype == "FUNCTION" else None,
            deterministic=determ == "YES", data_access=access, security=security,
            comment=comment or "", sql_mode=sql_mode or "", definer=definer,
            charset_client=cs_client, collation_connection=coll_conn, database_collation=db_coll,
        ))

    model_views = [
        View(name=n, definition=view_defs.get(n) or d or "", check_option=co or "NONE", definer=df, security=sec,
             algorithm=alg or "UNDEFINED", charset_client=csc, collation_connection=cc)
        for (n, d, co, df, sec, alg, csc, cc) in views
    ]
    model_triggers = [
        Trigger(name=n, table=t, timing=tm, event=ev, statement=fetched.trigger_bodies.get(n, st),
                order=int(order or 1),
                sql_mode=sm or "", definer=df, charset_client=csc, collation_connection=cc,
                database_collation=dc)
        for (n, t, tm, ev, st, order, sm, df, csc, cc, dc) in triggers
    ]
    model_events = [_event(row, fetched.event_bodies.get(row[0])) for row in events]

    schema = Schema(
        flavour=flavour.name, charset=schemata[0][0], collation=schemata[0][1],
        tables=tuple(model_tables), views=tuple(model_views), routines=tuple(model_routines),
        triggers=tuple(model_triggers), events=tuple(model_events),
    )
    if loader_account:
        schema = _drop_definer(schema, loader_account)
    if fetched.data:
        schema = replace(schema, data=fetched.data)
    result = IntrospectionResult(schema, flavour, fetched.version_string)
    result.unsupported = odd_tables + (self_check_tables(schema, creates, parsed) if self_check else [])
    result.seconds = time.perf_counter() - fetched.started
    return result


# the ON UPDATE of information_schema's EXTRA: ``on update current_timestamp(3)``, maybe
# followed by more attributes (MariaDB: ``, INVISIBLE``; MySQL: `` INVISIBLE``)
_ON_UPDATE_RE = re.compile(r"\bon update (\w+(?:\(\d*\))?)", re.I)


def _plain_frozen_dataclass(cls) -> bool:
    """Whether ``cls.__init__`` only sets each field (no ``__post_init__``, no slots)."""
    return (dataclasses.is_dataclass(cls) and not hasattr(cls, "__post_init__")
            and "__slots__" not in vars(cls))


def _column(values: dict[str, Any]) -> Column:
    """``Column(**values)``, ``values`` naming every field.  A read makes thousands of
    columns, and the frozen dataclass's ``__init__`` sets their 14 fields one
    ``object.__setattr__`` at a time; the same object is made four times faster by
    giving it its ``__dict__`` at once."""
    if _COLUMN_BY_DICT and values.keys() == _COLUMN_FIELDS:
        column = object.__new__(Column)
        object.__setattr__(column, "__dict__", values)
        return column
    return Column(**values)


_COLUMN_BY_DICT = _plain_frozen_dataclass(Column)
_COLUMN_FIELDS = frozenset(f.name for f in dataclasses.fields(Column))


def _table(name, engine, collation, charset, create_options, comment, cols, stats, fks, checks,
           defs, partitioning, flavour: Flavour, types: dict[str, DataType],
           shown_options: str | None = None) -> Table:
    using = {}
    for line in defs:
        if " USING " in line:
            m = _USING_RE.match(line)
            if m:
                using[(m.group(1) or "PRIMARY").replace("``", "`")] = m.group(2)
    table_checks = []
    column_level = []
    for _, cname, level, clause in checks:
        if level == "Column":
            column_level.append((cname, clause))
        else:
            table_checks.append(Check(cname, clause))
    checks_by_column = column_checks(column_level, defs)

    columns = []
    for (_, cname, ctype, nullable, default, extra, cs, coll, ccomment, gen, data_type) in cols:
        extra = extra or ""
        extra_u = extra.upper()
        generated = gen if gen is not None and "GENERATED" in extra_u else None
        on_update = None
        if "ON UPDATE" in extra_u:
            m = _ON_UPDATE_RE.search(extra)
            if m:
                on_update = m.group(1)
        columns.append(_column({
            "name": cname,
            "type": _data_type(types, ctype),
            "nullable": nullable == "YES",
            "default": None if generated is not None
            else flavour.normalize_default(default, extra, data_type),
            "auto_increment": "AUTO_INCREMENT" in extra_u,
            "on_update": on_update,
            "charset": cs, "collation": coll, "comment": ccomment or "",
            "generated": generated, "generated_stored": "STORED GENERATED" in extra_u,
            "invisible": "INVISIBLE" in extra_u, "compressed": "COMPRESSED" in ctype,
            "check": checks_by_column.get(cname),
        }))

    primary = None
    indexes = []
    for iname, parts in _group(stats, 1).items():
        first = parts[0]
        itype = first[6]
        if iname == "PRIMARY":
            kind = "primary"
        elif itype == "FULLTEXT":
            kind = "fulltext"
        elif itype == "SPATIAL":
            kind = "spatial"
        elif first[2] == 0 or first[2] == "0":
            kind = "unique"
        else:
            kind = "index"
        index = Index(
            name=iname,
            # information_schema gives a SPATIAL index a prefix length (SUB_PART 32) that
            # its definition does not have and cannot have (ERROR 1089)
            columns=tuple(IndexColumn(p[3], None if kind == "spatial" else p[4], p[5] == "D")
                          for p in parts),
            kind=kind, using=using.get(iname), comment=first[7] or "",
            ignored=first[8] == "YES",
        )
        if kind == "primary":
            primary = index
        else:
            indexes.append(index)

    foreign_keys = []
    for fname, parts in _group(fks, 1).items():
        first = parts[0]
        foreign_keys.append(ForeignKey(
            name=fname, columns=tuple(p[4] for p in parts), ref_table=first[6],
            ref_columns=tuple(p[7] for p in parts), on_delete=first[3], on_update=first[2],
            ref_schema=None,
        ))

    row_format, options = _table_options(create_options, shown_options)
    table = Table(
        name=name, columns=tuple(columns), primary_key=primary,
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        foreign_keys=tuple(sorted(foreign_keys, key=lambda f: f.name)),
        checks=tuple(sorted(table_checks, key=lambda c: c.name)),
        engine=engine, charset=charset, collation=collation, row_format=row_format,
        comment=comment, options=" ".join(options), partitioning=partitioning,
    )
    if not defs:
        return table
    return with_order(table, *shown_order(defs))


_SHOWN_HEAD = re.compile(r"ENGINE=\S+(?: DEFAULT CHARSET=\S+)?(?: COLLATE=\S+)?")
_SHOWN_OPTION = re.compile(r" ([A-Z_]+)=([0-9A-Za-z_]+)")


def _table_options(create_options: str, shown: str | None) -> tuple[str | None, list[str]]:
    """ROW_FORMAT and the other plain table options, as ``SHOW CREATE TABLE`` prints them
    (``shown``: its options line), which a CREATE TABLE of the model must reproduce.

    information_schema's CREATE_OPTIONS says something else for Aria: the server shows
    PAGE_CHECKSUM always and TRANSACTIONAL only when the definition has it, CREATE_OPTIONS
    the other way round, and the server shows the row format Aria uses (a written
    ``ROW_FORMAT=COMPACT`` is ``PAGE``).  CREATE_OPTIONS serves only without ``shown``.
    The plain options come before COMMENT and anything quoted, so no comment is read."""
    pairs: list[tuple[str, str]] = []
    head = _SHOWN_HEAD.match(shown or "")
    if head is not None:
        pos = head.end()
        while (m := _SHOWN_OPTION.match(shown or "", pos)) is not None:
            pairs.append((m.group(1), m.group(2)))
            pos = m.end()
    else:
        for opt in create_options.split():
            key, _, value = opt.partition("=")
            if key.lower() != "partitioned":
                pairs.append((key.upper(), value))
    row_format = None
    options = []
    for key, value in pairs:
        if key == "ROW_FORMAT":
            row_format = value
        else:
            options.append(f"{key}={value}" if value else key)
    return row_format, options


def _event(row, verbatim: str | None = None) -> Event:
    (name, definition, etype, execute_at, ivalue, ifield, starts, ends, status, on_completion,
     comment, sql_mode, definer, csc, cc, dc) = row
    definition = verbatim if verbatim is not None else definition
    if etype == "ONE TIME":
        schedule = f"AT '{execute_at}'"
    else:
        schedule = f"EVERY {ivalue} {ifield}"
        if starts:
            schedule += f" STARTS '{starts}'"
        if ends:
            schedule += f" ENDS '{ends}'"
    return Event(name=name, definition=definition, schedule=schedule, status=status,
                 on_completion=on_completion, comment=comment or "", sql_mode=sql_mode or "",
                 definer=definer, charset_client=csc, collation_connection=cc,
                 database_collation=dc)


_BINARY = ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit",
           "geometry", "point", "linestring", "polygon")


def _literal(name: str, type_name: str) -> str:
    """SQL that gives a column's value as SQL literal text: QUOTE(), or x'..' for bytes."""
    q = quote_ident(name)
    if type_name in _BINARY:
        return "IF(" + q + " IS NULL, 'NULL', CONCAT('x''', HEX(" + q + "), ''''))"
    return "QUOTE(" + q + ")"


def read_data(conn, database: str, schema: Schema, names: Sequence[str]) -> tuple[TableData, ...]:
    """Rows of the lookup tables ``names`` that exist, in one round trip, ordered by key."""
    specs = []
    for t in (schema.table(n) for n in sorted(set(names))):
        if t is not None:
            cols = [(c.name, c.type.name) for c in t.columns if c.generated is None]
            keys = ([p.name for p in t.primary_key.columns] if t.primary_key
                    else [c for c, _ in cols])
            specs.append((t.name, cols, keys))
    return _read_rows(conn, database, specs)


def _read_rows(conn, database: str, specs: Sequence[tuple[str, list[tuple[str, str]], list[str]]],
               *, fold: bool = False) -> tuple[TableData, ...]:
    """Rows of each ``(table, [(column, type name)...], key columns)``, ordered by key, as
    SQL literal text.  ``fold``: one statement brings every table's rows, each table's
    folded into a JSON array by the server (see :func:`_fold`)."""
    db = quote_ident(database)
    selects = []
    for name, cols, keys in specs:
        values = ", ".join(_literal(c, type_name) for c, type_name in cols)
        order = ", ".join(quote_ident(k) for k in keys)
        selects.append(f"(SELECT JSON_ARRAYAGG(JSON_ARRAY({values}) ORDER BY {order}) "
                       f"FROM {db}.{quote_ident(name)})" if fold else
                       f"SELECT {values} FROM {db}.{quote_ident(name)} ORDER BY {order}")
    try:
        if not selects:
            results = []
        elif fold:
            (row,), = run_batch(conn, ["SELECT " + ", ".join(selects)])
            results = [[tuple(r) for r in json.loads(doc)] if doc else [] for doc in row]
        else:
            results = run_batch(conn, selects)
    except pymysql.MySQLError as exc:
        raise ConnectionFailed(f"cannot read lookup data of {database!r}: {exc.args[-1]}") from None
    out = []
    for (name, cols, _), rows in zip(specs, results, strict=True):
        out.append(TableData(name, tuple(c for c, _ in cols),
                             tuple(tuple("NULL" if v is None else v for v in r) for r in rows)))
    return tuple(out)


def _drop_definer(schema: Schema, account: str) -> Schema:
    def fix(objs):
        return tuple(replace(o, definer=None) if o.definer == account else o for o in objs)

    return replace(schema, views=fix(schema.views), routines=fix(schema.routines),
                   triggers=fix(schema.triggers), events=fix(schema.events))
