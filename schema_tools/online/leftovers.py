"""What pt-online-schema-change left in a live database, told apart from drift.

pt-osc works in ``_<table>_new`` (and ``_<table>_old`` while it swaps), kept current by the
triggers ``pt_osc_<database>_<table>_del|upd|ins``.  A run that stops early leaves them.
``identify`` and ``drift`` report them as such, with what resolves them, instead of as
objects nobody recorded:

* **recorded**: an online step of an interrupted upgrade, in ``schema_tools_progress``
  (:mod:`.resume`).  The next plain ``upgrade`` finishes it first (drops them and runs the
  statement again, or completes the swap), without ``--force``;
* **not recorded**: names pt-osc uses, with no record (pt-osc run by hand, or the record
  lost).  The upgrade counts them as drift; until the swap the table is unchanged, so
  dropping them (the statements are given) resolves it.

:func:`without` removes them from an introspected schema, so that what is left to compare
is what differs besides.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import pymysql

from ..model.objects import Schema
from ..dialect.ddl import quote_ident
from .progress import ProgressLog, interrupted_online, without_leftovers

_PTOSC_TABLE = re.compile(r"^_+(.+)_(new|old)$", re.S)
_PTOSC_TRIGGER = "pt_osc_"


@dataclass
class Leftovers:
    """pt-osc's leftovers in one database."""

    database: str
    recorded: list = field(default_factory=list)  # progress.OnlineLeftover of each recorded step
    tables: list[str] = field(default_factory=list)  # not recorded: _<table>_new / _<table>_old
    triggers: list[str] = field(default_factory=list)  # not recorded: pt_osc_*

    def __bool__(self) -> bool:
        return bool(self.tables or self.triggers or any(_left(item) for item in self.recorded))

    def lines(self, upgrade_command: str) -> list[str]:
        """One line per leftover (names escaped), each with what resolves it; ``upgrade_command``
        is the plain ``schema-tools upgrade`` of this database."""
        from ..render.change_lines import clean
        from . import resume

        out = []
        for item in self.recorded:
            step, found = item.step, item.found
            if not _left(item):
                continue
            what = (f"statement {item.statement} of {item.revision} (online change of {step.table}), "
                    f"interrupted (recorded phase: {step.phase}): {resume.describe(step, found)}")
            if found.state == "unknown":
                todo = ("the server is in none of the states that change passes through: look at the table "
                        "by hand (docs/dba-guide.md, section 5); `upgrade` refuses until then")
            elif found.state == "unchanged":
                todo = (f"`{upgrade_command}` drops them first thing (no --force), then runs the statement "
                        f"again")
            else:
                todo = (f"`{upgrade_command}` finishes the change first thing (no --force), and the statement "
                        f"counts as committed")
            out.append(clean(f"{what}; to resolve: {todo}"))
        q, db = quote_ident, self.database
        for name in self.triggers:
            out.append(clean(f"trigger {name}: pt-online-schema-change's, recorded by no upgrade; the table it "
                             f"copies is unchanged until the swap: DROP TRIGGER {q(db)}.{q(name)};"))
        for name in self.tables:
            if name.endswith("_new"):
                out.append(clean(f"table {name}: pt-online-schema-change's copy, recorded by no upgrade; drop its "
                                 f"triggers first: DROP TABLE {q(db)}.{q(name)};"))
            else:
                out.append(clean(f"table {name}: pt-online-schema-change's table from before a swap, recorded by "
                                 f"no upgrade; once nothing needs that copy: DROP TABLE {q(db)}.{q(name)};"))
        return out


def _left(item) -> bool:
    """Whether a recorded step left anything (a clean ``unchanged`` left nothing)."""
    return item.found.state != "unchanged" or not item.found.clean


def find(conn, database: str, schema: Schema) -> Leftovers:
    """pt-osc's leftovers in ``database`` (``schema`` is its introspected schema): what the
    recorded online steps left, and the tables and triggers named as pt-osc names them."""
    found = Leftovers(database)
    try:
        found.recorded = interrupted_online(ProgressLog(conn, create=False), database)
    except pymysql.MySQLError:
        found.recorded = []
    known_tables = {t for item in found.recorded for t in item.found.tables}
    known_triggers = {t for item in found.recorded for t in item.found.triggers}
    names = {t.name for t in schema.tables}
    for table in schema.tables:
        m = _PTOSC_TABLE.match(table.name)
        if m and table.name not in known_tables and (m.group(1) in names or m.group(2) == "old"):
            found.tables.append(table.name)
    found.triggers = sorted(t.name for t in schema.triggers
                            if t.name.startswith(_PTOSC_TRIGGER) and t.name not in known_triggers)
    found.tables.sort()
    return found


def without(schema: Schema, leftovers: Leftovers) -> Schema:
    """``schema`` without the leftovers: each recorded step's normalised away (its tables,
    triggers, the foreign key names pt-osc changed), the others dropped by name."""
    schema = without_leftovers(schema, [i for i in leftovers.recorded if i.found.state != "unknown"])
    tables = set(leftovers.tables) | {t for i in leftovers.recorded if i.found.state == "unknown"
                                      for t in i.found.tables}
    triggers = set(leftovers.triggers) | {t for i in leftovers.recorded if i.found.state == "unknown"
                                          for t in i.found.triggers}
    return dataclasses.replace(schema, tables=tuple(t for t in schema.tables if t.name not in tables),
                               triggers=tuple(t for t in schema.triggers if t.name not in triggers))


def read(spec, schema: Schema) -> Leftovers:
    """:func:`find` on a connection of its own to the database ``spec`` names."""
    conn = spec.connect()
    try:
        return find(conn, spec.database, schema)
    finally:
        conn.close()
