"""The diff engine: properties, renames, and the real ISPyB divergences."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema_tools.diff.changes import Add, Alter, Drop, Rename
from schema_tools.diff.compare import DiffOptions, diff, reverse_changes
from schema_tools.errors import InputError
from schema_tools.model import (
    Column, DataType, ForeignKey, Index, IndexColumn, Routine, Schema, Snapshot, Table,
)

ROOT = Path(__file__).resolve().parents[1]

# --- generated schemas ------------------------------------------------------------------

names = st.sampled_from(["id", "name", "Name", "NAME", "value", "proposalId", "blSampleId",
                         "BLSAMPLEID", "comments", "recordTimeStamp", "x`y", "a b"])
types = st.sampled_from(["int(11)", "int(10) unsigned", "varchar(45)", "varchar(255)", "float",
                         "double unsigned", "enum('a','b')", "enum('a','b','c')", "datetime",
                         "decimal(10,2)", "longtext", "tinyint(1)"])


@st.composite
def columns(draw):
    cols = []
    used = set()
    for name in draw(st.lists(names, min_size=1, max_size=6)):
        if name.lower() in used:
            continue
        used.add(name.lower())
        cols.append(Column(
            name=name, type=DataType.parse(draw(types)), nullable=draw(st.booleans()),
            default=draw(st.sampled_from([None, "NULL", "0", "'x'", "current_timestamp()"])),
            comment=draw(st.sampled_from(["", "a comment", "it's"])),
            charset=draw(st.sampled_from([None, "latin1", "utf8mb4"])),
        ))
    return tuple(cols)


@st.composite
def tables(draw, name):
    cols = draw(columns())
    idx = []
    if draw(st.booleans()):
        idx.append(Index(draw(st.sampled_from(["i1", "I1", "idx"])),
                         (IndexColumn(cols[0].name, draw(st.sampled_from([None, 5]))),),
                         draw(st.sampled_from(["index", "unique"]))))
    fks = ()
    if draw(st.booleans()):
        fks = (ForeignKey("fk1", (cols[0].name,), "T0", ("id",),
                          on_delete=draw(st.sampled_from(["RESTRICT", "NO ACTION", "CASCADE"]))),)
    return Table(name=name, columns=cols, indexes=tuple(idx), foreign_keys=fks,
                 engine=draw(st.sampled_from(["InnoDB", "MyISAM"])),
                 charset="latin1", collation="latin1_swedish_ci",
                 comment=draw(st.sampled_from(["", "t"])))


@st.composite
def schemas(draw):
    tnames = draw(st.lists(st.sampled_from(["T0", "T1", "t1", "Proposal", "BLSample"]),
                           max_size=4, unique=True))
    ts = tuple(draw(tables(n)) for n in tnames)
    routines = tuple(Routine(n, "PROCEDURE", draw(st.sampled_from(["BEGIN END", "SELECT 1"])))
                     for n in draw(st.lists(st.sampled_from(["p", "P2", "q"]), max_size=2, unique=True)))
    return Schema(charset="utf8mb4", collation=draw(st.sampled_from(["utf8mb4_general_ci", "utf8mb4_bin"])),
                  tables=ts, routines=routines)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(schemas(), schemas())
def test_diff_is_antisymmetric(a, b):
    assert diff(b, a) == reverse_changes(diff(a, b))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(schemas())
def test_identical_inputs_give_no_changes(a):
    assert diff(a, a) == []
    # the same schema built in another order
    shuffled = Schema(charset=a.charset, collation=a.collation,
                      tables=tuple(reversed(a.tables)), routines=tuple(reversed(a.routines)))
    assert diff(a, shuffled) == []


@settings(max_examples=150, deadline=None, derandomize=True)
@given(schemas(), schemas(), st.randoms(use_true_random=False))
def test_diff_is_deterministic_and_order_independent(a, b, rnd):
    first = diff(a, b)
    tables_b = list(b.tables)
    rnd.shuffle(tables_b)
    assert diff(a, dataclasses.replace(b, tables=tuple(tables_b))) == first
    assert diff(a, b) == first


# --- specific behaviour -----------------------------------------------------------------


def _t(*cols, name="T", **kw):
    return Table(name=name, columns=tuple(cols), charset="latin1", collation="latin1_swedish_ci", **kw)


def _c(name, type_="int(11)", **kw):
    return Column(name=name, type=DataType.parse(type_), **kw)


def test_changes_say_what_changed_inside():
    a = Schema(tables=(_t(_c("x", "int(11)", nullable=True, comment="a")),))
    b = Schema(tables=(_t(_c("x", "int(10) unsigned", nullable=False, comment="b")),))
    (change,) = diff(a, b)
    assert isinstance(change, Alter) and change.kind == "column" and change.path == "T.x"
    assert set(change.changed) == {"type", "length", "unsigned", "nullable", "comment"}


def test_case_only_rename_is_a_confirmed_rename_not_drop_add():
    a = Schema(tables=(_t(_c("id"), _c("BLSAMPLEID")),))
    b = Schema(tables=(_t(_c("id"), _c("blSampleId", "int(10) unsigned")),))
    changes = diff(a, b)
    renames = [c for c in changes if isinstance(c, Rename)]
    assert len(renames) == 1 and renames[0].confirmed
    assert (renames[0].before.name, renames[0].after.name) == ("BLSAMPLEID", "blSampleId")
    assert not any(isinstance(c, (Add, Drop)) for c in changes)
    alter = next(c for c in changes if isinstance(c, Alter))
    assert "unsigned" in alter.changed


def test_likely_rename_is_proposed_for_confirmation():
    a = Schema(tables=(_t(_c("id"), _c("ccAno", "float"), _c("z")),))
    b = Schema(tables=(_t(_c("id"), _c("ccAnomalous", "float"), _c("z")),))
    (change,) = diff(a, b)
    assert isinstance(change, Rename) and not change.confirmed


def test_same_definition_elsewhere_is_not_a_rename():
    a = Schema(tables=(_t(_c("id"), _c("a", "float"), _c("z")),))
    b = Schema(tables=(_t(_c("id"), _c("z"), _c("b", "float")),))
    kinds = sorted(type(c).__name__ for c in diff(a, b))
    assert kinds == ["Add", "Drop"]


def test_column_order():
    a = Schema(tables=(_t(_c("a"), _c("b"), _c("c"), _c("d")),))
    b = Schema(tables=(_t(_c("a"), _c("c"), _c("d"), _c("b")),))
    (change,) = diff(a, b)
    assert change.changed == ("position",) and change.name == "b"
    assert (change.before_place, change.after_place) == ("a", "d")
    assert diff(a, b, DiffOptions(ignore=frozenset({"column-order"}))) == []


def test_ignore_and_table_filters():
    a = Schema(tables=(_t(_c("a", comment="x")), _t(_c("a"), name="Other")))
    b = Schema(tables=(_t(_c("a", comment="y")), _t(_c("a", "bigint(20)"), name="Other")))
    assert len(diff(a, b)) == 2
    assert [c.table for c in diff(a, b, DiffOptions(ignore=frozenset({"comments"})))] == ["Other"]
    assert [c.table for c in diff(a, b, DiffOptions(tables=("Oth*",)))] == ["Other"]
    with pytest.raises(InputError, match="unknown --ignore"):
        DiffOptions(ignore=frozenset({"everything"}))


def test_restrict_and_no_action_differ():
    fk = ForeignKey("fk", ("a",), "P", ("id",), on_delete="RESTRICT")
    a = Schema(tables=(_t(_c("a"), foreign_keys=(fk,)),))
    b = Schema(tables=(_t(_c("a"), foreign_keys=(dataclasses.replace(fk, on_delete="NO ACTION"),)),))
    (change,) = diff(a, b)
    assert change.kind == "foreign_key" and change.changed == ("on_delete",)


# --- the real sites ---------------------------------------------------------------------


def _snap(name):
    return Snapshot.read(ROOT / "snapshots" / f"{name}.json").schema


def test_esrf_against_dls_v5():
    esrf, dls = _snap("esrf-pydb"), _snap("dls-v5.0.0")
    changes = diff(esrf, dls)
    only_esrf = {c.name for c in changes if c.kind == "table" and isinstance(c, Drop)}
    only_dls = {c.name for c in changes if c.kind == "table" and isinstance(c, Add)}
    assert (len(only_esrf), len(only_dls)) == (59, 66)
    shared = {t.name for t in esrf.tables} & {t.name for t in dls.tables}
    assert len(shared) == 137
    differing = ({c.table for c in changes if c.table and c.kind != "data"}
                 | {c.name for c in changes if c.kind == "table" and isinstance(c, Alter)})
    assert len(differing & shared) == 74
    case_renames = [c for c in changes if isinstance(c, Rename) and c.kind == "column" and c.confirmed]
    assert len(case_renames) == 24
    assert any(c.table == "DataCollection" and c.before.name == "blSampleId" and c.after.name == "BLSAMPLEID"
               for c in case_renames)
    assert diff(dls, esrf) == reverse_changes(changes)


@pytest.mark.server
@pytest.mark.corpus
def test_upstream_consistency_dls_v4_plus_updates_equals_v5(server, corpus):
    """DLS v4.0.0 + its 71 update scripts against the v5.0.0 release: only the two implicit
    FK indexes MariaDB drops, 3 missing procedures and 12 with other bodies."""
    from schema_tools.sources.resolve import snapshot_from_sql

    dls = corpus / "ispyb" / "dls"
    updates = sorted((dls / "updates-v4.0.0-to-v5.0.0").glob("*.sql"))
    assert len(updates) == 71
    files = [dls / "v4.0.0" / f for f in ("tables.sql", "lookups.sql", "routines.sql")] + updates
    replayed = snapshot_from_sql(files, server=server.url()).schema
    # the updates add indexes after the others, where the release creates them in its own
    # order: the order of indexes differs in many tables, and is left out here
    changes = diff(replayed, _snap("dls-v5.0.0"), DiffOptions(ignore=frozenset({"index-order"})))
    # lookup data included: the updates' INSERTs and UPDATEs give exactly the release's rows
    assert replayed.data and len(replayed.data) == len(_snap("dls-v5.0.0").data)
    summary = sorted((c.action, c.kind, c.path) for c in changes if c.kind != "routine")
    assert summary == [("add", "index", "LaserParameters.LaserParameters_fk_robotActionId"),
                       ("add", "index", "LaserPoint.LaserPoint_fk_laserParametersId")]
    routines = [c for c in changes if c.kind == "routine"]
    assert len([c for c in routines if isinstance(c, Add)]) == 3
    altered = [c for c in routines if isinstance(c, Alter)]
    assert len(altered) == 12 and all("body" in c.changed for c in altered)
    assert len(routines) == 15
