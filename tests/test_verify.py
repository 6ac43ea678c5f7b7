"""``verify``: revisions applied on real servers, one at a time and back down, with the seeded
rows checked after every step; broken revisions are caught and reported precisely."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model import Snapshot
from schema_tools.sources.resolve import snapshot_from_sql
from schema_tools.verify.runner import verify

from .conftest import PROJECT_ROOT

BASE_SQL = """
CREATE TABLE `Proposal` (
  `proposalId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `title` varchar(100) NOT NULL,
  `kind` enum('MX','EM') NOT NULL DEFAULT 'MX',
  PRIMARY KEY (`proposalId`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE `BLSession` (
  `sessionId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `proposalId` int(10) unsigned NOT NULL,
  `comments` varchar(255) DEFAULT NULL,
  `startDate` datetime DEFAULT NULL,
  PRIMARY KEY (`sessionId`),
  KEY `BLSession_fk_proposal` (`proposalId`),
  CONSTRAINT `BLSession_fk_proposal` FOREIGN KEY (`proposalId`) REFERENCES `Proposal` (`proposalId`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
"""

ADD_BEAMLINE = """
ALTER TABLE `BLSession` ADD COLUMN `beamLineName` varchar(45) DEFAULT NULL AFTER `proposalId`;
CREATE INDEX `BLSession_idx_beamline` ON `BLSession` (`beamLineName`);
ALTER TABLE `Proposal` ADD COLUMN `state` enum('Open','Closed') DEFAULT 'Open';
"""

NARROW_TITLE = "ALTER TABLE `Proposal` MODIFY `title` varchar(10) NOT NULL;"


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _snapshot(server, tmp_path: Path, name: str, sql: str) -> Snapshot:
    path = tmp_path / f"{name}.sql"
    path.write_text(sql)
    return snapshot_from_sql([path], server=server.url())


def _site(server, tmp_path: Path, change_sql: str, message: str):
    """A revision directory with one revision (``change_sql`` applied to the base) and a
    snapshots folder holding the base as site ``lab``."""
    base = _snapshot(server, tmp_path, "base", BASE_SQL)
    target = _snapshot(server, tmp_path, "target", BASE_SQL + change_sql)
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    base.write(snaps / "lab.json")
    rdir = RevisionDir(tmp_path / "revisions")
    info = generate(rdir, source=base.schema, target=target.schema, message=message, server=server.url())
    return rdir, snaps, info


def _insert_in_upgrade(path: Path, lines: list[str], *, after_first_statement: bool) -> None:
    """Add ``lines`` to the revision's upgrade(): after its first statement, or at its end."""
    text = path.read_text().splitlines()
    start = text.index("def upgrade() -> None:")
    end = text.index("def downgrade() -> None:")
    statements = [i for i in range(start, end) if re.match(r"    (run_sql|op\.)", text[i])]
    assert len(statements) >= 2, "the fixture revision needs two statements"
    at = statements[0] + 1 if after_first_statement else statements[-1] + 1
    text[at:at] = [f"    {line}" for line in lines]
    path.write_text("\n".join(text) + "\n")


def _databases(server) -> set[str]:
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES")
            return {r[0] for r in cur.fetchall()}
    finally:
        conn.close()


@pytest.mark.server
def test_a_good_revision_passes_both_ways_with_every_row_kept(server, tmp_path):
    rdir, snaps, info = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    before = _databases(server)
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=12)
    assert report.ok, report.to_dict()
    (site,) = report.sites
    assert [(s.direction, s.revision, s.target) for s in site.steps] == [
        ("upgrade", info.rev_id, info.rev_id), ("downgrade", info.rev_id, "base")]
    up, down = site.steps
    assert up.data.tables == 2 and up.data.rows == 24 and not up.data.lost and not up.data.dropped
    # the downgrade drops the new columns: its upgrade added them, so they are listed, not failed
    assert [d.subject for d in down.data.dropped] == ["column BLSession.beamLineName", "column Proposal.state"]
    assert all(d.accepted and d.reason.startswith("added by the upgrade") for d in down.data.dropped)
    assert not down.data.lost
    assert _databases(server) == before, "the scratch database must be dropped"


@pytest.mark.server
def test_a_revision_failing_midway_names_statement_error_and_state(server, tmp_path):
    rdir, snaps, info = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    _insert_in_upgrade(info.path, ["run_sql('ALTER TABLE `NoSuchTable` ADD COLUMN `x` int')"],
                       after_first_statement=True)
    before = _databases(server)
    report = verify(rdir, snapshots=snaps, servers=[server.url()])
    assert not report.ok
    (site,) = report.sites
    assert len(site.steps) == 1, "nothing runs after a failed step"
    step = site.steps[0]
    assert step.direction == "upgrade" and step.revision == info.rev_id and not step.ok
    assert step.error.startswith("ERROR 1146") and "NoSuchTable" in step.error
    assert "ALTER TABLE `NoSuchTable` ADD COLUMN `x` int" in step.statement
    # the first statement (BLSession's) ran, Proposal's did not
    assert re.search(r"2 change\(s\) from base applied, 1 still to go", step.left_in), step.left_in
    assert step.residual_count == 1 and "Proposal.state" in step.residual[0]
    assert _databases(server) == before, "the scratch database is dropped even after a failure"


@pytest.mark.server
def test_a_residual_difference_fails_the_step(server, tmp_path):
    rdir, snaps, info = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    _insert_in_upgrade(info.path, ["run_sql('ALTER TABLE `Proposal` ADD COLUMN `stray` int NULL')"],
                       after_first_statement=False)
    report = verify(rdir, snapshots=snaps, servers=[server.url()])
    up = report.sites[0].steps[0]
    assert not up.ok and up.error is None
    assert up.residual_count == 1 and "stray" in up.residual[0] and "Proposal" in up.residual[0]


ADD_TRIGGER = """
DELIMITER ;;
CREATE TRIGGER `BLSession_bi` BEFORE INSERT ON `BLSession` FOR EACH ROW SET NEW.comments = 'new';;
DELIMITER ;
"""


def _two_revisions(server, tmp_path: Path):
    """A line of two revisions from the base: ADD_BEAMLINE, then a trigger."""
    rdir, snaps, first = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    target = _snapshot(server, tmp_path, "target2", BASE_SQL + ADD_BEAMLINE + ADD_TRIGGER)
    second = generate(rdir, target=target.schema, message="BLSession trigger", server=server.url())
    return rdir, snaps, first, second


@pytest.mark.server
def test_a_line_is_checked_revision_by_revision_and_stops_at_the_failing_one(server, tmp_path):
    rdir, snaps, first, second = _two_revisions(server, tmp_path)
    report = verify(rdir, snapshots=snaps, servers=[server.url()])
    assert report.ok, report.to_dict()
    assert [(s.direction, s.revision) for s in report.sites[0].steps] == [
        ("upgrade", first.rev_id), ("upgrade", second.rev_id),
        ("downgrade", second.rev_id), ("downgrade", first.rev_id)]
    # from the middle of the line: the baseline is the first revision's state
    report = verify(rdir, snapshots=snaps, servers=[server.url()], start=first.rev_id)
    assert report.ok, report.to_dict()
    assert [(s.direction, s.revision, s.target) for s in report.sites[0].steps] == [
        ("upgrade", second.rev_id, second.rev_id), ("downgrade", second.rev_id, first.rev_id)]
    text = second.path.read_text().replace(
        "def upgrade() -> None:\n", "def upgrade() -> None:\n    run_sql('DROP TABLE `NoSuchTable`')\n", 1)
    second.path.write_text(text)
    report = verify(rdir, snapshots=snaps, servers=[server.url()])
    steps = report.sites[0].steps
    assert [(s.revision, s.ok) for s in steps] == [(first.rev_id, True), (second.rev_id, False)]
    assert steps[1].error.startswith("ERROR 1051") and "NoSuchTable" in steps[1].statement
    assert "0 change(s) from " + first.rev_id + " applied, 1 still to go" in steps[1].left_in


@pytest.mark.server
@pytest.mark.parametrize("stray", [
    "CREATE TRIGGER `Proposal_bi` BEFORE INSERT ON `Proposal` FOR EACH ROW SET NEW.title = 'x'",
    "CREATE EVENT `stray_event` ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM `Proposal`",
])
def test_a_stray_trigger_or_event_is_caught_at_its_own_revision(server, tmp_path, stray):
    """Each step reads again what its revision names, triggers and events included, so
    the difference is reported at the revision that made it, not only at the end."""
    rdir, snaps, first, second = _two_revisions(server, tmp_path)
    _insert_in_upgrade(first.path, [f'run_sql("{stray}")'], after_first_statement=False)
    report = verify(rdir, snapshots=snaps, servers=[server.url()])
    up1, up2 = report.sites[0].steps[:2]
    assert not up1.ok and up1.residual_count == 1, up1.residual
    name = stray.split("`")[1]
    assert name in up1.residual[0]
    assert up2.ok is False and name in up2.residual[0], "still there after the next revision"


@pytest.mark.server
def test_silent_truncation_is_caught_as_lost_data(server, tmp_path):
    rdir, snaps, info = _site(server, tmp_path, NARROW_TITLE, "narrow title")
    # MariaDB refuses the narrowing in strict mode; a revision that turns strict mode off
    # truncates the values with only a warning
    text = info.path.read_text().replace(
        "def upgrade() -> None:\n", "def upgrade() -> None:\n    run_sql(\"SET SESSION sql_mode = ''\")\n", 1)
    info.path.write_text(text)
    report = verify(rdir, snapshots=snaps, servers=[server.url()])
    up = report.sites[0].steps[0]
    assert up.residual_count == 0, up.residual
    assert not up.ok
    assert len(up.data.lost) == 1
    assert up.data.lost[0].startswith("Proposal.title: 10 of 10 values changed, e.g. '100000000001' -> '1000000000'")


@pytest.mark.server
def test_truncation_in_strict_mode_fails_the_statement(server, tmp_path):
    rdir, snaps, info = _site(server, tmp_path, NARROW_TITLE, "narrow title")
    report = verify(rdir, snapshots=snaps, servers=[server.url()])
    up = report.sites[0].steps[0]
    assert not up.ok and up.error.startswith("ERROR 1406") and "title" in up.error


@pytest.mark.server
def test_cli_reports_json_junit_and_exit_codes(server, tmp_path):
    rdir, snaps, info = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    common = ["verify", "--dir", str(rdir.path), "--snapshots", str(snaps), "--server", server.url()]
    code, out = _run(*common, "--report", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml"))
    assert code == 0, out
    assert "1 of 1 site run(s) passed" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["ok"] is True and [s["direction"] for s in data["sites"][0]["steps"]] == ["upgrade", "downgrade"]
    suites = ET.parse(tmp_path / "r.xml").getroot()
    assert suites.get("tests") == "2" and suites.get("failures") == "0"
    # break it: exit 1, and the JUnit failure carries the server error
    _insert_in_upgrade(info.path, ["run_sql('ALTER TABLE `NoSuchTable` ADD COLUMN `x` int')"],
                       after_first_statement=True)
    code, out = _run(*common, "--junit", str(tmp_path / "r2.xml"))
    assert code == 1 and "FAILED" in out and "ERROR 1146" in out
    failure = ET.parse(tmp_path / "r2.xml").getroot().find(".//failure")
    assert failure is not None and "ERROR 1146" in failure.get("message")
    # bad input: exit 2, one line
    code, out = _run("verify", "--dir", str(rdir.path), "--snapshots", str(snaps), "--site", "nope")
    assert code == 2 and "no snapshot named nope" in out and "Traceback" not in out


@pytest.mark.server
@pytest.mark.corpus
def test_shipped_revisions_verify_with_seeded_rows_kept(server, corpus):
    """The existing-server backend: scratch databases on the session's server."""
    _verify_shipped([server.url()])


@pytest.mark.server
@pytest.mark.corpus
def test_every_shipped_site_verifies_on_throwaway_servers(corpus, tmp_path):
    """Every site baseline of snapshots/ (the DLS line from v4.0.0, the ESRF branch, DLS
    v5.0.0 at the head), two at a time, each on its own throwaway server."""
    code, out = _run("verify", "--all", "--dir", str(PROJECT_ROOT / "revisions"), "--snapshots",
                     str(PROJECT_ROOT / "snapshots"), "--jobs", "2", "--report", str(tmp_path / "r.json"))
    assert code == 0, out[-3000:]
    data = json.loads((tmp_path / "r.json").read_text())
    sites = {s["site"]: s for s in data["sites"]}
    assert {"dls-v4.0.0", "esrf-pydb-ahead"} <= set(sites)
    assert len(sites["esrf-pydb-ahead"]["steps"]) >= 4 and sites["esrf-pydb-ahead"]["ok"]


def _verify_shipped(servers):
    rdir = RevisionDir(PROJECT_ROOT / "revisions")
    report = verify(rdir, snapshots=PROJECT_ROOT / "snapshots", sites=["dls-v4.0.0"], servers=servers)
    assert report.ok, [s.to_dict() for s in report.sites]
    (site,) = report.sites
    assert len(site.steps) == 2 * len(site.path) > 100, "the DLS line, up and down"
    assert all(s.data.rows > 1000 and not s.data.lost for s in site.steps)
    dropped = {d.subject: d for s in site.steps if s.direction == "upgrade" for d in s.data.dropped}
    assert dropped["column GridInfo.pixelsPerMicronX"].accepted, "DS102, accepted in approvals.json"
    assert all(d.accepted for s in site.steps for d in s.data.dropped)


@pytest.mark.docker
@pytest.mark.corpus
def test_shipped_revisions_verify_in_a_container(docker_spec, corpus):
    """The docker backend: a new container from the locally built image, removed after."""
    _verify_shipped([docker_spec])


@pytest.mark.server
def test_check_with_verify_fails_on_a_state_the_server_does_not_produce(server, tmp_path):
    rdir, snaps, info = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    _insert_in_upgrade(info.path, ["run_sql('ALTER TABLE `Proposal` ADD COLUMN `stray` int NULL')"],
                       after_first_statement=False)
    code, out = _run("check", "--dir", str(rdir.path), "--verify", "--snapshots", str(snaps),
                     "--server", server.url())
    assert code == 1
    assert f"fingerprint: {info.rev_id}: upgrade on" in out and "stray" in out


def test_rows_compare_by_value_not_by_the_servers_order_or_spelling():
    from decimal import Decimal

    from schema_tools.model.objects import Column, DataType, Index, IndexColumn, Table
    from schema_tools.verify.runner import _norm, _rows_of

    def table(kind):
        cols = (Column("code", DataType(kind, 10)), Column("v", DataType("varchar", 10)))
        return Table("Code", cols, primary_key=Index("PRIMARY", (IndexColumn("code"),), kind="primary"))

    numeric = [(i, f"v{i}") for i in range(1, 13)]  # ORDER BY an int: 1, 2, ..., 12
    text = sorted(((str(i), f"v{i}") for i in range(1, 13)), key=lambda r: r[0])  # '1', '10', '11', '12', '2'...
    a, b = _rows_of(table("int"), numeric), _rows_of(table("varchar"), text)
    assert a.digests == b.digests, "a key whose type changed sorts differently on the server"
    assert _norm(Decimal("1.00")) == _norm(1) == "1" and _norm(1.5) == "1.5"
    assert _norm("007") != _norm("7") and _norm("12 ") != _norm("12"), "text is compared exactly"


@pytest.mark.server
def test_verify_checks_what_is_new_by_default(server, tmp_path):
    """Without --from or --site, verify starts from the last approved revision and checks
    the ones after it; with every revision approved there is nothing new; --all replays."""
    from schema_tools.review.ledger import record_approval
    from schema_tools.migrate.revfile import RevisionSet

    rdir, snaps, r1 = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    two = _snapshot(server, tmp_path, "two", BASE_SQL + ADD_BEAMLINE
                    + "ALTER TABLE `Proposal` ADD COLUMN `code` varchar(45) DEFAULT NULL;")
    r2 = generate(rdir, target=two.schema, message="Proposal code", server=server.url())
    common = ["verify", "--dir", str(rdir.path), "--snapshots", str(snaps), "--server", server.url(),
              "--report", str(tmp_path / "r.json")]
    rset = RevisionSet(rdir.path)
    record_approval(rset, rset.by_id[r1.rev_id], by="Jane", accepted=(), findings=())
    result = CliRunner().invoke(cli, common)
    assert result.exit_code == 0, result.output
    assert f"verifying the 1 revision(s) not approved yet ({r2.rev_id}) from the state of {r1.rev_id}" \
        in result.output
    steps = json.loads((tmp_path / "r.json").read_text())["sites"][0]["steps"]
    assert [(s["direction"], s["revision"]) for s in steps] == [("upgrade", r2.rev_id), ("downgrade", r2.rev_id)]
    record_approval(RevisionSet(rdir.path), RevisionSet(rdir.path).by_id[r2.rev_id], by="Jane",
                    accepted=(), findings=())
    result = CliRunner().invoke(cli, common)
    assert result.exit_code == 0 and "nothing new to verify" in result.output
    result = CliRunner().invoke(cli, common + ["--all"])
    assert result.exit_code == 0 and "1 of 1 site run(s) passed" in result.output
    steps = json.loads((tmp_path / "r.json").read_text())["sites"][0]["steps"]
    assert len(steps) == 4
