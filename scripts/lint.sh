#!/usr/bin/env bash
# The linter and the type checker, as .ci/run and the pre-commit hooks run them; exit 1 on
# any finding.  Settings: [tool.ruff] and [tool.mypy] in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/mypy
# every suppression says why: "# noqa: CODE - reason", "# type: ignore[code]  # reason"
bare=$(grep -rnE --include='*.py' --exclude-dir=revisions --exclude-dir=.venv \
         -e '# noqa(: *[A-Z]+[0-9]+(, *[A-Z]+[0-9]+)*)? *$' \
         -e '# type: *ignore(\[[a-z, -]+\])? *$' . || true)
if [ -n "$bare" ]; then
  echo "suppressions without a reason:"; echo "$bare"; exit 1
fi
