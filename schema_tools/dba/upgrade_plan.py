"""The pre-flight of the hardened upgrade: what it will run, and whether it may.

Resolving the target revision, the drift check of the live schema against its recorded
revision (or part-way through the next one, after an interrupted run), the progress an
earlier run left, the lint findings, and the plan as a person reads it
(:func:`describe_plan`).  The locked run is in :mod:`schema_tools.dba.upgrade`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from ..diff.compare import diff
from ..errors import InputError, SchemaToolsError
from ..migrate.revision import RevisionDir
from ..model.snapshot import Snapshot
from ..online.ptosc import OnlineOptions
from ..online.progress import OnlineLeftover, ProgressLog, interrupted_online, without_leftovers
from ..migrate.revision import recorded_fingerprints
from ..render.change_lines import change_line, clean
from ..sources.connection import ConnectionSpec
from .identify import (
    BASE, DefaultDifference, base_state, read_live, recorded_defaults, require_known_versions, tracked_tables,
    with_other_defaults,
)
from .upgrade_statements import RAN, ResumeConflict, changes_data, ranges


class DriftError(SchemaToolsError):
    """The live schema is not the state its recorded revision says."""

    exit_code = 1


SHOWN_DIFFERENCES = 10


def difference_lines(changes: Sequence, shown: int = SHOWN_DIFFERENCES,
                     rest: str = "`schema-tools drift` lists them all") -> list[str]:
    """The first ``shown`` differences, one line each (what turns the recorded state into
    the live one), and a count of the rest."""
    lines = [change_line(c) for c in changes[:shown]]
    if len(changes) > shown:
        lines.append(f"... and {len(changes) - shown} more ({rest})")
    return lines


class DriftRefused(SchemaToolsError):
    """Before a run: the live schema is not the state its recorded revision says, so
    nothing is done (a refusal: exit 2)."""


# ---------------------------------------------------------------------------------------
# planning


@dataclass
class PlannedRevision:
    revision: str
    message: str
    statements: int
    tables: list[str]
    approved: bool | None = None
    findings: list[str] = field(default_factory=list)  # lint findings, one line each
    # constraints an additive path left out (HY606), counted on the database: (line, failing rows)
    decisions: list[tuple[str, int | None]] = field(default_factory=list)


@dataclass
class UpgradePlan:
    current: str  # revision id or "base"
    target: str
    direction: str
    revisions: list[PlannedRevision] = field(default_factory=list)
    resume: dict[str, int] = field(default_factory=dict)  # revision -> statements done
    discard: list[tuple[str, str]] = field(default_factory=list)  # stale progress to clear
    row_counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (rows, bytes)
    notes: list[str] = field(default_factory=list)
    # the schema is the recorded state of ``current`` but for the database default: set first
    database_default: DefaultDifference | None = None
    database_statement: str = ""  # the ALTER DATABASE that sets it
    start_fingerprint: str | None = None  # the recorded state of ``current``
    # online steps an earlier run left part-way, in the revision the plan resumes: finished first
    online: list[OnlineLeftover] = field(default_factory=list)
    # revisions whose every statement an earlier run ran (its end check failed): checked, recorded
    ran: list[str] = field(default_factory=list)


def _online_notes(plan: UpgradePlan, leftovers: Sequence[OnlineLeftover], force: bool) -> None:
    """What the run does about the interrupted online steps of the revision it resumes."""
    from ..online import resume

    for item in leftovers:
        step, found = item.step, item.found
        what = (f"statement {item.statement} of {item.revision} (online change of {step.table}) was "
                f"interrupted (recorded phase: {step.phase})")
        if found.state == "unknown":
            if not force:
                raise DriftRefused(
                    f"{what}, and the server is in none of the states that change passes through: "
                    f"{resume.describe(step, found)}; nothing was changed",
                    details=found.leftovers, hint="look at the table by hand (docs/dba-guide.md, section 5); "
                                                  "--force goes on anyway")
            plan.notes.append(f"{what}: {resume.describe(step, found)}; going on (--force)")
            continue
        plan.online.append(item)
        todo = ("the run drops them, then runs the statement again"
                if found.state == "unchanged" and (found.tables or found.triggers)
                else "the statement runs again" if found.state == "unchanged"
                else "the run finishes it, and the statement counts as committed")
        plan.notes.append(f"{what}: {resume.describe(step, found)}: {todo}")


def _alembic_lookup(rdir: RevisionDir, run):
    """``run()``, with Alembic's errors on a revision name as :class:`InputError`."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return run()
    except (CommandError, RevisionError) as exc:
        raise InputError(f"{rdir.path}: {exc}") from None


def _ancestry(script, rev: str) -> list[str]:
    """``rev`` and everything below it, newest first."""
    return [r.revision for r in script.iterate_revisions(rev, "base")]


def _head_names(script, heads: Sequence[str]) -> str:
    """Heads as a DBA names them with --to: the id, and the branch label when there is one."""
    out = []
    for h in sorted(heads):
        labels = sorted(script.get_revision(h).branch_labels or ())
        out.append(f"{h} ({', '.join(label + '@head' for label in labels)})" if labels else h)
    return ", ".join(out)


def line_fingerprint(rdir: RevisionDir, schema) -> str:
    """The fingerprint that says which line of revisions a database recorded at ``base``
    starts: its own, or, when that is no line's starting state, the one it has under the
    database default of a recorded state, if that one is."""
    own = Snapshot(schema).fingerprint
    starts = {before for _, down, before, _ in recorded_fingerprints(rdir.script()) if not down and before}
    if own in starts:
        return own
    return next((fp for _, fp in with_other_defaults(schema, recorded_defaults(rdir)) if fp in starts), own)


def line_heads(script, fingerprint: str | None) -> list[str]:
    """The heads of the lines whose first revision starts from the state ``fingerprint``
    (recorded in the root revision's header)."""
    out = []
    for head in script.get_heads():
        for r in script.iterate_revisions(head, "base"):
            if not r.down_revision and getattr(r.module, "schema_before", None) == fingerprint:
                out.append(head)
                break
    return sorted(out)


def resolve_target(rdir: RevisionDir, current: str, target: str,
                   fingerprint: str | None = None) -> tuple[str, str | None]:
    """(the revision ``target`` names for a database at ``current``, a note on how it was
    chosen).  ``head`` is the head of the database's own line: the line of the revision in
    ``alembic_version``, or, with none recorded, the line whose starting state the schema
    (``fingerprint``) is.  Refused when that leaves several heads (--to names one)."""
    script = rdir.script()

    def lookup():
        if target == BASE:
            return BASE, None
        if target not in ("head", "heads"):
            found = script.get_revision(target)
            if found is None:
                raise InputError(f"{rdir.path}: unknown revision {target}")
            return found.revision, None
        heads = sorted(script.get_heads())
        if current != BASE:
            above = [h for h in heads if current in _ancestry(script, h)]
            if len(above) == 1:
                return above[0], None
            raise InputError(f"{rdir.path}: {len(above)} heads above {current} "
                             f"({_head_names(script, above)}); name one with --to")
        if len(heads) == 1:
            return heads[0], None
        mine = line_heads(script, fingerprint) if fingerprint else []
        if len(mine) == 1:
            return mine[0], (f"alembic_version records no revision; the schema is the starting state "
                             f"of the line of {_head_names(script, mine)}: following it")
        why = (f"the schema is the starting state of {len(mine)} of them" if mine
               else "the schema is the starting state of none of them")
        raise InputError(f"alembic_version records no revision, {rdir.path} has {len(heads)} lines "
                         f"of revisions (heads {_head_names(script, heads)}) and {why}; "
                         f"name the target with --to",
                         hint="`schema-tools identify` says where the schema stands; "
                              "`schema-tools stamp` records it")

    return _alembic_lookup(rdir, lookup)


def _revision_steps(rdir: RevisionDir, current: str, target: str) -> tuple[str, list[tuple[str, str]]]:
    """(direction, [(revision, the state it leads to)]) from ``current`` to ``target`` (a
    resolved revision id, or base)."""
    script = rdir.script()

    def steps():
        if target == current:
            return "upgrade", []
        if current != BASE and (target == BASE or target in _ancestry(script, current)):
            down = []
            for rev in _ancestry(script, current):
                if rev == target:
                    break
                down.append((rev, rdir.down_target(rev)))
            return "downgrade", down
        chain = list(reversed(_ancestry(script, target)))
        if current != BASE:
            if current not in chain:
                raise InputError(f"{target} is neither above nor below {current}, the revision in "
                                 f"alembic_version: it is on another line of revisions",
                                 hint="upgrade and downgrade follow the database's own line; "
                                      "see `schema-tools identify`")
            chain = chain[chain.index(current) + 1:]
        return "upgrade", [(r, r) for r in chain]

    return _alembic_lookup(rdir, steps)


def _tables_touched(rdir: RevisionDir, rev: str, before: str, after: str) -> list[str]:
    a = base_state(rdir, rev) if before == BASE else rdir.state(before)
    b = base_state(rdir, rev) if after == BASE else rdir.state(after)
    if a is None or b is None:
        return []
    names = set()
    for c in diff(a.schema, b.schema):
        if c.kind == "table":
            names.add(getattr(c, "old_name", None) or c.name)
        elif c.table:
            names.add(c.table)
    return sorted(n for n in names if a.schema.table(n) is not None)


_STATEMENT_CALL = re.compile(r"^\s+(?:run_sql|op\.)", re.M)


def _statement_count(path: Path) -> tuple[int, int]:
    """Statements of a revision file's upgrade() and downgrade()."""
    up, _, down = path.read_text(encoding="utf-8").partition("def downgrade()")
    return len(_STATEMENT_CALL.findall(up)), len(_STATEMENT_CALL.findall(down))


def _row_counts(conn, database: str, tables: Sequence[str]) -> dict[str, tuple[int, int]]:
    from ..online.cost import table_sizes

    return {name: (size.rows, size.bytes) for name, size in table_sizes(conn, database, tables).items()}


def describe_plan(plan: UpgradePlan) -> str:
    lines = [f"{plan.direction} from {plan.current} to {plan.target}: "
             f"{len(plan.revisions)} revision(s)"]
    if plan.database_default is not None:
        lines.append(f"  first, the recorded database default (it is {plan.database_default.describe()}): "
                     f"{plan.database_statement}")
    for r in plan.revisions:
        resume = f", resuming after {plan.resume[r.revision]} committed" if r.revision in plan.resume else ""
        review = "" if r.approved is None else (" [approved]" if r.approved else " [NOT APPROVED]")
        lines.append(f"  {r.revision}{review}: {r.message} ({r.statements} statement(s){resume})")
        shown = r.findings[:10]
        lines += [f"    lint: {f}" for f in shown]
        if len(r.findings) > len(shown):
            lines.append(f"    lint: ... and {len(r.findings) - len(shown)} more (schema-tools review {r.revision})")
        failing = [line for line, n in r.decisions if n != 0]
        lines += [f"    left out: {line}" for line in failing]
        if len(r.decisions) > len(failing):
            lines.append(f"    left out: {len(r.decisions) - len(failing)} more constraint(s) that no row "
                         f"fails now (schema-tools review {r.revision} --url URL)")
        if r.tables:
            parts = []
            for t in r.tables:
                rows, size = plan.row_counts.get(t, (0, 0))
                parts.append(f"{t} (~{rows} rows, {size // 1024} KiB)")
            lines.append("    tables: " + ", ".join(parts))
    lines += [f"  note: {n}" for n in plan.notes]
    return "\n".join(clean(line) for line in lines) + "\n"


# ---------------------------------------------------------------------------------------
# pre-flight


@dataclass
class Session:
    rdir: RevisionDir
    spec: ConnectionSpec
    say: Callable[[str], None]
    lock_timeout: int = 0
    force: bool = False
    online: OnlineOptions | None = None  # --online, or None
    # the plan's lint findings count the rows a risky step of the first revision touches (on
    # the run's own connection): for a plan a person reads
    count_rows: bool = False



def current_state(spec: ConnectionSpec, rdir: RevisionDir, *, versions: bool = False):
    """(live schema, the revision it is recorded at[, what alembic_version holds])."""
    schema, recorded, legacy = read_live(spec, tracked_tables(rdir))
    if recorded is None or not recorded:
        current = BASE
    elif len(recorded) > 1:
        raise InputError(f"alembic_version records several revisions ({', '.join(recorded)}); "
                         f"upgrade one branch at a time with --to")
    else:
        current = recorded[0]
    return (schema, current, recorded) if versions else (schema, current)


def _partial_ok(before, after, live) -> bool:
    """Whether ``live`` lies between the two states: each of its differences from ``before``
    is part of the revision's change, or a dependent dropped on the way (foreign keys,
    indexes, routines, views and triggers are dropped and re-created)."""
    want = {(c.action, c.kind, c.path) for c in diff(before, after)}
    for c in diff(before, live):
        if (c.action, c.kind, c.path) in want:
            continue
        if c.action in ("drop", "alter") and c.kind in ("foreign_key", "index", "routine", "view",
                                                       "trigger", "check", "event"):
            continue
        return False
    return True


def _progress_before(plan: UpgradePlan, log: ProgressLog, rev: str, *, after: str | None) -> None:
    """Progress recorded for ``rev`` (which comes after the planned revision ``after``, or
    first) while the schema is at the state of ``plan.current``.

    Committed DDL only: it did not stay, so the progress is discarded and the revision starts
    afresh.  Committed data changes only, in the next revision: they are resumed after, never run
    again (no schema shows that an INSERT ran).  Anything else is refused: the schema says the
    run was undone, and whether its data changes were cannot be told."""
    committed = {n: r for n, r in log.read(rev, plan.direction).items() if r.status == "done"}
    data = sorted(n for n, r in committed.items() if changes_data(r.text))
    if not data:
        plan.discard.append((rev, plan.direction))
        plan.notes.append(f"progress recorded for {rev} by an earlier run is discarded: the "
                          f"schema is at the state before it")
        return
    ddl = sorted(set(committed) - set(data))
    if after is None and not ddl:
        plan.notes.append(f"progress recorded for {rev} by an earlier run is kept: statement(s) "
                          f"{ranges(data)} changed data, which the schema cannot show; they are "
                          f"not run again")
        return
    undone = (f"without the schema changes of statement(s) {ranges(ddl)}" if ddl
              else f"before {after}, which {rev} comes after")
    raise ResumeConflict(
        f"an earlier run of {rev} committed statement(s) {ranges(sorted(committed))}, of which "
        f"{ranges(data)} changed data, but the schema is at the state of {plan.current}, "
        f"{undone}: whether the data changes stayed cannot be told; nothing was changed",
        hint="check the data by hand; then `schema-tools stamp --auto` forgets the recorded "
             "progress, and the next run starts the revision afresh")


def prepare(session: Session, target: str, conn) -> UpgradePlan:
    """Pre-flight: where the database is, whether it drifted, and what would run."""
    rdir, spec = session.rdir, session.spec
    schema, current, versions = current_state(spec, rdir, versions=True)
    require_known_versions(rdir, versions, spec)
    # what an interrupted online step left is that step's, not drift (checked below)
    try:
        leftovers = interrupted_online(ProgressLog(conn, create=False), spec.database_name)
    except pymysql.MySQLError as exc:
        raise SchemaToolsError(f"{spec.redacted()}: the recorded progress cannot be read (ERROR "
                               f"{exc.args[0]}: {exc.args[-1]}); nothing was changed") from None
    raw, schema = schema, without_leftovers(schema, leftovers)
    fp = Snapshot(schema).fingerprint
    target, chosen = resolve_target(rdir, current, target,
                                    line_fingerprint(rdir, schema) if current == BASE else fp)
    direction, steps = _revision_steps(rdir, current, target)
    plan = UpgradePlan(current, target if not steps else steps[-1][1], direction)
    mine = [o for o in leftovers if steps and (o.revision, o.direction) == (steps[0][0], direction)]
    if len(mine) != len(leftovers):  # of another revision: what they left is drift
        schema = without_leftovers(raw, mine)
        fp = Snapshot(schema).fingerprint
    _online_notes(plan, mine, session.force)
    if chosen and steps:
        plan.notes.append(chosen)
    log = ProgressLog(conn, create=False)
    pending = {(r, d) for r, d in log.pending()}
    if current == BASE:
        expected = base_state(rdir, steps[-1][0] if steps and direction == "upgrade" else None)
    else:
        expected = rdir.state(current)
    if expected is None:
        raise InputError(f"{rdir.path}: no recorded state for {current}")
    plan.start_fingerprint = expected.fingerprint
    default = _default_to_set(schema, expected.schema)
    # the live schema as it is once the recorded database default is set
    as_set = dataclasses.replace(schema, charset=expected.schema.charset,
                                 collation=expected.schema.collation) if default else schema
    if default is not None and Snapshot(as_set).fingerprint == expected.fingerprint:
        _set_default_first(plan, default, spec)
        fp = expected.fingerprint
    if fp == expected.fingerprint:
        # the schema is exactly where the recorded revision leaves it: the DDL an earlier run
        # recorded of the next revisions did not stay (undone by hand, or stale); what it
        # recorded of data changes, the schema cannot tell
        for i, (rev, _) in enumerate(steps):
            if (rev, direction) in pending:
                _progress_before(plan, log, rev, after=steps[i - 1][0] if i else None)
    else:
        first = steps[0] if steps else None
        resuming = first is not None and (first[0], direction) in pending
        nxt = (base_state(rdir, first[0]) if first[1] == BASE else rdir.state(first[1])) if first else None
        if resuming and first is not None and nxt is not None and _partial_ok(expected.schema, nxt.schema, schema):
            plan.notes.append(f"the schema is part-way through {first[0]} (an interrupted run): resuming")
        elif resuming and first is not None and nxt is not None and default \
                and _partial_ok(expected.schema, nxt.schema, as_set):
            _set_default_first(plan, default, spec)
            plan.notes.append(f"the schema is part-way through {first[0]} (an interrupted run): resuming")
        elif session.force:
            if default is not None:
                _set_default_first(plan, default, spec)
            plan.notes.append(f"the schema has drifted from the state of {current}; going on (--force)")
        else:
            changes = diff(expected.schema, schema)
            raise DriftRefused(
                f"the schema has drifted from the recorded state of {current}: {len(changes)} "
                f"difference(s); nothing was changed",
                details=difference_lines(changes),
                hint="see `schema-tools drift`" + _unrecorded_ptosc(conn, spec.database_name, schema)
                     + "; --force goes on anyway")
    _ran_before(plan, log, steps, fp, rdir)
    script = rdir.script()
    touched: set[str] = set()
    prev = current
    for rev, to_state in steps:
        module_rev = script.get_revision(rev)
        ups, downs = _statement_count(Path(module_rev.path)) if module_rev.path else (0, 0)
        tables = _tables_touched(rdir, rev, prev, to_state)
        touched.update(tables)
        plan.revisions.append(PlannedRevision(rev, (module_rev.doc or "").strip().splitlines()[0]
                                              if module_rev.doc else "",
                                              ups if direction == "upgrade" else downs, tables))
        recorded = log.read(rev, direction) if (rev, direction) not in plan.discard else {}
        done = sum(1 for r in recorded.values() if r.status == "done")
        if recorded:
            plan.resume[rev] = done
        prev = to_state
    plan.row_counts = _row_counts(conn, spec.database_name, sorted(touched))
    # counts are of the database as it is: the starting state of the first revision only
    first_fresh = bool(plan.revisions) and plan.revisions[0].revision not in plan.resume
    _add_findings(rdir, plan, conn if session.count_rows and first_fresh else None)
    return plan


def _unrecorded_ptosc(conn, database: str, schema) -> str:
    """What a refusal adds when some of the drift is pt-online-schema-change's leftovers that
    no upgrade recorded ("" when none is)."""
    from ..online import leftovers

    try:
        found = leftovers.find(conn, database, schema)
    except pymysql.MySQLError:
        return ""
    n = len(found.tables) + len(found.triggers)
    if not n:
        return ""
    return (f" (it names {n} of them as pt-online-schema-change leftovers that no upgrade recorded, with "
            f"the statements that drop them)")


def _ran_before(plan: UpgradePlan, log: ProgressLog, steps, fp: str, rdir: RevisionDir) -> None:
    """An earlier run ran every statement of the next revision, and its end check failed
    (so alembic_version stayed): when the schema is now that revision's recorded state (made
    so by hand), the run records it, running none of its statements again."""
    if not steps:
        return
    rev, to_state = steps[0]
    mark = log.read(rev, plan.direction).get(RAN)
    state = base_state(rdir, rev) if to_state == BASE else rdir.state(to_state)
    if mark is None or mark.status != "ran" or state is None or fp != state.fingerprint:
        return
    plan.ran.append(rev)
    plan.notes.append(f"every statement of {rev} ran in an earlier run, whose end check failed; the schema is "
                      f"now its recorded state: it is checked and recorded, and nothing of it runs again")


def _default_to_set(live, recorded) -> DefaultDifference | None:
    """What separates the live database default from the recorded state's, when it differs
    (None when the state records none)."""
    if not recorded.charset or (live.charset, live.collation) == (recorded.charset, recorded.collation):
        return None
    return DefaultDifference(live.charset, live.collation, recorded.charset, recorded.collation)


def _set_default_first(plan: UpgradePlan, default: DefaultDifference, spec: ConnectionSpec) -> None:
    plan.database_default = default
    plan.database_statement = default.statement(spec.database)


_FAILING = re.compile(r"; ([\d,]+) rows? of .* now$")


def _add_findings(rdir: RevisionDir, plan: UpgradePlan, conn=None) -> None:
    """The linter's findings on each planned revision (warnings and above), in the direction
    the plan runs it: a downgrade is linted as the change from the revision's state back to
    the one before it (dropping a foreign key the upgrade added is no new foreign key).

    With ``conn`` (the database, at the starting state of the first revision), the findings on
    that revision give the tables' sizes and count the rows its risky steps touch (values a
    dropped column holds, NULLs under a new NOT NULL...): the later ones start from states the
    database is not in yet, so they are linted without counts."""
    from ..review import review_directory

    names = [r.revision for r in plan.revisions]
    if plan.direction == "downgrade":
        reviews = [_downgrade_review(rdir, rev, conn if i == 0 else None) for i, rev in enumerate(names)]
    elif conn is not None and names:
        reviews = review_directory(rdir.path, names[:1], conn=conn) + \
            (review_directory(rdir.path, names[1:]) if len(names) > 1 else [])
    else:
        reviews = review_directory(rdir.path, names)
    # not strict: with no revision planned, review_directory reviews them all
    for i, (planned, review) in enumerate(zip(plan.revisions, reviews, strict=False)):
        if review is None:
            continue
        for f in review.at_least("warning", accepted=True):
            accepted = f" (accepted by {f.accepted_by})" if f.accepted_by else ""
            planned.findings.append(f"{f.code} {f.severity}: {f.subject}: {f.why}{accepted}")
        if i == 0 and conn is not None and plan.direction == "upgrade":
            # the constraints an additive path left out, with the rows of the database that
            # fail each (HY606 counts them where it has the database)
            for f in review.findings:
                if f.code == "HY606" and (f.why.endswith(" now") or "; rows that fail it" in f.why):
                    m = _FAILING.search(f.why)
                    planned.decisions.append((f"{f.code} {f.severity}: {f.subject}: {f.why}",
                                              int(m.group(1).replace(",", "")) if m else None))


def _downgrade_review(rdir: RevisionDir, rev: str, conn=None):
    """The findings on the downgrade of ``rev``: the change from its recorded state back to
    its starting state (None for a merge, which has no single starting state); with ``conn``,
    the rows it touches counted there."""
    from ..review.config import load_config
    from ..review.data import live_database
    from ..review.engine import read_state, review_states
    from ..migrate.revfile import RevisionSet

    rset = RevisionSet(rdir.path)
    r = rset.get(rev)
    before_path = rset.before_state_path(r)
    if before_path is None:
        return None
    config = load_config(rset.path)
    with live_database(conn=conn, count_timeout=config.count_timeout) as (stats, data):
        return review_states(read_state(rset.state_path(r.rev_id)), read_state(before_path),
                             label=f"downgrade {r.rev_id}", config=config, stats=stats, data=data)
