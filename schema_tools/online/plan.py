"""Per statement of an upgrade: the algorithm and lock it needs (predicted from the rule
tables, confirmed on the server), what it costs on the live tables, and whether
``--online`` sends it through pt-online-schema-change.

A revision marks changes online-required or online-forbidden in two ways; the statement's
own comment wins:

* a comment in the statement: ``run_sql("/* online: required */ ALTER TABLE ...")``
  (``required``, ``forbidden`` or ``auto``);
* a module-level dict in the revision file, by table:
  ``online = {"DataCollection": "required", "BLSample": "forbidden"}``.

``required`` runs the change through pt-osc whatever the table's size or algorithm (and
fails if pt-osc cannot run it); ``forbidden`` always runs a plain ALTER.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import pymysql

from ..errors import InputError
from ..flavour import Flavour, detect
from ..migrate.revision import BASE, RevisionDir
from ..model.objects import Schema
from ..review.algorithms import COPY, Algorithm, Prediction
from ..sources.connection import ConnectionSpec
from ..dialect.lexer import name_at, tokenize
from ..dialect.sqlscript import split_sql
from .cost import Cost, Estimate, TableSize, about, estimate, table_sizes
from .predict import StatementPredictor
from .probe import ProbeError, Probed, Prober
from .progress import tracked
from .ptosc import OnlineOptions, run_online, table_triggers
from .statements import TableDDL, one_line, parse_table_ddl, statement_hint

HINTS = ("required", "forbidden", "auto")


def module_hints(module) -> dict[str, str]:
    """The ``online = {table: hint}`` dict of a revision module, checked."""
    hints = getattr(module, "online", None) or {}
    if not isinstance(hints, dict) or any(v not in HINTS for v in hints.values()):
        raise InputError(f"{getattr(module, '__file__', 'revision')}: `online` must map table names to "
                         f"one of {', '.join(HINTS)}")
    return dict(hints)


def _referenced(sql: str) -> set[str]:
    """The tables the foreign keys of an alter specification reference (the last part of a
    qualified name)."""
    toks = tokenize(sql, lenient=True)
    return {name for i, t in enumerate(toks) if t.is_kw("REFERENCES")
            for name in [name_at(toks, i + 1)[0]] if name is not None}


def _parents(conn, database: str, table: str) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
                    "WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s AND UNIQUE_CONSTRAINT_SCHEMA = %s",
                    (database, table, database))
        return {r[0] for r in cur.fetchall()}


def _existing(conn, database: str, names) -> set[str]:
    names = sorted(set(names))
    if not names:
        return set()
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN ("
                    + ", ".join(["%s"] * len(names)) + ")", (database, *names))
        return {r[0] for r in cur.fetchall()}


def probe_on(prober: Prober, conn, database: str, target: TableDDL) -> Probed:
    """Probe ``target`` on ``prober``, copying its table (and the parents its foreign keys
    need) from ``database`` first where the scratch database lacks them."""
    wanted = {target.table} | _parents(conn, database, target.table) | _referenced(target.spec)
    prober.copy_from(database, sorted(_existing(conn, database, wanted - prober.tables)))
    return prober.probe_parsed(target)


@dataclass
class StatementPlan:
    revision: str
    number: int  # 1-based, among the revision's statements that change the database
    target: TableDDL
    predicted: Prediction | None
    probed: Probed | None
    probe_error: str | None
    size: TableSize
    hint: str | None
    online: bool
    reason: str
    chunk_time: float | None = None  # pt-osc's --chunk-time, with --online

    @property
    def route(self) -> str:
        """How the upgrade runs it, and why."""
        return f"online via {self.reason}" if self.online else self.reason

    @property
    def estimate(self) -> Estimate:
        return estimate(self.cost, self.online, self.chunk_time)

    @property
    def algorithm(self) -> Algorithm:
        if self.probed is not None:
            return self.probed.algorithm
        return self.predicted.algorithm if self.predicted else Algorithm(COPY, False, "unknown")

    @property
    def lock(self) -> str:
        if self.probed is not None:
            return self.probed.lock
        return self.predicted.lock if self.predicted else "SHARED"

    @property
    def cost(self) -> Cost:
        return Cost(self.algorithm, self.lock, self.size)

    @property
    def confirmed(self) -> str:
        if self.probed is None:
            return "not confirmed" + (f" ({self.probe_error})" if self.probe_error else "")
        if self.predicted is None:
            return "server"
        same = (self.predicted.algorithm.name, self.predicted.algorithm.rebuild, self.predicted.lock) == \
            (self.probed.algorithm.name, self.probed.algorithm.rebuild, self.probed.lock)
        return "confirmed" if same else f"server differs from the rule table ({self.predicted})"


def decide(target: TableDDL, blocks: bool, size: TableSize, hint: str | None,
           options: OnlineOptions | None) -> tuple[bool, str]:
    """(through pt-osc?, why)."""
    if options is None:
        return False, "plain ALTER (no --online)"
    if hint == "forbidden":
        return False, "plain ALTER (the revision forbids an online change)"
    if hint == "required":
        if not target.online_capable:
            raise InputError(f"the revision requires an online change of {target.table}, but "
                             f"pt-online-schema-change cannot run: {target.sql.strip()[:100]}")
        return True, "pt-online-schema-change (the revision requires it)"
    if size.rows < options.threshold:
        return False, f"plain ALTER (~{size.rows:,} rows, under the --online-threshold of {options.threshold:,})"
    if not blocks:
        return False, "plain ALTER (does not block writes)"
    if not target.online_capable:
        return False, "plain ALTER (pt-online-schema-change cannot run this statement)"
    return True, f"pt-online-schema-change (~{size.rows:,} rows, writes would wait)"


# ---------------------------------------------------------------------------------------
# the plan: every statement of every revision, without running anything


def revision_statements(rdir: RevisionDir, rev: str, direction: str, prev: str) -> list[str]:
    """The statements of one revision step, as Alembic's offline mode writes them."""
    out = []
    for st in split_sql(rdir.offline_sql(rev, direction, prev)):
        sql = st.sql.strip()
        if not sql or re.match(r"(BEGIN|COMMIT|START\s+TRANSACTION|ROLLBACK)\b", sql, re.I):
            continue
        out.append(sql)
    return [s for s in out if tracked(s) or re.match(r"\s*SET\b", s, re.I)]


def plan_statements(conn, spec: ConnectionSpec, rdir, plan, options: OnlineOptions | None,
                    probe: bool = True, say: Callable[[str], None] = lambda _: None) -> list[StatementPlan]:
    """Every statement of ``plan`` (a :class:`~schema_tools.dba.upgrade_plan.UpgradePlan`) that
    alters an existing table in place, with its algorithm, lock, cost and route."""
    flavour = _flavour(conn)
    script = rdir.script()
    out: list[StatementPlan] = []
    prober_cm = Prober(conn) if probe else contextlib.nullcontext(None)
    try:
        prober = prober_cm.__enter__()
    except pymysql.MySQLError as exc:
        say(f"note: the server refused a scratch database for confirming the algorithms ({exc.args[-1]}); "
            "the rule tables alone decide")
        prober, prober_cm = None, contextlib.nullcontext(None)
    try:
        prev = plan.current
        for planned in plan.revisions:
            rev = planned.revision
            if plan.direction == "upgrade":
                start, state_after = prev, rev
            else:
                start, state_after = rev, rdir.down_target(rev)
            before = rdir.state(None if start == BASE else start)
            statements = revision_statements(rdir, rev, plan.direction, prev if plan.direction == "upgrade"
                                             else state_after)
            hints = module_hints(script.get_revision(rev).module)
            predictor = StatementPredictor(before.schema if before else Schema(), flavour)
            n = 0
            for sql in statements:
                counted = tracked(sql)
                n += 1 if counted else 0
                predicted = predictor.next(sql)
                target = parse_table_ddl(sql)
                if prober is not None and re.match(r"\s*CREATE\s+TABLE\b", sql, re.I):
                    with contextlib.suppress(pymysql.MySQLError):
                        prober.create(sql)
                if target is None or not counted:
                    continue
                probed, error = None, None
                if prober is not None:
                    try:
                        probed = probe_on(prober, conn, spec.database_name, target)
                    except ProbeError as exc:
                        error = str(exc).split(": ", 1)[-1][:120]
                size = table_sizes(conn, spec.database_name, [target.table]).get(target.table, TableSize())
                hint = statement_hint(sql) or hints.get(target.table)
                row = StatementPlan(rev, n, target, predicted.prediction if predicted else None, probed, error,
                                    size, hint, False, "")
                row.online, row.reason = decide(target, row.cost.blocks_writes, size, hint, options)
                row.chunk_time = options.chunk_time if options is not None else None
                out.append(row)
            prev = state_after
    finally:
        prober_cm.__exit__(None, None, None)
    return out


def _flavour(conn) -> Flavour:
    with conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        return detect(cur.fetchone()[0])


def describe_statements(rows: list[StatementPlan]) -> str:
    """The ranked-cost view, most expensive first: per statement, its table, the algorithm
    and lock, the route (pt-osc or a plain ALTER, and why), how long writes to the table may
    wait, and how long it takes (an estimate); then the totals.  Names are escaped: one
    statement's lines stay its lines."""
    from ..render.change_lines import clean

    if not rows:
        return "statements: none alters an existing table\n"
    lines = ["statements that alter existing tables, most expensive first:"]
    ranked = sorted(rows, key=lambda r: (r.cost.rank_key, r.revision, r.number))
    for i, r in enumerate(ranked, 1):
        first = one_line(r.target.sql)
        lines.append(f"  {i}. {r.revision} #{r.number} {clean(r.target.table)}: ALGORITHM={r.algorithm.name}"
                     f"{' (rebuild)' if r.algorithm.rebuild else ''}, LOCK={r.lock}; {r.cost.describe()}")
        lines.append(f"     {first[:100]}")
        lines.append(f"     {r.confirmed}; route: {clean(r.route)}" + (f"; hint: {r.hint}" if r.hint else ""))
        lines.append(f"     {r.estimate.describe()}")
    total = sum(r.estimate.seconds for r in rows)
    worst = max(rows, key=lambda r: r.estimate.stall_seconds)
    stall = (f"the longest stall ~{worst.estimate.stall_seconds:.1f} s, on {clean(worst.target.table)}"
             if worst.estimate.stall_seconds >= 0.1 else "no write waits longer than ~0.1 s")
    lines.append(f"  in all: {about(total)} estimated for these statements; {stall}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# during the upgrade


class OnlineRunner:
    """Decides, for each statement the upgrade is about to send, whether it goes through
    pt-online-schema-change, and runs it there.  Used by ``dba.upgrade_statements.Tracker``."""

    def __init__(self, spec: ConnectionSpec, options: OnlineOptions, say: Callable[[str], None],
                 hold: int | None = None) -> None:
        """``hold``: a descriptor pt-osc keeps open while it runs (the upgrade's advisory-lock
        connection: the lock then lasts as long as pt-osc can run)."""
        self.spec = spec
        self.options = options
        self.say = say
        self.hold = hold
        self.conn = spec.connect()
        self.hints: dict[str, str] = {}
        self.routed: list[tuple[str, str]] = []  # (table, alter) run through pt-osc
        self._probe_refused = False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    def start_revision(self, module) -> None:
        self.hints = module_hints(module)

    def _blocks(self, target: TableDDL) -> tuple[bool, str]:
        if not self._probe_refused:
            try:
                with Prober(self.conn) as prober:
                    p = probe_on(prober, self.conn, self.spec.database_name, target)
                return p.algorithm.name == COPY or p.blocks_writes, f"ALGORITHM={p.algorithm.name}, LOCK={p.lock}"
            except ProbeError as exc:
                return True, f"not confirmed ({exc})"
            except pymysql.MySQLError as exc:
                self._probe_refused = True
                self.say(f"    note: no scratch database to confirm algorithms ({exc.args[-1]}); "
                         "treating ALTERs on large tables as blocking")
        return True, "not confirmed"

    def handle(self, statement: str, record=None) -> bool:
        """Run ``statement`` through pt-osc if it should; True when it did.  ``record(step)``
        makes the online step durable (:class:`~.resume.OnlineStep`) at each of its phases."""
        target = parse_table_ddl(statement)
        if target is None:
            return False
        hint = statement_hint(statement) or self.hints.get(target.table)
        if hint == "forbidden":
            return False
        size = table_sizes(self.conn, self.spec.database_name, [target.table]).get(target.table, TableSize())
        if hint != "required" and (size.rows < self.options.threshold or not target.online_capable):
            return False
        blocks, what = (True, "required") if hint == "required" else self._blocks(target)
        online, reason = decide(target, blocks, size, hint, self.options)
        if not online:
            return False
        if table_triggers(self.conn, self.spec.database_name, target.table) and hint != "required":
            self.say(f"    {target.table} has triggers: plain ALTER ({what})")
            return False
        self.say(f"    online: {target.table} ({what}): {reason}")
        run_online(self.conn, self.spec, target.table, target.spec, self.options, self.say, record=record,
                   hold=self.hold)
        self.routed.append((target.table, target.spec))
        return True
