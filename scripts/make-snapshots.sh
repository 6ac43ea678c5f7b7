#!/usr/bin/env bash
# Regenerate snapshots/ from the ISPyB corpus, each on a throwaway local server.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${SCHEMA_TOOLS_CORPUS:-../shared/corpus}/ispyb"
st=.venv/bin/schema-tools
for v in v4.0.0 v5.0.0; do
  $st snapshot "$corpus/dls/$v/tables.sql" "$corpus/dls/$v/lookups.sql" "$corpus/dls/$v/routines.sql" \
      --site "DLS $v" -o "snapshots/dls-$v.json"
done
$st snapshot "$corpus/esrf/pydb.sql" --site "ESRF pydb" -o snapshots/esrf-pydb.json
