"""Golden outputs of the whole CLI on the ISPyB corpus, read without a server.

Each command below runs as a user runs it and the SHA-256 of what it writes is compared
with ``tests/golden/cli.json``.  A refactor must leave every one of them unchanged; a change
of behaviour made on purpose updates the file in the same commit:

    SCHEMA_TOOLS_GOLDEN=update .venv/bin/python -m pytest tests/test_golden_cli.py

The commands: ``snapshot --offline`` of each corpus source, ``diff`` (text and JSON) of a
release pair and of two sites, ``matrix --format json`` of the four shipped snapshots,
``revision`` (exact and additive, the Python file and the states it records), ``review
--format json`` of the shipped revisions and of a generated one, and ``render``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from click.testing import CliRunner

from schema_tools.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "cli.json"
SNAP = ROOT / "snapshots"
# review exits 1 when a finding reaches --fail-on: the exact v4 -> v5 revision drops and
# rewrites objects; the additive one only adds
REVIEW_EXIT = {"exact": 1, "additive": 0}


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _tree_digest(folder: Path) -> str:
    """One digest of every file under ``folder`` (paths relative to it, sorted)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


def _run(args: list[str], code: int = 0) -> bytes:
    """What ``schema-tools ARGS`` writes on stdout; its exit code must be ``code``."""
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == code, f"schema-tools {' '.join(args)}: exit {result.exit_code}\n{result.output}"
    return result.stdout_bytes


def _outputs(corpus: Path, tmp: Path) -> dict[str, str]:
    ispyb = corpus / "ispyb"
    out: dict[str, str] = {}
    sources = {
        "dls-v4.0.0": [str(ispyb / "dls/v4.0.0" / f) for f in ("tables.sql", "lookups.sql", "routines.sql")],
        "dls-v5.0.0": [str(ispyb / "dls/v5.0.0" / f) for f in ("tables.sql", "lookups.sql", "routines.sql")],
        "esrf-pydb": [str(ispyb / "esrf/pydb.sql")],
    }
    for name, files in sources.items():
        target = tmp / f"{name}.json"
        _run(["snapshot", *files, "--offline", "--site", name, "--reproducible", "-o", str(target)])
        out[f"snapshot --offline {name}"] = _digest(target.read_bytes())
    target = tmp / "dls-updates.json"
    updates = sorted(str(p) for p in (ispyb / "dls/updates-v4.0.0-to-v5.0.0").glob("*.sql"))
    _run(["snapshot", *sources["dls-v4.0.0"], *updates, "--offline", "--site", "dls updates", "--reproducible",
          "-o", str(target)])
    out["snapshot --offline dls-v4.0.0 + update scripts"] = _digest(target.read_bytes())

    pairs = {"dls v4->v5": ("dls-v4.0.0", "dls-v5.0.0"), "dls v5->esrf": ("dls-v5.0.0", "esrf-pydb")}
    for label, (a, b) in pairs.items():
        for fmt in ("text", "json"):
            data = _run(["diff", str(SNAP / f"{a}.json"), str(SNAP / f"{b}.json"), "--format", fmt], code=1)
            out[f"diff {label} {fmt}"] = _digest(data)
    four = [str(SNAP / f"{n}.json") for n in ("dls-v4.0.0", "dls-v5.0.0", "esrf-pydb", "esrf-pydb-ahead")]
    out["matrix json"] = _digest(_run(["matrix", *four, "--format", "json"], code=1))

    for policy, (a, b) in {"exact": ("dls-v4.0.0", "dls-v5.0.0"), "additive": ("esrf-pydb", "dls-v5.0.0")}.items():
        rdir = tmp / f"rev-{policy}"  # the working directory: reports name it relatively
        _run(["revision", "--from", str(SNAP / f"{a}.json"), "--to", str(SNAP / f"{b}.json"), "-m", "golden",
              "--dir", rdir.name, "--rev-id", "golden1", "--policy", policy, "--no-check"])
        out[f"revision {policy} versions"] = _tree_digest(rdir / "versions")
        out[f"revision {policy} states"] = _tree_digest(rdir / "states")
        review = _run(["review", "--dir", rdir.name, "--format", "json", "--fail-on", "error"],
                      code=REVIEW_EXIT[policy])
        out[f"review {policy} json"] = _digest(review)
    os.chdir(ROOT)  # as in a checkout: the report names the files relatively
    out["review shipped json"] = _digest(_run(["review", "--dir", "revisions", "--format", "json"]))
    out["render dls-v5.0.0"] = _digest(_run(["render", str(SNAP / "dls-v5.0.0.json")]))
    return out


def test_cli_outputs_are_unchanged(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    got = _outputs(corpus, tmp_path)
    if os.environ.get("SCHEMA_TOOLS_GOLDEN") == "update":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
    assert not changed, ("outputs changed (if on purpose: SCHEMA_TOOLS_GOLDEN=update): " + ", ".join(changed))
