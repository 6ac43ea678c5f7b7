"""N-way matrix: classification, grouping, distances, determinism, reports, CLI."""

from __future__ import annotations

import dataclasses
import json
import random
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.compare import DiffOptions, diff
from schema_tools.diff.matrix import CATEGORIES, CLASSES, KINDS, build_matrix
from schema_tools.errors import InputError
from schema_tools.model.objects import Column, DataType, Index, IndexColumn, Routine, Schema, Table
from schema_tools.model.snapshot import Snapshot
from schema_tools.render.matrix_report import matrix_to_dict, render_matrix

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
V4, V5, ESRF = "dls-v4.0.0", "dls-v5.0.0", "esrf-pydb"


@pytest.fixture(scope="module")
def schemas() -> dict[str, Schema]:
    return {n: Snapshot.read(SNAPSHOTS / f"{n}.json").schema for n in (V4, V5, ESRF)}


@pytest.fixture(scope="module")
def three(schemas):
    return build_matrix(schemas, reference=V5)


def _tables(m, cls=None):
    return {o.name for o in m.objects if o.kind == "table" and (cls is None or o.cls == cls)}


# ---------------------------------------------------------------------------------------
# Real snapshots


def test_esrf_and_dls_v5_share_137_tables(schemas):
    m = build_matrix({ESRF: schemas[ESRF], V5: schemas[V5]})
    both = {o.name for o in m.objects if o.kind == "table" and len(o.sites) == 2}
    assert len(both) == 137
    assert both == {t.name for t in schemas[ESRF].tables} & {t.name for t in schemas[V5].tables}
    # with two sites, an object at both is core or conflict, never "shared"
    assert {o.cls for o in m.objects if len(o.sites) == 2} <= {"core", "conflict"}
    assert {o.cls for o in m.objects if len(o.sites) == 1} == {"site-specific"}


def test_dls_v4_v5_core_tables_are_the_identical_ones(schemas):
    a, b = schemas[V4], schemas[V5]
    m = build_matrix({V4: a, V5: b})
    touched = {c.table or c.name for c in diff(a, b) if c.kind != "data"}  # rows are not the table's definition
    common = {t.name for t in a.tables} & {t.name for t in b.tables}
    core = _tables(m, "core")
    assert core == common - touched
    assert _tables(m, "conflict") == common & touched
    assert core and len(core) < len(common)
    for name in core:
        assert a.table(name) == b.table(name)
    # tables new in v5 are site-specific, at v5 only
    for name in {t.name for t in b.tables} - common:
        o = m.get(f"table:{name}")
        assert o.cls == "site-specific" and o.sites == (V5,)


def test_conflicting_table_names_its_differing_parts(schemas):
    m = build_matrix({V4: schemas[V4], V5: schemas[V5]})
    by_addr = {o.address: o for o in m.objects}
    for t in (o for o in m.objects if o.kind == "table" and o.cls == "conflict"):
        assert t.parts or set(t.differs) - {"columns", "indexes", "foreign_keys", "checks"}
        for addr in t.parts:
            part = by_addr[addr]
            assert part.table == t.name and (part.cls != "core")


def test_naming_conflict_is_one_column(schemas, three):
    # dls spells it POSITIONID, esrf positionId: one column, conflict, spellings noted
    o = three.get("column:BLSample.POSITIONID")
    assert o is not None and three.get("column:BLSample.positionId") is None
    assert o.naming_conflict and "name" in o.differs
    assert set(o.names) == {"POSITIONID", "positionId"}
    assert o.names["positionId"] == (ESRF,)
    assert o.cls == "conflict"
    assert o.cell(ESRF) != o.cell(V5)
    # the address uses the majority spelling (both DLS sites)
    assert o.names["POSITIONID"] == (V4, V5)


def test_three_sites_classes(three, schemas):
    counts = three.class_counts()
    assert sum(counts.values()) == len(three.objects)
    assert all(counts[c] > 0 for c in CLASSES)
    for o in three.objects:
        n_groups = len(o.groups)
        assert sum(len(g.sites) for g in o.groups) == len(o.sites)
        if o.cls == "core":
            assert len(o.sites) == 3 and n_groups == 1
        elif o.cls == "conflict":
            assert n_groups > 1
        elif o.cls == "shared":
            assert len(o.sites) == 2 and n_groups == 1
        else:
            assert len(o.sites) == 1
    # esrf has no routines: every routine is at most shared
    assert {o.cls for o in three.objects if o.kind == "routine"} <= {"shared", "conflict",
                                                                      "site-specific"}


def test_groups_sorted_and_labelled(three):
    for o in three.objects:
        keys = [(-len(g.sites), g.sites[0]) for g in o.groups]
        assert keys == sorted(keys)
        assert [g.label for g in o.groups] == [chr(65 + i) for i in range(len(o.groups))]
        assert all(list(g.sites) == sorted(g.sites) for g in o.groups)
        assert len({g.digest for g in o.groups}) == len(o.groups)


def test_distances_equal_pairwise_diff_counts(three, schemas):
    action_to_cat = {"drop": "missing", "add": "extra", "alter": "different", "rename": "renamed"}
    for site, d in three.distances.items():
        changes = diff(schemas[V5], schemas[site])
        expected = Counter((c.kind, action_to_cat[c.action]) for c in changes)
        got = Counter({(k, cat): n for k, cs in d.counts.items() for cat, n in cs.items() if n})
        assert got == expected
        assert d.total == len(changes)
    assert three.distances[V5].total == 0
    assert three.distances[V4].total == len(diff(schemas[V5], schemas[V4])) > 0


def test_order_of_sites_does_not_matter(schemas):
    names = [V4, V5, ESRF]
    ref_text = render_matrix(build_matrix({n: schemas[n] for n in names}, reference=ESRF), "json")
    rng = random.Random(7)
    for _ in range(3):
        rng.shuffle(names)
        m = build_matrix({n: schemas[n] for n in names}, reference=ESRF)
        assert render_matrix(m, "json") == ref_text
    # without --reference only the reference and the distances follow the order
    for first in (V4, V5):
        base = json.loads(ref_text)
        other = json.loads(render_matrix(build_matrix(
            {n: schemas[n] for n in [first] + [x for x in names if x != first]}), "json"))
        assert other["reference"] == first
        for doc in (base, other):
            doc.pop("reference")
            for s in doc["sites"]:
                s.pop("reference"), s.pop("distance")
        assert other == base


def test_identical_sites(schemas):
    m = build_matrix({"a": schemas[V4], "b": schemas[V4], "c": schemas[V4]})
    assert m.identical
    assert {o.cls for o in m.objects} == {"core"}
    assert all(d.total == 0 for d in m.distances.values())
    assert not build_matrix({"a": schemas[V4], "b": schemas[V5]}).identical


def test_bad_reference_and_empty():
    with pytest.raises(InputError):
        build_matrix({"a": Schema()}, reference="b")
    with pytest.raises(InputError):
        build_matrix({})


# ---------------------------------------------------------------------------------------
# Synthetic variants: five sites made from dls-v5 with dataclasses.replace


def _replace_table(schema: Schema, name: str, **changes) -> Schema:
    return dataclasses.replace(schema, tables=tuple(
        dataclasses.replace(t, **changes) if t.name == name else t for t in schema.tables))


def _replace_column(schema: Schema, table: str, column: str, **changes) -> Schema:
    t = schema.table(table)
    cols = tuple(dataclasses.replace(c, **changes) if c.name == column else c for c in t.columns)
    return _replace_table(schema, table, columns=cols)


@pytest.fixture(scope="module")
def variants(schemas):
    base = schemas[V5]
    col = base.table("Proposal").columns[1]
    return {
        "site-a": base,
        "site-b": base,
        # a column with another comment
        "site-c": _replace_column(base, "Proposal", col.name, comment="changed at C"),
        # the same column spelled in upper case, and a table dropped
        "site-d": dataclasses.replace(
            _replace_column(base, "Proposal", col.name, name=col.name.upper()),
            tables=tuple(t for t in _replace_column(base, "Proposal", col.name,
                                                     name=col.name.upper()).tables
                         if t.name != "Laboratory")),
        # an extra table and an extra routine
        "site-e": dataclasses.replace(
            base, tables=base.tables + (Table("OnlyAtE", (Column("id", DataType("int", 11)),)),),
            routines=base.routines + (Routine("only_at_e", "PROCEDURE", "BEGIN END"),)),
    }, col.name


def test_synthetic_classes_and_groups(variants):
    sites, colname = variants
    m = build_matrix(sites, reference="site-a")
    col = m.get(f"column:Proposal.{colname}")
    assert col.cls == "conflict"
    assert [g.sites for g in col.groups] == [("site-a", "site-b", "site-e"), ("site-c",),
                                             ("site-d",)]
    assert [col.cell(s) for s in sorted(sites)] == ["A", "A", "B", "C", "A"]
    assert col.names == {colname: ("site-a", "site-b", "site-c", "site-e"),
                         colname.upper(): ("site-d",)}
    assert set(col.differs) == {"comment", "name"}
    assert col.groups[1].definition == {"comment": "changed at C", "name": colname}
    proposal = m.get("table:Proposal")
    assert proposal.cls == "conflict" and "columns" in proposal.differs
    assert proposal.parts == (col.address,)
    lab = m.get("table:Laboratory")
    assert lab.cls == "shared" and "site-d" not in lab.sites and len(lab.sites) == 4
    assert m.get("table:OnlyAtE").cls == "site-specific"
    assert m.get("column:OnlyAtE.id").sites == ("site-e",)
    assert m.get("routine:PROCEDURE only_at_e").cls == "site-specific"
    assert m.get("table:BLSession").cls == "core"
    # distances
    assert m.distances["site-b"].total == 0
    assert m.distances["site-c"].counts["column"]["different"] == 1
    d = m.distances["site-d"]
    assert d.counts["table"]["missing"] == 1 and d.counts["column"]["renamed"] == 1
    e = m.distances["site-e"]
    assert e.counts["table"]["extra"] == 1 and e.counts["routine"]["extra"] == 1
    assert e.total == 2


def test_synthetic_ignore_comments(variants):
    sites, colname = variants
    m = build_matrix(sites, reference="site-a", options=DiffOptions(ignore=frozenset({"comments"})))
    col = m.get(f"column:Proposal.{colname}")
    assert [g.sites for g in col.groups] == [("site-a", "site-b", "site-c", "site-e"), ("site-d",)]
    assert m.distances["site-c"].total == 0


def test_synthetic_order_independent(variants):
    sites, _ = variants
    names = list(sites)
    out = set()
    for seed in range(4):
        random.Random(seed).shuffle(names)
        out.add(render_matrix(build_matrix({n: sites[n] for n in names}, reference="site-c"),
                              "json"))
    assert len(out) == 1


# ---------------------------------------------------------------------------------------
# Reports


def test_json_structure(three):
    doc = json.loads(render_matrix(three, "json"))
    assert doc["format"] == "schema-tools-matrix" and doc["version"] == 1
    assert doc["reference"] == V5 and doc["identical"] is False
    assert [s["name"] for s in doc["sites"]] == sorted([V4, V5, ESRF])
    assert [s["reference"] for s in doc["sites"]] == [False, True, False]
    for s in doc["sites"]:
        d = s["distance"]
        assert d["total"] == sum(d[c] for c in CATEGORIES)
        assert d["total"] == sum(sum(v.values()) for v in d["by_kind"].values())
    assert doc["summary"]["objects"] == len(doc["objects"]) == len(three.objects)
    assert sum(doc["summary"]["classes"].values()) == len(doc["objects"])
    assert set(doc["summary"]["kinds"]) == set(KINDS)
    o = doc["objects"][0]
    assert set(o) == {"address", "kind", "table", "name", "class", "sites", "cells", "groups",
                      "differs", "names", "parts", "unstated"}
    assert set(o["cells"]) == {V4, V5, ESRF}
    assert set(o["groups"][0]) == {"label", "sites", "digest", "name", "definition", "sql"}
    assert doc == matrix_to_dict(three)


def test_text_and_markdown(three):
    text = render_matrix(three, "text")
    assert "reference dls-v5.0.0" in text and "column:BLSample.POSITIONID" in text
    assert "names: POSITIONID, positionId" in text
    md = render_matrix(three, "markdown")
    assert md.startswith("# Schema matrix") and "| dls-v5.0.0 (reference) |" in md
    assert "| column:BLSample.POSITIONID | conflict | A | A | B | name |" in md
    with pytest.raises(InputError):
        render_matrix(three, "pdf")


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</script><script>alert(3)</script>",
    "a&amp;b\u2028x",
    "line\nbreak|pipe`tick",
]


@pytest.fixture(scope="module")
def hostile_matrix():
    def schema(variant: int) -> Schema:
        cols = tuple(Column(n, DataType("int", 11), comment=f"c{variant}" if i == 0 else "")
                     for i, n in enumerate(HOSTILE))
        tables = [Table(n, cols, primary_key=Index("PRIMARY", (IndexColumn(HOSTILE[0]),), "primary"))
                  for n in HOSTILE[variant:]]
        return Schema(tables=tuple(tables),
                      routines=(Routine(HOSTILE[variant], "PROCEDURE", f"BEGIN {HOSTILE[1]} END"),))
    return build_matrix({HOSTILE[0]: schema(0), HOSTILE[2]: schema(1), "plain": schema(0)},
                        reference="plain")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_hostile_names(hostile_matrix):
    page = render_matrix(hostile_matrix, "html")
    assert "<script>alert" not in page and "<img" not in page and "onerror=alert" in page
    assert page.count("<script") == 3 and page.count("</script>") == 3
    parser = _Tags()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "main",
               "section", "div", "table", "thead", "tbody", "tr", "th", "td", "span", "b",
               "input", "fieldset", "legend", "label", "select", "option", "script"}
    assert {t for t, _ in parser.tags} <= allowed
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name, _ in attrs), (tag, attrs)
        if tag == "script":
            assert attrs in ([], [("type", "application/json"), ("id", "matrix-sites")],
                             [("type", "application/json"), ("id", "matrix-details")])
    text = "".join(parser.text)
    assert HOSTILE[1] in text  # shown as text, intact
    # the embedded JSON decodes back to the exact names
    start = page.index('id="matrix-sites">') + len('id="matrix-sites">')
    assert json.loads(page[start:page.index("</script>", start)]) == sorted(hostile_matrix.sites)
    # no network asset
    assert "http://" not in page and "https://" not in page and "//cdn" not in page


def test_text_and_markdown_escape_hostile_names(hostile_matrix):
    text = render_matrix(hostile_matrix, "text")
    assert "line\\x0abreak" in text and "line\nbreak" not in text
    md = render_matrix(hostile_matrix, "markdown")
    assert "<script>" not in md and "break\\|pipe\\`tick" in md
    for line in md.splitlines():
        if line.startswith("| table:"):
            assert line.count(" | ") == len(hostile_matrix.sites) + 2


# ---------------------------------------------------------------------------------------
# CLI


def _run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_cli_matrix(tmp_path):
    v4, v5, esrf = (str(SNAPSHOTS / f"{n}.json") for n in (V4, V5, ESRF))
    code, out = _run("matrix", v4, v5, esrf)
    # sites are named by the site name their snapshot records
    assert code == 1 and "reference DLS v4.0.0" in out
    out_file = tmp_path / "m.json"
    # --reference takes the site name or the source's file name
    code, _ = _run("matrix", v4, esrf, "--reference", "esrf-pydb", "--format", "json",
                   "-o", str(out_file))
    doc = json.loads(out_file.read_text())
    assert code == 1 and doc["reference"] == "ESRF pydb"
    assert [s["name"] for s in doc["sites"]] == ["DLS v4.0.0", "ESRF pydb"]
    code, _ = _run("matrix", v4, esrf, "--reference", "ESRF pydb", "--format", "json",
                   "-o", str(out_file))
    assert code == 1 and json.loads(out_file.read_text())["reference"] == "ESRF pydb"
    code, out = _run("matrix", v4, v4, "--name", "x", "--name", "y", "--format", "markdown")
    assert code == 0 and "**x**" in out
    code, out = _run("matrix", v4, v4)
    assert code == 2 and "more than once" in out
    code, out = _run("matrix", v4, v5, "--name", "only-one")
    assert code == 2
    code, out = _run("matrix", v4, "--reference", "nope")
    assert code == 2 and "not one of the sites" in out
    code, out = _run("matrix", str(tmp_path / "missing.json"))
    assert code == 2
    page = tmp_path / "m.html"
    code, _ = _run("matrix", v4, v5, "--format", "html", "-o", str(page))
    assert code == 1 and page.read_text().startswith("<!DOCTYPE html>")
