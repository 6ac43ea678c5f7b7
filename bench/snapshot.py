"""Benchmark: live introspection of DLS v5.0.0 against ``mariadb-dump --no-data --routines``.

Run by hand:  .venv/bin/python bench/snapshot.py [--repeat N]

One throwaway server is started and DLS v5.0.0 (tables, lookups, routines) loaded into
it once.  Then, alternating to share the machine's noise fairly, it times:

* the peer: ``mariadb-dump --no-data --routines`` of that database, output discarded;
* schema-tools' in-process introspection (two round trips plus the self-check);
* the whole ``schema-tools snapshot URL -o FILE`` process, start-up included.

It prints medians and the ratios against the peer.  Targets: introspection at most 0.5
times the dump's wall time; the whole process at most 2 times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schema_tools.servers.local import LocalServer
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.loader import load_files


def corpus_dir() -> Path:
    return Path(os.environ.get("SCHEMA_TOOLS_CORPUS", ROOT.parent / "shared" / "corpus"))


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    release = corpus_dir() / "ispyb" / "dls" / "v5.0.0"
    if not (release / "tables.sql").exists():
        print(f"corpus not found at {release}; set SCHEMA_TOOLS_CORPUS", file=sys.stderr)
        return 2
    schema_tools = str(ROOT / ".venv" / "bin" / "schema-tools")
    with LocalServer() as server, tempfile.TemporaryDirectory() as tmp:
        db = server.create_database("dls")
        load_files([release / f for f in ("tables.sql", "lookups.sql", "routines.sql")],
                   client=server.client_command(), database=db)
        dump = ["mariadb-dump" if server.flavour == "mariadb" else "mysqldump", "--no-defaults",
                f"--socket={server.socket}", "--user=root", "--no-data", "--routines", db]
        url = server.url(db)

        def run_dump():
            subprocess.run(dump, stdout=subprocess.DEVNULL, check=True)

        def run_introspect():
            conn = server.connect(db, client_flag=MULTI_STATEMENTS)
            try:
                result = introspect(conn, db)
                assert not result.unsupported and len(result.schema.tables) == 203
            finally:
                conn.close()

        def run_process():
            subprocess.run([schema_tools, "snapshot", url, "-o", f"{tmp}/s.json"],
                           stdout=subprocess.DEVNULL, check=True)

        run_dump(), run_introspect(), run_process()  # warm the table cache
        t_dump, t_intro, t_proc = [], [], []
        for _ in range(args.repeat):
            t_dump.append(timed(run_dump))
            t_intro.append(timed(run_introspect))
            t_proc.append(timed(run_process))

    d, i, p = (statistics.median(x) for x in (t_dump, t_intro, t_proc))
    print(f"server: {server.flavour} {server.version}; DLS v5.0.0; median of {args.repeat} runs")
    print(f"  mariadb-dump --no-data --routines : {d * 1000:8.1f} ms")
    print(f"  introspection (in process)        : {i * 1000:8.1f} ms   ratio {i / d:.2f}  (target <= 0.5)")
    print(f"  schema-tools snapshot (process)   : {p * 1000:8.1f} ms   ratio {p / d:.2f}  (target <= 2.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
