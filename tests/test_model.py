"""The model and the snapshot file format, without a server."""

from __future__ import annotations

import json

import pytest

from schema_tools.errors import InputError
from schema_tools.model import (
    Check, Column, DataType, ForeignKey, Index, IndexColumn, Parameter, Routine, Schema, Snapshot,
    Table, TableData, Trigger, View, fingerprint,
)
from schema_tools.model.snapshot import meta_path


@pytest.mark.parametrize("text", [
    "int(11)", "int(10) unsigned", "int(10) unsigned zerofill", "decimal(10,2)", "float",
    "float(7,3) unsigned", "double unsigned", "varchar(255)", "datetime(6)", "bit(3)",
    "enum('a','b''c','d\\\\e')", "set('x','y')", "enum('')", "longtext", "tinyint(1)",
])
def test_datatype_round_trip(text):
    assert DataType.parse(text).sql() == text


def test_datatype_fields():
    t = DataType.parse("decimal(20,4) unsigned zerofill")
    assert (t.name, t.length, t.scale, t.unsigned, t.zerofill) == ("decimal", 20, 4, True, True)
    e = DataType.parse("enum('Rcullis','<d\"/sig>','a''b')")
    assert e.values == ("Rcullis", '<d"/sig>', "a'b")


def test_datatype_rejects_garbage():
    with pytest.raises(ValueError):
        DataType.parse("int(")


def test_default_kind():
    assert Column("a", DataType("int")).default_kind is None
    assert Column("a", DataType("int"), default="NULL").default_kind == "null"
    assert Column("a", DataType("varchar", 3), default="'x'").default_kind == "literal"
    assert Column("a", DataType("decimal", 10, 2), default="1.50").default_kind == "literal"
    assert Column("a", DataType("bit", 1), default="b'1'").default_kind == "literal"
    assert Column("a", DataType("timestamp"), default="current_timestamp()").default_kind == "expression"
    assert Column("a", DataType("varchar", 50), default="current_user()").default_kind == "expression"


def _sample_schema(order=1) -> Schema:
    parent = Table("Parent", (Column("id", DataType("int", 10, unsigned=True), nullable=False,
                                     auto_increment=True),),
                   primary_key=Index("PRIMARY", (IndexColumn("id"),), "primary"),
                   charset="latin1", collation="latin1_swedish_ci")
    child = Table(
        "Child",
        (Column("id", DataType("int", 11), nullable=False),
         Column("parentId", DataType("int", 10, unsigned=True), default="NULL"),
         Column("doc", DataType("longtext"), default="NULL", charset="utf8mb4",
                collation="utf8mb4_bin", check="json_valid(`doc`)", comment="multi\nline")),
        primary_key=Index("PRIMARY", (IndexColumn("id"),), "primary"),
        indexes=(Index("Child_fk", (IndexColumn("parentId"),)),),
        foreign_keys=(ForeignKey("Child_ibfk_1", ("parentId",), "Parent", ("id",),
                                 on_delete="NO ACTION"),),
        checks=(Check("c1", "`id` > 0"),),
        charset="latin1", collation="latin1_swedish_ci",
    )
    routine = Routine("p", "PROCEDURE", "BEGIN\n  SELECT 1;\nEND",
                      parameters=(Parameter("p_id", "int(11)"),), definer="root@localhost")
    tables = (parent, child) if order == 1 else (child, parent)
    return Schema(charset="utf8mb4", collation="utf8mb4_general_ci", tables=tables,
                  views=(View("v", "select 1 AS `1`"),), routines=(routine,),
                  triggers=(Trigger("t", "Child", "BEFORE", "INSERT", "SET NEW.id = 1"),),
                  data=(TableData("Parent", ("id",), (("1",), ("2",))),))


def test_snapshot_round_trip_is_exact(tmp_path):
    snap = Snapshot(_sample_schema(), {"source": ["x.sql"]})
    path = snap.write(tmp_path / "s.json")
    back = Snapshot.read(path)
    assert back.schema == snap.schema
    assert back.to_json() == snap.to_json()
    assert back.metadata["source"] == ["x.sql"]


def test_snapshot_is_deterministic_and_order_independent():
    a, b = _sample_schema(1), _sample_schema(2)
    assert Snapshot(a).to_json() == Snapshot(b).to_json()
    assert fingerprint(a) == fingerprint(b)


def test_fingerprint_ignores_metadata_and_tracks_content():
    s = _sample_schema()
    assert Snapshot(s, {"taken_at": "1"}).to_json() == Snapshot(s, {"taken_at": "2"}).to_json()
    other = Schema(charset=s.charset, collation="utf8mb4_bin", tables=s.tables)
    assert fingerprint(other) != fingerprint(s)


def test_snapshot_format_is_line_oriented(tmp_path):
    text = Snapshot(_sample_schema()).to_json()
    doc = json.loads(text)
    assert doc["format"] == "schema-tools-snapshot" and doc["version"] == 1
    assert doc["fingerprint"].startswith("sha256:")
    # multi-line bodies are lists of lines, so a one-line change is a one-line diff
    routine = doc["schema"]["routines"][0]
    assert routine["body"] == ["BEGIN", "  SELECT 1;", "END"]
    # one attribute per line: no line holds two keys
    for line in text.splitlines():
        assert line.count('": ') <= 1


def test_metadata_goes_to_sidecar(tmp_path):
    path = Snapshot(_sample_schema(), {"taken_at": "now"}).write(tmp_path / "site.json")
    assert "taken_at" not in path.read_text()
    meta = json.loads(meta_path(path).read_text())
    assert meta["taken_at"] == "now"
    assert meta["fingerprint"] == Snapshot.read(path).fingerprint


def test_tampered_snapshot_is_rejected(tmp_path):
    path = Snapshot(_sample_schema()).write(tmp_path / "s.json")
    path.write_text(path.read_text().replace('"Child_fk"', '"Child_fk2"'))
    with pytest.raises(InputError, match="fingerprint mismatch"):
        Snapshot.read(path)


@pytest.mark.parametrize("content, message", [
    ("{", "not a JSON snapshot"),
    ('{"format": "other"}', "not a schema-tools snapshot"),
    ('{"format": "schema-tools-snapshot", "version": 99}', "version 99"),
    ('{"format": "schema-tools-snapshot", "version": 1, "schema": {"tables": [{"name": 1, "bogus": 2}]}}',
     "unknown attribute"),
])
def test_bad_snapshot_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        Snapshot.read(path)
    assert str(path) in str(info.value)


def test_counts():
    counts = _sample_schema().counts()
    assert counts["tables"] == 2 and counts["columns"] == 4
    assert counts["indexes"] == 3 and counts["foreign_keys"] == 1
    assert counts["checks"] == 2 and counts["procedures"] == 1 and counts["triggers"] == 1


def test_the_fingerprint_kept_on_a_schema_is_the_one_its_content_gives(tmp_path):
    import dataclasses
    from pathlib import Path

    from schema_tools.model.snapshot import from_dict, to_dict

    snap = Snapshot.read(Path(__file__).resolve().parents[1] / "snapshots" / "dls-v5.0.0.json")
    kept = snap.schema.__dict__.get("_fingerprint")
    assert kept == snap.fingerprint  # taken from the file, whose content matches it
    fresh = from_dict(Schema, to_dict(snap.schema))
    assert "_fingerprint" not in fresh.__dict__ and fingerprint(fresh) == kept
    fewer = dataclasses.replace(snap.schema, tables=snap.schema.tables[1:])
    assert fingerprint(fewer) != kept and fingerprint(fewer) == fingerprint(from_dict(Schema, to_dict(fewer)))
    # a file whose recorded fingerprint its content does not match is refused, not trusted
    path = tmp_path / "s.json"
    Snapshot(fewer).write(path)
    path.write_text(path.read_text().replace(fingerprint(fewer), kept))
    with pytest.raises(InputError, match="fingerprint mismatch"):
        Snapshot.read(path)


def test_a_snapshot_read_again_is_decoded_once_and_its_objects_are_still_checked(tmp_path, monkeypatch):
    import dataclasses
    from pathlib import Path

    from schema_tools.model import snapshot as module

    monkeypatch.setattr(module, "_DECODED", {})
    src = Snapshot.read(Path(__file__).resolve().parents[1] / "snapshots" / "dls-v5.0.0.json")
    path = tmp_path / "states" / "s.json"
    path.parent.mkdir()
    Snapshot(src.schema).write(path, objects=tmp_path / "states" / module.OBJECTS)
    first = Snapshot.read(path)
    with monkeypatch.context() as m:
        m.setattr(Snapshot, "_decode", classmethod(lambda *a: pytest.fail("decoded again")))
        again = Snapshot.read(path)
    assert again.schema is first.schema and again.fingerprint == first.fingerprint == src.fingerprint
    # another text is decoded: a table fewer
    fewer = Snapshot(dataclasses.replace(src.schema, tables=src.schema.tables[1:]))
    fewer.write(path, objects=tmp_path / "states" / module.OBJECTS)
    assert Snapshot.read(path).fingerprint == fewer.fingerprint != first.fingerprint
    # a damaged object is reported, decoded before or not
    for bucket in (tmp_path / "states" / module.OBJECTS).glob("*.json"):
        bucket.write_text(bucket.read_text().replace('"name":"', '"name":"x', 1))
    with pytest.raises(InputError, match="refers to is missing or damaged|was edited"):
        Snapshot.read(path)
