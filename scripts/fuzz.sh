#!/usr/bin/env bash
# The differential harness by hand: N generated schema pairs (default 2000) from SEED
# (default: a new one, printed), on a throwaway local server.  A failing pair is shrunk and
# saved under tests/differential/regressions/ (replayed by the test suite from then on).
#   bash scripts/fuzz.sh 2000 [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
seed="${2:-$(date +%s)}"
echo "differential harness: $n pairs, seed $seed"
DIFFERENTIAL_EXAMPLES="$n" DIFFERENTIAL_SEED="$seed" DIFFERENTIAL_SAVE=1 \
  .venv/bin/python -m pytest tests/differential/test_differential.py -k generated -q -s -p no:cacheprovider \
  | grep -E "^differential:|passed|failed|error" || true
