"""A throwaway server kept warm between commands: ``schema-tools server`` and
``$SCHEMA_TOOLS_SERVER``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
ST = str(Path(sys.executable).with_name("schema-tools"))


def test_commands_use_the_warm_server_named_by_the_environment(tmp_path):
    proc = subprocess.Popen([ST, "server"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("export SCHEMA_TOOLS_SERVER="), line
        url = line.split("=", 1)[1].strip("'")
        env = dict(os.environ, SCHEMA_TOOLS_SERVER=url)
        out = tmp_path / "base.json"
        res = subprocess.run([ST, "snapshot", str(ROOT / "tests" / "fixtures" / "scripts" / "base.sql"),
                              "-o", str(out)], env=env, capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        meta = json.loads(out.with_name("base.meta.json").read_text())
        # loaded on the warm server, not on a new throwaway one
        assert "throwaway" not in meta["loaded_on"] and "unix_socket" in meta["loaded_on"], meta["loaded_on"]
        # and without the variable, a new throwaway server as before
        env.pop("SCHEMA_TOOLS_SERVER")
        res = subprocess.run([ST, "snapshot", str(ROOT / "tests" / "fixtures" / "scripts" / "base.sql"),
                              "-o", str(out)], env=env, capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        assert "throwaway" in json.loads(out.with_name("base.meta.json").read_text())["loaded_on"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    socket = url.split("unix_socket=")[1].split("&")[0]
    assert not Path(socket).exists(), "the warm server is cleaned up when it stops"
