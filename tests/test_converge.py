"""``converge``: the core of several sites, its conflicts, the decisions that settle them,
each site's additive path, and the plan."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.converge.core import build_core, merge_types, site_target
from schema_tools.converge.decisions import DecisionError, read_decisions
from schema_tools.converge.paths import branch_label, plan_paths, verify_paths, write_paths
from schema_tools.converge.plan_report import render_plan
from schema_tools.diff.compare import diff
from schema_tools.model.objects import Column, DataType, Index, IndexColumn, Schema, Table
from schema_tools.model.snapshot import Snapshot

from .conftest import PROJECT_ROOT

SNAPSHOTS = PROJECT_ROOT / "snapshots"
SHIPPED = [SNAPSHOTS / f"{n}.json" for n in ("dls-v5.0.0", "dls-v4.0.0", "esrf-pydb", "esrf-pydb-ahead")]

# ---------------------------------------------------------------------------------------
# three small sites, built so that the core and the conflicts are known


def _pk() -> Index:
    return Index("PRIMARY", (IndexColumn("proposalId"),), kind="primary")


def _table(name: str, *cols: Column, pk: bool = True) -> Table:
    return Table(name=name, columns=cols, primary_key=_pk() if pk else None,
                 charset="utf8mb4", collation="utf8mb4_general_ci")


ID = Column("proposalId", DataType("int", 10, unsigned=True), nullable=False, auto_increment=True)


def _enum(*values: str) -> DataType:
    return DataType("enum", values=values)


def _sites() -> dict[str, Schema]:
    a = Schema(charset="utf8mb4", collation="utf8mb4_general_ci", tables=(_table(
        "Proposal", ID,
        Column("title", DataType("varchar", 100), nullable=False, comment="the reference's"),
        Column("kind", _enum("MX", "EM"), nullable=False, default="'MX'"),
        Column("code", DataType("int", 11), default="NULL")),))
    b = Schema(charset="utf8mb4", collation="utf8mb4_general_ci", tables=(_table(
        "Proposal", ID,
        Column("title", DataType("varchar", 255), nullable=False),
        Column("kind", _enum("MX", "SAXS"), nullable=False, default="'SAXS'"),
        Column("code", DataType("varchar", 20), default="NULL")),
        Table("LocalNote", (Column("note", DataType("varchar", 30), default="NULL"),),
              charset="utf8mb4", collation="utf8mb4_general_ci")))
    c = Schema(charset="utf8mb4", collation="utf8mb4_general_ci", tables=(_table(
        "Proposal", ID,
        Column("Title", DataType("varchar", 50), default="NULL"),
        Column("kind", _enum("MX", "EM", "XAS"), nullable=False, default="'MX'"),
        Column("code", DataType("int", 11), default="NULL")),))
    return {"A": a, "B": b, "C": c}


def _decisions(tmp_path: Path, text: str, name: str = "decisions.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


TAKE_B = """
    [[decision]]
    object = "column:Proposal.code"
    action = "take"
    site = "B"
    rename = { A = "code_num", C = "code_num" }
    note = "codes are text from now on"
"""


def test_synthetic_core_and_conflicts_are_the_known_ones():
    core = build_core(_sites())
    assert [t.name for t in core.schema.tables] == ["Proposal"]  # LocalNote: B's own
    proposal = core.schema.tables[0]
    assert proposal.columns == (
        ID,
        # widened, NULL allowed (C allows it), the reference's comment and spelling
        Column("title", DataType("varchar", 255), nullable=True, default="NULL", comment="the reference's"),
        # the union keeps the ordinals of A and C (C's values first, then B's new one)
        Column("kind", _enum("MX", "EM", "XAS", "SAXS"), nullable=False, default="'MX'"),
    )
    assert proposal.primary_key == _pk()
    assert [(c.address, c.reason, c.decision) for c in core.conflicts] == [
        ("column:Proposal.code", "no type holds both int(11) (A) and varchar(20) (B)", None)]
    assert core.conflicts[0].definitions == (
        ("A", "`code` int(11) DEFAULT NULL"), ("B", "`code` varchar(20) DEFAULT NULL"),
        ("C", "`code` int(11) DEFAULT NULL"))
    assert core.counts()["column"] == 3 and core.left_out == {}


def test_synthetic_site_targets_keep_the_sites_own_and_respell():
    sites = _sites()
    core = build_core(sites)
    b = site_target(sites["B"], core)
    assert b.table("LocalNote") == sites["B"].table("LocalNote")  # the site-specific table stays
    assert b.table("Proposal").column("code").type == DataType("varchar", 20)  # its own, kept
    c = site_target(sites["C"], core)
    changes = diff(sites["C"], c)
    renames = [(ch.action, ch.old_name, ch.name) for ch in changes if ch.action == "rename"]
    assert renames == [("rename", "Title", "title")]  # a case-only difference is a rename


def test_decisions_change_the_core(tmp_path):
    decisions = read_decisions(_decisions(tmp_path, TAKE_B))
    core = build_core(_sites(), decisions=decisions)
    code = core.schema.tables[0].column("code")
    assert code == Column("code", DataType("varchar", 20), default="NULL")
    assert core.open_conflicts == () and core.conflicts[0].decision == decisions[0]
    assert dict(core.renames) == {"A": (("column", "Proposal", "code", "code_num"),),
                                  "C": (("column", "Proposal", "code", "code_num"),)}
    # site-specific: out of the core, as without a decision, but settled
    kept = build_core(_sites(), decisions=read_decisions(_decisions(tmp_path, """
        [[decision]]
        object = "column:Proposal.code"
        action = "site-specific"
    """, "kept.toml")))
    assert kept.schema.tables[0].column("code") is None and kept.open_conflicts == ()
    # deterministic: the same decisions, the same plan
    first = render_plan(core, plan_paths(core, _sites()))
    again = build_core(_sites(), decisions=read_decisions(tmp_path / "decisions.toml"))
    assert render_plan(again, plan_paths(again, _sites())) == first
    assert "take B's definition; renamed at A to code_num, C to code_num" in first


@pytest.mark.parametrize("text, message", [
    ('[[decision]]\nobject = "column:Proposal.title"\naction = "take"\nsite = "A"\n',
     "decision 1 (column:Proposal.title): not a conflict of these sites (stale decision)"),
    ('[[decision]]\nobject = "column:Proposal.code"\naction = "take"\nsite = "Z"\n',
     "decision 1 (column:Proposal.code): unknown site 'Z' (sites: A, B, C)"),
    ('[[decision]]\nobject = "column:Proposal.code"\naction = "merge"\n',
     "decision 1 (column:Proposal.code): unknown action 'merge'"),
    ('[[decision]]\nobject = "column:Proposal.code"\naction = "take"\nsite = "A"\n'
     '[[decision]]\nobject = "column:proposal.CODE"\naction = "exclude"\n',
     "decision 2 (column:proposal.CODE): decided already by decision 1"),
    ('[[decision]\n', "not valid TOML"),
])
def test_bad_or_stale_decisions_are_errors(tmp_path, text, message):
    path = tmp_path / "decisions.toml"
    path.write_text(text)
    with pytest.raises(DecisionError) as err:
        build_core(_sites(), decisions=read_decisions(path))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_stale_decision_on_the_command_line_is_one_line_exit_2(tmp_path):
    sites = []
    for name, schema in _sites().items():
        Snapshot(schema, {"site": name}).write(tmp_path / f"{name}.json")
        sites.append(str(tmp_path / f"{name}.json"))
    path = _decisions(tmp_path, '[[decision]]\nobject = "table:LocalNote"\naction = "exclude"\n')
    result = CliRunner().invoke(cli, ["converge", *sites, "--decisions", str(path), "--dir",
                                      str(tmp_path / "rev")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("schema-tools: error: ") and "stale decision" in lines[0]
    assert "Traceback" not in result.output and not (tmp_path / "rev").exists()


def test_quorum_and_helpers():
    sites = _sites()
    core = build_core(sites, quorum=1)
    assert {t.name for t in core.schema.tables} == {"LocalNote", "Proposal"}
    assert core.holders["table:LocalNote"] == 1
    with pytest.raises(Exception, match="--quorum 4"):
        build_core(sites, quorum=4)
    assert merge_types([DataType("int", 11), DataType("varchar", 3)]) is None
    assert merge_types([_enum("a", "b"), _enum("b", "c")]) == _enum("a", "b", "c")
    taken: set[str] = set()
    assert [branch_label(s, taken) for s in ("ESRF pydb + ahead", "esrf_pydb_ahead", "*")] == \
        ["esrf_pydb_ahead", "esrf_pydb_ahead_2", "site"]


def test_synthetic_paths_rename_then_converge_and_verify(server, tmp_path):
    """The decided renames run first, on each site's branch, then the additive revision;
    every path is verified on the server with seeded rows (all three sites)."""
    from schema_tools.sources.workspace import open_workspace

    sites = {}
    for name, schema in _sites().items():  # as the server has them
        with open_workspace(server.url()) as ws:
            ws.load_schema(schema)
            sites[name] = ws.introspect().schema
    core = build_core(sites, decisions=read_decisions(_decisions(tmp_path, TAKE_B)))
    paths = plan_paths(core, sites)
    write_paths(paths, tmp_path / "rev", server=server.url())
    assert [len(p.revisions) for p in paths] == [2, 1, 2]
    a = paths[0].expected.table("Proposal")
    assert a.column("code_num").type == DataType("int", 11)  # A's codes kept
    assert a.column("code").type == DataType("varchar", 20)  # the core's column
    assert paths[2].expected.table("Proposal").column("title") is not None  # C: respelled
    assert paths[1].expected.table("LocalNote") is not None
    report = verify_paths(paths, tmp_path / "rev", server=server.url(), rows=5)
    assert report.ok, [s.to_dict() for s in report.sites if not s.ok]
    assert {s.site for s in report.sites} == {"a", "b", "c"}


# ---------------------------------------------------------------------------------------
# the shipped snapshots


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """``converge`` on the four shipped snapshots, run twice; the first run with --verify."""
    out = []
    for n, extra in ((1, ["--verify", "--rows", "5"]), (2, [])):
        where = tmp_path_factory.mktemp(f"converge{n}")
        result = CliRunner().invoke(cli, ["converge", *map(str, SHIPPED), "--dir", str(where / "rev"),
                                          "-o", str(where / "plan.md"), "--server", "local", *extra])
        out.append((where, result))
    return out


def test_shipped_snapshots_core_conflicts_and_paths(shipped):
    where, result = shipped[0]
    # open conflicts remain (no decisions given): exit 1, everything written
    assert result.exit_code == 1, result.output
    plan = (where / "plan.md").read_text()
    assert "| tables | 137 | 137 | 0 |" in plan
    assert "### column:AutoProcProgram.processingStatus" in plan
    assert "no type holds both tinyint(1) (DLS v5.0.0) and enum(" in plan
    versions = sorted(p.name for p in (where / "rev" / "versions").glob("*.py"))
    assert len(versions) == 4
    for label in ("dls_v5_0_0", "dls_v4_0_0", "esrf_pydb", "esrf_pydb_ahead_scripts"):
        assert sum(label + "_converge" in v for v in versions) == 1, label
        assert f"(branch {label})" in plan


def test_shipped_paths_verified_on_a_server(shipped):
    """All four paths run on the server from each site's snapshot with seeded rows, up and
    back down, and reach their recorded states exactly with every row kept."""
    _, result = shipped[0]
    for site in ("dls_v5_0_0", "dls_v4_0_0", "esrf_pydb", "esrf_pydb_ahead_scripts"):
        assert re.search(rf"^{site} \[.*\] from base, 1 revision\(s\): ok", result.output, re.M), site
    assert "FAILED" not in result.output and "rows in" in result.output


def test_shipped_runs_are_byte_identical(shipped):
    (first, _), (second, result) = shipped
    assert result.exit_code == 1
    assert (first / "plan.md").read_bytes() == (second / "plan.md").read_bytes()
    files = sorted(p.relative_to(first / "rev") for p in (first / "rev").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    assert files == sorted(p.relative_to(second / "rev") for p in (second / "rev").rglob("*")
                           if p.is_file() and "__pycache__" not in p.parts)
    for rel in files:
        assert (first / "rev" / rel).read_bytes() == (second / "rev" / rel).read_bytes(), rel


def test_html_plan_is_self_contained(tmp_path):
    schemas = {s: Snapshot.read(p).schema for s, p in zip("ABCD", SHIPPED, strict=True)}
    core = build_core(schemas, quorum=2)
    page = render_plan(core, plan_paths(core, schemas), "html")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
    assert "<h2>Conflicts (" in page


def test_site_order_changes_only_the_reference():
    schemas = {s: Snapshot.read(p).schema for s, p in zip("ABCD", SHIPPED, strict=True)}
    core = build_core(schemas)
    again = build_core(dict(reversed(list(schemas.items()))), reference="A")
    assert core.schema == again.schema
    assert [c.address for c in core.conflicts] == [c.address for c in again.conflicts]
    assert dataclasses.replace(core, sites=(), conflicts=()) == \
        dataclasses.replace(again, sites=(), conflicts=())
