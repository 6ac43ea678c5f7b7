"""Generated schemas and mutations on a real server: the four properties of
:mod:`tests.differential.harness`, on a fixed-seed budget of pairs (``DIFFERENTIAL_EXAMPLES``,
900 by default, of which over a third load and reach the properties; ``scripts/fuzz.sh N [SEED]``
runs more), and every saved regression."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, seed, settings

from .grammar import pair
from .harness import REGRESSIONS, Harness, save_regression

pytestmark = pytest.mark.server

EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "900"))
SEED = int(os.environ.get("DIFFERENTIAL_SEED", "20261206"))


def _report(h: Harness, setup: str) -> None:
    print(f"\ndifferential ({setup}): {h.stats['pairs']} pairs, {h.stats['refused']} refused by the "
          f"server, {h.stats['changes']} with changes, {h.stats['failed']} failed (seed {SEED})")


@pytest.fixture(scope="module")
def harness(server):
    """On the session server: Debian's set-up (utf8mb4, strict sql_mode)."""
    h = Harness(server)
    yield h
    _report(h, "utf8mb4, strict")
    h.close()


@pytest.fixture(scope="module")
def upstream_harness():
    """On a server with MariaDB's upstream defaults where they differ from Debian's: latin1
    server character set, and no strict sql_mode (the server accepts more, and cuts)."""
    from schema_tools.servers.local import LocalServer

    with LocalServer(charset="latin1", collation="latin1_swedish_ci", sql_mode="") as srv:
        h = Harness(srv)
        yield h
        _report(h, "latin1, non-strict")
        h.close()


@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
          suppress_health_check=list(HealthCheck))
@given(case=pair())
def test_generated_pairs(harness, case):
    _check(harness, case, "debian")


@seed(SEED + 1)
@settings(max_examples=max(EXAMPLES // 3, 1), deadline=None, database=None, derandomize=False,
          suppress_health_check=list(HealthCheck))
@given(case=pair())
def test_generated_pairs_upstream_defaults(upstream_harness, case):
    _check(upstream_harness, case, "upstream")


def _check(harness: Harness, case, setup: str) -> None:
    a, b = case
    outcome = harness.check(a, b)
    if outcome.failures:
        if os.environ.get("DIFFERENTIAL_SAVE"):
            save_regression(a, b, outcome.failures, setup)
        pytest.fail("\n".join(outcome.failures) + "\nA:\n" + ";\n".join(a) + "\nB adds:\n"
                    + ";\n".join(b[len(a):]), pytrace=False)


def test_generated_pairs_mostly_load(harness):
    """The grammar must give cases: many pairs load on the server, most change something."""
    if harness.stats["pairs"] == 0:
        pytest.skip("the generated pairs did not run")
    loaded = harness.stats["pairs"] - harness.stats["refused"]
    assert loaded >= min(300, EXAMPLES // 3) and loaded > harness.stats["pairs"] * 0.3
    assert harness.stats["changes"] > loaded * 0.5


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*.json")) if REGRESSIONS.is_dir() else [],
                         ids=lambda p: p.stem)
def test_saved_regressions(request, path):
    case = json.loads(path.read_text(encoding="utf-8"))
    if case.get("known"):  # a defect found and saved, not fixed yet: it must keep failing until it is
        request.applymarker(pytest.mark.xfail(reason=case["known"], strict=True))
    harness = request.getfixturevalue("upstream_harness" if case.get("setup") == "upstream" else "harness")
    outcome = harness.check(case["a"], case["b"])
    assert outcome.loaded, f"{path.name}: the server refuses the saved pair"
    assert outcome.failures == [], f"{path.name}: " + "\n".join(outcome.failures)
