"""Benchmark: a copying ALTER on a large table, plain and through ``upgrade --online``.

Run by hand:  .venv/bin/python bench/online.py [--rows N] [--chunk-time S]   (~3 min at 1,000,000 rows)

One throwaway server (``innodb_autoinc_lock_mode=2``), two copies of a DataCollection-shaped
table of N rows (with a parent and a child table), and one revision:
``MODIFY numberOfImages bigint(20) unsigned`` (ALGORITHM=COPY, LOCK=SHARED on MariaDB).
While a writer inserts and updates rows, ``schema-tools upgrade`` runs it on the first copy as
a plain ALTER and ``schema-tools upgrade --online`` on the second through
pt-online-schema-change.  Prints the writer's longest stall and the total time of each, side
by side, and the ratios.  Needs pt-online-schema-change (apt-get install percona-toolkit).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schema_tools.servers.local import LocalServer  # noqa: E402
from tests.test_online import build_database, make_revision, timed_upgrade_with_writer  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-time", default="0.1")
    parser.add_argument("--autoinc-lock-mode", type=int, default=2, help="innodb_autoinc_lock_mode of the server")
    args = parser.parse_args(argv)
    with LocalServer(innodb_autoinc_lock_mode=args.autoinc_lock_mode) as server, \
            tempfile.TemporaryDirectory() as tmp:
        print(f"MariaDB {server.version}, innodb_autoinc_lock_mode={args.autoinc_lock_mode}, "
              f"{args.rows:,} rows; loading two copies...", flush=True)
        plain_db = build_database(server, rows=args.rows)
        online_db = build_database(server, rows=args.rows)
        rdir = make_revision(server, Path(tmp), plain_db)
        code, out, plain_stall, plain_s, plain_w = timed_upgrade_with_writer(server, plain_db, rdir, rows=args.rows)
        if code != 0:
            raise SystemExit(f"plain upgrade failed:\n{out}")
        code, out, online_stall, online_s, online_w = timed_upgrade_with_writer(
            server, online_db, rdir, "--online", "--online-threshold", "1", "--chunk-time", args.chunk_time,
            rows=args.rows)
        if code != 0:
            raise SystemExit(f"online upgrade failed:\n{out}")
    print()
    print(f"{'':28}{'plain ALTER':>14}{'--online':>14}")
    print(f"{'writer longest stall (s)':28}{plain_stall:>14.3f}{online_stall:>14.3f}")
    print(f"{'upgrade total time (s)':28}{plain_s:>14.1f}{online_s:>14.1f}")
    print(f"{'writer statements':28}{plain_w.operations:>14,}{online_w.operations:>14,}")
    print(f"{'writer errors':28}{len(plain_w.errors):>14}{len(online_w.errors):>14}")
    print()
    print(f"stall ratio plain/online: {plain_stall / max(online_stall, 1e-6):.1f}x; "
          f"time ratio online/plain: {online_s / max(plain_s, 1e-6):.1f}x")


if __name__ == "__main__":
    main()
