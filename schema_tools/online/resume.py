"""What an interrupted pt-online-schema-change leaves on the server, recognised and finished.

Before pt-osc starts, the upgrade records the online step in ``schema_tools_progress``
(:class:`OnlineStep`): the table, the names pt-osc will use (``_<table>_new``,
``_<table>_old``, the ``pt_osc_<db>_<table>_ins|upd|del`` triggers), the foreign keys of the
table and of its children, and the table's ``SHOW CREATE TABLE``.  Whatever stopped the
change (the upgrade killed, pt-osc killed, the server gone), the server is then in one of
the states the change passes through, which :func:`inspect` tells apart:

``unchanged``
    the copy did not finish: the table is as it was; ``_<table>_new`` and the triggers may
    be there.  Finished by dropping them; the statement runs again.
``swapped``
    pt-osc swapped the tables: the table has the change.  What it had left to do may
    remain: child foreign keys still pointing at ``_<table>_old``, that table and its
    triggers, the foreign key names it changed (``_x``).  Finished by re-pointing the keys,
    dropping the old table and putting the names back; the statement is then committed.
``dropped``
    ``drop_swap`` had dropped the table but not yet renamed ``_<table>_new``: finished by
    the rename, then as ``swapped``.

Anything else (the table missing without ``_<table>_new``, an old table next to an
unchanged one...) is ``unknown``: the upgrade refuses and says what it found.
:func:`normalise` removes exactly these leftovers from an introspected schema, so that the
pre-flight check does not count them as drift; everything else still counts.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..model.objects import Schema
from ..dialect.ddl import quote_ident

# what pt-osc was doing when last recorded; "stopped": it stopped early and what it left was
# dropped by the upgrade that ran it
PHASES = ("starting", "copying", "swapping", "swapped", "foreign keys restored", "stopped")


def ptosc_name(name: str) -> str:
    """The name pt-osc 3.x gives a foreign key it re-creates: ``__x`` -> ``x``, else ``_`` + name
    (cut to 64 characters)."""
    return name[2:] if name.startswith("__") else ("_" + name)[:64]


def trigger_names(database: str, table: str) -> tuple[str, ...]:
    """pt-osc's trigger names: ``pt_osc_<db>_<table>`` (non-word characters as ``_``, cut
    to 60) + ``_del``, ``_upd``, ``_ins``."""
    prefix = re.sub(r"\W", "_", f"pt_osc_{database}_{table}", flags=re.ASCII)[:60]
    return tuple(f"{prefix}_{suffix}" for suffix in ("del", "upd", "ins"))


@dataclass(frozen=True)
class OnlineStep:
    """One ALTER run through pt-osc, as recorded in ``schema_tools_progress.online``."""

    table: str
    new_table: str
    old_table: str
    triggers: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str], ...]  # (table, name) of the table's and its children's
    create_before: str  # SHOW CREATE TABLE of the table before the change
    phase: str = "starting"
    pid: int | None = None  # pt-osc's process
    pid_started: str | None = None  # its kernel start time (tells a reused pid apart)
    host: str | None = None
    tool_pid: int | None = None  # the upgrade that runs pt-osc
    tool_started: str | None = None

    @classmethod
    def planned(cls, database: str, table: str, foreign_keys, create_before: str, **kw) -> OnlineStep:
        return cls(table, f"_{table}_new"[:64], f"_{table}_old"[:64], trigger_names(database, table),
                   tuple(tuple(fk) for fk in foreign_keys), create_before, **kw)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> OnlineStep:
        doc = json.loads(text)
        doc["triggers"] = tuple(doc.get("triggers", ()))
        doc["foreign_keys"] = tuple(tuple(fk) for fk in doc.get("foreign_keys", ()))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})

    def at(self, phase: str, **kw) -> OnlineStep:
        return dataclasses.replace(self, phase=phase, **kw)

    def process(self) -> str:
        """pt-osc's process, in words."""
        if self.pid is None:
            return "pt-online-schema-change"
        return f"pt-online-schema-change (pid {self.pid}" + (f" on {self.host})" if self.host else ")")


@dataclass(frozen=True)
class Found:
    """What :func:`inspect` found of an online step on the server."""

    state: str  # unchanged | swapped | dropped | unknown
    tables: tuple[str, ...] = ()  # leftover tables there: _t_new, _t_old
    triggers: tuple[str, ...] = ()  # leftover pt-osc triggers there
    renamed: tuple[tuple[str, str, str], ...] = ()  # (table, pt-osc's name, original name)
    dangling: tuple[tuple[str, str], ...] = ()  # (table, foreign key) referencing _t_old
    why: str = ""  # for unknown

    @property
    def leftovers(self) -> list[str]:
        out = [f"table {t}" for t in self.tables] + [f"trigger {t}" for t in self.triggers]
        out += [f"foreign key {t}.{now} (was {orig})" for t, now, orig in self.renamed]
        out += [f"foreign key {t}.{fk} referencing the old table" for t, fk in self.dangling
                if not any(r[0] == t and r[1] == fk for r in self.renamed)]
        return out

    @property
    def clean(self) -> bool:
        return not (self.tables or self.triggers or self.renamed or self.dangling)


_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+")


def _rows(conn, sql: str, args=()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def show_create(conn, database: str, table: str) -> str | None:
    rows = _rows(conn, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                       "AND TABLE_NAME = %s", (database, table))
    if not rows[0][0]:
        return None
    return _rows(conn, f"SHOW CREATE TABLE {quote_ident(database)}.{quote_ident(table)}")[0][1]


def _comparable(create: str, step: OnlineStep) -> str:
    """A CREATE TABLE without its AUTO_INCREMENT counter, with pt-osc's foreign key names
    put back."""
    text = _AUTO_INCREMENT.sub("", create)
    for table, name in step.foreign_keys:
        if table == step.table:
            text = text.replace(f"CONSTRAINT {quote_ident(ptosc_name(name))} ",
                                f"CONSTRAINT {quote_ident(name)} ")
    return text


def _existing_tables(conn, database: str, names) -> set[str]:
    names = sorted(set(names))
    return {r[0] for r in _rows(conn, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                                      "AND TABLE_NAME IN (" + ", ".join(["%s"] * len(names)) + ")",
                                (database, *names))}


def _renamed(conn, database: str, step: OnlineStep, table_name: Callable[[str], str]) -> list[tuple[str, str, str]]:
    """(table, current name, original name) of the recorded foreign keys pt-osc renamed."""
    out = []
    for table, name in step.foreign_keys:
        where = table_name(table)
        names = {r[0] for r in _rows(conn, "SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
                                           "WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s", (database, where))}
        if name not in names and ptosc_name(name) in names:
            out.append((table, ptosc_name(name), name))
    return out


def inspect(conn, database: str, step: OnlineStep) -> Found:
    """Which state of the change the server is in, and what of it is left."""
    there = _existing_tables(conn, database, [step.table, step.new_table, step.old_table])
    triggers = tuple(r[0] for r in _rows(
        conn, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s AND TRIGGER_NAME IN ("
              + ", ".join(["%s"] * len(step.triggers)) + ") ORDER BY TRIGGER_NAME", (database, *step.triggers)))
    dangling = tuple(sorted((r[0], r[1]) for r in _rows(
        conn, "SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
              "WHERE CONSTRAINT_SCHEMA = %s AND UNIQUE_CONSTRAINT_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s "
              "AND TABLE_NAME <> %s", (database, database, step.old_table, step.old_table))))
    left = tuple(t for t in (step.new_table, step.old_table) if t in there)
    if step.table not in there:
        if step.new_table in there and step.old_table not in there:
            return Found("dropped", left, triggers, tuple(_renamed(
                conn, database, step, lambda t: step.new_table if t == step.table else t)), dangling)
        return Found("unknown", left, triggers, dangling=dangling,
                     why=f"{step.table} is missing" + ("" if left else f", and neither {step.new_table} "
                                                       f"nor {step.old_table} is there"))
    renamed = tuple(_renamed(conn, database, step, lambda t: t))
    now = show_create(conn, database, step.table) or ""
    # pt-osc's foreign key names are on the table only once it is the new one (an ALTER that
    # changes nothing else, FORCE say, shows only in them)
    unchanged = _comparable(now, step) == _comparable(step.create_before, step) and not (
        renamed and step.new_table not in there)
    if unchanged:
        if step.old_table in there or dangling:
            return Found("unknown", left, triggers, renamed, dangling,
                         why=f"{step.table} is unchanged, yet {step.old_table} is there")
        return Found("unchanged", left, triggers, renamed, dangling)
    if step.new_table in there:
        return Found("unknown", left, triggers, renamed, dangling,
                     why=f"{step.table} has changed, yet {step.new_table} is still there")
    return Found("swapped", left, triggers, renamed, dangling)


def normalise(schema: Schema, step: OnlineStep, found: Found) -> Schema:
    """``schema`` without what ``found`` says the interrupted step left: its tables and
    triggers gone, the table under its own name, foreign keys under their own names and
    pointing at the table."""
    if found.state == "unknown":
        return schema
    renames = {(t, now): orig for t, now, orig in found.renamed}
    tables = []
    for table in schema.tables:
        name = table.name
        if found.state == "dropped" and name == step.new_table:
            name = step.table
        elif name in found.tables:
            continue
        original = step.table if name == step.table else name
        fks = tuple(sorted((dataclasses.replace(
            fk, name=renames.get((original, fk.name), fk.name),
            ref_table=step.table if fk.ref_table == step.old_table and fk.ref_schema is None else fk.ref_table)
            for fk in table.foreign_keys), key=lambda f: f.name))
        tables.append(dataclasses.replace(table, name=name, foreign_keys=fks))
    triggers = tuple(t for t in schema.triggers if t.name not in found.triggers)
    return dataclasses.replace(schema, tables=tuple(tables), triggers=triggers)


# ---------------------------------------------------------------------------------------
# finishing


_CONSTRAINT_LINE = re.compile(r"^\s*CONSTRAINT `((?:[^`]|``)+)` (FOREIGN KEY .*?),?$", re.M)


def put_back_foreign_keys(conn, database: str, step: OnlineStep, found: Found,
                          say: Callable[[str], None]) -> list[str]:
    """Foreign keys under their original names, referencing the table (not ``_t_old``): each
    dropped and re-created with ``foreign_key_checks=0``, in place and metadata only
    (no rows read, ``LOCK=NONE``).  The statements run."""
    wanted: dict[str, dict[str, str]] = {}  # table -> current name -> original name
    for table, now, orig in found.renamed:
        wanted.setdefault(table, {})[now] = orig
    for table, fk in found.dangling:
        wanted.setdefault(table, {}).setdefault(fk, fk)
    old_ref = f"REFERENCES {quote_ident(step.old_table)} "
    run = []
    for table in sorted(wanted):
        ddl = show_create(conn, database, table)
        if ddl is None:
            continue
        clauses = {m.group(1).replace("``", "`"): m.group(2) for m in _CONSTRAINT_LINE.finditer(ddl)}
        parts, names, pointed = [], [], []
        for current, original in sorted(wanted[table].items()):
            clause = clauses.get(current)
            if clause is None:
                continue
            if old_ref in clause:
                clause = clause.replace(old_ref, f"REFERENCES {quote_ident(step.table)} ")
                pointed.append(current)
            if current != original:
                names.append(f"{current} -> {original}")
            parts.append(f"DROP FOREIGN KEY {quote_ident(current)}")
            parts.append(f"ADD CONSTRAINT {quote_ident(original)} {clause}")
        if not parts:
            continue
        sql = f"ALTER TABLE {quote_ident(database)}.{quote_ident(table)} " + ", ".join(parts)
        with conn.cursor() as cur:
            cur.execute("SET @schema_tools_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0")
            try:
                cur.execute(sql + ", ALGORITHM=INPLACE, LOCK=NONE")
            finally:
                cur.execute("SET SESSION foreign_key_checks = @schema_tools_fkc")
        if pointed:
            say(f"    foreign keys of {table} reference {step.table} again (not {step.old_table}): "
                + ", ".join(pointed))
        if names:
            say(f"    foreign key names restored on {table}: " + ", ".join(names))
        run.append(sql)
    return run


def finish(conn, database: str, step: OnlineStep, found: Found, say: Callable[[str], None]) -> bool:
    """Bring the server from ``found`` to a state the upgrade knows: the table unchanged
    with nothing left (False: the statement is to run again), or the change complete
    (True: the statement is committed)."""
    q = quote_ident
    with conn.cursor() as cur:
        for trigger in found.triggers:  # first: they write into _t_new
            cur.execute(f"DROP TRIGGER IF EXISTS {q(database)}.{q(trigger)}")
            say(f"    dropped the trigger {trigger} left by the interrupted online change")
        if found.state == "unchanged":
            for table in found.tables:
                cur.execute(f"DROP TABLE IF EXISTS {q(database)}.{q(table)}")
                say(f"    dropped the table {table} left by the interrupted online change")
            return False
        if found.state == "dropped":
            cur.execute(f"RENAME TABLE {q(database)}.{q(step.new_table)} TO {q(database)}.{q(step.table)}")
            say(f"    renamed {step.new_table} to {step.table}, which the interrupted online change had "
                f"dropped after its copy")
    # children still pointing at _t_old first; then _t_old (its foreign keys hold the
    # original names); then the names
    put_back_foreign_keys(conn, database, step, dataclasses.replace(found, renamed=()), say)
    if step.old_table in found.tables:
        with conn.cursor() as cur:
            cur.execute("SET @schema_tools_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0")
            try:
                cur.execute(f"DROP TABLE IF EXISTS {q(database)}.{q(step.old_table)}")
            finally:
                cur.execute("SET SESSION foreign_key_checks = @schema_tools_fkc")
        say(f"    dropped the table {step.old_table} left by the interrupted online change")
    put_back_foreign_keys(conn, database, step, inspect(conn, database, step), say)
    return True


def describe(step: OnlineStep, found: Found) -> str:
    """What is on the server, in words."""
    left = ", ".join(found.tables + found.triggers)
    if found.state == "unchanged":
        return f"{step.table} is unchanged" + (f"; pt-osc left {left}" if left else "")
    if found.state in ("swapped", "dropped"):
        rest = ("; left to finish: " + ", ".join(found.leftovers)) if not found.clean else ""
        return f"pt-osc had swapped the tables: {step.table} has the change{rest}"
    return f"{found.why}" + (f" ({left})" if left else "")
