"""Verify revisions on a real server: from each site's baseline, every revision reaches
its expected state exactly, every downgrade comes back, and no seeded row is lost.

For one site (a snapshot that is the starting state of some revision):

1. open a scratch database (a throwaway local server, a container, or an existing server:
   :func:`~schema_tools.sources.workspace.open_workspace`, one code path after that);
2. load the baseline by rendering its snapshot, and check that it introspects back to the
   same fingerprint;
3. seed deterministic rows into every table (:mod:`schema_tools.migrate.seed`);
4. upgrade one revision at a time; after each, introspect and require the fingerprint of
   the revision's expected state (``states/<rev>.json``), reporting any residual diff; then
   compare the rows: the same row counts and the same values in every column that survives,
   under its new name if renamed.  Values may change spelling where the type changed
   (``1`` and ``1.00``), nothing else.  A table or column whose values are gone (dropped,
   or dropped and re-created empty) passes only when the revision's approval accepts
   that drop (:mod:`schema_tools.verify.drops`); it is reported with the rows it held;
5. downgrade one revision at a time back to the start, with the same checks.

A failing statement stops the site: the report names the revision, the statement, the
server's error and what the scratch database was left with (its differences from the
revision's start and from its expected state).
"""

from __future__ import annotations

import dataclasses
import decimal
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diff.changes import Add, Change, Drop, Rename
from ..diff.compare import DiffOptions, diff, reversed_renames
from ..errors import InputError, SchemaToolsError
from ..migrate.commands import MigrationFailed, run_alembic_with
from ..migrate.revision import RevisionDir
from ..model.objects import Schema, Table
from ..model.snapshot import Snapshot
from ..dialect.ddl import quote_ident
from ..render.change_lines import change_line
from ..sources.resolve import shown_source
from ..sources.workspace import open_workspace
from .baselines import Baseline, find_baselines, revision_path
from .drops import Dropped, Ledger, judge, recreated
from .results import DataCheck, SiteResult, StepResult, VerifyReport
from ..migrate.seed import seed

RESIDUAL_LINES = 20  # differences listed per step; the count is always complete
_WORD = re.compile(r"[\w$]+")
_QUOTED_NAME = re.compile(r"`((?:[^`]|``)+)`")
_CREATED_ROUTINE = re.compile(r"(?:PROCEDURE|FUNCTION)\s+(?:IF\s+NOT\s+EXISTS\s+)?`?([A-Za-z0-9_$]+)", re.I)

# a statement that writes rows (the bookkeeping of alembic_version and of the AUTO_INCREMENT
# counters is not one of the revision's)
_DATA_STATEMENT = re.compile(r"\s*(INSERT|REPLACE|UPDATE|DELETE|BEGIN|CALL|LOAD)\b", re.I)
_BOOKKEEPING = re.compile(r"\s*(?:INSERT\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"
                          r"`?(?:alembic_version|schema_tools_auto_increment)\b", re.I)


# ---------------------------------------------------------------------------------------
# row checks


_EXACT_INT = 10 ** 28  # below it, the decimal context keeps every digit of an integer


def _norm(value) -> str | None:
    """A value as text, a number spelled the same whatever numeric type holds it (``1``,
    ``1.00``); text is kept exactly (``'007'`` is not ``'7'``)."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int and -_EXACT_INT < value < _EXACT_INT:  # spelled as the decimal below spells it
        return str(value)
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    text = str(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        return text
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return format(number.normalize(), "f")


@dataclass
class _Rows:
    """The rows of one table: count and one digest per column (rows ordered by key)."""

    count: int
    digests: dict[str, str]
    values: dict[str, list]


def _rows_query(table: Table) -> str | None:
    """The stored columns of ``table``; :func:`_rows_of` orders the rows."""
    cols = [c.name for c in table.columns if c.generated is None]
    if not cols:
        return None
    return "SELECT " + ", ".join(quote_ident(c) for c in cols) + f" FROM {quote_ident(table.name)}"


def _rows_of(table: Table, rows) -> _Rows:
    cols = [c.name for c in table.columns if c.generated is None]
    norm = [tuple(map(_norm, r)) for r in rows]
    # ordered here, by the normalised key: the server's order follows the key's type and
    # collation, which a revision may change
    keys = [cols.index(p.name) for p in table.primary_key.columns if p.name in cols] \
        if table.primary_key is not None else []
    keys = keys or list(range(len(cols)))
    if len(keys) == 1:  # the same order as the general key below, one column
        k = keys[0]
        norm.sort(key=lambda r: (r[k] is None, r[k] or ""))
    else:
        norm.sort(key=lambda r: tuple((r[i] is None, r[i] or "") for i in keys))
    values = {c: list(col) for c, col in zip(cols, zip(*norm, strict=True), strict=True)} if norm \
        else {c: [] for c in cols}
    digests = {c: hashlib.sha256(repr(v).encode()).hexdigest() for c, v in values.items()}
    return _Rows(len(rows), digests, values)


def read_rows(conn, tables: Iterable[Table]) -> dict[str, _Rows]:
    """The rows of ``tables``, read in one round trip."""
    from ..sources.introspect import run_batch

    out: dict[str, _Rows] = {}
    queried: list[Table] = []
    queries: list[str] = []
    for t in tables:
        q = _rows_query(t)
        if q is None:
            out[t.name] = _Rows(0, {}, {})
        else:
            queried.append(t)
            queries.append(q)
    if queries:
        for t, rows in zip(queried, run_batch(conn, queries), strict=True):
            out[t.name] = _rows_of(t, rows)
    return out


def read_all_rows(conn, schema: Schema) -> dict[str, _Rows]:
    tracked = {d.table for d in schema.data}
    return read_rows(conn, [t for t in schema.tables if t.name not in tracked])


def compare_rows(before: dict[str, _Rows], changes: Sequence[Change], after_schema: Schema,
                 after: dict[str, _Rows], writes: frozenset[str] | set[str] = frozenset(),
                 previous: Schema | None = None) -> DataCheck:
    """What happened to the rows of ``before`` in the state ``after``, following the
    renames in ``changes``.  Changes to the rows of ``writes`` (tables the revision writes
    on purpose) are listed as written, not lost.  Tables and columns whose values went
    (dropped, or dropped and re-created) are listed in ``dropped``, with the rows they
    held, for :func:`~schema_tools.verify.drops.judge` to accept or not; the drops in
    ``changes`` of tables without seeded rows (lookup tables, whose rows ``previous``
    holds, or tables made on the way) are there too."""
    table_to = {c.old_name: c.name for c in changes if isinstance(c, Rename) and c.kind == "table"}
    column_to: dict[tuple[str, str], str] = {}
    for c in changes:
        if isinstance(c, Rename) and c.kind == "column" and c.table is not None:
            column_to[(c.table, c.old_name)] = c.name
    check = DataCheck()
    for name, old in sorted(before.items()):
        new_name = table_to.get(name, name)
        renamed = new_name if new_name != name else None
        new = after.get(new_name)
        if new is None:
            if after_schema.table(new_name) is None:
                check.dropped.append(Dropped("table", name, None, "dropped", old.count, old.count))
            continue
        if old.count:
            check.tables += 1
            check.rows += old.count
        lost = check.written if name in writes else check.lost
        same_count = new.count == old.count
        if not same_count:
            lost.append(f"{name}: {old.count} rows before, {new.count} after")
        table = after_schema.table(new_name)
        new_cols = {c.lower(): c for c in new.digests}
        for col, digest in old.digests.items():
            target = column_to.get((new_name, col)) or column_to.get((name, col)) or col
            twin = new_cols.get(target.lower())
            if twin is None:
                held = sum(1 for v in old.values[col] if v is not None)
                check.dropped.append(Dropped("column", name, col, "dropped", old.count, held, renamed))
                continue
            if not same_count or new.digests[twin] == digest:
                continue
            pairs = list(zip(old.values[col], new.values[twin], strict=False))
            now = None if name in writes else recreated(table.column(twin) if table else None,
                                                        old.values[col], new.values[twin])
            if now is not None:
                gone = sum(1 for a, b in pairs if a is not None and a != b)
                check.dropped.append(Dropped("column", name, col, "re-created", old.count, gone,
                                             renamed, twin if twin != col else None, now=now))
                continue
            changed = sum(1 for a, b in pairs if a != b)
            sample = next(((a, b) for a, b in pairs if a != b), None)
            lost.append(f"{name}.{col}: {changed} of {old.count} values changed"
                        + (f", e.g. {sample[0]!r} -> {sample[1]!r}" if sample else ""))
    check.dropped += _unseeded_drops(check.dropped, changes, table_to, previous)
    return check


def _unseeded_drops(found: list[Dropped], changes: Sequence[Change], table_to: dict[str, str],
                    previous: Schema | None) -> list[Dropped]:
    """The tables and columns ``changes`` drop that the seeded rows did not show: those
    of lookup tables (their rows are part of ``previous``) and of tables that were never
    seeded."""
    seen = {(d.table, d.column) for d in found}
    old_name = {v: k for k, v in table_to.items()}
    data = {d.table: d for d in previous.data} if previous is not None else {}
    out = []
    for c in changes:
        if not isinstance(c, Drop) or c.kind not in ("table", "column"):
            continue
        table = c.name if c.kind == "table" or c.table is None else old_name.get(c.table, c.table)
        column = c.name if c.kind == "column" else None
        if (table, column) in seen:
            continue
        rows = data[table].rows if table in data else ()
        if column is None:
            out.append(Dropped("table", table, None, "dropped", len(rows), len(rows)))
            continue
        at = data[table].columns.index(column) if table in data and column in data[table].columns else None
        held = sum(1 for r in rows if at is not None and r[at] not in (None, "NULL"))
        out.append(Dropped("column", table, column, "dropped", len(rows), held,
                           c.table if c.table != table else None))
    return out


def _touched(changes: Sequence[Change]) -> set[str]:
    """The tables whose stored rows a set of changes can alter, under both names for a
    renamed one: tables dropped or renamed, and tables whose columns change, are renamed or
    dropped.  A new table or column, an index, a foreign key, a check or a trigger leaves
    the stored values as they are."""
    out: set[str] = set()
    for c in changes:
        if c.kind == "table":
            if isinstance(c, Add):
                continue
            out.add(c.name)
            if isinstance(c, Rename):
                out.add(c.old_name)
        elif c.kind == "column" and c.table and not isinstance(c, Add):
            out.add(c.table)
        elif c.kind == "data":
            out.add(c.table or c.name)
    return out


# ---------------------------------------------------------------------------------------
# running


Progress = Callable[[str], None]


def _residual(actual: Schema, expected: Schema) -> list[Change]:
    return diff(actual, expected)


class _Site:
    """Verification of one baseline on one backend."""

    # set as the site runs
    current: Schema  # the schema as last introspected
    _read_conn: Any  # a pymysql connection for the reads
    _sa_conn: Any  # the SQLAlchemy connection Alembic runs on
    _engine: Any
    _ran: list[dict[str, Any]]

    def __init__(self, rdir: RevisionDir, baseline: Baseline, path, backend: str | None, *,
                 data: bool, rows: int, progress: Progress, defaults_file=None) -> None:
        self.rdir = rdir
        self.baseline = baseline
        self.path = path
        self.backend = backend
        self.data = data
        self.rows = rows
        self.progress = progress
        self.defaults_file = defaults_file
        self.states: dict[str | None, Snapshot] = {}
        self._named_cache: dict[str, tuple[str, set[str]]] = {}
        self._approvals: Ledger | None = None  # read on the first drop
        self.partial = True  # steps read the tables their revision names (see _introspect_after)
        # the root this path starts from, when it starts before a root
        self.root = path[0][0] if path and path[0][1] is None else None

    def _migration_connection(self, ws):
        """One SQLAlchemy connection for every step of the site (closed by ``run``)."""
        if getattr(self, "_sa_conn", None) is None:
            import sqlalchemy as sa

            self._engine = sa.create_engine("mysql+pymysql://", poolclass=sa.pool.NullPool,
                                            creator=lambda: ws.connect(ws.database))
            # autocommit: each revision is checked from other connections as soon as it is
            # applied, inside Alembic's transaction for it
            self._sa_conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._ran = []
            sa.event.listen(self._sa_conn, "after_cursor_execute", self._after_execute)
        return self._sa_conn

    def _after_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        """Note a data statement of a revision and the rows it affected."""
        m = _DATA_STATEMENT.match(statement)
        if m is None or _BOOKKEEPING.match(statement):
            return
        rows = cursor.rowcount if m.group(1).upper() in ("INSERT", "REPLACE", "UPDATE", "DELETE") else -1
        self._ran.append({"statement": " ".join(statement.split())[:120], "rows": rows})

    def _close_migration_connection(self) -> None:
        if getattr(self, "_read_conn", None) is not None:
            self._read_conn.close()
            self._read_conn = None
        if getattr(self, "_sa_conn", None) is not None:
            try:
                self._sa_conn.close()
                self._engine.dispose()
            finally:
                self._sa_conn = None

    def _script(self):
        if not hasattr(self, "_script_dir"):
            self._script_dir = self.rdir.script()
        return self._script_dir

    def state(self, rev: str | None) -> Snapshot:
        if rev not in self.states:
            snap = self.rdir.state(rev) if rev is not None or self.root is None \
                else self.rdir.root_state(self.root)
            if snap is None:
                raise InputError(f"{self.rdir.path}: no recorded state for revision {rev or 'base'} "
                                 f"(states/{rev or 'base'}.json)")
            self.states[rev] = snap
        return self.states[rev]

    def run(self) -> SiteResult:
        # the backend as reports show it: a URL without its password
        site = SiteResult(self.baseline.site, shown_source(self.backend or "local"),
                          self.baseline.start or "base",
                          [rev for rev, _ in self.path])
        t0 = time.monotonic()
        try:
            with open_workspace(self.backend, defaults_file=self.defaults_file,
                                pool=self.baseline.snapshot.fingerprint) as ws:
                site.server = ws.describe
                try:
                    self._run(ws, site)
                    # back at the baseline, every step checked: a warm server keeps the
                    # database for the next verify of the same baseline
                    ws.keep = site.ok and bool(site.steps) and (
                        Snapshot(self.current).fingerprint == self.baseline.snapshot.fingerprint)
                finally:
                    self._close_migration_connection()
        except SchemaToolsError as exc:
            site.error = str(exc)
            site.error_code = exc.exit_code
        site.seconds = round(time.monotonic() - t0, 3)
        return site

    def _read(self, ws, data_tables, only=None, only_routines=None, events=True,
              triggers=True) -> Schema:
        """Introspect the scratch database on one connection kept for the site."""
        from ..sources.introspect import introspect

        if getattr(self, "_read_conn", None) is None:
            self._read_conn = ws.connect(ws.database)
            with self._read_conn.cursor() as cur:
                cur.execute("SELECT CURRENT_USER()")
                self._account = cur.fetchone()[0]
        return introspect(self._read_conn, ws.database, self_check=False, loader_account=self._account,
                          data_tables=data_tables, only_tables=only,
                          only_routines=only_routines, events=events, triggers=triggers).schema

    def _introspect(self, ws, schema_hint: Schema) -> Schema:
        return self._read(ws, [d.table for d in schema_hint.data])

    def _named(self, rev: str) -> tuple[str, set[str]]:
        """The text of revision ``rev``'s file, and the names it mentions (with the tables
        it declares it writes)."""
        cache = self._named_cache
        if rev not in cache:
            path = self._script().get_revision(rev).path
            text = Path(path).read_text(encoding="utf-8") if path else ""
            words = set(_WORD.findall(text)) | {n.replace("``", "`") for n in _QUOTED_NAME.findall(text)}
            words |= self._writes(rev)
            cache[rev] = (text, words)
        return cache[rev]

    def _writes(self, rev: str) -> set[str]:
        """The tables whose rows revision ``rev`` writes on purpose, as the script it was
        made from declares them (``legacy_writes`` of import-legacy, ``script_writes`` of
        revision --sql)."""
        module = self._script().get_revision(rev).module
        return set(getattr(module, "legacy_writes", ()) or ()) | set(getattr(module, "script_writes", ()) or ())

    def _stated_renames(self, rev: str, direction: str) -> tuple:
        """The renames the script of revision ``rev`` states, for ``direction``: a column
        it renames is followed under its new name, not dropped and added."""
        renames = tuple(getattr(self._script().get_revision(rev).module, "script_renames", ()) or ())
        return reversed_renames(renames) if direction == "downgrade" else renames

    def _introspect_after(self, ws, rev: str, previous: Schema) -> Schema:
        """The schema after revision ``rev`` ran: the tables and routines whose names its
        file mentions are read again, the others are taken from ``previous``; views are
        always read, events when the file says EVENT, the triggers of the tables read when
        the file says TRIGGER or one of them had a trigger.  A change outside those shows
        at the end of the direction, where everything is read."""
        if not self.partial:
            return self._introspect(ws, previous)
        text, words = self._named(rev)
        tables = {t.name for t in previous.tables}
        only = sorted(w for w in words if w in tables) + sorted(w for w in words if w not in tables)
        # routines: the existing ones the file names, and the ones it creates
        lower = {w.lower() for w in words}
        routines = sorted({r.name for r in previous.routines if r.name.lower() in lower}
                          | set(_CREATED_ROUTINE.findall(text)))
        events = "event" in lower
        read_triggers = "trigger" in lower or any(t.table in words for t in previous.triggers)
        part = self._read(ws, [d.table for d in previous.data], only, routines, events, read_triggers)
        read = {t.name for t in part.tables}
        keep = [t for t in previous.tables if t.name not in words and t.name not in read]
        data = [d for d in previous.data if d.table not in words and d.table not in read]
        got = {r.name.lower() for r in part.routines}
        kept_routines = [r for r in previous.routines
                         if r.name.lower() not in lower and r.name.lower() not in got]
        triggers = [t for t in previous.triggers if not read_triggers
                    or (t.table not in words and t.name not in words and t.table not in read)]
        return dataclasses.replace(part, tables=tuple(keep) + part.tables, data=tuple(data) + part.data,
                                   routines=tuple(kept_routines) + part.routines,
                                   triggers=tuple(triggers) + part.triggers,
                                   events=part.events if events else previous.events)

    def _full_check(self, ws, step: StepResult, to: str | None) -> None:
        """Read everything and compare with the recorded state (the steps read only what
        their revisions name)."""
        full = self._introspect(ws, self.current)
        recorded = self._recorded_fingerprint(to)
        if recorded is not None and Snapshot(full).fingerprint == recorded:
            self.current = full
            return
        expected = self.state(to)
        residual = _residual(full, expected.schema)
        if Snapshot(full).fingerprint != expected.fingerprint and not step.residual_count:
            # each step matched in what it read: the difference is in what no revision of this
            # direction names (a routine, a trigger or a cascade changed it)
            step.ok = False
            step.residual = [f"(outside the tables the revisions name) {change_line(c)}"
                             for c in residual[:RESIDUAL_LINES]] or [
                "the fingerprints differ, but the diff finds no difference"]
            step.residual_count = max(len(residual), 1)
        self.current = full

    def _recorded_fingerprint(self, rev: str | None) -> str | None:
        """The fingerprint of a state as its revision's header records it (no state file
        is read); None when the header does not say."""
        script = self._script()
        if rev is not None:
            return getattr(script.get_revision(rev).module, "schema_after", None)
        if self.root is not None:
            return getattr(script.get_revision(self.root).module, "schema_before", None)
        return self.baseline.snapshot.fingerprint if self.baseline.start is None else None

    def _run(self, ws, site: SiteResult) -> None:
        base = self.baseline.snapshot
        loaded = None
        if ws.load_schema(base.schema, fingerprint=base.fingerprint):
            # a database a verify of this baseline left on the warm server, its rows cleared
            loaded = self._introspect(ws, base.schema)
            if Snapshot(loaded).fingerprint != base.fingerprint:  # changed since: load it anew
                self._close_migration_connection()
                ws.reset()
                ws.load_schema(base.schema)
                loaded = None
        if loaded is None:
            loaded = self._introspect(ws, base.schema)
        self.current = loaded  # the schema as last introspected
        if Snapshot(loaded).fingerprint != base.fingerprint:
            residual = _residual(loaded, base.schema)
            raise InputError(f"the baseline {self.baseline.site} does not load back to itself: "
                             f"{len(residual)} difference(s), first: {change_line(residual[0])}")
        conn = ws.connect(ws.database)
        try:
            if self.data:
                final = self.state(self.path[-1][0]).schema if self.path else base.schema
                seed(conn, base.schema, rows=self.rows, prefer=final, wide=True)
            rows_now = read_all_rows(conn, base.schema) if self.data else {}
            if self.baseline.start is not None and self.path:
                self._stamp(ws, self.baseline.start)
            ups = [(rev, down, rev) for rev, down in self.path]
            downs = [(rev, rev, down) for rev, down in reversed(self.path)]
            for direction, steps in (("upgrade", ups), ("downgrade", downs)):
                if steps:
                    rows_now, failed = self._direction(ws, conn, site, direction, steps, rows_now)
                    if failed:
                        break  # the database is no longer at a known state
        finally:
            conn.close()

    def _stamp(self, ws, rev: str) -> None:
        """Record ``rev`` as applied: the baseline is its state, loaded from a snapshot."""
        from alembic.runtime.migration import MigrationContext

        MigrationContext.configure(self._migration_connection(ws)).stamp(self._script(), rev)

    def _direction(self, ws, conn, site: SiteResult, direction: str,
                   steps: list[tuple[str, str | None, str | None]], rows_now) -> tuple[dict, bool]:
        """One ``alembic upgrade`` (or ``downgrade``) through ``steps`` (revision, from,
        to), each revision checked as soon as it is applied.  Returns the rows now and
        whether a statement failed."""
        done = 0
        mark = time.monotonic()

        def applied(rev: str) -> None:
            nonlocal done, rows_now, mark
            if done == len(steps):
                raise SchemaToolsError(f"{direction}: Alembic applied {rev} after the last "
                                       f"revision due, {steps[-1][0]}")
            expected, frm, to = steps[done]
            if rev != expected:
                raise SchemaToolsError(f"{direction}: Alembic applied {rev} where {expected} was due")
            seconds = round(time.monotonic() - mark, 3)
            ran, self._ran[:] = list(self._ran), []
            step, rows_now = self._check(ws, conn, direction, rev, frm, to, rows_now)
            step.seconds = seconds
            step.statements = ran
            done += 1
            if done == len(steps):
                rows_now = self._end_of_direction(ws, conn, step, to, rows_now)
            site.steps.append(step)
            self.progress(self._line(site, step))
            mark = time.monotonic()

        target = steps[-1][0] if direction == "upgrade" else (steps[-1][2] or "base")
        try:
            run_alembic_with(self.rdir, lambda: ws.connect(ws.database), direction, target,
                             script=self._script(), connection=self._migration_connection(ws),
                             on_applied=applied)
        except MigrationFailed as exc:
            seconds = round(time.monotonic() - mark, 3)
            if done == len(steps):
                raise SchemaToolsError(f"{direction} to {target}: {exc}") from None
            rev, frm, to = steps[done]
            step = self._failed(ws, direction, rev, frm, to, exc)
            step.seconds = seconds
            site.steps.append(step)
            self.progress(self._line(site, step))
            return rows_now, True
        if done != len(steps):
            raise SchemaToolsError(f"{direction} to {target}: Alembic applied {done} of "
                                   f"{len(steps)} revisions")
        return rows_now, False

    def _end_of_direction(self, ws, conn, step: StepResult, to: str | None, rows_now) -> dict:
        """After the last revision of a direction: read everything, schema and rows (the
        steps read only what their revisions name)."""
        if self.partial:
            self._full_check(ws, step, to)
        if not self.data:
            return rows_now
        assert step.data is not None, "a data check runs with seeded rows"
        # rows changed where no change says so are found here
        full = read_all_rows(conn, self.current)
        for table in sorted(set(full) & set(rows_now)):
            a, b = rows_now[table], full[table]
            if a.count != b.count or any(b.digests.get(c, d) != d for c, d in a.digests.items()):
                step.data.lost.append(f"{table}: rows changed, though no revision "
                                      f"on the way changes this table")
                step.ok = False
        return full

    def _line(self, site: SiteResult, step: StepResult) -> str:
        status = "ok" if step.ok else "FAILED"
        extra = ""
        if step.data is not None and step.data.accepted:
            extra = f", {len(step.data.accepted)} dropped as accepted"
        return (f"{site.site} [{site.backend}]: {step.span}: "
                f"{status} ({step.seconds:.1f} s{extra})")

    def _failed(self, ws, direction: str, rev: str, frm: str | None, to: str | None,
                exc: MigrationFailed) -> StepResult:
        """The report of a revision whose statement failed: the statement, the server's
        error, and where the scratch database was left."""
        step = StepResult(rev, direction, to or "base", frm or "base")
        expected = self.state(to)
        step.error = exc.error
        step.statement = exc.statement
        actual = self._introspect(ws, expected.schema)
        from_start = _residual(self.state(frm).schema, actual)
        to_go = _residual(actual, expected.schema)
        step.left_in = (f"scratch database {ws.database} left between states: "
                        f"{len(from_start)} change(s) from {frm or 'base'} applied, "
                        f"{len(to_go)} still to go to {to or 'base'}")
        step.residual = [change_line(c) for c in to_go[:RESIDUAL_LINES]]
        step.residual_count = len(to_go)
        return step

    def _ledger(self) -> Ledger:
        if self._approvals is None:
            self._approvals = Ledger(self.rdir.path)
        return self._approvals

    def _added_by_upgrade(self, d: Dropped, step: StepResult, to: str | None) -> bool:
        """Whether what a downgrade dropped is absent from the revision's starting state
        ``to``: added by its upgrade.  When the step reached that state (no residual
        difference), it is, by definition."""
        if not step.residual_count:
            return True
        table = self.state(to).schema.table(d.table)
        return table is None if d.kind == "table" or d.column is None else (
            table is None or table.column(d.column) is None)

    def _check(self, ws, conn, direction: str, rev: str, frm: str | None, to: str | None,
               rows_before) -> tuple[StepResult, dict]:
        """The checks after revision ``rev`` was applied: its recorded state, and the rows."""
        step = StepResult(rev, direction, to or "base", frm or "base")
        previous = self.current
        actual = self._introspect_after(ws, rev, previous)
        recorded = self._recorded_fingerprint(to)
        fingerprint = Snapshot(actual).fingerprint
        if recorded is not None and fingerprint != recorded:
            actual = self._introspect(ws, previous)  # not as recorded: read everything to say why
            fingerprint = Snapshot(actual).fingerprint
        if recorded is None or fingerprint != recorded:
            expected = self.state(to)
            if {d.table for d in expected.schema.data} != {d.table for d in previous.data}:
                actual = self._introspect(ws, expected.schema)  # other lookup tables tracked
            if Snapshot(actual).fingerprint != expected.fingerprint:
                residual = _residual(actual, expected.schema)
                step.residual = [change_line(c) for c in residual[:RESIDUAL_LINES]]
                step.residual_count = len(residual)
                if not residual:  # differs only in what the diff does not compare
                    step.residual = ["the fingerprints differ, but the diff finds no difference"]
                    step.residual_count = 1
        self.current = actual
        rows_after = rows_before
        if self.data:
            # what the revision changed: read off the two introspected states (they are the
            # recorded ones, or the residual above says how they differ)
            changes = diff(previous, actual, DiffOptions(renames=self._stated_renames(rev, direction)))
            # tables whose rows the revision writes on purpose (the scripts it was made from)
            writes = self._writes(rev)
            # and the tables its file names: a column dropped and added again leaves the
            # schema as it was, not the values (a table it creates is read from now on)
            tracked = {d.table for d in actual.data}
            touched = _touched(changes) | writes | (self._named(rev)[1] & {t.name for t in actual.tables})
            read = read_rows(conn, [t for t in actual.tables
                                    if t.name in touched and t.name not in tracked])
            before = {t: r for t, r in rows_before.items() if t in touched}
            step.data = compare_rows(before, changes, actual, read, writes, previous)
            step.data.dropped = judge(step.data.dropped, rev, direction, self._ledger(),
                                      lambda d: self._added_by_upgrade(d, step, to))
            step.data.lost += [d.line() for d in step.data.dropped if not d.accepted]
            step.data.tables += len(rows_before) - len(before)  # untouched: unchanged
            step.data.rows += sum(r.count for t, r in rows_before.items() if t not in before)
            names = {t.name for t in actual.tables}
            rows_after = {t: r for t, r in rows_before.items() if t not in touched and t in names}
            rows_after.update(read)
        step.ok = step.residual_count == 0 and (step.data is None or not step.data.lost)
        return step, rows_after


def verify(rdir: RevisionDir, *, snapshots: Path, sites: Sequence[str] = (), start: str | None = None,
           to: str | None = None, servers: Sequence[str | None] = (None,), data: bool = True,
           rows: int = 10, jobs: int = 1, progress: Progress | None = None,
           defaults_file=None) -> VerifyReport:
    """Verify the revisions of ``rdir`` from every site baseline, on every server backend."""
    script = rdir.script()  # parsing every revision file once
    baselines, skipped = find_baselines(rdir, snapshots, sites, start, script=script)
    lock = threading.Lock()

    def say(line: str) -> None:
        if progress is not None:
            with lock:
                progress(line)

    work = []
    for b in baselines:
        path = revision_path(rdir, b.start, to, b.root, script=script)
        for backend in servers or (None,):
            work.append(_Site(rdir, b, path, backend, data=data, rows=rows, progress=say,
                              defaults_file=defaults_file))
    if jobs > 1 and len(work) > 1:
        # Alembic's context is process-global: each site runs in a process of its own
        import multiprocessing

        for s in work:
            s.progress = None  # type: ignore[assignment]  # not picklable: _run_site sets the worker's
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_run_site, s) for s in work]
            results = []
            for fut in futures:
                result, lines = fut.result()
                for line in lines:
                    say(line)
                results.append(result)
    else:
        for s in work:
            s._script_dir = script
        results = [s.run() for s in work]
    return VerifyReport(results, skipped)


def _run_site(site: _Site) -> tuple[SiteResult, list[str]]:
    """Run one site in a worker process; its progress lines come back with the result."""
    lines: list[str] = []
    site.progress = lines.append
    return site.run(), lines
