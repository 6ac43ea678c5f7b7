"""Read a live database into the model, in two round trips.

The first round trip asks information_schema for everything at once (one
multi-statement batch); the second fetches ``SHOW CREATE TABLE`` for every table in
another batch.  ``SHOW CREATE TABLE`` supplies what information_schema does not say
(an explicit ``USING`` of an index, partitioning) and is the oracle of the self-check:
each table's CREATE is regenerated from the model and compared with the server's, and
every mismatch is reported as unsupported, by table and feature.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import pymysql
from pymysql.constants import CLIENT

from ..errors import ConnectionFailed, SchemaToolsError
from ..flavour import Flavour, detect
from ..model.objects import (
    Check, Column, DataType, Event, ForeignKey, Index, IndexColumn, Parameter, Routine,
    Schema, Table, TableData, Trigger, View,
)
from ..render.ddl import create_table_lines, quote_ident, table_options

MULTI_STATEMENTS = CLIENT.MULTI_STATEMENTS

# bookkeeping tables of the migration tools, not part of the schema they manage
BOOKKEEPING_TABLES = frozenset({"alembic_version", "schema_tools_progress"})


@dataclass
class Unsupported:
    """One table whose regenerated CREATE differs from the server's."""

    table: str
    feature: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.table}: unsupported {self.feature}: server has {self.actual!r}, model gives {self.expected!r}"


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


def _run_aggregated(conn, queries: Sequence[str], flavour: Flavour) -> list[list[tuple]]:
    """Run the information_schema queries, each folded by the server into one JSON array.

    Most of a live read is the driver decoding thousands of rows; one JSON document per
    query is decoded by the C json module instead.  Same rows, same order.  MariaDB 10.5+
    only (JSON_ARRAYAGG ... ORDER BY); elsewhere the plain queries run."""
    if not (flavour.is_mariadb and flavour.version >= (10, 5, 0)):
        return run_batch(conn, queries)
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
    results = run_batch(conn, ["SET SESSION group_concat_max_len = 4294967295"] + folded)[1:]
    out = []
    for rows, is_plain in zip(results, plain):
        if is_plain:
            out.append(rows)
        else:
            doc = rows[0][0] if rows else None
            out.append([tuple(r) for r in json.loads(doc)] if doc else [])
    return out


def _queries(db: str, flavour: Flavour) -> list[str]:
    s = _lit(db)
    level = "LEVEL" if flavour.has_check_level else "'Table'"
    ignored = "IGNORED" if flavour.has_index_ignored else "'NO'"
    algorithm = "ALGORITHM" if flavour.has_view_algorithm_column else "'UNDEFINED'"
    return [
        f"SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
        f"WHERE SCHEMA_NAME = {s}",
        f"SELECT COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS "
        f"WHERE COLLATION_NAME IN (SELECT DISTINCT TABLE_COLLATION FROM information_schema.TABLES "
        f"WHERE TABLE_SCHEMA = {s})",
        f"SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT, TABLE_TYPE "
        f"FROM information_schema.TABLES WHERE TABLE_SCHEMA = {s} AND TABLE_TYPE <> 'VIEW'",
        f"SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
        f"CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT, GENERATION_EXPRESSION, DATA_TYPE "
        f"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {s} "
        f"ORDER BY TABLE_NAME, ORDINAL_POSITION",
        f"SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE, "
        f"INDEX_COMMENT, {ignored} FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {s} "
        f"ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
        f"SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE "
        f"FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = {s}",
        f"SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, "
        f"REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
        f"WHERE TABLE_SCHEMA = {s} AND REFERENCED_TABLE_NAME IS NOT NULL "
        f"ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
        f"SELECT TABLE_NAME, CONSTRAINT_NAME, {level}, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
        f"WHERE CONSTRAINT_SCHEMA = {s} ORDER BY TABLE_NAME, CONSTRAINT_NAME",
        f"SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, DEFINER, SECURITY_TYPE, {algorithm}, "
        f"CHARACTER_SET_CLIENT, COLLATION_CONNECTION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = {s}",
        f"SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, DTD_IDENTIFIER, CHARACTER_SET_NAME, "
        f"COLLATION_NAME, IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT, SQL_MODE, "
        f"DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION "
        f"FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = {s}",
        f"SELECT SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME, "
        f"DTD_IDENTIFIER, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.PARAMETERS "
        f"WHERE SPECIFIC_SCHEMA = {s} AND ORDINAL_POSITION > 0 ORDER BY SPECIFIC_NAME, ORDINAL_POSITION",
        f"SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT, "
        f"ACTION_ORDER, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION "
        f"FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {s}",
        f"SELECT EVENT_NAME, EVENT_DEFINITION, EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, "
        f"STARTS, ENDS, STATUS, ON_COMPLETION, EVENT_COMMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, "
        f"COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = {s}",
    ]


def _verbatim_bodies(conn, db: str, flavour: Flavour) -> dict[tuple[str, str], str]:
    """Routine bodies exactly as written.

    information_schema's ROUTINE_DEFINITION is not verbatim: MariaDB unescapes string
    literals in it (a written ``'\\\\2'`` reads back as ``'\\2'``).  MariaDB keeps the
    original text in ``mysql.proc``; without access to it, fall back to ROUTINE_DEFINITION."""
    if not flavour.is_mariadb:
        return {}
    try:
        (rows,) = run_batch(conn, [f"SELECT type, name, body FROM mysql.proc WHERE db = {_lit(db)}"])
    except pymysql.MySQLError:
        return {}
    out = {}
    for rtype, name, body in rows:
        rtype = rtype.decode() if isinstance(rtype, bytes) else rtype
        out[(rtype, name)] = body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else body
    return out


def _view_body(name: str, create: str, database: str) -> str | None:
    """The SELECT of ``SHOW CREATE VIEW``: after ``VIEW `name` AS``, without the check
    option, and without the qualifier of the view's own database (MariaDB writes
    ```db`.`t`.`col``` in the select list), so that the view can be created elsewhere."""
    marker = f" VIEW {quote_ident(name)} AS "
    pos = create.find(marker)
    if pos < 0:
        return None
    body = re.sub(r" WITH (?:CASCADED|LOCAL) CHECK OPTION$", "", create[pos + len(marker):])
    qualifier = quote_ident(database) + "."
    out, i = [], 0
    for m in re.finditer(r"'(?:[^'\\]|\\.|'')*'|`(?:[^`]|``)*`\.?", body):
        out.append(body[i:m.start()])
        if m.group(0) != qualifier:
            out.append(m.group(0))
        i = m.end()
    out.append(body[i:])
    return "".join(out)


def _group(rows: list[tuple], key: int = 0) -> dict[Any, list[tuple]]:
    out: dict[Any, list[tuple]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def _typed(dtd: str, charset: str | None, collation: str | None) -> str:
    if charset and collation:
        return f"{dtd} CHARSET {charset} COLLATE {collation}"
    return dtd


_USING_RE = re.compile(r"^\s*(?:PRIMARY KEY|(?:UNIQUE |FULLTEXT |SPATIAL )?KEY `((?:[^`]|``)*)`) .* USING (BTREE|HASH|RTREE)")
_OPTION_TAIL = re.compile(r"^\)\s*(.*)$", re.S)


def _show_create_parts(text: str) -> tuple[list[str], str, str | None]:
    """Split SHOW CREATE TABLE into definition lines, the options line, and partitioning."""
    lines = text.split("\n")
    defs: list[str] = []
    i = 1
    while i < len(lines) and not lines[i].startswith(")"):
        defs.append(lines[i].strip().rstrip(","))
        i += 1
    options = lines[i][1:].strip() if i < len(lines) else ""
    rest = "\n".join(lines[i + 1:]) if i + 1 < len(lines) else ""
    options = re.sub(r"\s*AUTO_INCREMENT=\d+", "", options)
    return defs, options, (rest if rest.strip() else None)


def introspect(conn: pymysql.connections.Connection, database: str, *,
               self_check: bool = True, loader_account: str | None = None,
               data_tables: Sequence[str] = ()) -> IntrospectionResult:
    """Read ``database`` over ``conn`` into a :class:`Schema`.

    ``loader_account`` is the account (``user@host``) that loaded the schema into a scratch
    database: definers equal to it are recorded as ``None``, meaning "whoever creates the
    object", since the source said no DEFINER and the account is an artifact of the load.
    """
    started = time.perf_counter()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            version_string = cur.fetchone()[0]
        flavour = detect(version_string)
        (schemata, collations, tables, columns, stats, fk_rules, fk_columns, checks, views,
         routines, params, triggers, events) = _run_aggregated(conn, _queries(database, flavour), flavour)
    except pymysql.MySQLError as exc:
        raise ConnectionFailed(f"cannot read database {database!r}: {exc.args[-1]}") from None
    if not schemata:
        raise SchemaToolsError(f"database {database!r} does not exist on the server")
    charset_of = dict(collations)
    bodies = _verbatim_bodies(conn, database, flavour)
    tables = [r for r in tables if r[0] not in BOOKKEEPING_TABLES]
    table_names = sorted(r[0] for r in tables)
    view_names = sorted(r[0] for r in views)
    queries = [f"SHOW CREATE TABLE {quote_ident(database)}.{quote_ident(n)}" for n in table_names]
    queries += [f"SHOW CREATE VIEW {quote_ident(database)}.{quote_ident(n)}" for n in view_names]
    try:
        show_create = run_batch(conn, queries) if queries else []
    except pymysql.MySQLError as exc:
        raise ConnectionFailed(f"cannot read table definitions of {database!r}: {exc.args[-1]}") from None
    creates = {rows[0][0]: rows[0][1] for rows in show_create[:len(table_names)]}
    # SHOW CREATE VIEW, unlike information_schema, leaves out the database qualifier
    view_defs = {rows[0][0]: _view_body(rows[0][0], rows[0][1], database)
                 for rows in show_create[len(table_names):]}

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
    for name, engine, collation, create_options, comment, table_type in tables:
        if table_type != "BASE TABLE":
            odd_tables.append(Unsupported(name, f"table type {table_type}", "BASE TABLE", table_type))
        defs, _, partitioning = _show_create_parts(creates.get(name, ""))
        using = {}
        for line in defs:
            m = _USING_RE.match(line)
            if m:
                using[(m.group(1) or "PRIMARY").replace("``", "`")] = m.group(2)
        model_tables.append(_table(
            name, engine, collation, charset_of.get(collation), create_options or "", comment or "",
            cols_by_table.get(name, []), stats_by_table.get(name, []), fks_by_table.get(name, []),
            checks_by_table.get(name, []), using, partitioning, flavour,
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
        Trigger(name=n, table=t, timing=tm, event=ev, statement=st, order=int(order or 1),
                sql_mode=sm or "", definer=df, charset_client=csc, collation_connection=cc,
                database_collation=dc)
        for (n, t, tm, ev, st, order, sm, df, csc, cc, dc) in triggers
    ]
    model_events = [_event(row) for row in events]

    schema = Schema(
        flavour=flavour.name, charset=schemata[0][0], collation=schemata[0][1],
        tables=tuple(model_tables), views=tuple(model_views), routines=tuple(model_routines),
        triggers=tuple(model_triggers), events=tuple(model_events),
    )
    if loader_account:
        schema = _drop_definer(schema, loader_account)
    if data_tables:
        schema = replace(schema, data=read_data(conn, database, schema, data_tables))
    result = IntrospectionResult(schema, flavour, version_string)
    result.unsupported = odd_tables + (self_check_tables(schema, creates) if self_check else [])
    result.seconds = time.perf_counter() - started
    return result


def _table(name, engine, collation, charset, create_options, comment, cols, stats, fks, checks,
           using, partitioning, flavour: Flavour) -> Table:
    column_checks = {}
    table_checks = []
    for _, cname, level, clause in checks:
        if level == "Column":
            column_checks[cname] = clause
        else:
            table_checks.append(Check(cname, clause))

    columns = []
    for (_, cname, ctype, nullable, default, extra, cs, coll, ccomment, gen, data_type) in cols:
        extra_u = (extra or "").upper()
        compressed = "COMPRESSED" in ctype
        generated = gen if ("GENERATED" in extra_u and gen is not None) else None
        on_update = None
        m = re.search(r"on update (\S+(?:\(\d*\))?)", extra or "", re.I)
        if m:
            on_update = m.group(1)
        columns.append(Column(
            name=cname,
            type=DataType.parse(ctype.replace(" /*M!100301 COMPRESSED*/", "")),
            nullable=nullable == "YES",
            default=None if generated is not None else flavour.normalize_default(default, extra or "", data_type),
            auto_increment="AUTO_INCREMENT" in extra_u,
            on_update=on_update,
            charset=cs, collation=coll, comment=ccomment or "",
            generated=generated, generated_stored="STORED GENERATED" in extra_u,
            invisible="INVISIBLE" in extra_u, compressed=compressed,
            check=column_checks.get(cname),
        ))

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
            columns=tuple(IndexColumn(p[3], p[4], p[5] == "D") for p in parts),
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

    row_format = None
    options = []
    for opt in create_options.split():
        key, _, value = opt.partition("=")
        if key.lower() == "row_format":
            row_format = value
        elif key.lower() == "partitioned":
            continue
        else:
            options.append(f"{key.upper()}={value}" if value else key.upper())
    return Table(
        name=name, columns=tuple(columns), primary_key=primary,
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        foreign_keys=tuple(sorted(foreign_keys, key=lambda f: f.name)),
        checks=tuple(sorted(table_checks, key=lambda c: c.name)),
        engine=engine, charset=charset, collation=collation, row_format=row_format,
        comment=comment, options=" ".join(options), partitioning=partitioning,
    )


def _event(row) -> Event:
    (name, definition, etype, execute_at, ivalue, ifield, starts, ends, status, on_completion,
     comment, sql_mode, definer, csc, cc, dc) = row
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


def _literal(col) -> str:
    """SQL that gives a column's value as SQL literal text: QUOTE(), or x'..' for bytes."""
    q = quote_ident(col.name)
    if col.type.name in _BINARY:
        return "IF(" + q + " IS NULL, 'NULL', CONCAT('x''', HEX(" + q + "), ''''))"
    return "QUOTE(" + q + ")"


def read_data(conn, database: str, schema: Schema, names: Sequence[str]) -> tuple[TableData, ...]:
    """Rows of the lookup tables ``names`` that exist, in one round trip, ordered by key."""
    tables = [t for t in (schema.table(n) for n in sorted(set(names))) if t is not None]
    queries = []
    for t in tables:
        cols = [c.name for c in t.columns if c.generated is None]
        keys = [p.name for p in t.primary_key.columns] if t.primary_key else cols
        queries.append("SELECT " + ", ".join(_literal(t.column(c)) for c in cols)
                       + f" FROM {quote_ident(database)}.{quote_ident(t.name)} ORDER BY "
                       + ", ".join(quote_ident(k) for k in keys))
    try:
        results = run_batch(conn, queries) if queries else []
    except pymysql.MySQLError as exc:
        raise ConnectionFailed(f"cannot read lookup data of {database!r}: {exc.args[-1]}") from None
    out = []
    for t, rows in zip(tables, results):
        cols = tuple(c.name for c in t.columns if c.generated is None)
        out.append(TableData(t.name, cols, tuple(tuple("NULL" if v is None else v for v in r) for r in rows)))
    return tuple(out)


def _drop_definer(schema: Schema, account: str) -> Schema:
    def fix(objs):
        return tuple(replace(o, definer=None) if o.definer == account else o for o in objs)

    return replace(schema, views=fix(schema.views), routines=fix(schema.routines),
                   triggers=fix(schema.triggers), events=fix(schema.events))


def _feature(line: str) -> str:
    m = re.match(r"`((?:[^`]|``)*)`", line)
    if m:
        return f"column `{m.group(1)}`"
    m = re.match(r"(?:UNIQUE |FULLTEXT |SPATIAL )?KEY `((?:[^`]|``)*)`", line)
    if m:
        return f"index `{m.group(1)}`"
    if line.startswith("PRIMARY KEY"):
        return "primary key"
    m = re.match(r"CONSTRAINT `((?:[^`]|``)*)` (FOREIGN KEY|CHECK)", line)
    if m:
        return ("foreign key" if m.group(2) == "FOREIGN KEY" else "check") + f" `{m.group(1)}`"
    return "definition"


def self_check_tables(schema: Schema, creates: dict[str, str]) -> list[Unsupported]:
    """Compare each table's regenerated CREATE with the server's ``SHOW CREATE TABLE``."""
    problems: list[Unsupported] = []
    for table in schema.tables:
        actual = creates.get(table.name)
        if actual is None:
            problems.append(Unsupported(table.name, "table", "", "(no SHOW CREATE TABLE)"))
            continue
        defs, options, _ = _show_create_parts(actual)
        expected = create_table_lines(table)
        if sorted(defs) != sorted(expected) or [d for d in defs if d.startswith("`")] != \
                [e for e in expected if e.startswith("`")]:
            exp_set, act_set = set(expected), set(defs)
            missing = sorted(act_set - exp_set)
            extra = sorted(exp_set - act_set)
            for line in missing or ["(column order)"]:
                match = next((e for e in extra if _feature(e) == _feature(line)), "")
                problems.append(Unsupported(table.name, _feature(line), match, line))
        exp_options = table_options(table)
        if options != exp_options:
            problems.append(Unsupported(table.name, "table options", exp_options, options))
    return problems
