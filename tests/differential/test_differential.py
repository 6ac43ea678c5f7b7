"""Generated schemas and mutations on a real server: the four properties of
:mod:`tests.differential.harness`, on a fixed-seed budget of pairs (``DIFFERENTIAL_EXAMPLES``,
600 by default, of which about half load and reach the properties; ``scripts/fuzz.sh N [SEED]``
runs more), and every saved regression."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, seed, settings

from .grammar import pair
from .harness import REGRESSIONS, Harness, save_regression

pytestmark = pytest.mark.server

EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "600"))
SEED = int(os.environ.get("DIFFERENTIAL_SEED", "20261206"))


@pytest.fixture(scope="module")
def harness(server):
    h = Harness(server)
    yield h
    print(f"\ndifferential: {h.stats['pairs']} pairs, {h.stats['refused']} refused by the server, "
          f"{h.stats['changes']} with changes, {h.stats['failed']} failed (seed {SEED})")
    h.close()


@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
          suppress_health_check=list(HealthCheck))
@given(case=pair())
def test_generated_pairs(harness, case):
    a, b = case
    outcome = harness.check(a, b)
    if outcome.failures:
        if os.environ.get("DIFFERENTIAL_SAVE"):
            save_regression(a, b, outcome.failures)
        pytest.fail("\n".join(outcome.failures) + "\nA:\n" + ";\n".join(a) + "\nB adds:\n"
                    + ";\n".join(b[len(a):]), pytrace=False)


def test_generated_pairs_mostly_load(harness):
    """The grammar must give cases: most pairs load on the server, most change something."""
    if harness.stats["pairs"] == 0:
        pytest.skip("the generated pairs did not run")
    loaded = harness.stats["pairs"] - harness.stats["refused"]
    assert loaded > harness.stats["pairs"] * 0.4
    assert harness.stats["changes"] > loaded * 0.5


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*.json")) if REGRESSIONS.is_dir() else [],
                         ids=lambda p: p.stem)
def test_saved_regressions(harness, path):
    case = json.loads(path.read_text(encoding="utf-8"))
    outcome = harness.check(case["a"], case["b"])
    assert outcome.loaded, f"{path.name}: the server refuses the saved pair"
    assert outcome.failures == [], f"{path.name}: " + "\n".join(outcome.failures)
