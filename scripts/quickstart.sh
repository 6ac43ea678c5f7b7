#!/usr/bin/env bash
# Install everything, then snapshot an ISPyB release on a throwaway local MariaDB server
# and print its summary, and verify the shipped DLS revisions (v4.0.0 to v5.0.0 and back,
# with seeded rows) on another throwaway server.  The snapshot uses the ISPyB corpus when
# present (../shared/corpus or $SCHEMA_TOOLS_CORPUS), otherwise the small example schema
# shipped in examples/; the verify needs only revisions/ and snapshots/.
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
echo
echo "verifying the shipped DLS revisions (v4.0.0 -> v5.0.0 and back) on a throwaway local server..."
.venv/bin/schema-tools verify --site dls-v4.0.0 2>/dev/null | tail -n 1
