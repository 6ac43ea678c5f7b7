"""Where does a live database stand?

Three records can say it, and they can disagree:

* the schema itself: its fingerprint equals the recorded state of one revision
  (``states/<rev>.json``) or one site snapshot, or else some state is nearest;
* ``alembic_version``: the revision last applied by schema-tools or Alembic;
* the legacy ``SchemaStatus`` table: which update scripts ran (``DONE``) or were left
  half-way (``ONGOING``), mapped to revisions through ``legacy.json`` of the revision
  directory (written by ``import-legacy``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from ..diff.compare import DiffOptions, diff_apart
from ..errors import InputError
from ..migrate.revision import BASE, RevisionDir, read_versions, recorded_fingerprints
from ..config import ISPYB_LOOKUP_TABLES
from ..model.objects import Schema
from ..model.snapshot import Snapshot, database_default_of, fingerprint, fingerprint_of
from ..dialect.ddl import alter_database
from ..render.change_lines import clean
from ..sources.connection import ConnectionSpec
from ..sources.introspect import MULTI_STATEMENTS, introspect


@dataclass(frozen=True)
class LegacyEntry:
    script: str
    recorded: str | None
    revision: str


def load_legacy_map(rdir: RevisionDir) -> list[LegacyEntry]:
    """The legacy script -> revision mapping of ``rdir`` (``legacy.json``), in order;
    empty when the directory has none."""
    from ..migrate.legacy import load_legacy_map as read_map

    return [LegacyEntry(e["script"], e["recorded"], e["revision"]) for e in read_map(rdir)]


def state_candidates(rdir: RevisionDir) -> dict[str, list[str]]:
    """fingerprint -> every revision (``base`` for a root's starting state) whose recorded
    state it is, newest first; read from the revision files' headers (no state file is
    parsed).  Several revisions share a state when one undoes another, or changes only
    what the schema does not record (rows of a table that is not tracked)."""
    out: dict[str, list[str]] = {}
    if not rdir.versions.is_dir():
        return out
    for rev, down, before, after in recorded_fingerprints(rdir.script()):
        if after:
            out.setdefault(after, []).append(rev)
        if before and not down and BASE not in out.get(before, []):
            out.setdefault(before, []).append(BASE)
    return out


def state_index(rdir: RevisionDir) -> dict[str, str]:
    """fingerprint -> the newest revision whose recorded state it is (see
    :func:`state_candidates`)."""
    return {fp: revs[0] for fp, revs in state_candidates(rdir).items()}


def recorded_states(rdir: RevisionDir) -> list[tuple[str, Callable[[], Snapshot | None]]]:
    """(label, loader) of every recorded state: each revision's, and each root's start."""
    out: list[tuple[str, Callable[[], Snapshot | None]]] = []
    if not rdir.versions.is_dir():
        return out
    for rev in rdir.script().walk_revisions():
        out.append((rev.revision, functools.partial(rdir.state, rev.revision)))
        if not rev.down_revision:
            out.append((BASE, functools.partial(rdir.root_state, rev.revision)))
    return out


def recorded_defaults(rdir: RevisionDir) -> list[tuple[str, str]]:
    """The database defaults (charset, collation) the recorded states of ``rdir`` hold, each
    once, read from the head of each state file (no state is parsed)."""
    out: list[tuple[str, str]] = []
    if rdir.states.is_dir():
        for path in sorted(rdir.states.glob("*.json")):
            if path.name.endswith(".meta.json"):
                continue
            charset, collation = database_default_of(path)
            if charset and collation and (charset, collation) not in out:
                out.append((charset, collation))
    return out


def with_other_defaults(schema: Schema, defaults) -> list[tuple[tuple[str, str], str]]:
    """(default, fingerprint) of ``schema`` under each database default of ``defaults`` other
    than its own: the fingerprint it would have if only its database default were that one.
    Equal to a recorded fingerprint, it says the schema is that state but for the default."""
    return [((charset, collation), fingerprint(dataclasses.replace(schema, charset=charset,
                                                                    collation=collation)))
            for charset, collation in defaults if (charset, collation) != (schema.charset, schema.collation)]


def base_state(rdir: RevisionDir, first: str | None = None) -> Snapshot | None:
    """The starting state of the root below ``first`` (default: ``base.json``)."""
    if first is not None:
        for r in rdir.script().iterate_revisions(first, "base"):
            if not r.down_revision:
                return rdir.root_state(r.revision)
    return rdir.state(None)


def load_state(rdir: RevisionDir, rev: str) -> Snapshot:
    snap = rdir.state(None if rev == BASE else rev)
    if snap is None:
        raise InputError(f"{rdir.path}: no recorded state for revision {rev} (states/{rev}.json)")
    return snap


def known_revisions(rdir: RevisionDir) -> set[str]:
    return rdir.revision_ids()


def unknown_versions(rdir: RevisionDir, versions: Sequence[str] | None) -> list[str]:
    """What ``alembic_version`` records that is no revision of ``rdir``."""
    if not versions:
        return []
    known = known_revisions(rdir)
    return [v for v in versions if v not in known]


def require_known_versions(rdir: RevisionDir, versions: Sequence[str] | None, spec=None) -> None:
    """:class:`InputError` when ``alembic_version`` records a revision ``rdir`` does not have:
    the database was upgraded with other revisions, or the table was edited."""
    bad = unknown_versions(rdir, versions)
    if bad:
        where = f" of {spec.redacted()}" if spec is not None else ""
        raise InputError(f"the table alembic_version{where} records {', '.join(bad)}, which is not a "
                         f"revision in {rdir.path}/",
                         hint="give the revisions the database was upgraded with (--dir); if "
                              "alembic_version is wrong, `schema-tools identify` says where the schema "
                              "stands and `schema-tools stamp --auto` records it")


# ---------------------------------------------------------------------------------------
# reading the live database


@dataclass
class LegacyStatus:
    done: list[str] = field(default_factory=list)
    ongoing: list[str] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)


def read_schemastatus(conn) -> LegacyStatus | None:
    """The rows of the legacy ``SchemaStatus`` table; None when it does not exist."""
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT `scriptName`, `schemaStatus` FROM `SchemaStatus` "
                        "ORDER BY `schemaStatusId`")
        except pymysql.MySQLError as exc:
            if exc.args[0] in (1146, 1054):
                return None
            raise
        rows = cur.fetchall()
    status = LegacyStatus()
    for name, state in rows:
        state = (state or "").upper()
        if state == "DONE":
            status.done.append(name)
        elif state == "ONGOING":
            status.ongoing.append(name)
        else:
            status.other.append((name, state))
    return status


_REFERENCE_DATA = re.compile(r"^reference_data = (\(.*\))$", re.M)


def tracked_tables(rdir) -> tuple[str, ...]:
    """The tables whose rows the recorded states of ``rdir`` may hold: the configured
    reference tables, and those a revision made from a script created and filled
    (``reference_data = (...)`` in its file)."""
    import ast

    from ..config import configured_reference_tables

    names = set(configured_reference_tables(rdir.path))
    if rdir.versions.is_dir():
        for path in rdir.versions.glob("*.py"):
            for m in _REFERENCE_DATA.finditer(path.read_text(encoding="utf-8", errors="replace")):
                try:
                    value = ast.literal_eval(m.group(1))
                except (ValueError, SyntaxError):
                    continue
                names |= {v for v in value if isinstance(v, str)} if isinstance(value, tuple) else set()
    return tuple(sorted(names))


def read_live(spec: ConnectionSpec, data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES):
    """(schema, alembic versions, SchemaStatus) of the database ``spec`` names."""
    if not spec.database:
        raise InputError(f"{spec.redacted()}: the URL names no database")
    conn = spec.connect(client_flag=MULTI_STATEMENTS)
    try:
        # routines and views defined by the account that runs the revisions carry no definer
        # in the recorded states (revisions create them without a DEFINER clause)
        with conn.cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            account = cur.fetchone()[0]
        schema = introspect(conn, spec.database, data_tables=data_tables,
                            loader_account=account).schema
        return schema, read_versions(conn), read_schemastatus(conn)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------
# identification


@dataclass
class Identification:
    fingerprint: str
    revision: str | None  # the revision whose recorded state the schema equals
    snapshots: list[str]  # site snapshots it equals
    nearest: str | None = None  # without an exact match: the nearest recorded state
    distance: dict[str, int] = field(default_factory=dict)  # differences by kind
    alembic: list[str] | None = None
    legacy: LegacyStatus | None = None
    legacy_revision: str | None = None  # the revision SchemaStatus implies
    candidates: list[str] = field(default_factory=list)  # every revision with this state
    ambiguous: bool = False  # several candidates, and no record to choose between them
    legacy_script: str | None = None  # legacy script of the matched revision
    unknown_scripts: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    # set when the schema is the state of ``revision`` in everything but the database default
    database_default: DefaultDifference | None = None
    snapshots_but_default: list[str] = field(default_factory=list)  # the same, for snapshots
    database: str | None = None  # the database's name, for the statements shown
    # what pt-online-schema-change left (set apart from the schema identified), one line each
    leftovers: list[str] = field(default_factory=list)
    # set when the schema is the state of ``revision`` (or of ``snapshots``) but for definers
    # or client charsets that one of them leaves unstated: those objects, by kind
    unstated: dict[str, int] = field(default_factory=dict)
    unstated_attrs: list[str] = field(default_factory=list)  # the attributes that differ so
    # when ``revision`` is base: the lines of revisions that start there, as
    # (first revision, its branch labels); several lines of one directory start apart
    lines: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.revision is not None and not self.disagreements and self.database_default is None
                and not self.leftovers)

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        out["legacy"] = self.legacy.__dict__ if self.legacy is not None else None
        if self.database_default is not None:
            out["database_default"] = dict(dataclasses.asdict(self.database_default),
                                           statement=self.database_default.statement(self.database))
        return out


@dataclass(frozen=True)
class DefaultDifference:
    """The database default, where it is all that separates the schema from a recorded state.

    The default decides the character set of a table created without one, and the database
    collation of a routine, trigger or event created from then on: what the revisions
    create assumes the recorded one.  Setting it changes no table and no row."""

    charset: str | None  # the live database's
    collation: str | None
    recorded_charset: str  # the recorded state's
    recorded_collation: str

    def statement(self, database: str | None) -> str:
        """The statement that gives the database the recorded default."""
        return alter_database(self.recorded_charset, self.recorded_collation, database) + ";"

    def describe(self) -> str:
        return (f"{self.charset} / {self.collation}; the recorded state has "
                f"{self.recorded_charset} / {self.recorded_collation}")


def _distance(changes) -> dict[str, int]:
    return dict(sorted(Counter(c.kind for c in changes).items()))


def legacy_revision(entries: Sequence[LegacyEntry], status: LegacyStatus) -> tuple[str | None, list[str], list[str]]:
    """(the revision SchemaStatus implies, scripts it names that map to nothing, scripts
    skipped before the last one recorded DONE)."""
    done = set(status.done)
    known = {e.script for e in entries} | {e.recorded for e in entries if e.recorded}
    unknown = [n for n in status.done + status.ongoing if n not in known]
    last = None
    for i, e in enumerate(entries):
        if e.script in done or (e.recorded and e.recorded in done):
            last = i
    if last is None:
        return BASE, unknown, []
    gaps = [e.script for e in entries[:last]
            if e.script not in done and not (e.recorded and e.recorded in done)]
    return entries[last].revision, unknown, gaps


def identify(  # noqa: C901 - the guide's identification steps in order, each ending the search
        rdir: RevisionDir, schema: Schema, *, alembic: list[str] | None = None,
        legacy: LegacyStatus | None = None, snapshots: Path | None = None,
        database: str | None = None, unstated_any: bool = True) -> Identification:
    """Where ``schema`` (the live one; ``database`` its name) stands among the recorded states
    of ``rdir`` and the site snapshots in ``snapshots``.  Without an exact match, a state
    that differs only in the database default is found by fingerprint too (``revision`` is
    then that state, and ``database_default`` says what differs).  When neither matches,
    every recorded state is diffed: with ``unstated_any``, one that differs only in
    definers or client charsets that one side leaves unstated is the state identified
    (``unstated`` counts those objects); otherwise the nearest state is reported."""
    fp = Snapshot(schema).fingerprint
    options = DiffOptions(unstated_any=unstated_any)
    candidates = state_candidates(rdir)
    index = {f: revs[0] for f, revs in candidates.items()}
    cands = list(candidates.get(fp, []))
    recorded_default: dict[str, tuple[str, str]] = {}  # candidate -> its state's default
    if not cands and candidates:
        for default, alt in with_other_defaults(schema, recorded_defaults(rdir)):
            for rev in candidates.get(alt, []):
                if rev not in recorded_default:
                    cands.append(rev)
                    recorded_default[rev] = default
    nearest = None  # (number of changes, label, changes) of the nearest recorded state
    unstated: list = []  # what the state identified differs in, set apart
    if not cands and index:
        for label, load in recorded_states(rdir):
            snap = load()
            if snap is None:
                continue
            changes, apart = diff_apart(schema, snap.schema, options)
            if not changes and apart:
                cands = [label] + [r for r in candidates.get(snap.fingerprint, []) if r != label]
                unstated = apart
                break
            if nearest is None or len(changes) < nearest[0]:
                nearest = (len(changes), label, changes)
    entries = load_legacy_map(rdir)
    by_rev = {e.revision: e for e in entries}
    # several revisions can share a state: the one a record names is taken
    chosen = cands[0] if cands else None
    decided = len(cands) <= 1
    if not decided:
        implied = legacy_revision(entries, legacy)[0] if legacy is not None and entries else None
        if alembic and len(alembic) == 1 and alembic[0] in cands:
            chosen, decided = alembic[0], True
        elif implied in cands:
            chosen, decided = implied, True
    ident = Identification(fp, chosen, [], alembic=alembic, legacy=legacy, database=database)
    ident.candidates = cands
    ident.ambiguous = not decided
    _set_unstated(ident, unstated)
    if chosen in recorded_default:
        ident.database_default = DefaultDifference(schema.charset, schema.collation,
                                                   *recorded_default[chosen])
    if snapshots is not None and snapshots.is_dir():
        _match_snapshots(ident, schema, snapshots)
        if unstated_any and not ident.snapshots and not ident.snapshots_but_default \
                and (ident.revision is None or ident.unstated):
            _match_snapshots_unstated(ident, schema, snapshots, options)
    if ident.revision is None and nearest is not None:
        ident.nearest = nearest[1]
        ident.distance = _distance(nearest[2])
    if ident.revision in by_rev:
        ident.legacy_script = by_rev[ident.revision].script
    if ident.revision == BASE:
        ident.lines = _lines_starting_at(rdir, fp)
    unknown = unknown_versions(rdir, alembic)
    if unknown:
        ident.disagreements.append(f"alembic_version records {', '.join(unknown)}, which is not a revision "
                                   f"in {rdir.path}/ (--dir names other revisions, or the table was edited)")
    elif alembic:
        recorded = alembic[0] if len(alembic) == 1 else None
        if ident.revision is not None and ident.revision not in alembic \
                and not (ident.revision == BASE and not alembic):
            ident.disagreements.append(
                f"alembic_version records {', '.join(alembic)}, but the schema is the state of "
                f"{ident.revision}")
        elif ident.revision is None and recorded is not None:
            ident.disagreements.append(
                f"alembic_version records {recorded}, but the schema matches no recorded state")
    if legacy is not None and entries:
        legacy_rev, ident.unknown_scripts, gaps = legacy_revision(entries, legacy)
        ident.legacy_revision = legacy_rev
        if gaps:
            ident.disagreements.append(
                f"SchemaStatus skips {len(gaps)} script(s) before its last DONE one: "
                + ", ".join(gaps[:5]) + (" ..." if len(gaps) > 5 else ""))
        if legacy.ongoing:
            ident.disagreements.append("SchemaStatus has scripts stuck at ONGOING: "
                                       + ", ".join(legacy.ongoing))
        if legacy_rev is not None and ident.revision is not None and legacy_rev != ident.revision:
            if _only_newer_revisions(rdir, ident.revision, legacy_rev, set(by_rev)):
                # revisions after the last legacy script that no legacy script recorded
                # (a reconciliation): the record and the schema agree
                ident.legacy_revision = ident.revision
            else:
                what = f"{legacy_rev} ({by_rev[legacy_rev].script})" if legacy_rev in by_rev else legacy_rev
                ident.disagreements.append(
                    f"SchemaStatus implies {what}, but the schema is the state of {ident.revision}")
    return ident


def _match_snapshots(ident: Identification, schema: Schema, folder: Path) -> None:
    """The site snapshots in ``folder`` the schema equals, or equals but for the database
    default (their fingerprints come from the sidecars: no snapshot is parsed)."""
    others: dict[tuple, str] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".meta.json"):
            continue
        recorded = fingerprint_of(path)
        if recorded == ident.fingerprint:
            ident.snapshots.append(path.stem)
            continue
        default = database_default_of(path)
        if default[0] and default[1] and default != (schema.charset, schema.collation):
            if default not in others:
                others[default] = with_other_defaults(schema, [default])[0][1]
            if others[default] == recorded:
                ident.snapshots_but_default.append(path.stem)


def _match_snapshots_unstated(ident: Identification, schema: Schema, folder: Path,
                              options: DiffOptions) -> None:
    """The site snapshots in ``folder`` the schema equals but for definers or client
    charsets one side leaves unstated (each snapshot is parsed: searched only when nothing
    matched exactly)."""
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".meta.json"):
            continue
        try:
            snap = Snapshot.read(path)
        except InputError:
            continue  # not a snapshot: nothing to compare with
        changes, apart = diff_apart(schema, snap.schema, options)
        if not changes and apart:
            ident.snapshots.append(path.stem)
            if not ident.unstated:
                _set_unstated(ident, apart)


def _set_unstated(ident: Identification, apart) -> None:
    ident.unstated = _distance(apart)
    ident.unstated_attrs = sorted({a for c in apart for a in c.changed})


def _only_newer_revisions(rdir: RevisionDir, rev: str, older: str, legacy: set[str]) -> bool:
    """Whether ``rev`` descends from ``older`` through revisions that no legacy script made."""
    if rev == BASE:
        return False
    for r in rdir.script().iterate_revisions(rev, "base"):
        if r.revision == older:
            return True
        if r.revision in legacy:
            return False
    return older == BASE


def unstated_note(by_kind: dict[str, int], attrs=("definer", "charset_client")) -> str:
    """One line on the objects set apart for a definer or client charset (``attrs``, the
    model's attribute names) that one side leaves unstated."""
    n = sum(by_kind.values())
    kinds = ", ".join(f"{k} {c}" for k, c in by_kind.items())
    words = (["definer"] if "definer" in attrs else []) + (["client charset"] if set(attrs) - {"definer"} else [])
    return (f"set apart: {n} object{'s' * (n != 1)} ({kinds}) differ{'s' * (n == 1)} only in a "
            f"{' or '.join(words)} that one side leaves unstated (--strict-unstated counts them)")


def _lines_starting_at(rdir: RevisionDir, fp: str) -> list[tuple[str, tuple[str, ...]]]:
    """(first revision, branch labels) of each line of ``rdir`` whose start state has the
    fingerprint ``fp``; every line when none has (the state was matched otherwise)."""
    script = rdir.script()
    roots = rdir.roots()
    starting = [r for r in roots if (st := rdir.root_state(r)) is not None and st.fingerprint == fp]
    return [(r, tuple(sorted(script.get_revision(r).branch_labels))) for r in (starting or roots)]


def _base_words(ident: Identification) -> str:
    """How the start of a line is named: Alembic calls every line's start ``base``."""
    if not ident.lines:
        return "base"
    starts = "; ".join(f"the start of line {', '.join(labels)}, before {first}" if labels else f"before {first}"
                       for first, labels in ident.lines)
    return f"base ({starts})"


def describe(ident: Identification, *, verbose: bool = False) -> str:
    """The identification as text; ``verbose`` lists the SchemaStatus names that match no
    known script (otherwise counted)."""
    lines = [f"fingerprint: {ident.fingerprint}"]
    dd = ident.database_default
    if ident.revision is not None:
        extra = f" (legacy script {ident.legacy_script})" if ident.legacy_script else ""
        but = ", except the database default" if dd is not None else ""
        state = (f"the state of revision {ident.revision}" if ident.revision != BASE
                 else _base_words(ident))
        lines.append(f"schema: {state}{extra}{but}")
        if ident.unstated:
            lines.append(f"  {unstated_note(ident.unstated, ident.unstated_attrs)}")
        if dd is not None:
            lines.append(f"  database default: {dd.describe()}")
            lines.append(f"  to give it the recorded one (no table or row changes; `upgrade` does it "
                         f"first): {dd.statement(ident.database)}")
        if len(ident.candidates) > 1:
            lines.append(f"  the same state as: {', '.join(c for c in ident.candidates if c != ident.revision)}"
                         + (" (no record says which)" if ident.ambiguous else ""))
    else:
        dist = ", ".join(f"{n} {k}" for k, n in ident.distance.items()) or "no recorded states"
        lines.append(f"schema: matches no recorded state; nearest: {ident.nearest} ({dist})")
    if ident.snapshots:
        lines.append("equals snapshot(s): " + ", ".join(ident.snapshots))
        if ident.unstated and ident.revision is None:
            lines.append(f"  {unstated_note(ident.unstated, ident.unstated_attrs)}")
    if ident.snapshots_but_default:
        lines.append("equals, except the database default, snapshot(s): "
                     + ", ".join(ident.snapshots_but_default))
    if ident.alembic is None:
        lines.append("alembic_version: none (not under revision control)")
    else:
        lines.append("alembic_version: " + (", ".join(ident.alembic) or "empty"))
    if ident.legacy is None:
        lines.append("SchemaStatus: none")
    else:
        lg = ident.legacy
        lines.append(f"SchemaStatus: {len(lg.done)} DONE, {len(lg.ongoing)} ONGOING"
                     + (f", {len(lg.other)} other" if lg.other else "")
                     + (f"; implies revision {ident.legacy_revision}" if ident.legacy_revision else ""))
        if ident.unknown_scripts and verbose:
            lines.append(f"  {len(ident.unknown_scripts)} name(s) that match no known script:")
            lines += [f"    {name}" for name in ident.unknown_scripts]
        elif ident.unknown_scripts:
            lines.append(f"  {len(ident.unknown_scripts)} name(s) that match no known script "
                         f"(--verbose lists them)")
    if ident.leftovers:
        lines.append(f"pt-online-schema-change leftovers ({len(ident.leftovers)}), not part of the schema "
                     f"identified above:")
        lines += [f"  {x}" for x in ident.leftovers]
    for d in ident.disagreements:
        lines.append(f"DISAGREE: {d}")
    return "\n".join(clean(line) for line in lines) + "\n"
