"""Benchmark: offline reading of DLS v5.0.0 against loading it into a throwaway server.

Run by hand:  .venv/bin/python bench/offline.py [--repeat N]

Both paths read ``tables.sql`` + ``routines.sql`` of DLS v5.0.0 into the model:

* offline: :func:`schema_tools.offline.reader.read_offline`, in process;
* the peer: start a throwaway MariaDB server, load both files through the ``mariadb``
  client, introspect (lookup rows included), stop the server (what ``schema-tools
  snapshot FILES`` does).

Prints medians, the ratio (target: offline at least 3 times faster), and peak memory:
the Python heap peak of the offline read (tracemalloc) and the server's resident size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schema_tools.model import Snapshot
from schema_tools.config import ISPYB_LOOKUP_TABLES
from schema_tools.offline.reader import read_offline
from schema_tools.sources.workspace import local_workspace


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    corpus = Path(os.environ.get("SCHEMA_TOOLS_CORPUS", ROOT.parent / "shared" / "corpus"))
    release = corpus / "ispyb" / "dls" / "v5.0.0"
    files = [release / "tables.sql", release / "routines.sql"]
    if not files[0].exists():
        print(f"corpus not found at {release}; set SCHEMA_TOOLS_CORPUS", file=sys.stderr)
        return 2

    t_off, t_srv = [], []
    server_rss = 0
    offline_json = live_json = ""
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = read_offline(files)
        t_off.append(time.perf_counter() - t)
        offline_json = Snapshot(result.schema).to_json()

        t = time.perf_counter()
        with local_workspace() as ws:
            ws.load_files(files)
            live = ws.introspect(data_tables=ISPYB_LOOKUP_TABLES)
            server_pid = ws.server_pid
            server_rss = max(server_rss, _rss_kib(server_pid) if server_pid else 0)
        t_srv.append(time.perf_counter() - t)
        live_json = Snapshot(live.schema).to_json()

    tracemalloc.start()
    read_offline(files)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    off, srv = statistics.median(t_off), statistics.median(t_srv)
    print(f"DLS v5.0.0 tables.sql + routines.sql; median of {args.repeat} runs")
    print(f"  throwaway server: start, load, introspect, stop : {srv * 1000:8.1f} ms")
    print(f"  offline read                                    : {off * 1000:8.1f} ms")
    print(f"  speed-up {srv / off:.1f}x  (target >= 3x)")
    print(f"  peak memory: offline Python heap {peak / 2**20:.1f} MiB; "
          f"server resident {server_rss / 1024:.1f} MiB")
    print(f"  same snapshot both ways: {'yes' if offline_json == live_json else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
