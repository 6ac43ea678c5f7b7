#!/usr/bin/env bash
# Install everything, then snapshot an ISPyB release on a throwaway local MariaDB server
# and print its summary.  Uses the ISPyB corpus when present (../shared/corpus or
# $SCHEMA_TOOLS_CORPUS), otherwise the small example schema shipped in examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

corpus="${SCHEMA_TOOLS_CORPUS:-../shared/corpus}"
release="$corpus/ispyb/dls/v5.0.0"
out="${TMPDIR:-/tmp}/schema-tools-quickstart.json"
if [ -f "$release/tables.sql" ]; then
  sources=("$release/tables.sql" "$release/lookups.sql" "$release/routines.sql")
  site="DLS v5.0.0"
else
  sources=(examples/example.sql)
  site="example"
fi
echo "snapshotting ${sources[*]} on a throwaway local server..."
.venv/bin/schema-tools snapshot "${sources[@]}" --site "$site" -o "$out"
.venv/bin/schema-tools show "$out"
