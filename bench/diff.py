"""Benchmark: schema diff against Alembic autogenerate, at scale, and the N-way matrix.

Run by hand:  .venv/bin/python bench/diff.py [--repeat N] [--sizes 500,5000,20000]
                  [--with-routines] [--no-tls] [--skip live,scale,matrix] [-v]  (~1.5 min)

1. Ours vs Alembic, ESRF pydb (source) -> DLS v5.0.0 (target).  One throwaway server,
   ``pydb.sql`` loaded into database ``esrf`` and DLS v5.0.0 ``tables.sql`` into ``dls``
   (``--with-routines``: also ``routines.sql``).  Then, alternating, median of N runs:

   * ours: what ``schema-tools diff URL URL`` does in process, through the functions the
     command calls: :func:`read_many` of the two URLs (each database read in its own
     thread over its own connection: introspection with the self-check and the lookup
     rows, as :func:`read_one` reads a URL), then :func:`diff`; for reference, the same
     two reads one after the other are timed too;
   * Alembic: fresh engines (``mysql+pymysql``, TCP like ours, ``NullPool``),
     ``MetaData().reflect()`` of the target, ``compare_metadata()`` against a connection to
     the source, with ``compare_type`` and ``compare_server_default`` on.

   Also the diff alone, on the two introspected schemas, on the shipped snapshots (ESRF
   pydb -> DLS v5.0.0, DLS v4.0.0 -> v5.0.0, DLS v5.0.0 against a second read of itself)
   and on consecutive revision states (``revisions/states``, both directions).
   Target: ours at least 10 times faster.  Then the coverage: every Alembic difference is
   mapped to the table/column/index/foreign key it names and looked up in our diff: a
   ``modify_*`` needs an alteration of that attribute of the column (case-insensitive
   names), an index/FK add or remove a change of ours in the same direction (FKs also by
   columns and referenced table, as Alembic matches them), and an Alembic remove+add of a
   column that we report as a rename counts.  Every difference of ours that no Alembic
   entry accounts for is counted by category (``-v`` lists them all).

2. Scale: synthetic schemas (``bench/synthetic.py``, fixed seed) of 500, 5,000 and 20,000
   tables against a copy with about 5% of the tables altered, dropped, added or with a
   renamed column.  Time (median) and peak Python heap (tracemalloc, allocations made by
   the diff itself) of :func:`diff`, and how they grow per 10 times more tables.

3. Matrix: six sites (the four shipped snapshots and two perturbed copies of DLS v5.0.0),
   :func:`build_matrix` and, if present, the HTML rendering of the result.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import os
import re
import statistics
import sys
import time
import tracemalloc
import warnings
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from schema_tools.diff.changes import Add, Alter, Change, Drop, Rename, object_name
from schema_tools.diff.compare import diff
from schema_tools.model import Schema, Snapshot
from synthetic import make_schema, perturb

SNAPSHOTS = ROOT / "snapshots"
INT_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "bigint"})


def corpus_dir() -> Path:
    return Path(os.environ.get("SCHEMA_TOOLS_CORPUS", ROOT.parent / "shared" / "corpus"))


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:7.1f} MiB"


# ---------------------------------------------------------------------------------------
# 1. Ours vs Alembic


def live(args) -> int:
    from schema_tools.diff.compare import DiffOptions
    from schema_tools.servers.local import LocalServer
    from schema_tools.sources.loader import load_files
    from schema_tools.sources.resolve import read_many, read_one

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import MetaData, create_engine
    from sqlalchemy.exc import SAWarning
    from sqlalchemy.pool import NullPool

    warnings.filterwarnings("ignore", category=SAWarning)  # FK cycles: Alembic only warns
    corpus = corpus_dir() / "ispyb"
    pydb = corpus / "esrf" / "pydb.sql"
    dls = corpus / "dls" / "v5.0.0"
    dls_files = [dls / "tables.sql"] + ([dls / "routines.sql"] if args.with_routines else [])
    if not pydb.exists() or not dls_files[0].exists():
        print(f"corpus not found at {corpus}; set SCHEMA_TOOLS_CORPUS", file=sys.stderr)
        return 2
    opts = {"compare_type": True, "compare_server_default": True}
    # PyMySQL >= 1.2 tries TLS by default (PREFERRED) and builds an SSLContext per
    # connection; --no-tls turns that off for Alembic (ours never tries it on the loopback)
    connect_args = {"ssl_disabled": True} if args.no_tls else {}

    with LocalServer() as server:
        src = server.create_database("esrf")
        dst = server.create_database("dls")
        t_load = time.perf_counter()
        load_files([pydb], client=server.client_command(), database=src)
        load_files(dls_files, client=server.client_command(), database=dst)
        t_load = time.perf_counter() - t_load
        # over TCP, like Alembic's engines (the server's own URL is its socket)
        urls = [server.tcp_url(db) for db in (src, dst)]
        sa_url = f"mysql+pymysql://root@{server.host}:{server.port}/"
        schemas: dict[str, Schema] = {}
        parts: dict[str, list[float]] = defaultdict(list)

        def run_ours():
            # diff_command: read_many((a, b)), then diff with the options of no flags
            t0 = time.perf_counter()
            snaps = read_many(urls)
            t1 = time.perf_counter()
            schemas["changes"] = diff(snaps[0].schema, snaps[1].schema, DiffOptions())
            t2 = time.perf_counter()
            parts["read"].append(t1 - t0)
            parts["diff"].append(t2 - t1)
            for snap in snaps:
                assert not snap.metadata["unsupported"], snap.metadata["unsupported"]
            schemas[src], schemas[dst] = snaps[0].schema, snaps[1].schema

        def run_sequential():  # for reference: the same reads one after the other
            t0 = time.perf_counter()
            for url in urls:
                read_one(url)
            parts["sequential"].append(time.perf_counter() - t0)

        alembic_out: list = []

        def run_alembic():
            src_engine = create_engine(sa_url + src, poolclass=NullPool, connect_args=connect_args)
            dst_engine = create_engine(sa_url + dst, poolclass=NullPool, connect_args=connect_args)
            try:
                metadata = MetaData()
                metadata.reflect(dst_engine)
                with src_engine.connect() as conn:
                    ctx = MigrationContext.configure(conn, opts=opts)
                    alembic_out[:] = compare_metadata(ctx, metadata)
            finally:
                src_engine.dispose()
                dst_engine.dispose()

        # warm the server's table cache and both libraries
        run_ours(), run_sequential(), run_alembic()
        t_ours, t_alembic = [], []
        for _ in range(args.repeat):
            t_alembic.append(timed(run_alembic))
            t_ours.append(timed(run_ours))
            run_sequential()
        version = f"{server.flavour} {server.version}"

    a, b, changes = schemas[src], schemas[dst], schemas["changes"]
    t_diff = [timed(lambda: diff(a, b)) for _ in range(args.repeat)]
    snap_a = Snapshot.read(SNAPSHOTS / "esrf-pydb.json").schema
    snap_b = Snapshot.read(SNAPSHOTS / "dls-v5.0.0.json").schema
    t_snap_diff = [timed(lambda: diff(snap_a, snap_b)) for _ in range(args.repeat)]
    t_read = statistics.median(
        timed(lambda: [Snapshot.read(SNAPSHOTS / n) for n in ("esrf-pydb.json", "dls-v5.0.0.json")])
        for _ in range(3))

    o, al = statistics.median(t_ours), statistics.median(t_alembic)
    d, sd = statistics.median(t_diff), statistics.median(t_snap_diff)
    print(f"1. ours vs Alembic {_version('alembic')} (SQLAlchemy {_version('sqlalchemy')}, "
          f"compare_type+compare_server_default), ESRF pydb -> DLS v5.0.0 "
          f"{'tables+routines' if args.with_routines else 'tables.sql'}")
    print(f"   server: {version}; loaded in {t_load:.1f} s; {len(a.tables)} -> {len(b.tables)} "
          f"tables; median of {args.repeat} runs, alternating; both over TCP, fresh connections"
          f"{', Alembic TLS attempt off (--no-tls)' if args.no_tls else ''}")
    print(f"   Alembic: reflect target + compare_metadata : {ms(al)}")
    print(f"   ours: 2 x read + diff (end to end)          : {ms(o)}   Alembic/ours {al / o:5.1f}x"
          f"  (target >= 10x)  {'OK' if al / o >= 10 else 'MISSED'}")
    p = {k: statistics.median(v[1:]) for k, v in parts.items()}  # v[0]: the warm-up run
    print(f"     of which read both (concurrently) {p['read'] * 1000:.0f} ms, diff"
          f" {p['diff'] * 1000:.0f} ms; the two reads one after the other:"
          f" {p['sequential'] * 1000:.0f} ms")
    print(f"   ours: diff only, the introspected schemas   : {ms(d)}   Alembic/diff {al / d:5.1f}x")
    print(f"   ours: diff only, shipped snapshots          : {ms(sd)}   (read of both snapshots "
          f"{t_read * 1000:.0f} ms; DLS snapshot includes lookups+routines)")
    print(f"   live esrf schema == snapshots/esrf-pydb.json: {a == snap_a}")
    diff_alone(args)
    coverage(alembic_out, changes, args.verbose)
    return 0


def _revision_steps() -> list[tuple[str, str]]:
    """(down revision, revision) of each shipped revision whose two states are stored."""
    states = ROOT / "revisions" / "states"
    steps = []
    for path in sorted((ROOT / "revisions" / "versions").glob("*.py")):
        head = path.read_text(encoding="utf-8")[:4000]
        rev = re.search(r"^revision = ['\"]([^'\"]+)['\"]", head, re.M)
        down = re.search(r"^down_revision = ['\"]([^'\"]+)['\"]", head, re.M)
        if rev and down and all((states / f"{r}.json").exists() for r in (rev[1], down[1])):
            steps.append((down[1], rev[1]))
    return steps


def diff_alone(args) -> None:
    """The diff alone on more pairs of stored schemas: two releases of one site, a schema
    against an equal copy of itself, and consecutive revision states in both directions
    (what ``verify`` diffs after each step, where nearly every table is equal)."""
    def median(a: Schema, b: Schema) -> float:
        return statistics.median(timed(lambda: diff(a, b)) for _ in range(args.repeat))

    dls4 = Snapshot.read(SNAPSHOTS / "dls-v4.0.0.json").schema
    dls5 = Snapshot.read(SNAPSHOTS / "dls-v5.0.0.json").schema
    dls5_again = Snapshot.read(SNAPSHOTS / "dls-v5.0.0.json").schema
    print(f"   ours: diff only, DLS v4.0.0 -> v5.0.0       : {ms(median(dls4, dls5))}")
    print(f"   ours: diff only, DLS v5.0.0 -> itself       : {ms(median(dls5, dls5_again))}"
          f"   (two reads of the snapshot: equal, not identical, objects)")
    steps = _revision_steps()
    cache: dict[str, Schema] = {}

    def state(rev: str) -> Schema:
        if rev not in cache:
            cache[rev] = Snapshot.read(ROOT / "revisions" / "states" / f"{rev}.json").schema
        return cache[rev]

    pairs = [(state(d), state(r)) for d, r in steps]
    if not pairs:
        return
    runs = []
    for _ in range(max(1, args.repeat // 2)):
        t = time.perf_counter()
        for x, y in pairs:
            diff(x, y)
            diff(y, x)
        runs.append(time.perf_counter() - t)
    total = statistics.median(runs)
    per_diff = total / (2 * len(pairs))
    print(f"   ours: diff only, consecutive revision states: {ms(per_diff)} per diff"
          f"   ({len(pairs)} steps, both directions: {total * 1000:.0f} ms)")


def _counts(counter: Counter) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(counter.items()))


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


# ---- coverage


@dataclasses.dataclass
class Entry:
    """One Alembic difference, reduced to the object it names."""

    op: str
    kind: str  # table, column, index, foreign_key
    table: str
    name: str = ""  # column/index/fk name ("" for a table)
    fk_sig: tuple = ()  # (columns lower, ref table) for a foreign key

    def __str__(self) -> str:
        return f"{self.op} {self.table}{'.' + self.name if self.name else ''}"


def _fk_sig(fk) -> tuple:
    cols = tuple(c.lower() for c in fk.column_keys)
    ref = fk.elements[0].target_fullname.rsplit(".", 1)[0] if fk.elements else ""
    return cols, ref.split(".")[-1]


def alembic_entries(diffs) -> list[Entry]:
    out: list[Entry] = []
    for d in diffs:
        if isinstance(d, list):  # column modifications come grouped per column
            for op, _schema, tname, cname, *_ in d:
                out.append(Entry(op, "column", tname, cname))
            continue
        op = d[0]
        if op in ("add_table", "remove_table"):
            out.append(Entry(op, "table", d[1].name))
        elif op in ("add_column", "remove_column"):
            out.append(Entry(op, "column", d[2], d[3].name))
        elif op in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
            out.append(Entry(op, "index", d[1].table.name, d[1].name or ""))
        elif op in ("add_fk", "remove_fk"):
            out.append(Entry(op, "foreign_key", d[1].table.name, d[1].name or "", _fk_sig(d[1])))
        elif op in ("add_table_comment", "remove_table_comment"):
            out.append(Entry(op, "table", d[1].name))
        else:
            out.append(Entry(op, "unknown", str(d)[:60]))
    return out


_ATTRS_OF_OP = {
    # a modify_type restates the whole type: MySQL charset/collation and sign included
    "modify_type": {"type", "type_name", "length", "scale", "values", "unsigned", "zerofill",
                    "charset", "collation"},
    "modify_nullable": {"nullable"},
    "modify_default": {"default", "on_update"},  # SQLAlchemy folds ON UPDATE into the default
    "modify_comment": {"comment"},
    "add_table_comment": {"comment"},
    "remove_table_comment": {"comment"},
}


def _names(c: Change) -> set[str]:
    """Lower-case names a change answers to (both sides of a rename or alter)."""
    if isinstance(c, (Rename, Alter)):
        return {object_name(c.before).lower(), object_name(c.after).lower()}
    return {c.name.lower()}


def _fk_sigs(c: Change) -> set[tuple]:
    objs = [o for o in (c.before, c.after) if o is not None]
    return {(tuple(n.lower() for n in fk.columns), fk.ref_table) for fk in objs}


def detects(entry: Entry, changes_by_table: dict, table_changes: dict) -> bool:
    """Whether our diff has a change on the object an Alembic entry names."""
    adding = entry.op.startswith("add")
    # a sub-object of a table we report as added/dropped/renamed is covered by that
    for c in table_changes.get(entry.table, ()):
        if isinstance(c, Rename) or (entry.kind != "table"
                                     and isinstance(c, Add if adding else Drop)):
            return True
        if entry.kind == "table":
            if entry.op in ("add_table", "remove_table") and isinstance(c, Add if adding else Drop):
                return True
            if (entry.op.endswith("table_comment") and isinstance(c, Alter)
                    and "comment" in c.changed):
                return True
    if entry.kind == "table":
        return False
    for c in changes_by_table.get(entry.table, ()):
        if c.kind != entry.kind:
            continue
        if entry.kind in ("index", "foreign_key"):
            # Alembic drops and re-creates a changed index/FK: any change of ours on it,
            # but an add must be an add or alter here, a remove a drop or alter
            if isinstance(c, Drop if adding else Add):
                continue
            if isinstance(c, Rename):
                side = c.after if adding else c.before
                names = {side.name.lower()}
                sigs = {(tuple(n.lower() for n in side.columns), side.ref_table)} \
                    if entry.kind == "foreign_key" else set()
            else:
                names = _names(c)
                sigs = _fk_sigs(c) if entry.kind == "foreign_key" else set()
            if entry.name.lower() in names or (entry.fk_sig and entry.fk_sig in sigs):
                return True
            continue
        if entry.name.lower() not in _names(c):
            continue
        # columns
        if entry.op in ("add_column", "remove_column"):
            if isinstance(c, Rename):
                if entry.name.lower() == object_name(c.after if adding else c.before).lower():
                    return True
            elif isinstance(c, Add if adding else Drop):
                return True
        elif isinstance(c, Alter) and set(c.changed) & _ATTRS_OF_OP.get(entry.op, set()):
            return True
    return False


def categories(  # noqa: C901 - one test per kind of difference, as the report lists them
        c: Change, entries_by_obj: dict) -> list[str]:
    """The kinds of difference in our change that no Alembic entry accounts for."""
    kind = c.kind
    if kind in ("view", "routine", "trigger", "event", "check", "database"):
        return [f"{kind}s" if kind != "database" else "database charset/collation"]
    if kind == "table":
        ops = {e.op for e in entries_by_obj.get(("table", c.table or c.name, ""), ())}
        if isinstance(c, Rename):
            seen = {e.op for e in entries_by_obj.get(("table", c.before.name, ""), ())} | ops
            return [] if {"remove_table", "add_table"} <= seen else ["table rename"]
        if isinstance(c, (Add, Drop)):
            return [] if ops & {"add_table", "remove_table"} else [f"table {c.action}"]
        out = []
        for attr in c.changed:
            if attr == "comment" and ops & {"add_table_comment", "remove_table_comment"}:
                continue
            out.append({"charset": "table charset/collation",
                        "collation": "table charset/collation",
                        "comment": "table comment"}.get(attr, f"table {attr}"))
        return sorted(set(out))
    table = c.table
    ents = [e for n in _names(c) for e in entries_by_obj.get((kind, table, n), ())]
    if kind == "foreign_key":
        sigs = _fk_sigs(c)
        ents += [e for e in entries_by_obj.get(("fk_by_table", table, ""), ()) if e.fk_sig in sigs]
    ops = {e.op for e in ents}
    if isinstance(c, Rename):
        if kind == "column" and {"add_column", "remove_column"} <= ops:
            return []
        if kind != "column" and ops:
            return []
        return [f"{kind.replace('_', ' ')} rename"]
    if isinstance(c, (Add, Drop)):
        return [] if ops else [f"{kind.replace('_', ' ')} {c.action}"]
    # Alter
    if kind == "column":
        covered = set().union(*(_ATTRS_OF_OP.get(op, set()) for op in ops)) if ops else set()
        if {"add_column", "remove_column"} <= ops:  # dropped and re-added: all but the place
            covered |= set(c.changed) - {"position"}
        if "nullable" in covered and {c.before.default, c.after.default} == {None, "NULL"}:
            covered.add("default")  # NOT NULL <-> NULL implies no default <-> DEFAULT NULL
        out = []
        for attr in c.changed:
            if attr in covered or attr == "type":
                continue
            if attr == "length" and c.before.type.name in INT_TYPES and c.after.type.name in INT_TYPES:
                out.append("integer display width")
            else:
                out.append({"position": "column order", "charset": "column charset/collation",
                            "collation": "column charset/collation", "type_name": "column type",
                            "length": "column type length", "values": "enum/set values",
                            "default": "column default", "comment": "column comment",
                            "nullable": "nullability", "on_update": "ON UPDATE",
                            "check": "column CHECK", "compressed": "column COMPRESSED",
                            "generated": "generated column", "generated_stored": "generated column",
                            "invisible": "INVISIBLE column"}.get(attr, f"column {attr}"))
        if "type" in c.changed and "modify_type" not in ops and not any(
                a in c.changed for a in ("type_name", "length", "scale", "values", "unsigned",
                                          "zerofill")):
            out.append("column type")
        return sorted(set(out))
    if ops:  # Alembic drops and re-creates an index/FK whose definition changed
        return []
    if kind == "index":
        what = "primary key" if "primary" in (c.before.kind, c.after.kind) else "index"
        out = []
        for attr in c.changed:
            if attr == "columns":
                old_names = [n.lower() for n in c.before.column_names]
                if c.before.column_names == c.after.column_names:
                    same_len = ([x.length for x in c.before.columns]
                                == [x.length for x in c.after.columns])
                    out.append(f"{what} prefix length" if not same_len else f"{what} ASC/DESC")
                elif old_names == [n.lower() for n in c.after.column_names]:
                    out.append(f"{what} column letter case")
                else:
                    out.append(f"{what} columns")
            else:
                out.append({"kind": f"{what} kind (unique/fulltext)", "using": f"{what} USING",
                            "comment": f"{what} comment"}.get(attr, f"{what} {attr}"))
        return sorted(set(out))
    if kind == "foreign_key":
        return sorted({"FK ON DELETE/ON UPDATE" if a in ("on_delete", "on_update")
                       else "FK definition" for a in c.changed})
    return [kind]


def coverage(diffs, changes: list[Change], verbose: bool = False) -> None:
    entries = alembic_entries(diffs)
    changes_by_table: dict[str, list[Change]] = defaultdict(list)
    table_changes: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        if c.kind == "table":
            table_changes[c.name].append(c)
            if isinstance(c, Rename):
                table_changes[c.before.name].append(c)
        elif c.table:
            changes_by_table[c.table].append(c)
    missed = [e for e in entries if not detects(e, changes_by_table, table_changes)]
    by_op = Counter(e.op for e in entries)
    miss_by_op = Counter(e.op for e in missed)
    print(f"   coverage: we detect {len(entries) - len(missed)} of the {len(entries)} Alembic "
          f"differences  {'OK' if not missed else 'MISSED ' + str(len(missed))}")
    print("     " + ", ".join(f"{op} {n - miss_by_op[op]}/{n}" for op, n in sorted(by_op.items())))
    for e in missed[:20]:
        print(f"     missed: {e}")
    if len(missed) > 20:
        print(f"     ... and {len(missed) - 20} more")

    # what we find that Alembic does not
    entries_by_obj: dict[tuple, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.kind == "table":
            entries_by_obj[("table", e.table, "")].append(e)
        else:
            entries_by_obj[(e.kind, e.table, e.name.lower())].append(e)
            if e.kind == "foreign_key":
                entries_by_obj[("fk_by_table", e.table, "")].append(e)
        # sub-objects of tables Alembic adds or removes are covered by the table entry
    added_or_removed = {e.table for e in entries if e.op in ("add_table", "remove_table")}
    extra: dict[str, list[str]] = defaultdict(list)
    n_changes_extra = 0
    for c in changes:
        if c.kind != "table" and c.table in added_or_removed:
            continue
        cats = categories(c, entries_by_obj)
        n_changes_extra += bool(cats)
        for cat in cats:
            extra[cat].append(c.path)
    kinds = Counter(type(c).__name__.lower() for c in changes)
    print(f"   ours: {len(changes)} changes ({_counts(kinds)}); "
          f"{n_changes_extra} of them hold differences Alembic does not report:")
    for cat, paths in sorted(extra.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if verbose:
            print(f"     {cat:32s} {len(paths):4d}   {', '.join(paths)}")
        else:
            print(f"     {cat:32s} {len(paths):4d}   e.g. {paths[0]}")


# ---------------------------------------------------------------------------------------
# 2. Scale


def scale(args) -> int:
    sizes = [int(s) for s in args.sizes.split(",")]
    print("2. scale: synthetic schemas (~8 columns, 2 indexes, 1 FK per table; "
          "the copy ~5% touched), diff time (median) and peak heap (tracemalloc)")
    rows = []
    for n in sizes:
        t = time.perf_counter()
        a = make_schema(n)
        b, p = perturb(a)
        t_gen = time.perf_counter() - t
        if not args.no_input_memory:  # the heap the two inputs take, for scale
            del a, b
            gc.collect()
            tracemalloc.start()
            a = make_schema(n)
            b, p = perturb(a)
            inputs = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
        repeat = max(1, min(args.repeat, 3 if n >= 10000 else args.repeat))
        gc.collect()
        times = []
        for _ in range(repeat):
            times.append(timed(lambda a=a, b=b: diff(a, b)))
        gc.collect()
        tracemalloc.start()
        changes = diff(a, b)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        kinds = Counter(type(c).__name__.lower() for c in changes)
        med = statistics.median(times)
        rows.append((n, med, peak))
        print(f"   {n:6d} tables: diff {ms(med)}  ({med / n * 1e6:5.1f} us/table)  peak {mib(peak)}"
              + ("" if args.no_input_memory else f" (inputs {inputs / 2**20:.0f} MiB)")
              + f"  {len(changes):5d} changes ({_counts(kinds)});"
              f" {p.altered}+{p.renamed}+{p.dropped}+{p.added} tables altered/renamed-col/dropped/"
              f"added; generated in {t_gen:.1f} s")
        del a, b, changes
    for (n0, t0, m0), (n1, t1, m1) in zip(rows, rows[1:], strict=False):
        k = math.log10(n1 / n0)
        print(f"   {n0} -> {n1} tables (x{n1 / n0:g}): time x{t1 / t0:.1f}, memory x{m1 / m0:.1f};"
              f" per 10x tables: time x{(t1 / t0) ** (1 / k):.1f},"
              f" memory x{(m1 / m0) ** (1 / k):.1f}  (10 = linear)")
    return 0


# ---------------------------------------------------------------------------------------
# 3. Matrix


def matrix(args) -> int:
    try:
        from schema_tools.diff.matrix import build_matrix
    except ImportError as exc:
        print(f"3. matrix: skipped, schema_tools.diff.matrix not available ({exc})")
        return 0
    try:
        from schema_tools.render.matrix_report import render_matrix
    except ImportError:
        render_matrix = None
    sites = {name: Snapshot.read(SNAPSHOTS / f"{name}.json").schema
             for name in ("dls-v5.0.0", "dls-v4.0.0", "esrf-pydb", "esrf-pydb-ahead")}
    base = sites["dls-v5.0.0"]
    sites["dls-v5-site-a"], _ = perturb(base, 0.05, seed=101, prefix="SiteA")
    sites["dls-v5-site-b"], _ = perturb(base, 0.10, seed=202, prefix="SiteB")
    # and a few changes dataclasses.replace can make that perturb does not: a column renamed
    # only in letter case, a routine body edited
    b = sites["dls-v5-site-b"]
    t0 = b.tables[0]
    first = t0.columns[0]
    t0 = dataclasses.replace(
        t0, columns=(dataclasses.replace(first, name=first.name.upper()),) + t0.columns[1:])
    routines = b.routines
    if routines:
        edited = dataclasses.replace(routines[0], body=routines[0].body + "\n-- site b")
        routines = (edited,) + routines[1:]
    sites["dls-v5-site-b"] = dataclasses.replace(b, tables=(t0,) + b.tables[1:], routines=routines)

    m = None

    def run_build():
        nonlocal m
        m = build_matrix(sites, reference="dls-v5.0.0")

    try:
        run_build()
    except Exception as exc:  # the matrix module is young: report, do not hide the rest
        print(f"3. matrix: build_matrix failed: {type(exc).__name__}: {exc}")
        return 1
    t_build = statistics.median(timed(run_build) for _ in range(args.repeat))
    tables = sum(len(s.tables) for s in sites.values())
    print(f"3. matrix: 6 sites ({', '.join(sites)}; {tables} tables in all), reference dls-v5.0.0, "
          f"median of {args.repeat}")
    classes = m.class_counts() if callable(getattr(m, "class_counts", None)) else {}
    print(f"   build_matrix                 : {ms(t_build)}   {len(m.objects)} objects"
          + (f" ({', '.join(f'{k} {v}' for k, v in classes.items())})" if classes else ""))
    if render_matrix is None:
        print("   render_matrix: skipped, schema_tools.render.matrix_report not available")
        return 0
    page = render_matrix(m, "html")
    t_html = statistics.median(timed(lambda: render_matrix(m, "html")) for _ in range(args.repeat))
    print(f"   render_matrix(html)          : {ms(t_html)}"
          f"   {len(page.encode()) / 2**20:.1f} MiB page")
    print(f"   build + html                 : {ms(t_build + t_html)}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--sizes", default="500,5000,20000")
    ap.add_argument("--with-routines", action="store_true",
                    help="load DLS v5.0.0 routines.sql too (Alembic does not see routines)")
    ap.add_argument("--no-tls", action="store_true",
                    help="live: Alembic's engines connect with ssl_disabled=True (PyMySQL "
                         "otherwise builds a TLS context per connection, ~40 ms here); ours "
                         "never tries TLS on the loopback")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list every difference Alembic does not report, not one example")
    ap.add_argument("--no-input-memory", action="store_true",
                    help="scale: do not measure the inputs' heap (saves a second generation)")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: live,scale,matrix")
    args = ap.parse_args()
    args.repeat = max(1, args.repeat)
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    rc = 0
    for part, fn in (("live", live), ("scale", scale), ("matrix", matrix)):
        if part not in skip:
            rc = fn(args) or rc
    print(f"total bench time {time.perf_counter() - started:.0f} s")
    return rc


if __name__ == "__main__":
    sys.exit(main())
