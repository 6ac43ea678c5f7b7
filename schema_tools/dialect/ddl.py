"""Render the model back to executable DDL.

``create_table`` produces exactly what MariaDB's ``SHOW CREATE TABLE`` prints for the
table, which makes it both the loader of a baseline and the oracle of the introspection
self-check.  ``render_schema`` produces a whole script: tables in foreign-key dependency
order (cycles closed by ``ALTER TABLE ... ADD CONSTRAINT`` at the end), views in
dependency order, then routines and triggers between ``DELIMITER ;;`` lines.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection

from ..flavour import AFTER_ROW_FORMAT, ENGINES_WRITING_PAGE_CHECKSUM, NULL_DEFAULT_KNOWN
from ..model.order import index_order, is_long_hash, ordered_checks, ordered_indexes
from .lexer import QUOTED, tokenize
from .types import quote_ident
from ..model.objects import (
    Check, Column, Event, ForeignKey, Index, Routine, Schema, Table, Trigger, View, quote_string,
)


def _word_or_quoted(name: str) -> str:
    return name if re.fullmatch(r"\w+", name) else quote_ident(name)


def alter_database(charset: str | None, collation: str | None, database: str | None = None) -> str:
    """``ALTER DATABASE [`db`] [CHARACTER SET cs] [COLLATE coll]``: the database default
    (a collation alone implies its character set).  Without ``database`` it applies to the
    connection's current database (what a revision runs, whatever the database is called)."""
    target = f" {quote_ident(database)}" if database else ""
    charset = f" CHARACTER SET {_word_or_quoted(charset)}" if charset else ""
    collate = f" COLLATE {_word_or_quoted(collation)}" if collation else ""
    return f"ALTER DATABASE{target}{charset}{collate}"


class DatabaseCollation:
    """The database default while routines, triggers and events are created: each takes the
    database's collation as its own ("database collation"), so one recorded with another is
    created under that one, and the default is put back after (:meth:`restore`)."""

    def __init__(self, charset: str | None, collation: str | None, database: str | None = None) -> None:
        self.charset, self.collation, self.database = charset, collation, database
        self.current = collation

    def switch(self, obj) -> str | None:
        """The ALTER DATABASE to run before creating ``obj``, if its collation is not in effect."""
        wanted = getattr(obj, "database_collation", None)
        if not self.current or not wanted or wanted == self.current:
            return None
        self.current = wanted
        return alter_database(None, wanted, self.database)

    def restore(self) -> str | None:
        """The ALTER DATABASE that puts the default back, if a switch changed it."""
        if self.current == self.collation:
            return None
        self.current = self.collation
        return alter_database(self.charset, self.collation, self.database)


def _definer(definer: str | None) -> str:
    if not definer:
        return ""
    user, _, host = definer.rpartition("@")
    if not user:
        return f"DEFINER={quote_ident(definer)} "
    return f"DEFINER={quote_ident(user)}@{quote_ident(host)} "


# ---------------------------------------------------------------------------------------
# Tables


def column_definition(col: Column, table: Table) -> str:
    parts = [quote_ident(col.name), col.type.sql()]
    if col.compressed:
        parts.append("/*M!100301 COMPRESSED*/")
    if col.collation and col.collation != table.collation:
        parts.append(f"CHARACTER SET {col.charset} COLLATE {col.collation}")
    if col.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({col.generated}) "
                     + ("STORED" if col.generated_stored else "VIRTUAL"))
        if col.invisible:
            parts.append("INVISIBLE")
    else:
        if not col.nullable:
            parts.append("NOT NULL")
        elif col.type.name == "timestamp":
            parts.append("NULL")
        if col.invisible:
            parts.append("INVISIBLE")
        if col.default is not None and not col.auto_increment:
            parts.append(f"DEFAULT {col.default}")
        if col.on_update:
            parts.append(f"ON UPDATE {col.on_update}")
        if col.auto_increment:
            parts.append("AUTO_INCREMENT")
    if col.comment:
        parts.append(f"COMMENT {quote_string(col.comment)}")
    if col.check is not None:
        parts.append(f"CHECK ({col.check})")
    return " ".join(parts)


def lacks_default(col: Column, flavour: str = "mariadb") -> bool:
    """Whether ``col`` is a NULL-able column without a default (``ALTER COLUMN ... DROP
    DEFAULT`` made it so).  Its definition alone gives it ``DEFAULT NULL``: it needs an
    ``ALTER COLUMN ... DROP DEFAULT`` in the statement that defines it (:func:`default_drops`).
    Only a flavour whose snapshots tell it from ``DEFAULT NULL`` has such columns."""
    return (flavour in NULL_DEFAULT_KNOWN and col.nullable and col.default is None and col.generated is None
            and not col.auto_increment)


def default_drops(table: Table, flavour: str = "mariadb") -> str | None:
    """The ALTER TABLE that leaves the NULL-able columns of ``table`` without a default once
    CREATE TABLE has given them ``DEFAULT NULL``; None when it has none.  MariaDB drops the
    default of a NULL-able column only in the statement that defines the column with its
    place (``MODIFY ... AFTER``, ``ADD``).  The statement re-adds the UNIQUE ... USING HASH
    keys it would otherwise leave as ordinary ones (:func:`forgotten_hash_keys`)."""
    clauses = []
    for i, col in enumerate(table.columns):
        if lacks_default(col, flavour):
            place = " FIRST" if i == 0 else f" AFTER {quote_ident(table.columns[i - 1].name)}"
            clauses.append(f"MODIFY COLUMN {column_definition(col, table)}{place}, "
                           f"ALTER COLUMN {quote_ident(col.name)} DROP DEFAULT")
    if not clauses:
        return None
    for index in forgotten_hash_keys(table):
        clauses += [f"DROP INDEX {quote_ident(index.name)}", add_index_clause(index)]
    checksum = page_checksum_clause(table)
    return f"ALTER TABLE {quote_ident(table.name)} " + ", ".join(clauses + ([checksum] if checksum else []))


_LONG_TYPES = frozenset({"tinyblob", "blob", "mediumblob", "longblob", "tinytext", "text", "mediumtext",
                         "longtext", "json"})


def forgotten_hash_keys(table: Table, readded: Collection[str] = ()) -> list[Index]:
    """The UNIQUE ... USING HASH keys of ``table`` to drop and add again after an ALTER TABLE
    (any ALTER TABLE leaves such a key as an ordinary unique key where an ordinary index can
    hold its columns): those it did not re-add (``readded`` names the ones it did) and that
    are not hash keys by necessity (a key over a whole BLOB or TEXT column), then every hash
    key after the first of those, so that they keep their order (an added key comes last
    among the hash keys; re-adding one forgets the ones after it, even those the ALTER
    added)."""
    by_name = {i.name: i for i in table.indexes}
    hashed = [by_name[n] for n in index_order(table) if n in by_name and is_long_hash(by_name[n], table)]
    out: list[Index] = []
    for index in hashed:
        if out:
            out.append(index)
        elif index.name not in readded and not _hash_by_necessity(index, table):
            out.append(index)
    return out


def _hash_by_necessity(index: Index, table: Table) -> bool:
    for part in index.columns:
        col = table.column(part.name)
        if col is not None and part.length is None and col.type.name in _LONG_TYPES:
            return True
    return False


def add_index_clause(index: Index) -> str:
    """``ADD ...`` of an index: ``ADD PRIMARY KEY (...)``, ``ADD UNIQUE INDEX `name` (...)``."""
    if index.kind == "primary":
        return "ADD " + index_definition(index)
    # KEY -> INDEX in the words before the name only: the name itself may hold " KEY "
    head, tick, rest = index_definition(index).partition("`")
    return "ADD " + head.replace(" KEY ", " INDEX ", 1) + tick + rest


def _index_columns(index: Index) -> str:
    out = []
    for part in index.columns:
        text = quote_ident(part.name)
        if part.length is not None:
            text += f"({part.length})"
        if part.descending:
            text += " DESC"
        out.append(text)
    return "(" + ",".join(out) + ")"


def index_definition(index: Index) -> str:
    if index.kind == "primary":
        head = "PRIMARY KEY "
    else:
        prefix = {"unique": "UNIQUE KEY", "fulltext": "FULLTEXT KEY",
                  "spatial": "SPATIAL KEY"}.get(index.kind, "KEY")
        head = f"{prefix} {quote_ident(index.name)} "
    text = head + _index_columns(index)
    if index.using:
        text += f" USING {index.using}"
    if index.comment:
        text += f" COMMENT {quote_string(index.comment)}"
    if index.ignored:
        text += " IGNORED"
    return text


def foreign_key_definition(fk: ForeignKey) -> str:
    ref = quote_ident(fk.ref_table)
    if fk.ref_schema:
        ref = f"{quote_ident(fk.ref_schema)}.{ref}"
    text = (f"CONSTRAINT {quote_ident(fk.name)} FOREIGN KEY ("
            + ", ".join(quote_ident(c) for c in fk.columns)
            + f") REFERENCES {ref} ("
            + ", ".join(quote_ident(c) for c in fk.ref_columns) + ")")
    if fk.on_delete != "RESTRICT":
        text += f" ON DELETE {fk.on_delete}"
    if fk.on_update != "RESTRICT":
        text += f" ON UPDATE {fk.on_update}"
    return text


def table_options(table: Table) -> str:
    """The options after ``CREATE TABLE (...)``, in the server's order: ROW_FORMAT goes among
    the other options, before TRANSACTIONAL and KEY_BLOCK_SIZE."""
    parts = []
    if table.engine:
        parts.append(f"ENGINE={table.engine}")
    if table.charset:
        parts.append(f"DEFAULT CHARSET={table.charset}")
    if table.collation:
        parts.append(f"COLLATE={table.collation}")
    options = table.options.split()
    parts += [o for o in options if o.partition("=")[0] not in AFTER_ROW_FORMAT]
    if table.row_format:
        parts.append(f"ROW_FORMAT={table.row_format}")
    parts += [o for o in options if o.partition("=")[0] in AFTER_ROW_FORMAT]
    if table.comment:
        parts.append(f"COMMENT={quote_string(table.comment)}")
    return " ".join(parts)


def page_checksum_clause(table: Table) -> str | None:
    """``PAGE_CHECKSUM=n`` when every ALTER TABLE of ``table`` must state it: MariaDB's
    ALTER TABLE (and CREATE TABLE ... LIKE) drops the page checksum of a table in another
    engine than Aria when the statement does not state it (Aria writes its own out)."""
    if table.engine in ENGINES_WRITING_PAGE_CHECKSUM:
        return None
    for option in table.options.split():
        if option.startswith("PAGE_CHECKSUM="):
            return option
    return None


def create_table_lines(table: Table, *, foreign_keys: bool = True) -> list[str]:
    """The definition lines of CREATE TABLE, in the server's order."""
    lines = [column_definition(c, table) for c in table.columns]
    lines += [index_definition(i) for i in ordered_indexes(table)]
    if foreign_keys:
        lines += [foreign_key_definition(fk) for fk in table.foreign_keys]
    lines += [check_definition(c) for c in ordered_checks(table)]
    return lines


def check_definition(check: Check) -> str:
    return f"CONSTRAINT {quote_ident(check.name)} CHECK ({check.clause})"


def create_table(table: Table, *, foreign_keys: bool = True) -> str:
    """``CREATE TABLE`` as MariaDB's ``SHOW CREATE TABLE`` prints it."""
    body = ",\n".join("  " + line for line in create_table_lines(table, foreign_keys=foreign_keys))
    text = f"CREATE TABLE {quote_ident(table.name)} (\n{body}\n) {table_options(table)}"
    if table.partitioning:
        text += "\n" + table.partitioning
    return text


# ---------------------------------------------------------------------------------------
# Views, routines, triggers, events


def create_view(view: View) -> str:
    text = (f"CREATE ALGORITHM={view.algorithm} {_definer(view.definer)}"
            f"SQL SECURITY {view.security} VIEW {quote_ident(view.name)} AS {view.definition}")
    if view.check_option and view.check_option != "NONE":
        text += f" WITH {view.check_option} CHECK OPTION"
    return text


def create_routine(r: Routine) -> str:
    text = f"CREATE {_definer(r.definer)}{r.kind} {quote_ident(r.name)}({r.param_text})"
    if r.kind == "FUNCTION" and r.returns:
        text += f" RETURNS {r.returns}"
    chars = []
    if r.comment:
        chars.append(f"COMMENT {quote_string(r.comment)}")
    if r.deterministic:
        chars.append("DETERMINISTIC")
    chars.append(r.data_access)
    chars.append(f"SQL SECURITY {r.security}")
    text += "\n    " + "\n    ".join(chars)
    return text + "\n" + r.body


def create_trigger(t: Trigger) -> str:
    return (f"CREATE {_definer(t.definer)}TRIGGER {quote_ident(t.name)} {t.timing} {t.event} "
            f"ON {quote_ident(t.table)} FOR EACH ROW {t.statement}")


def create_event(e: Event) -> str:
    text = (f"CREATE {_definer(e.definer)}EVENT {quote_ident(e.name)} ON SCHEDULE {e.schedule} "
            f"ON COMPLETION {e.on_completion} "
            + {"ENABLED": "ENABLE", "DISABLED": "DISABLE"}.get(e.status, "DISABLE ON SLAVE"))
    if e.comment:
        text += f" COMMENT {quote_string(e.comment)}"
    return text + f" DO {e.definition}"


def session_statements(sql_mode: str | None, charset_client: str | None, collation_connection: str | None,
                       *, script: bool = False) -> tuple[str, ...]:
    """The ``SET`` statements that put a session back as an object was created under: its
    ``sql_mode`` (left alone when ``None``), client character set and connection collation.
    Run on a connection they are ``SET SESSION ...`` without ``;``; in a ``script`` for the
    ``mariadb`` client they are ``SET ...;`` and set ``character_set_results`` too."""
    head, end = ("SET ", ";") if script else ("SET SESSION ", "")
    out = []
    if sql_mode is not None:
        out.append(f"{head}sql_mode = {quote_string(sql_mode)}{end}")
    if charset_client:
        out.append(f"{head}character_set_client = {charset_client}{end}")
        if script:
            out.append(f"{head}character_set_results = {charset_client}{end}")
    if collation_connection:
        out.append(f"{head}collation_connection = {collation_connection}{end}")
    return tuple(out)


# a string, or a chain of quoted names (`db`.`t`.`col`)
_NAME = QUOTED["`", True].pattern
_NAME_CHAIN = re.compile(QUOTED["'", True].pattern + f"|{_NAME}(?:\\.{_NAME})*")


def strip_database_qualifier(body: str, database: str, table_like_database: bool = False) -> str:
    """A view's SELECT as the server prints it, without the qualifier of ``database``, the
    view's own (see :func:`schema_tools.sources.show_create.view_body`).  The offline reader of mariadb-dump's views
    (:mod:`schema_tools.offline.dump_views`) records the same text through it."""
    qualifier = quote_ident(database) + "."
    chains = [m for m in _NAME_CHAIN.finditer(body) if m.group(0).startswith(qualifier)]
    if table_like_database and not any(m.group(0).count("`.`") >= 2 for m in chains):
        return body  # no qualifier: `db`.`x` is a column of the table named like the database
    out, i = [], 0
    for m in chains:
        out.append(body[i:m.start()])
        i = m.start() + len(qualifier)
    out.append(body[i:])
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Ordering


def _toposort(names: list[str], deps: dict[str, set[str]]) -> tuple[list[str], set[tuple[str, str]]]:
    """Order ``names`` so each comes after its dependencies; return the order and the
    dependency edges that had to be broken to escape cycles."""
    order: list[str] = []
    state: dict[str, int] = {}
    broken: set[tuple[str, str]] = set()

    for root in names:
        if root in state:
            continue
        stack = [(root, iter(sorted(deps.get(root, ()))))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            for dep in it:
                if dep not in deps and dep not in names:
                    continue
                if state.get(dep) == 1:
                    broken.add((node, dep))
                    continue
                if dep not in state:
                    state[dep] = 1
                    stack.append((dep, iter(sorted(deps.get(dep, ())))))
                    break
            else:
                stack.pop()
                state[node] = 2
                order.append(node)
    return order, broken


def table_order(schema: Schema) -> tuple[list[Table], set[tuple[str, str]]]:
    """Tables in FK dependency order, plus the (table, referenced) edges of cycles."""
    by_name = {t.name: t for t in schema.tables}
    deps = {t.name: {fk.ref_table for fk in t.foreign_keys
                     if fk.ref_schema is None and fk.ref_table != t.name} for t in schema.tables}
    order, broken = _toposort(sorted(by_name), deps)
    return [by_name[n] for n in order], broken


def view_order(schema: Schema) -> list[View]:
    by_name = {v.name: v for v in schema.views}
    deps = {}
    for v in schema.views:
        refs = {t.name for t in tokenize(v.definition, lenient=True) if t.is_name}
        deps[v.name] = refs & (set(by_name) - {v.name})
    order, _ = _toposort(sorted(by_name), deps)
    return [by_name[n] for n in order]


# ---------------------------------------------------------------------------------------
# Whole schema


def trigger_order(trigger) -> tuple:
    """Triggers in the order to create them: a trigger is created after those it follows
    (each new one goes last among its table, timing and event)."""
    return (trigger.table, trigger.timing, trigger.event, trigger.order, trigger.name)


def render_schema(schema: Schema, *, database: str | None = None) -> str:
    """An executable script (for the ``mariadb`` client) that creates ``schema``."""
    out: list[str] = [
        "-- Generated by schema-tools from a canonical snapshot.",
        "/*!40101 SET NAMES utf8mb4 */;",
        "SET @OLD_FOREIGN_KEY_CHECKS = @@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS = 0;",
        "SET @OLD_SQL_MODE = @@SQL_MODE, SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO';",
    ]
    if database:
        out.append(f"USE {quote_ident(database)};")
    if schema.charset and schema.collation:
        out.append(alter_database(schema.charset, schema.collation, database) + ";")
    tables, broken = table_order(schema)
    deferred: list[tuple[Table, ForeignKey]] = []
    for table in tables:
        cyclic = [fk for fk in table.foreign_keys if (table.name, fk.ref_table) in broken]
        if cyclic:
            kept = tuple(fk for fk in table.foreign_keys if fk not in cyclic)
            deferred += [(table, fk) for fk in cyclic]
            table = dataclasses.replace(table, foreign_keys=kept)
        out.append(create_table(table) + ";")
        drops = default_drops(table, schema.flavour)
        if drops:
            out.append(drops + ";")
    for table, fk in deferred:
        checksum = page_checksum_clause(table)
        out.append(f"ALTER TABLE {quote_ident(table.name)} ADD {foreign_key_definition(fk)}"
                   + (f", {checksum}" if checksum else "") + ";")
    for data in schema.data:
        out += insert_rows(data)
    for view in view_order(schema):
        out += session_statements("", view.charset_client, view.collation_connection, script=True)
        out.append(create_view(view) + ";")
    under = DatabaseCollation(schema.charset, schema.collation, database)
    for kind_objects in (schema.routines, sorted(schema.triggers, key=trigger_order), schema.events):
        for obj in kind_objects:
            switch = under.switch(obj)
            if switch:
                out.append(switch + ";")
            out += session_statements(obj.sql_mode, obj.charset_client, obj.collation_connection, script=True)
            out.append("DELIMITER ;;")
            out.append(_create(obj) + ";;")
            out.append("DELIMITER ;")
    restore = under.restore()
    if restore:
        out.append(restore + ";")
    out += [
        "SET character_set_client = utf8mb4;",
        "SET character_set_results = utf8mb4;",
        "SET collation_connection = utf8mb4_general_ci;",
        "SET SQL_MODE = @OLD_SQL_MODE;",
        "SET FOREIGN_KEY_CHECKS = @OLD_FOREIGN_KEY_CHECKS;",
    ]
    return "\n".join(out) + "\n"


def insert_rows(data, batch: int = 200) -> list[str]:
    """INSERT statements for a lookup table's rows (values are SQL literal text)."""
    if not data.rows:
        return []
    head = (f"INSERT INTO {quote_ident(data.table)} ("
            + ", ".join(quote_ident(c) for c in data.columns) + ") VALUES\n")
    out = []
    for i in range(0, len(data.rows), batch):
        rows = data.rows[i:i + batch]
        out.append(head + ",\n".join("(" + ", ".join(r) + ")" for r in rows) + ";")
    return out


def _create(obj) -> str:
    if isinstance(obj, Routine):
        return create_routine(obj)
    if isinstance(obj, Trigger):
        return create_trigger(obj)
    return create_event(obj)

