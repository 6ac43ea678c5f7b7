"""Benchmark: end-to-end verify of DLS v4.0.0 -> v5.0.0 against its floor.

Run by hand:  .venv/bin/python bench/verify.py [--repeat N] [--corpus DIR]   (~1 min)

* ours: ``schema-tools verify --site dls-v4.0.0`` on the shipped ``revisions/`` and
  ``snapshots/``, as a separate process: start a throwaway server, load the baseline from
  its snapshot, seed rows, upgrade to v5.0.0, introspect and compare, check the rows,
  downgrade, compare again, stop the server.
* the floor: the same throwaway server start, then the ``mariadb`` client loading DLS
  v4.0.0 (``tables.sql``, ``lookups.sql``, ``routines.sql``) and running the 71 update
  scripts, then the server stop: what a site's CI does today to check that the SQL runs.

Prints medians and the ratio (target: at most 2.5 times the floor), and the peak resident
memory of our process (target: at most 300 MB).  The ISPyB corpus comes from
``--corpus``, ``$SCHEMA_TOOLS_CORPUS`` or ``../shared/corpus``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schema_tools.servers.local import LocalServer
from schema_tools.sources.loader import load_files


def _ours() -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one ``schema-tools verify`` process."""
    cmd = [sys.executable, "-m", "schema_tools.cli.main", "verify", "--site", "dls-v4.0.0",
           "--dir", str(ROOT / "revisions"), "--snapshots", str(ROOT / "snapshots")]
    # the output goes to files: a pipe nobody reads while the process runs fills and stalls it
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out_file, stderr=err_file)
        _, _, rusage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = 0
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read().decode(), err_file.read().decode()
    if "1 of 1 site run(s) passed" not in out:
        raise SystemExit(f"verify did not pass:\n{out}\n{err}")
    return seconds, rusage.ru_maxrss


def _floor(files: list[Path]) -> float:
    t0 = time.perf_counter()
    with LocalServer() as server:
        db = server.create_database("ispyb")
        load_files(files, client=server.client_command(), env=None, database=db)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", default=os.environ.get("SCHEMA_TOOLS_CORPUS")
                        or str(ROOT.parent / "shared" / "corpus"))
    args = parser.parse_args()
    dls = Path(args.corpus) / "ispyb" / "dls"
    if not dls.is_dir():
        raise SystemExit(f"ISPyB corpus not found under {args.corpus}")
    v4 = dls / "v4.0.0"
    files = [v4 / "tables.sql", v4 / "lookups.sql", v4 / "routines.sql"]
    files += sorted((dls / "updates-v4.0.0-to-v5.0.0").glob("*.sql"))
    ours, floor, rss = [], [], []
    for _ in range(args.repeat):  # alternate, so that drift hits both
        floor.append(_floor(files))
        seconds, peak = _ours()
        ours.append(seconds)
        rss.append(peak)
    o, f = statistics.median(ours), statistics.median(floor)
    print(f"floor (server start + mariadb client: v4.0.0 + {len(files) - 3} updates): {f:6.2f} s")
    print(f"schema-tools verify dls-v4.0.0 -> head (up, check, down, check, data): {o:6.2f} s")
    print(f"ratio ours / floor: {o / f:.2f}x   (target: at most 2.5x)")
    print(f"peak resident memory of schema-tools verify: {max(rss) / 1024:.0f} MB   (target: at most 300 MB)")


if __name__ == "__main__":
    main()
