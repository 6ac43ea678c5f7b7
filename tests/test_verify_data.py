"""``verify`` proves data, not only shape: a table or column whose seeded values a revision
loses (dropped, or dropped and added again) passes only when the revision's approval in
approvals.json accepts that exact drop, and the report names the object and the rows."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model.objects import Column, DataType, Index, IndexColumn, Schema, Table
from schema_tools.review.commands import approve
from schema_tools.review.ledger import record_approval
from schema_tools.migrate.revfile import RevisionSet
from schema_tools.verify.runner import _rows_of, compare_rows, verify

from .test_verify import ADD_BEAMLINE, BASE_SQL, _insert_in_upgrade, _run, _site, _snapshot

DROP_AND_ADD_COMMENTS = [
    "run_sql('ALTER TABLE `BLSession` DROP COLUMN `comments`')",
    "run_sql('ALTER TABLE `BLSession` ADD COLUMN `comments` varchar(255) DEFAULT NULL AFTER `beamLineName`')",
]


def _record(rdir: RevisionDir, rev: str, accepted=(), findings=()) -> None:
    """An approval of ``rev`` bound to its current content, as ``review --approve`` writes
    one, with the given codes and findings."""
    rset = RevisionSet(rdir.path)
    record_approval(rset, rset.by_id[rev], by="Jane Doe", accepted=tuple(accepted), findings=tuple(findings))


def _drop_and_add(server, tmp_path: Path):
    """ADD_BEAMLINE, whose upgrade then drops BLSession.comments and adds it again: the
    schema ends as recorded, the 12 seeded values of the column do not."""
    rdir, snaps, info = _site(server, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    _insert_in_upgrade(info.path, DROP_AND_ADD_COMMENTS, after_first_statement=False)
    return rdir, snaps, info


@pytest.mark.server
def test_a_column_dropped_and_added_again_fails_naming_it_and_the_rows_lost(server, tmp_path):
    rdir, snaps, info = _drop_and_add(server, tmp_path)
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=12)
    up = report.sites[0].steps[0]
    assert up.residual_count == 0, "the schema ends equal: only the data shows the loss"
    assert not up.ok and not report.ok
    assert up.data.lost == [
        "BLSession.comments dropped and re-created: 12 of 12 row(s) lost their values (now NULL); "
        f"not accepted in approvals.json (DS102): revision {info.rev_id} has no approval"]
    (dropped,) = up.data.dropped
    assert (dropped.subject, dropped.how, dropped.rows, dropped.lost, dropped.accepted) == (
        "column BLSession.comments", "re-created", 12, 12, False)


@pytest.mark.server
def test_a_column_dropped_and_added_again_passes_when_its_approval_accepts_ds102(server, tmp_path):
    rdir, snaps, info = _drop_and_add(server, tmp_path)
    _record(rdir, info.rev_id, ["DS102"], ["DS102 column BLSession.comments"])
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=12)
    assert report.ok, report.to_dict()
    up = report.sites[0].steps[0]
    (dropped,) = up.data.dropped
    assert dropped.accepted and dropped.lost == 12
    assert dropped.reason == "DS102 column BLSession.comments, approved by Jane Doe"
    assert not up.data.lost


@pytest.mark.server
@pytest.mark.parametrize("accepted, findings, edit, why", [
    (["DS102"], ["DS102 column BLSession.startDate"], False,
     "the approval of {rev} accepts DS102, but not for column BLSession.comments"),
    ([], ["DS102 column BLSession.comments"], False, "the approval of {rev} does not accept DS102"),
    (["DS102"], ["DS102 column BLSession.comments"], True,
     "the approval of {rev} is void: the revision or its state changed after it was approved"),
], ids=["another-column", "code-not-accepted", "edited-after-approval"])
def test_the_approval_must_accept_that_exact_column_and_still_match(server, tmp_path, accepted,
                                                                      findings, edit, why):
    rdir, snaps, info = _drop_and_add(server, tmp_path)
    _record(rdir, info.rev_id, accepted, findings)
    if edit:
        info.path.write_text(info.path.read_text() + "# edited after the approval\n")
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=12)
    up = report.sites[0].steps[0]
    assert not up.ok
    assert up.data.lost[0].endswith("(DS102): " + why.format(rev=info.rev_id)), up.data.lost


def _site_to(server, tmp_path: Path, target_sql: str):
    base = _snapshot(server, tmp_path, "base", BASE_SQL)
    target = _snapshot(server, tmp_path, "target", target_sql)
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    base.write(snaps / "lab.json")
    rdir = RevisionDir(tmp_path / "revisions")
    info = generate(rdir, source=base.schema, target=target.schema, message="change", server=server.url())
    return rdir, snaps, info


@pytest.mark.server
def test_a_column_dropped_for_another_name_loses_its_values(server, tmp_path):
    """A likely rename that the developer replaced by a drop and an add, as the CONFIRM
    note allows: the values are followed to the new name, and are not there."""
    rdir, snaps, info = _site_to(server, tmp_path,
                                 BASE_SQL.replace("`comments` varchar(255)", "`remarks` varchar(255)"))
    text = info.path.read_text()
    change = "run_sql('ALTER TABLE `BLSession` CHANGE COLUMN `comments` `remarks` varchar(255)"
    (line,) = [x for x in text.splitlines() if x.strip().startswith(change)]
    info.path.write_text(text.replace(line, "\n".join([
        "    run_sql('ALTER TABLE `BLSession` DROP COLUMN `comments`')",
        "    run_sql('ALTER TABLE `BLSession` ADD COLUMN `remarks` varchar(255) DEFAULT NULL "
        "AFTER `proposalId`')"])))
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=12)
    up = report.sites[0].steps[0]
    assert up.residual_count == 0 and not up.ok
    assert up.data.lost == [
        "BLSession.comments dropped and re-created as remarks: 12 of 12 row(s) lost their values "
        f"(now NULL); not accepted in approvals.json (DS102): revision {info.rev_id} has no approval"]


WITHOUT_BLSESSION = BASE_SQL[:BASE_SQL.index("CREATE TABLE `BLSession`")]


@pytest.mark.server
def test_a_dropped_table_fails_unless_its_approval_accepts_ds101(server, tmp_path):
    rdir, snaps, info = _site_to(server, tmp_path, WITHOUT_BLSESSION)
    # --all: once approved, the revision is not new, and would not be verified by default
    common = ["verify", "--all", "--dir", str(rdir.path), "--snapshots", str(snaps), "--server", server.url()]
    code, out = _run(*common, "--report", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml"))
    message = ("table BLSession dropped with 10 row(s); not accepted in approvals.json (DS101): "
               f"revision {info.rev_id} has no approval")
    assert code == 1 and message in out, out
    step = json.loads((tmp_path / "r.json").read_text())["sites"][0]["steps"][0]
    assert step["ok"] is False and step["data"]["lost"] == [message]
    (dropped,) = step["data"]["dropped"]
    assert {k: dropped[k] for k in ("kind", "table", "column", "rows", "lost", "accepted", "code")} == {
        "kind": "table", "table": "BLSession", "column": None, "rows": 10, "lost": 10,
        "accepted": False, "code": "DS101"}
    failure = ET.parse(tmp_path / "r.xml").getroot().find(".//failure")
    assert failure is not None and failure.get("message") == message
    # accepted through review --approve: passes, and the report says so
    approve(rdir.path, info.rev_id, by="Jane Doe", accept=["DS101"])
    code, out = _run(*common, "--report", str(tmp_path / "r2.json"), "--junit", str(tmp_path / "r2.xml"))
    assert code == 0, out
    assert "table BLSession dropped with 10 row(s); accepted in approvals.json (DS101): " \
           "DS101 table BLSession, approved by Jane Doe" in out
    (dropped,) = json.loads((tmp_path / "r2.json").read_text())["sites"][0]["steps"][0]["data"]["dropped"]
    assert dropped["accepted"] is True and dropped["lost"] == 10
    assert "DS101 table BLSession" in ET.parse(tmp_path / "r2.xml").getroot().find(".//system-out").text


@pytest.mark.server
def test_a_dropped_column_fails_with_its_rows_unless_accepted(server, tmp_path):
    rdir, snaps, info = _site_to(server, tmp_path,
                                 BASE_SQL.replace("  `comments` varchar(255) DEFAULT NULL,\n", ""))
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=40)
    up = report.sites[0].steps[0]
    assert not up.ok and up.residual_count == 0
    assert up.data.lost == [
        "BLSession.comments dropped with 40 row(s) holding values; not accepted in approvals.json "
        f"(DS102): revision {info.rev_id} has no approval"]
    approve(rdir.path, info.rev_id, by="Jane Doe", accept=["DS102"])
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=40)
    assert report.ok, report.to_dict()
    (dropped,) = report.sites[0].steps[0].data.dropped
    assert dropped.accepted and (dropped.rows, dropped.lost) == (40, 40)


# --------------------------------------------------------------------------- no server


def _table(*cols: Column) -> Table:
    return Table("T", (Column("id", DataType("int", 11), nullable=False),) + cols,
                 primary_key=Index("PRIMARY", (IndexColumn("id"),), kind="primary"))


def test_a_dropped_column_that_held_only_null_loses_0_rows_and_still_needs_acceptance():
    before = _table(Column("note", DataType("varchar", 20)))
    after = _table()
    rows = _rows_of(before, [(1, None), (2, None), (3, None)])
    check = compare_rows({"T": rows}, [], Schema(tables=(after,)), {"T": _rows_of(after, [(1,), (2,), (3,)])})
    (dropped,) = check.dropped
    assert (dropped.rows, dropped.lost, dropped.accepted) == (3, 0, False)
    assert dropped.what == "T.note dropped; 0 row(s) lost: it held only NULL in all 3 seeded row(s)"


@pytest.mark.parametrize("column, now, recreated", [
    (Column("v", DataType("varchar", 20)), [None, None, None], "NULL"),
    (Column("v", DataType("varchar", 20), default="'n/a'"), ["n/a", "n/a", "n/a"], "'n/a'"),
    (Column("v", DataType("varchar", 20), nullable=False), ["", "", ""], "''"),
    (Column("v", DataType("int", 11), nullable=False, default="0"), ["0", "0", "0"], "'0'"),
    (Column("v", DataType("varchar", 20), default="'n/a'"), [None, None, None], "NULL"),
])
def test_values_replaced_by_null_or_the_default_are_a_drop_and_re_create(column, now, recreated):
    """(A cut value is not: the existing truncation test keeps it a change of values.)"""
    table = _table(column)
    old = _rows_of(table, [(1, "10001"), (2, "10002"), (3, "10003")])
    new = _rows_of(table, [(i + 1, v) for i, v in enumerate(now)])
    check = compare_rows({"T": old}, [], Schema(tables=(table,)), {"T": new})
    (dropped,) = check.dropped
    assert (dropped.how, dropped.lost, dropped.now) == ("re-created", 3, recreated)
    assert not check.lost, "a loss the ledger decides on, not a change of values"


@pytest.mark.parametrize("key", [("a",), ("a", "b"), ()])
def test_rows_are_ordered_by_their_normalised_key_nulls_last(key):
    cols = (Column("a", DataType("varchar", 10)), Column("b", DataType("int")))
    primary = Index("PRIMARY", tuple(IndexColumn(k) for k in key), kind="primary") if key else None
    table = Table("T", cols, primary_key=primary)
    rows = [("b", 2), (None, 1), ("", 3), ("a", 10), ("a", 9), (None, None)]
    got = _rows_of(table, rows)
    keys = [i for i, c in enumerate(("a", "b")) if c in key] or [0, 1]
    norm = [tuple(None if v is None else str(v) for v in r) for r in rows]
    norm.sort(key=lambda r: tuple((r[i] is None, r[i] or "") for i in keys))
    assert got.count == 6 and got.values == {"a": [r[0] for r in norm], "b": [r[1] for r in norm]}
    assert got.values["a"][-2:] == [None, None] if key == ("a",) else True
    empty = _rows_of(table, [])
    assert empty.values == {"a": [], "b": []} and set(empty.digests) == {"a", "b"}
