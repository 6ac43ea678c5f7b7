"""The committed snapshots are what the tool makes of the corpus today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.server, pytest.mark.corpus]

ROOT = Path(__file__).resolve().parents[1]


def test_committed_snapshots_are_fresh(corpus):
    env = dict(os.environ, SCHEMA_TOOLS_CORPUS=str(corpus),
               SCHEMA_TOOLS=str(Path(sys.executable).with_name("schema-tools")))
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "make-snapshots.sh"), "--check"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"stale snapshots:\n{proc.stderr}"
