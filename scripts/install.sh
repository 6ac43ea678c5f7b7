#!/usr/bin/env bash
# Install what schema-tools needs on a fresh Debian/Ubuntu machine:
# the MariaDB server and client binaries (when missing) and the Python package in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ] \
   || ! command -v mariadb >/dev/null 2>&1; then
  echo "installing MariaDB server and client from the OS packages..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mariadb-server mariadb-client >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# the test extra brings pytest and the checkers .ci/run starts with (ruff, mypy)
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/ruff --version >/dev/null && .venv/bin/mypy --version >/dev/null
echo "schema-tools installed in .venv ($(.venv/bin/schema-tools --version))"
