"""Diff reports (text, JSON, Markdown, HTML) and the ``diff`` command; no server needed."""

from __future__ import annotations

import fnmatch
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.changes import Rename
from schema_tools.diff.compare import DiffOptions, diff, diff_apart
from schema_tools.model.objects import (
    Column, DataType, Index, IndexColumn, Routine, Schema, Table, View,
)
from schema_tools.model.snapshot import Snapshot
from schema_tools.render.diff_report import FORMATS, render_diff

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
ESRF = SNAPSHOTS / "esrf-pydb.json"
DLS5 = SNAPSHOTS / "dls-v5.0.0.json"
DLS4 = SNAPSHOTS / "dls-v4.0.0.json"


@pytest.fixture(scope="module")
def schemas():
    return Snapshot.read(ESRF).schema, Snapshot.read(DLS5).schema


@pytest.fixture(scope="module")
def changes(schemas):
    return diff(*schemas)


def render(changes, fmt):
    return render_diff(changes, a_label="esrf-pydb", b_label="dls-v5.0.0", fmt=fmt)


def run(*args):
    """Exit code and stdout (errors and warnings go to stderr, checked with ``run_err``)."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout


def run_err(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stderr


def _table(name, *columns, comment=""):
    cols = tuple(Column(c, DataType("int", 11), nullable=False) if isinstance(c, str) else c
                 for c in columns)
    return Table(name, cols, primary_key=Index("PRIMARY", (IndexColumn(cols[0].name),), "primary"),
                 charset="latin1", collation="latin1_swedish_ci", comment=comment)


def _write(tmp_path, name, schema):
    return Snapshot(schema).write(tmp_path / f"{name}.json")


# ---------------------------------------------------------------------------------------
# Each format on the real ESRF -> DLS v5 diff


def test_text_report_groups_and_lines(changes):
    text = render(changes, "text")
    lines = text.splitlines()
    assert lines[:2] == ["--- a: esrf-pydb", "+++ b: dls-v5.0.0"]
    assert "- table AbInitioModel (7 columns, 5 indexes, 4 foreign keys)" in lines
    assert "table DataCollection" in lines
    assert "  > rename column DataCollection.blSampleId -> BLSAMPLEID (case only)" in lines
    assert ("  ~ column AutoProcProgram.processingStatus: type enum('RUNNING','FAILED','SUCCESS',"
            "'0','1') -> tinyint(1); charset latin1 -> (none); collation latin1_swedish_ci -> (none)"
            in lines)
    assert ("  ? likely rename column AutoProcScalingStatistics.ccAno -> ccAnomalous "
            "(confirm: same definition and place, different name)" in lines)
    # one line per change, every change line in its group
    marks = [ln for ln in lines if re.match(r"^ {0,2}[-+~>?] ", ln)]
    assert len(marks) == len(changes)
    # database-level objects come after every table group
    assert lines.index("routines") > max(i for i, ln in enumerate(lines) if ln.startswith("table "))
    assert lines[-1].startswith(f"summary: {len(changes)} changes (")
    assert "table: add 66, drop 59, alter 20" in lines[-1]  # 13 of them: index order


def test_json_report_summary_matches_changes(changes):
    doc = json.loads(render(changes, "json"))
    assert doc["format"] == "schema-tools-diff" and doc["version"] == 1
    assert (doc["a"], doc["b"], doc["identical"]) == ("esrf-pydb", "dls-v5.0.0", False)
    entries = doc["changes"]
    summary = doc["summary"]
    assert summary["changes"] == len(entries) == len(changes)
    counted = Counter((e["kind"], e["action"]) for e in entries)
    assert summary["by_kind"] == {k: {a: counted[(k, a)] for a in ("add", "drop", "alter", "rename")}
                                  for k in dict.fromkeys(e["kind"] for e in entries)}
    assert summary["by_kind"]["table"]["drop"] == 59      # tables only at ESRF
    assert summary["by_kind"]["table"]["add"] == 66       # tables only in DLS v5
    confirmed_columns = [e for e in entries
                         if e["kind"] == "column" and e["action"] == "rename" and e["confirmed"]]
    assert len(confirmed_columns) == 24
    assert summary["confirmed_renames"] == sum(1 for e in entries if e.get("confirmed") is True)
    assert summary["unconfirmed_renames"] == sum(1 for e in entries if e.get("confirmed") is False) > 0
    for action in ("add", "drop", "alter", "rename"):
        assert summary[action] == sum(1 for e in entries if e["action"] == action)


def test_json_report_entries(changes):
    by_path = {(e["action"], e["path"]): e for e in json.loads(render(changes, "json"))["changes"]}
    status = by_path[("alter", "AutoProcProgram.processingStatus")]
    assert status["table"] == "AutoProcProgram" and status["kind"] == "column"
    assert status["old"]["type"] == "enum('RUNNING','FAILED','SUCCESS','0','1')"
    assert status["new"]["type"] == "tinyint(1)"
    assert set(status["changed"]) == set(status["old"]) == set(status["new"])
    rename = by_path[("rename", "DataCollection.BLSAMPLEID")]
    assert (rename["old_name"], rename["confirmed"]) == ("blSampleId", True)
    dropped = by_path[("drop", "AbInitioModel")]
    assert dropped["table"] == "AbInitioModel" and len(dropped["old"]["columns"]) == 7
    added_col = next(e for e in by_path.values() if e["kind"] == "column" and e["action"] == "add")
    assert "after" in added_col and added_col["new"]["name"] == added_col["name"]
    routine = next(e for e in by_path.values() if e["kind"] == "routine")
    assert routine["table"] is None and isinstance(routine["new"]["body"], list)


def test_markdown_report(changes):
    md = render(changes, "markdown")
    assert md.startswith("## Schema diff: `esrf-pydb` -> `dls-v5.0.0`\n")
    assert "| kind | added | dropped | altered | renamed |" in md
    assert "| table | 66 | 59 | 20 | 0 |" in md
    assert "### Tables only in `esrf-pydb` (59)" in md
    assert "#### `DataCollection` (" in md
    # long lists are collapsed, and every <details> is closed
    assert md.count("<details>") == md.count("</details>") > 0
    # fenced blocks are balanced
    assert len(re.findall(r"^```", md, re.M)) % 2 == 0


def test_html_report(changes):
    page = render(changes, "html")
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert page.count("<li class=\"change ") == len(changes)
    assert "<td>66</td><td>59</td><td>20</td><td>0</td>" in page
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=""", page)


def test_unknown_format_is_an_error(changes):
    from schema_tools.errors import InputError

    with pytest.raises(InputError, match="unknown diff format"):
        render(changes, "yaml")


def test_identical_schemas(schemas):
    a, _ = schemas
    assert diff(a, a) == []
    assert "no differences" in render([], "text")
    assert json.loads(render([], "json"))["identical"] is True
    assert "No differences" in render([], "markdown")
    assert "No differences" in render([], "html")


# ---------------------------------------------------------------------------------------
# Determinism


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic_and_order_independent(changes, fmt):
    first = render(changes, fmt)
    assert render(changes, fmt) == first
    shuffled = list(changes)
    random.Random(7).shuffle(shuffled)
    assert shuffled != list(changes)
    assert render(shuffled, fmt) == first
    assert render(list(reversed(changes)), fmt) == first


@pytest.mark.parametrize("fmt", FORMATS)
def test_shuffled_input_tables_give_identical_output(schemas, fmt):
    a, b = schemas
    rng = random.Random(11)

    def shuffled(s: Schema) -> Schema:
        tables = list(s.tables)
        rng.shuffle(tables)
        views, routines = list(s.views), list(s.routines)
        rng.shuffle(views)
        rng.shuffle(routines)
        return Schema(s.flavour, s.charset, s.collation, tuple(tables), tuple(views),
                      tuple(routines), s.triggers, s.events, s.data)

    expected = render(diff(a, b), fmt)
    assert render(diff(shuffled(a), shuffled(b)), fmt) == expected


# ---------------------------------------------------------------------------------------
# Hostile names

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def hostile_changes():
    evil_col = Column('x"><img src=x onerror=alert(1)>', DataType("int", 11),
                      comment="see https://evil.example/a and http://evil.example/b")
    # a body line of backticks next to the change: its diff context must not end a fence
    body = "BEGIN\n```\n{}\nEND"
    a = Schema(tables=(_table("Keep", "id"),),
               views=(View("v", "select 1"),),
               routines=(Routine(HOSTILE, "PROCEDURE", body.format("SELECT 1;")),))
    b = Schema(tables=(_table(HOSTILE, "id", evil_col, comment="&amp; http://x"),
                       _table("Keep", "id", Column("line\nbreak\u202e`", DataType("int", 11)))),
               views=(View("v", "select '</script><script>alert(2)</script>'"),),
               routines=(Routine(HOSTILE, "PROCEDURE", body.format(HOSTILE)),))
    return diff(a, b)


def _outside_fences(md: str) -> str:
    """The Markdown outside fenced code blocks, read as CommonMark does: a fence opens
    with 3+ backticks after up to 3 spaces and closes on a line of at least as many."""
    out, fence = [], 0
    for line in md.split("\n"):
        m = re.match(r"^ {0,3}(`{3,})", line)
        if fence == 0 and m:
            fence = len(m.group(1))
        elif fence and re.match(r"^ {0,3}(`{" + str(fence) + r",})\s*$", line):
            fence = 0
        elif fence == 0:
            out.append(line)
    return "\n".join(out)


def test_html_escapes_hostile_names(hostile_changes):
    page = render_diff(hostile_changes, a_label="a<b>", b_label=HOSTILE, fmt="html")
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "<b>" not in page and "alert(2)</script>" not in page
    assert page.count("<script") == 1  # ours, allowed by its hash in the CSP
    assert "http://" not in page and "https://" not in page
    assert "\u202e" not in page and "\\u202e" in page


def test_text_and_markdown_keep_hostile_names_on_one_line(hostile_changes):
    text = render_diff(hostile_changes, a_label="a", b_label="b", fmt="text")
    assert "line\\x0abreak\\u202e`" in text and "line\nbreak" not in text
    md = render_diff(hostile_changes, a_label="a", b_label="b", fmt="markdown")
    assert "line\nbreak" not in md and "\u202e" not in md
    assert "```` diff" not in md and "````diff" in md  # the body holds ```: longer fences
    # raw HTML from a schema never reaches the Markdown outside a code block
    outside = _outside_fences(md)
    assert "<script" not in outside and "</script" not in outside
    assert "\n-SELECT 1;\n" in md and f"\n+{HOSTILE}\n" in md


def test_json_keeps_hostile_names_exactly(hostile_changes):
    doc = json.loads(render_diff(hostile_changes, a_label="a", b_label="b", fmt="json"))
    assert HOSTILE in {e["name"] for e in doc["changes"]}
    assert "line\nbreak\u202e`" in {e["name"] for e in doc["changes"]}


# ---------------------------------------------------------------------------------------
# The command


def test_cli_exit_codes(tmp_path):
    code, out = run("diff", DLS5, DLS5)
    assert code == 0 and "no differences" in out
    code, out = run("diff", ESRF, DLS5)
    assert code == 1 and "> rename column DataCollection.blSampleId -> BLSAMPLEID (case only)" in out
    code, err = run_err("diff", ESRF, tmp_path / "missing.json")
    assert code == 2 and "cannot read snapshot" in err
    code, err = run_err("diff", ESRF, DLS5, "--ignore", "nonsense")
    assert code == 2 and "unknown --ignore value" in err
    code, _ = run("diff", ESRF, DLS5, "--format", "yaml")
    assert code == 2
    # the ESRF dump lacks the definitions of its views: said on stderr, not in the report
    code, err = run_err("diff", ESRF, DLS5)
    assert code == 1 and "view(s) without a definition" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_writes_every_format(tmp_path, fmt):
    out_file = tmp_path / f"diff.{fmt}"
    code, out = run("diff", DLS4, DLS5, "--format", fmt, "-o", out_file)
    assert code == 1 and out == ""
    text = out_file.read_text(encoding="utf-8")
    # the command compares "unstated = any" and names each side by its snapshot's site
    changes, apart = diff_apart(Snapshot.read(DLS4).schema, Snapshot.read(DLS5).schema,
                                DiffOptions(unstated_any=True))
    expected = render_diff(changes, a_label="DLS v4.0.0", b_label="DLS v5.0.0", fmt=fmt, apart=apart)
    assert text == expected


def test_cli_ignore_comments(tmp_path):
    base = _table("T", "id", Column("c", DataType("int", 11), comment="old"))
    other = _table("T", "id", Column("c", DataType("int", 11), comment="new"))
    a, b = _write(tmp_path, "a", Schema(tables=(base,))), _write(tmp_path, "b", Schema(tables=(other,)))
    code, out = run("diff", a, b)
    assert code == 1 and "~ column T.c: comment 'old' -> 'new'" in out
    code, out = run("diff", a, b, "--ignore", "comments")
    assert code == 0 and "no differences" in out

    def alters(*extra):
        code, out = run("diff", ESRF, DLS5, "--format", "json", *extra)
        assert code == 1
        return [e for e in json.loads(out)["changes"] if e["action"] == "alter"]

    assert any(e["changed"] == ["comment"] for e in alters())
    assert not any("comment" in e["changed"] for e in alters("--ignore", "comments"))
    both = alters("--ignore", "comments,column-order")
    assert both and not any({"comment", "position"} & set(e["changed"]) for e in both)
    assert alters("--ignore", "comments", "--ignore", "column-order") == both


def test_cli_tables_filter():
    def table_names(*extra):
        code, out = run("diff", ESRF, DLS5, "--format", "json", *extra)
        assert code == 1
        return {e["table"] for e in json.loads(out)["changes"] if e["table"]}

    everything = table_names()
    assert any(not fnmatch.fnmatchcase(t, "Data*") for t in everything)
    filtered = table_names("--tables", "Data*")
    assert filtered and all(fnmatch.fnmatchcase(t, "Data*") for t in filtered)
    assert filtered == {t for t in everything if fnmatch.fnmatchcase(t, "Data*")}
    two = table_names("--tables", "Data*", "--tables", "BLSample")
    assert two == filtered | {"BLSample"}


def test_renames_reported_in_both_directions(schemas):
    a, b = schemas
    forward = [c for c in diff(a, b) if isinstance(c, Rename) and c.confirmed and c.kind == "column"]
    text = render_diff(diff(b, a), a_label="dls", b_label="esrf", fmt="text")
    assert len(forward) == 24
    assert "  > rename column DataCollection.BLSAMPLEID -> blSampleId (case only)" in text.splitlines()


def test_database_defaults_change():
    changes = diff(Schema(charset="latin1", collation="latin1_swedish_ci"),
                   Schema(charset="utf8mb4", collation="utf8mb4_general_ci"))
    text = render_diff(changes, a_label="a", b_label="b", fmt="text")
    assert ("~ database: charset latin1 -> utf8mb4; collation latin1_swedish_ci -> "
            "utf8mb4_general_ci") in text.splitlines()
    (entry,) = json.loads(render_diff(changes, a_label="a", b_label="b", fmt="json"))["changes"]
    assert entry["old"] == {"charset": "latin1", "collation": "latin1_swedish_ci"}
    assert entry["new"] == {"charset": "utf8mb4", "collation": "utf8mb4_general_ci"}
