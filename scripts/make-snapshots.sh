#!/usr/bin/env bash
# Regenerate snapshots/ from the ISPyB corpus, each on a throwaway local server.
#   bash scripts/make-snapshots.sh            write snapshots/*.json
#   bash scripts/make-snapshots.sh --check    regenerate into a temporary folder and fail
#                                             (exit 1) if a committed snapshot is stale
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${SCHEMA_TOOLS_CORPUS:-../shared/corpus}/ispyb"
st="${SCHEMA_TOOLS:-.venv/bin/schema-tools}"
out=snapshots
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
for v in v4.0.0 v5.0.0; do
  $st snapshot "$corpus/dls/$v/tables.sql" "$corpus/dls/$v/lookups.sql" "$corpus/dls/$v/routines.sql" \
      --site "DLS $v" --reproducible -o "$out/dls-$v.json" 2>/dev/null >/dev/null
done
$st snapshot "$corpus/esrf/pydb.sql" --site "ESRF pydb" --reproducible -o "$out/esrf-pydb.json" 2>/dev/null >/dev/null
$st snapshot "$corpus/esrf/pydb.sql" --then "$corpus/esrf/ahead" --site "ESRF pydb + ahead scripts" \
    --reproducible -o "$out/esrf-pydb-ahead.json" 2>/dev/null >/dev/null
if [ "$out" != snapshots ]; then
  stale=0
  for f in "$out"/*.json; do
    case "$f" in *.meta.json) continue ;; esac
    if ! cmp -s "$f" "snapshots/$(basename "$f")"; then
      echo "stale snapshot: snapshots/$(basename "$f") (run: bash scripts/make-snapshots.sh)" >&2
      stale=1
    fi
  done
  exit $stale
fi
ls snapshots/*.json | grep -v meta
