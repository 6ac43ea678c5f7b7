"""Benchmark: a copying ALTER on a large table, plain and through ``upgrade --online``; the
plan's estimates against what each took; and an online upgrade killed mid-copy, then resumed.

Run by hand:  .venv/bin/python bench/online.py [--rows N] [--chunk-time S]   (~4 min at 1,000,000 rows)

One throwaway server (``innodb_autoinc_lock_mode=2``), three copies of a DataCollection-shaped
table of N rows (with a parent and a child table), and one revision:
``MODIFY numberOfImages bigint(20) unsigned`` (ALGORITHM=COPY, LOCK=SHARED on MariaDB).

1. While a writer inserts and updates rows, ``schema-tools upgrade`` runs it on the first copy
   as a plain ALTER and ``schema-tools upgrade --online`` on the second through
   pt-online-schema-change: the writer's longest stall and the total time of each, side by
   side, and the ratios.
2. ``upgrade --plan`` (and ``--plan --online``) estimates each route before it runs: the
   estimate of the statement's duration and of the stall, divided by what was measured
   (the revision's run time that ``upgrade`` prints, the writer's longest stall).  An
   estimate within 2x reads between 0.5 and 2.0.
3. ``upgrade --online`` on the third copy, the writer going, is killed (``SIGKILL``) half-way
   through the copy; the next ``upgrade --online`` drops what pt-osc left and runs the
   statement again: its time against the clean online run, and the whole (killed run plus
   resume) against it.

Needs pt-online-schema-change (apt-get install percona-toolkit).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schema_tools.servers.local import LocalServer
from tests.test_online import Writer, build_database, make_revision, timed_upgrade_with_writer, upgrade
from tests.test_online_resume import wait_for_phase

_ESTIMATE = re.compile(r"estimate: (~[\d.]+ s|<0\.1 s); stall: (?:writes wait )?(~[\d.]+ s|<0\.1 s)?")
_RAN = re.compile(r"done: \d+ statement\(s\) run.*\(([\d.]+) s\)")


def _seconds(text: str | None) -> float:
    """``~2.3 s`` as 2.3; ``<0.1 s`` (or nothing said) as 0.05."""
    return float(text[1:-2]) if text and text.startswith("~") else 0.05


def planned(url: str, rdir, *extra: str) -> tuple[float, float]:
    """(estimated seconds, estimated stall) of the revision's one statement, from ``--plan``."""
    code, out = upgrade(url, rdir, "--plan", *extra)
    m = _ESTIMATE.search(out)
    if code != 0 or m is None:
        raise SystemExit(f"upgrade --plan failed:\n{out}")
    return _seconds(m.group(1)), _seconds(m.group(2))


def ran_seconds(out: str) -> float:
    """The revision's run time, as ``upgrade`` prints it (its statements, not the checks)."""
    m = _RAN.search(out)
    if m is None:
        raise SystemExit(f"no run time in:\n{out}")
    return float(m.group(1))


def interrupted(server, db: str, rdir, online: list[str], kill_after: float, rows: int) -> tuple[float, float, str]:
    """(seconds the killed run took, seconds the resuming run took (waiting for the killed
    run's pt-osc to stop included), its output)."""
    argv = [sys.executable, "-m", "schema_tools.cli.main", "upgrade", "--url", server.url(db), "--dir",
            str(rdir.path), "--yes", "--allow-unreviewed", *online]
    writer = Writer(lambda: server.connect(db), rows)  # as in the clean run
    writer.start()
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for_phase(server, db, "copying", timeout=120)
        time.sleep(kill_after)
        proc.kill()
        proc.wait(30)
        killed = time.monotonic() - t0
        t0 = time.monotonic()
        # pt-osc got SIGTERM when the upgrade died; it holds the lock until it has stopped
        code, out = upgrade(server.url(db), rdir, *online, "--lock-timeout", "120")
        resumed = time.monotonic() - t0
    finally:
        writer.stop()
    if code != 0:
        raise SystemExit(f"the resuming upgrade failed:\n{out}")
    return killed, resumed, out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-time", default="0.1")
    parser.add_argument("--autoinc-lock-mode", type=int, default=2, help="innodb_autoinc_lock_mode of the server")
    args = parser.parse_args(argv)
    online = ["--online", "--online-threshold", "1", "--chunk-time", args.chunk_time]
    with LocalServer(innodb_autoinc_lock_mode=args.autoinc_lock_mode) as server, \
            tempfile.TemporaryDirectory() as tmp:
        print(f"MariaDB {server.version}, innodb_autoinc_lock_mode={args.autoinc_lock_mode}, "
              f"{args.rows:,} rows; loading three copies...", flush=True)
        plain_db = build_database(server, rows=args.rows)
        online_db = build_database(server, rows=args.rows)
        killed_db = build_database(server, rows=args.rows)
        rdir = make_revision(server, Path(tmp), plain_db)
        plain_est, plain_est_stall = planned(server.url(plain_db), rdir)
        online_est, online_est_stall = planned(server.url(online_db), rdir, *online)
        code, out, plain_stall, plain_s, plain_w = timed_upgrade_with_writer(server, plain_db, rdir, rows=args.rows)
        if code != 0:
            raise SystemExit(f"plain upgrade failed:\n{out}")
        plain_ran = ran_seconds(out)
        code, out, online_stall, online_s, online_w = timed_upgrade_with_writer(
            server, online_db, rdir, *online, "--progress", "time,30", rows=args.rows)
        if code != 0:
            raise SystemExit(f"online upgrade failed:\n{out}")
        online_ran = ran_seconds(out)
        print("interrupting an online upgrade half-way through its copy...", flush=True)
        killed_s, resumed_s, resumed_out = interrupted(server, killed_db, rdir, online, kill_after=online_ran / 2,
                                                       rows=args.rows)
        if "dropped the table _DataCollection_new left by the interrupted online change" not in resumed_out:
            raise SystemExit(f"the resume did not find what the killed run left:\n{resumed_out}")
    print()
    print(f"{'':34}{'plain ALTER':>14}{'--online':>14}")
    print(f"{'writer longest stall (s)':34}{plain_stall:>14.3f}{online_stall:>14.3f}")
    print(f"{'upgrade total time (s)':34}{plain_s:>14.1f}{online_s:>14.1f}")
    print(f"{'revision run time (s)':34}{plain_ran:>14.1f}{online_ran:>14.1f}")
    print(f"{'--plan estimate (s)':34}{plain_est:>14.1f}{online_est:>14.1f}")
    print(f"{'--plan stall estimate (s)':34}{plain_est_stall:>14.2f}{online_est_stall:>14.2f}")
    print(f"{'writer statements':34}{plain_w.operations:>14,}{online_w.operations:>14,}")
    print(f"{'writer errors':34}{len(plain_w.errors):>14}{len(online_w.errors):>14}")
    print()
    print(f"stall ratio plain/online: {plain_stall / max(online_stall, 1e-6):.1f}x; "
          f"time ratio online/plain: {online_s / max(plain_s, 1e-6):.1f}x")
    print(f"estimate/actual (duration): plain {plain_est / max(plain_ran, 1e-6):.2f}, "
          f"online {online_est / max(online_ran, 1e-6):.2f}  (within 2x: 0.50..2.00)")
    print(f"estimate/actual (stall):    plain {plain_est_stall / max(plain_stall, 1e-6):.2f}, "
          f"online {online_est_stall / max(online_stall, 1e-6):.2f}")
    print()
    print(f"interrupted online upgrade: killed after {killed_s:.1f} s, resumed in {resumed_s:.1f} s "
          f"(clean online run: {online_s:.1f} s)")
    print(f"resume/clean: {resumed_s / max(online_s, 1e-6):.2f}x; "
          f"killed run + resume / clean: {(killed_s + resumed_s) / max(online_s, 1e-6):.2f}x")


if __name__ == "__main__":
    main()
