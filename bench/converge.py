"""Benchmark: the core and the plan of six sites, against a ``matrix`` of the same sites.

Run by hand:  .venv/bin/python bench/converge.py [--repeat N] [--quorum K]   (~10 s)

Six sites of about 200 tables each: the four shipped snapshots (DLS v5.0.0, DLS v4.0.0,
ESRF pydb, ESRF pydb + ahead) and two perturbed copies of DLS v5.0.0
(``bench/synthetic.py``'s ``perturb``, fixed seeds, as ``bench/diff.py`` makes them).
Timed, median of N runs (no server: the paths are planned from the model, as ``converge``
does before it writes them):

* converge: :func:`build_core`, :func:`plan_paths` (each site's target, the additive
  changes and what they leave out, the distances) and the Markdown plan;
* matrix: :func:`build_matrix` with the first site as reference, and its Markdown report.

Target: the converge part within 2 s.  The ratio converge / matrix is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from schema_tools.converge.core import build_core  # noqa: E402 - after the path set-up above
from schema_tools.converge.paths import plan_paths  # noqa: E402 - after the path set-up above
from schema_tools.converge.plan_report import render_plan  # noqa: E402 - after the path set-up above
from schema_tools.diff.matrix import build_matrix  # noqa: E402 - after the path set-up above
from schema_tools.model import Snapshot  # noqa: E402 - after the path set-up above
from schema_tools.render.matrix_report import render_matrix  # noqa: E402 - after the path set-up above
from synthetic import perturb  # noqa: E402 - after the path set-up above

SNAPSHOTS = ROOT / "snapshots"


def sites() -> dict:
    out = {name: Snapshot.read(SNAPSHOTS / f"{name}.json").schema
           for name in ("dls-v5.0.0", "dls-v4.0.0", "esrf-pydb", "esrf-pydb-ahead")}
    base = out["dls-v5.0.0"]
    out["dls-v5-site-a"], _ = perturb(base, 0.05, seed=101, prefix="SiteA")
    out["dls-v5-site-b"], _ = perturb(base, 0.10, seed=202, prefix="SiteB")
    return out


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quorum", type=int, default=None, help="default: every site")
    args = ap.parse_args()
    schemas = sites()
    result = {}

    def converge():
        core = build_core(schemas, quorum=args.quorum)
        paths = plan_paths(core, schemas)
        result["plan"] = render_plan(core, paths)
        result["core"], result["paths"] = core, paths

    def matrix():
        m = build_matrix(schemas, reference=next(iter(schemas)))
        result["matrix"] = render_matrix(m, "markdown")

    t_conv = statistics.median(timed(converge) for _ in range(args.repeat))
    t_matrix = statistics.median(timed(matrix) for _ in range(args.repeat))
    tables = [len(s.tables) for s in schemas.values()]
    core = result["core"]
    print(f"sites: {len(schemas)} ({', '.join(f'{n} {t}' for n, t in zip(schemas, tables, strict=True))} tables), "
          f"quorum {core.quorum}; median of {args.repeat}")
    counts = core.counts()
    print(f"core: {', '.join(f'{k} {v}' for k, v in counts.items() if v)}; "
          f"{len(core.conflicts)} conflict(s), {len(core.left_out)} left out")
    for p in result["paths"]:
        print(f"  {p.site:18} distance {p.before:4} -> {p.after:4} (predicted), "
              f"{p.changes} change(s)")
    print(f"converge (core + paths planned + plan): {t_conv:.3f} s   target <= 2 s: "
          f"{'met' if t_conv <= 2 else 'NOT met'}")
    print(f"matrix (build + markdown)             : {t_matrix:.3f} s")
    print(f"ratio converge / matrix               : {t_conv / t_matrix:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
