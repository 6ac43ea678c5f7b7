"""Benchmark: the developer's loop on a one-line change, ours against Alembic's.

Run by hand:  .venv/bin/python bench/loop.py [--runs N]   (~2 min)

Two changes on top of the shipped revisions (head: DLS v5.0.0):

* ``column``: one nullable column added (``ALTER TABLE BLSample ADD ...``);
* ``rename+data``: a column renamed with ``CHANGE`` and its rows copied into a new table with
  ``INSERT ... SELECT``.

Ours, each step as a developer runs it, the command line in a copy of the project
(``revisions/`` and ``snapshots/``): ``revision --sql`` (a DDL-only script is read
offline; one with data statements runs on a throwaway server, seeded), ``review``,
``check`` (it exits 1: the new revision is not approved yet; the time is what counts) and
``verify`` (by default: the new revision only, from the last approved state, on a
throwaway server).

Alembic, on a database that already holds DLS v5.0.0 (a developer's own database; its
load is not counted): the change applied to a second database, ``MetaData.reflect`` +
``produce_migrations`` + rendering (``revision --autogenerate``), the upgrade and the
downgrade executed with ``Operations`` (``upgrade`` + ``downgrade``), and
``produce_migrations`` again after the upgrade (``alembic check``).  Alembic's loop does
less: no seeded rows, no lint, no check of the end state.

Ours runs twice: with a new throwaway server for each command that needs one, and with a
warm server (``$SCHEMA_TOOLS_SERVER``, as ``schema-tools server`` prints it).

Printed: each step's median over ``--runs`` runs, the loop's total, and the ratio of our
loop to Alembic's.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.migration import MigrationContext

from revisions import OPTS, engine, run_script, script
from schema_tools.model import Snapshot
from schema_tools.dialect.ddl import render_schema
from schema_tools.servers.local import LocalServer
from schema_tools.sources.loader import load_text

ST = str(Path(sys.executable).with_name("schema-tools"))

CHANGES = {
    "column": "ALTER TABLE BLSample ADD COLUMN supportMaterial varchar(45) DEFAULT NULL "
              "COMMENT 'what the sample sits on';\n",
    "rename+data": (
        "ALTER TABLE BLSession CHANGE COLUMN comments sessionComments varchar(2000) DEFAULT NULL "
        "COMMENT 'comments';\n"
        "CREATE TABLE BLSessionNote (blSessionNoteId int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, "
        "sessionId int(10) unsigned NOT NULL, note varchar(2000) DEFAULT NULL);\n"
        "INSERT INTO BLSessionNote (sessionId, note) SELECT sessionId, sessionComments FROM BLSession "
        "WHERE sessionComments IS NOT NULL;\n"),
}


def _timed(argv: list[str], cwd: Path, warm: str | None) -> float:
    env = dict(os.environ, SCHEMA_TOOLS_CACHE=str(cwd / ".cache"))
    env.pop("SCHEMA_TOOLS_SERVER", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # Python caches compiled revision files, as it does by default
    if warm:
        env["SCHEMA_TOOLS_SERVER"] = warm
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def ours(change: str, warm: str | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "revisions", project / "revisions")
        shutil.copytree(ROOT / "snapshots", project / "snapshots")
        (project / "change.sql").write_text(CHANGES[change])
        # a developer's review cache is warm from their previous loop, and Python has
        # compiled the revision files once
        _timed([ST, "review"], project, warm)
        subprocess.run([sys.executable, "-m", "compileall", "-q", "revisions/versions"], cwd=project, check=True)
        out = {"revision": _timed([ST, "revision", "--sql", "change.sql", "-m", "change", "--branch", "dls"],
                                  project, warm)}
        out["review"] = _timed([ST, "review"], project, warm)
        out["check"] = _timed([ST, "check"], project, warm)
        out["verify"] = _timed([ST, "verify"], project, warm)
        return out


def alembic(server: LocalServer, ddl: str, change: str) -> dict[str, float]:
    dev, target = server.create_database(), server.create_database()
    try:
        for db in (dev, target):
            load_text(ddl, client=server.client_command(), database=db)
        subprocess.run(server.client_command(target), input=CHANGES[change], text=True, check=True)
        eng_t, eng = engine(server.url(target)), engine(server.url(dev))
        out = {}
        t0 = time.perf_counter()
        meta = sa.MetaData()
        meta.reflect(eng_t)
        with eng.connect() as c:
            ctx = MigrationContext.configure(c, opts=OPTS)
            migration = produce_migrations(ctx, meta)
            up = script(migration.upgrade_ops, ctx)
            down = script(migration.downgrade_ops, ctx)
        out["revision --autogenerate"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # a failure is timed as the developer would meet it
        with eng.connect() as c, contextlib.suppress(Exception):
            run_script(c, up)
        out["upgrade"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        meta2 = sa.MetaData()
        meta2.reflect(eng_t)
        with eng.connect() as c:
            produce_migrations(MigrationContext.configure(c, opts=OPTS), meta2)
        out["check"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with eng.connect() as c, contextlib.suppress(Exception):
            run_script(c, down)
        out["downgrade"] = time.perf_counter() - t0
        eng_t.dispose()
        eng.dispose()
        return out
    finally:
        server.drop_database(dev)
        server.drop_database(target)


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ddl = render_schema(Snapshot.read(ROOT / "snapshots" / "dls-v5.0.0.json").schema)
    with LocalServer() as server:
        for change in CHANGES:
            a = median_of([alembic(server, ddl, change) for _ in range(args.runs)])
            cold = median_of([ours(change) for _ in range(args.runs)])
            warm = median_of([ours(change, server.url()) for _ in range(args.runs)])
            total_a = sum(a.values())
            print(f"\n{change} (median of {args.runs})")
            for label, o in (("ours, a new server per command", cold),
                             ("ours, warm server ($SCHEMA_TOOLS_SERVER)", warm)):
                total = sum(o.values())
                print(f"  {label}: " + ", ".join(f"{k} {v:.2f} s" for k, v in o.items())
                      + f"  = {total:.2f} s  ({total / total_a:.1f}x Alembic's loop)")
            print("  alembic: " + ", ".join(f"{k} {v:.2f} s" for k, v in a.items()) + f"  = {total_a:.2f} s")


if __name__ == "__main__":
    main()
