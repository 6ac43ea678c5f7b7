"""The review layer: lint rules on fixture revisions (annotated with the codes they must
trigger), approvals bound to content, the integrity file, the CI gate, the rule
documentation, and the broken routines of the DLS v4.0.0 -> v5.0.0 update scripts."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.errors import InputError
from schema_tools.model import Snapshot
from schema_tools.offline.reader import read_offline
from schema_tools.review import (
    approve, check_revisions, is_approved, load_rules, review_directory, review_states,
    rule, verify_sum, write_sum,
)
from schema_tools.review.commands import ApprovalRefused
from schema_tools.review.config import LintConfig, load_config
from schema_tools.review.depends import gone_names, references
from schema_tools.review.docs import render_rules_doc
from schema_tools.review.registry import DuplicateRuleError
from schema_tools.migrate.revfile import read_revision_file
from schema_tools.dialect.lexer import UnreadableSql, tokenize
from tests.feature_cases import CASES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "review" / "revisions"
CASE_DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def _expected(rdir: Path) -> set[str]:
    text = next((rdir / "versions").glob("*.py")).read_text(encoding="utf-8")
    m = re.search(r"^# expect: (.+)$", text, re.M)
    assert m, f"{rdir.name}: no '# expect:' line"
    value = m.group(1).strip()
    return set() if value == "none" else {c.strip() for c in value.split(",")}


def _codes(rdir: Path) -> set[str]:
    return {f.code for r in review_directory(rdir) for f in r.findings}


# -- rules on annotated fixtures -----------------------------------------------------------


@pytest.mark.parametrize("rdir", CASE_DIRS, ids=lambda p: p.name)
def test_fixture_triggers_exactly_its_annotated_codes(rdir):
    expected = _expected(rdir)
    fired = _codes(rdir)
    assert fired - expected == set(), f"{rdir.name}: unexpected {sorted(fired - expected)}"
    assert expected - fired == set(), f"{rdir.name}: missing {sorted(expected - fired)}"


def test_every_rule_has_a_fixture_and_clean_fixtures_exist():
    annotated = set().union(*(_expected(d) for d in CASE_DIRS))
    assert annotated == set(load_rules())
    assert sum(1 for d in CASE_DIRS if not _expected(d)) >= 5


# single-feature changes on DLS v5.0.0 (tests/feature_cases.py), read offline: the codes each
# must trigger, no more
FEATURE_CODES = {
    "enum value removed": {"DS105", "LK401"}, "enum values reordered": {"LK401"},
    "signed to unsigned": {"DS107", "LK401"}, "unsigned to signed": {"DS107", "LK401"},
    "float to double": {"LK401"}, "null to not null": {"DD201", "LK402"}, "not null to null": {"LK402"},
    "column charset": {"LK401"}, "convert to character set": {"LK401"}, "check dropped": {"LK401"},
    "unique to non-unique": {"DS103"}, "non-unique to unique": {"DD202"},
    "fk added": {"DD203", "LK401"}, "fk on delete": {"LK401"}, "fk on update": {"LK401"},
    "check added": {"DD204", "LK401"}, "row format": {"LK402"}, "engine": {"LK401"},
    "compressed column": {"LK401"}, "table rename": {"BD301"}, "column rename": {"BD301"},
    "column dropped": {"DS102"}, "default changed": {"DS110"}, "default removed": {"DS110"},
    "procedure dropped": {"DS109"}, "function dropped": {"DS109"},
}


@pytest.fixture(scope="module")
def dls5():
    return Snapshot.read(ROOT / "snapshots" / "dls-v5.0.0.json").schema


@pytest.mark.parametrize("case", sorted(CASES))
def test_feature_case_codes(case, dls5, tmp_path):
    _, sql = CASES[case]
    body = sql.replace("; ", ";\n")
    if "CREATE PROCEDURE" in body or "CREATE FUNCTION" in body or "CREATE TRIGGER" in body:
        body = "DELIMITER ;;\n" + body.replace(";\n", ";;\n") + ";;\nDELIMITER ;\n"
    script = tmp_path / "change.sql"
    script.write_text(body + ";\n" if "DELIMITER" not in body else body)
    after = read_offline([script], base=dls5).schema
    review = review_states(dls5, after, label=case, config=LintConfig())
    assert {f.code for f in review.findings} == FEATURE_CODES.get(case, set())


def test_renamed_column_names_the_routines_that_use_it(dls5, tmp_path):
    script = tmp_path / "c.sql"
    script.write_text(CASES["column rename"][1] + ";\n")
    after = read_offline([script], base=dls5).schema
    review = review_states(dls5, after, label="x", config=LintConfig())
    assert sorted(f.subject for f in review.findings) == [
        "routine PROCEDURE retrieve_samples_assigned_for_proposal",
        "routine PROCEDURE retrieve_samples_for_sample_group"]


# -- the pieces --------------------------------------------------------------------------------


def test_duplicate_code_fails_at_import():
    load_rules()
    with pytest.raises(DuplicateRuleError, match="DS101"):
        @rule("DS101", "error", category="destructive", summary="s", hint="h", example="e")
        def again(ctx):  # pragma: no cover - never runs
            return []
    assert load_rules()["DS101"].module.endswith("ds101_drop_table")


def test_tokenizer_skips_strings_and_comments():
    toks = tokenize("SELECT 'GridInfo.x' -- GridInfo\n, `a``b` /* c */ /*!50001 d */ FROM t # e\n",
                    lenient=True)
    assert [(t.kind, t.name) for t in toks if t.kind != "string"] == [
        ("word", "SELECT"), ("op", ","), ("qident", "a`b"), ("word", "d"), ("word", "FROM"),
        ("word", "t")]
    assert [t.value for t in toks if t.kind == "string"] == ["GridInfo.x"]
    assert [(t.kind, t.value) for t in tokenize("'unterminated", lenient=True)] == [("string", "unterminated")]
    assert tokenize("a /* open", lenient=True)[-1].name == "a"
    assert [(t.kind, t.text) for t in tokenize("SET @x = @@sql_mode, u = 'r'@'h'", lenient=True)
            if t.kind == "var"] == [("var", "@x"), ("var", "@@sql_mode"), ("var", "@")]
    with pytest.raises(UnreadableSql, match="unterminated"):
        tokenize("'unterminated")


def test_references_are_case_insensitive_for_columns_and_respect_other_tables(dls5):
    from schema_tools.diff.changes import Drop

    grid = dls5.table("GridInfo")
    col = grid.column("micronsPerPixelX")
    gone = gone_names([Drop("column", "GridInfo", col)])
    known = [t.name for t in dls5.tables]
    use = lambda body: references(body, known_tables=known, gone=gone, after=dls5)  # noqa: E731 - a one-line local helper
    assert use("SELECT g.MICRONSPERPIXELX FROM GridInfo g") == [("column GridInfo.micronsPerPixelX", "dropped")]
    assert use("SELECT micronsperpixelx FROM GridInfo") == [("column GridInfo.micronsPerPixelX", "dropped")]
    assert use("SELECT 'micronsPerPixelX' FROM GridInfo") == []  # a string
    assert use("SELECT micronsPerPixelX FROM BLSample") == []  # GridInfo is not named
    assert use("DECLARE micronsPerPixelX float; SELECT 1 FROM GridInfo WHERE micronsPerPixelX > 0") == []


def test_a_body_passed_over_is_one_in_which_nothing_would_be_found(dls5, monkeypatch):
    """broken_dependents reads only the bodies in which a name that goes away occurs: the
    same references as reading them all, for drops and renames of tables and columns that
    the routines, views and triggers of DLS v5.0.0 name or not."""
    from schema_tools.diff.changes import Drop, Rename
    from schema_tools.review import depends

    used = {"DataCollection", "BLSession", "Proposal", "Person", "GridInfo", "BLSample", "Container"}
    changes = []
    for t in dls5.tables:
        if t.name in used or t.name.startswith("Screening"):
            changes.append(Drop("column", t.name, t.columns[-1]))
            changes.append(Rename("column", t.name, t.columns[0], dataclasses.replace(t.columns[0], name="x"),
                                  confirmed=True))
    changes += [Drop("table", None, dls5.table("Proposal")), Drop("table", None, dls5.table("Shipping"))]
    cases = [changes[i:i + 3] for i in range(0, len(changes), 3)] + [[c] for c in changes[:12]]
    for case in cases:
        found = depends.broken_dependents(dls5, case)
        with monkeypatch.context() as m:
            m.setattr(depends, "may_name", lambda *a: True)
            assert depends.broken_dependents(dls5, case) == found
    assert any(depends.broken_dependents(dls5, case) for case in cases)
    gone = gone_names([Drop("column", "GridInfo", dls5.table("GridInfo").column("micronsPerPixelX"))])
    needles = depends._needles(gone)
    assert not depends.may_name("SELECT 1 FROM BLSample", needles, gone)
    assert depends.may_name("SELECT MICRONSPERPIXELX FROM GridInfo", needles, gone)
    assert depends.may_name("SELECT g.`micronsPerPixelX` FROM GridInfo g", needles, gone)
    assert depends.may_name("SELECT 'é' FROM t", needles, gone)  # not ASCII: read
    tables = gone_names([Drop("table", None, dls5.table("GridInfo"))])
    assert depends.may_name("SET NEW.x = 1", depends._needles(tables), tables, "GridInfo")  # its own table goes


def test_revision_file_is_read_without_running_it(tmp_path):
    path = tmp_path / "abc_x.py"
    path.write_text('"""x\n\nRevision ID: abc\n"""\nraise SystemExit("ran")\nrevision = "abc"\n'
                    'down_revision = None\n\ndef upgrade():\n    run_sql("USE pydb")\n')
    r = read_revision_file(path)
    assert r.rev_id == "abc" and r.downgrade is None
    assert [c.sql for c in r.statements()] == ["USE pydb"]


# -- configuration -------------------------------------------------------------------------------


def _copy(case: str, dest: Path) -> Path:
    target = dest / "revisions"
    shutil.copytree(FIXTURES / case, target)
    return target


def test_config_from_pyproject_upward(tmp_path):
    rdir = _copy("drop_column_used_by_routine", tmp_path)
    assert _codes(rdir) == {"DS102", "BD301"}
    (tmp_path / "pyproject.toml").write_text(
        '[tool.schema_tools.lint]\ndisable = ["BD301"]\n[tool.schema_tools.lint.severity]\nDS102 = "notice"\n')
    reviews = review_directory(rdir)
    assert [(f.code, f.severity) for f in reviews[0].findings] == [("DS102", "notice")]
    result = CliRunner().invoke(cli, ["review", "--dir", str(rdir)])
    assert result.exit_code == 0, result.output  # a notice is below --fail-on error
    result = CliRunner().invoke(cli, ["review", "--dir", str(rdir), "--fail-on", "notice"])
    assert result.exit_code == 1
    (tmp_path / "pyproject.toml").write_text('[tool.schema_tools.lint]\ndisable = ["XX999"]\n')
    with pytest.raises(InputError, match="XX999"):
        load_config(rdir)


def test_fixture_with_its_own_flavour(tmp_path):
    rdir = _copy("mariadb_only_on_mysql", tmp_path)
    assert load_config(rdir).flavour.name == "mysql"
    (rdir / "pyproject.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.schema_tools.lint]\nflavour = "mariadb"\n')
    assert _codes(rdir) == set()


# -- reports ------------------------------------------------------------------------------------


def test_formats_and_exit_codes():
    rdir = FIXTURES / "drop_table"
    runner = CliRunner()
    text = runner.invoke(cli, ["review", "--dir", str(rdir)])
    assert text.exit_code == 1
    assert "DS101" in text.output and "table AdminVar" in text.output and "fix:" in text.output
    data = runner.invoke(cli, ["review", "--dir", str(rdir), "--format", "json"])
    doc = json.loads(data.output)
    finding = doc["revisions"][0]["findings"][0]
    assert (finding["code"], finding["severity"], finding["subject"]) == ("DS101", "error", "table AdminVar")
    md = runner.invoke(cli, ["review", "--dir", str(rdir), "--format", "markdown"])
    assert "| | Code | Revision | Change | Why |" in md.output and "**How to fix**" in md.output
    clean = runner.invoke(cli, ["review", "--dir", str(FIXTURES / "clean_add_index")])
    assert clean.exit_code == 0 and "0 errors, 0 warnings, 0 notices" in clean.output
    warn = runner.invoke(cli, ["review", "--dir", str(FIXTURES / "new_unique_index"), "--fail-on", "warning"])
    assert warn.exit_code == 1


# -- approvals, integrity, check ------------------------------------------------------------------


def test_approve_then_edit_one_character_voids_it(tmp_path):
    rdir = _copy("drop_column", tmp_path)
    kinds = {p.kind for p in check_revisions(rdir)}
    assert kinds == {"unapproved", "integrity"}
    rev = next((rdir / "versions").glob("*.py")).name.split("_")[0]
    with pytest.raises(ApprovalRefused, match="DS102"):
        approve(rdir, rev, by="alice")
    runner = CliRunner()
    result = runner.invoke(cli, ["review", "--dir", str(rdir), "--approve", rev, "--by", "alice",
                                 "--accept", "DS102"])
    assert result.exit_code == 0, result.output
    ledger = json.loads((rdir / "approvals.json").read_text())
    entry = ledger["approvals"][rev]
    assert entry["by"] == "alice" and entry["accepted"] == ["DS102"]
    assert entry["findings"] == ["DS102 column Protein.temperature"]
    assert check_revisions(rdir) == [] and is_approved(rdir, rev)
    assert runner.invoke(cli, ["check", "--dir", str(rdir)]).exit_code == 0
    # the accepted finding no longer fails the review
    assert runner.invoke(cli, ["review", "--dir", str(rdir)]).exit_code == 0
    path = next((rdir / "versions").glob("*.py"))
    text = path.read_text()
    path.write_text(text.replace("DROP COLUMN", "DROP COLUMn", 1))
    assert not is_approved(rdir, rev)
    result = runner.invoke(cli, ["check", "--dir", str(rdir)])
    assert result.exit_code == 1
    assert "modified:" in result.output and "integrity:" in result.output


def test_state_edit_voids_approval_and_fingerprint_is_checked(tmp_path):
    rdir = _copy("drop_column", tmp_path)
    rev = next((rdir / "versions").glob("*.py")).name.split("_")[0]
    approve(rdir, rev, by="bob", accept=["DS102"])
    state = rdir / "states" / f"{rev}.json"
    other = Snapshot.read(rdir / "states" / "base.json")
    Snapshot(other.schema).write(state)
    (rdir / "states" / f"{rev}.meta.json").unlink()
    kinds = {p.kind for p in check_revisions(rdir)}
    assert {"modified", "integrity", "fingerprint"} <= kinds


def test_integrity_detects_removed_added_and_reordered(tmp_path):
    rdir = tmp_path / "revisions"
    shutil.copytree(FIXTURES / "drop_table", rdir)
    first = next((rdir / "versions").glob("*.py"))
    rev1 = first.name.split("_")[0]
    # a second revision on top of the first, then a third beside it
    second = rdir / "versions" / "bbbbbbbbbbbb_second.py"
    second.write_text(first.read_text().replace(f"revision = {rev1!r}", "revision = 'bbbbbbbbbbbb'")
                      .replace("down_revision = None", f"down_revision = {rev1!r}"))
    shutil.copy(rdir / "states" / f"{rev1}.json", rdir / "states" / "bbbbbbbbbbbb.json")
    write_sum(rdir)
    assert verify_sum(rdir) == []
    third = rdir / "versions" / "cccccccccccc_third.py"
    third.write_text(second.read_text().replace("'bbbbbbbbbbbb'", "'cccccccccccc'"))
    assert {m.kind for m in verify_sum(rdir)} == {"added"}
    problems = check_revisions(rdir)
    assert any(p.kind == "heads" for p in problems)
    (tmp_path / "pyproject.toml").write_text("[tool.schema_tools.lint]\nallow_branches = true\n")
    assert not any(p.kind == "heads" for p in check_revisions(rdir))
    third.unlink()
    second.unlink()
    assert {m.kind for m in verify_sum(rdir)} == {"removed"}
    # reorder: the second revision becomes the parent of the first
    second.write_text(first.read_text().replace(f"revision = {rev1!r}", "revision = 'bbbbbbbbbbbb'"))
    first.write_text(first.read_text().replace("down_revision = None", "down_revision = 'bbbbbbbbbbbb'"))
    kinds = {m.kind for m in verify_sum(rdir)}
    assert {"reordered", "edited"} <= kinds


def test_shipped_revisions_pass_check():
    rdir = ROOT / "revisions"
    assert check_revisions(rdir) == []
    assert is_approved(rdir, "dls_v5_0_0") and is_approved(rdir, "esrf_dls5_2")
    result = CliRunner().invoke(cli, ["check", "--dir", str(rdir)])
    assert result.exit_code == 0, result.output


def test_rule_docs_are_generated_from_the_registry():
    doc = (ROOT / "docs" / "lint-rules.md").read_text(encoding="utf-8")
    assert doc == render_rules_doc(), "regenerate: python -m schema_tools.review.docs -o docs/lint-rules.md"
    for code in load_rules():
        assert f"### {code}" in doc


# -- the real release step ---------------------------------------------------------------------

# routines of DLS v4.0.0 that read or write GridInfo.pixelsPerMicronX/Y, which
# 2026_04_22_GridInfo_pixelsPerMicron.sql drops (v5.0.0's routines.sql rewrites them)
STALE_GRID_ROUTINES = {
    "PROCEDURE retrieve_grid_info_for_dc", "PROCEDURE retrieve_grid_info_for_dc_ids",
    "PROCEDURE retrieve_grid_info_for_dcg", "PROCEDURE retrieve_grid_info_for_dcg_v2",
    "PROCEDURE upsert_dc_grid", "PROCEDURE upsert_dcg_grid",
}


def _dls_sources(corpus):
    dls = corpus / "ispyb" / "dls"
    base = [dls / "v4.0.0" / f for f in ("tables.sql", "lookups.sql", "routines.sql")]
    updates = sorted((dls / "updates-v4.0.0-to-v5.0.0").glob("*.sql"))
    assert len(updates) == 71
    return base, updates


@pytest.mark.corpus
def test_update_scripts_break_routines_by_name(corpus):
    """v4.0.0 plus its 71 update scripts, without re-running routines.sql: the routines
    that use dropped or renamed columns are named."""
    base, updates = _dls_sources(corpus)
    before = read_offline(base).schema
    after = read_offline(base + updates).schema
    review = review_states(before, after, label="v4.0.0 -> updates", config=LintConfig())
    broken = {f.subject.removeprefix("routine ") for f in review.findings if f.code == "BD301"}
    assert broken == STALE_GRID_ROUTINES
    for f in review.findings:
        if f.code == "BD301":
            assert "GridInfo.pixelsPerMicronX (dropped)" in f.why
    # the release itself re-creates those routines: the shipped revision breaks none
    shipped = review_directory(ROOT / "revisions")[0]
    assert [f for f in shipped.findings if f.code.startswith("BD")] == []


@pytest.mark.corpus
def test_review_from_to_on_the_command_line(corpus):
    base, updates = _dls_sources(corpus)
    a = ",".join(map(str, base))
    b = a + "," + str(updates[0].parent)
    result = CliRunner().invoke(cli, ["review", "--offline", "--from", a, "--to", b, "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["revisions"][0]["findings"]
    assert {f["subject"].removeprefix("routine ") for f in findings if f["code"] == "BD301"} == STALE_GRID_ROUTINES


# -- table sizes from a server -------------------------------------------------------------------


@pytest.mark.server
def test_url_gives_table_sizes_and_empty_tables_are_not_populated(server, scratch_db):
    from schema_tools.sources.connection import parse_url

    rdir = FIXTURES / "add_not_null_without_default"
    conn = parse_url(server.url(scratch_db)).connect()
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE `Protein` (proteinId int unsigned NOT NULL PRIMARY KEY)")
        empty = review_directory(rdir, url=server.url(scratch_db))[0]
        assert empty.findings == []
        assert [(t.table, t.rows) for t in empty.tables] == [("Protein", 0)]
        with conn.cursor() as cur:
            cur.execute("INSERT INTO `Protein` VALUES (1), (2), (3)")
            cur.execute("ANALYZE TABLE `Protein`")
            cur.fetchall()
        full = review_directory(rdir, url=server.url(scratch_db))[0]
        assert [f.code for f in full.findings] == ["DD201"]
        assert "3 rows" in full.findings[0].why
        result = CliRunner().invoke(cli, ["review", "--dir", str(rdir), "--url", server.url(scratch_db)])
        assert "tables touched" in result.output and "Protein" in result.output
    finally:
        conn.close()


def test_root_with_its_own_starting_state(tmp_path):
    """A second line of revisions records its starting state as states/<root>.before.json;
    the review, the content hash and the integrity file cover it."""
    rdir = _copy("drop_table", tmp_path)
    rev = next((rdir / "versions").glob("*.py")).name.split("_")[0]
    (rdir / "states" / "base.json").rename(rdir / "states" / f"{rev}.before.json")
    assert _codes(rdir) == {"DS101"}
    approve(rdir, rev, by="carol", accept=["DS101"])
    assert check_revisions(rdir) == []
    assert f"states/{rev}.before.json" in (rdir / "revisions.sum").read_text()
    path = rdir / "states" / f"{rev}.before.json"
    path.write_text(path.read_text().replace('"AdminVar"', '"AdminVaR"', 1))
    kinds = {p.kind for p in check_revisions(rdir)}
    assert {"modified", "integrity"} <= kinds


def test_check_trusts_a_sidecar_only_for_the_bytes_it_hashed(tmp_path):
    """check reads a state's fingerprint from its sidecar without parsing the state, but a
    state edited or cut short behind the sidecar's back is parsed, and reported."""
    from schema_tools.model.snapshot import fingerprint_of

    rdir = _copy("drop_column", tmp_path)
    rev = next((rdir / "versions").glob("*.py")).name.split("_")[0]
    state = rdir / "states" / f"{rev}.json"
    Snapshot(Snapshot.read(state).schema).write(state)  # a sidecar with the content hash
    assert fingerprint_of(state) == Snapshot.read(state).fingerprint
    text = state.read_text()
    state.write_text(text.replace('"name": "Protein"', '"name": "Proteins"', 1))  # edited, sidecar kept
    kinds = {p.kind for p in check_revisions(rdir)}
    assert "fingerprint" in kinds or "state" in kinds
    state.write_text(text[: len(text) // 2])  # truncated
    problems = [p for p in check_revisions(rdir) if p.kind == "state"]
    assert problems and "truncated" in problems[0].message


def test_review_results_are_cached_by_content(tmp_path, monkeypatch):
    """A second review of unchanged revisions reads no state; an edit to the revision, its
    states or the configuration is reviewed anew."""
    import schema_tools.review.engine as engine

    monkeypatch.setenv("SCHEMA_TOOLS_CACHE", str(tmp_path / "cache"))
    rdir = _copy("drop_column", tmp_path)
    first = review_directory(rdir)
    reads = []
    monkeypatch.setattr(engine, "read_state", lambda path: reads.append(path) or Snapshot.read(path).schema)
    again = review_directory(rdir)
    assert reads == [] and [f.to_dict() for f in again[0].findings] == [f.to_dict() for f in first[0].findings]
    path = next((rdir / "versions").glob("*.py"))
    path.write_text(path.read_text().replace("# expect: DS102", "# expect: DS102 (edited)"))
    review_directory(rdir)
    assert len(reads) == 2  # the edited revision is reviewed again
    (rdir / "pyproject.toml").write_text('[tool.schema_tools.lint]\ndisable = ["DS102"]\n')
    assert review_directory(rdir)[0].findings == []
    monkeypatch.setenv("SCHEMA_TOOLS_CACHE", "off")
    review_directory(rdir)
    assert len(reads) == 6
