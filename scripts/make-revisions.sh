#!/usr/bin/env bash
# Regenerate revisions/ from the ISPyB corpus and the snapshots, each step on a throwaway
# local server.  Deterministic: the same inputs give byte-identical files.
#   bash scripts/make-revisions.sh            rewrite revisions/ (versions/, states/, legacy.json)
#   bash scripts/make-revisions.sh --check    regenerate into a temporary folder and fail
#                                             (exit 1) if revisions/ differs from it
#
# Two lines of revisions share revisions/:
#   dls   (trunk)  DLS v4.0.0 -> the 71 update scripts -> a reconciliation with the
#                  v5.0.0 release dump (the scripts never touch the routines, and MariaDB
#                  drops two implicit foreign-key indexes the dump keeps)
#   esrf  (branch) ESRF pydb with its ahead/ scripts -> two additive steps toward DLS v5.0.0
#                  (structure and lookup rows, then views, routines and triggers)
# revisions/approvals.json and revisions/revisions.sum belong to `review` and are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${SCHEMA_TOOLS_CORPUS:-../shared/corpus}/ispyb"
st="${SCHEMA_TOOLS:-.venv/bin/schema-tools}"
py="${PYTHON:-.venv/bin/python}"
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp revisions/alembic.ini revisions/env.py revisions/script.py.mako "$out/"
# the states store each object once, by content (states/objects/)
mkdir -p "$out/states/objects"

# DLS trunk: the update scripts, then the release dump
$st import-legacy "$corpus/dls/updates-v4.0.0-to-v5.0.0" --base snapshots/dls-v4.0.0.json \
    --dir "$out" --branch dls >/dev/null 2>&1
$st revision --dir "$out" --branch dls --to snapshots/dls-v5.0.0.json --rev-id dls_v5_0_0 \
    -m "Reconcile with the DLS v5.0.0 release dump: what the update scripts leave out

The 71 update scripts from v4.0.0 reach the v5.0.0 tables and lookup rows, but not the
release dump exactly:
- they never touch the stored routines: 3 procedures of v5.0.0 are missing
  (insert_screening_v2, upsert_dewar_v3, upsert_processing_program_v2) and 12 others
  keep their v4.0.0 bodies, parameters, comments or sql_mode;
- MariaDB drops the implicit foreign-key indexes LaserParameters_fk_robotActionId and
  LaserPoint_fk_laserParametersId when 2026_03_02_LaserParameters_unique_contraints.sql
  adds unique keys that start with the same columns; the dump still has them.
This revision brings the routines to the release and re-creates the two indexes, so the
line ends exactly at the DLS v5.0.0 snapshot." >/dev/null

# ESRF branch: additive convergence toward DLS v5.0.0, in steps grouped by kind of object
$py - "$out" <<'PY'
import sys
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model.snapshot import Snapshot

rdir = RevisionDir(sys.argv[1])
source = Snapshot.read("snapshots/esrf-pydb-ahead.json").schema
target = Snapshot.read("snapshots/dls-v5.0.0.json").schema
steps = [
    ("esrf_dls5_1", ("table", "column", "index", "foreign_key", "check", "data"),
     "Tables, columns, keys and lookup rows of DLS v5.0.0 (additive)\n\n"
     "Adds the DLS tables, columns, indexes, foreign keys and lookup rows ESRF lacks and "
     "widens conflicting column types; nothing of ESRF's own is dropped or renamed."),
    ("esrf_dls5_2", ("view", "routine", "trigger", "event"),
     "Views, routines and triggers of DLS v5.0.0 (additive)"),
]
for i, (rev, kinds, message) in enumerate(steps):
    generate(rdir, source=source if i == 0 else None, target=target, message=message,
             policy="additive", rev_id=rev, branch="esrf", kinds=kinds)
PY

if [ $check = 1 ]; then
  status=0
  for f in legacy.json $(cd "$out" && ls versions/*.py states/*.json states/objects/*.json); do
    if ! cmp -s "$out/$f" "revisions/$f"; then
      echo "stale: revisions/$f (run: bash scripts/make-revisions.sh)" >&2
      status=1
    fi
  done
  for f in $(ls revisions/versions/*.py revisions/states/*.json revisions/states/objects/*.json 2>/dev/null); do
    if [ ! -e "$out/${f#revisions/}" ]; then
      echo "not generated: $f (run: bash scripts/make-revisions.sh)" >&2
      status=1
    fi
  done
  exit $status
fi
rm -rf revisions/versions revisions/states revisions/legacy.json
mkdir -p revisions
cp -r "$out/versions" "$out/states" "$out/legacy.json" revisions/
echo "revisions/: $(ls revisions/versions/*.py | wc -l) revisions"
