"""Recorded states store each schema object once, by content (``states/objects/``): a
state reads back to the same schema and fingerprint, an edited or missing object is
refused in one line, the integrity file covers the objects, and the shipped revisions
stay small."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from schema_tools.errors import InputError
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model.snapshot import OBJECTS, Snapshot, fingerprint_of, referenced_objects
from schema_tools.review.integrity import verify_sum, write_sum

ROOT = Path(__file__).resolve().parents[1]
DLS5 = ROOT / "snapshots" / "dls-v5.0.0.json"


def test_a_state_stored_by_content_reads_back_the_same(tmp_path):
    snap = Snapshot.read(DLS5)
    objects = tmp_path / OBJECTS
    path = snap.write(tmp_path / "one.json", objects=objects)
    again = Snapshot.read(path)
    assert again.schema == snap.schema and again.fingerprint == snap.fingerprint
    assert fingerprint_of(path) == snap.fingerprint
    assert '"@' in path.read_text() and len(path.read_bytes()) < len(snap.to_json()) / 10
    # a second state that differs in one table stores one object more, nothing else
    before = {p.name: p.read_bytes() for p in objects.iterdir()}
    table = snap.schema.tables[0]
    other = dataclasses.replace(snap.schema, tables=(dataclasses.replace(table, comment="changed"),)
                                + snap.schema.tables[1:])
    Snapshot(other).write(tmp_path / "two.json", objects=objects)
    changed = [n for n, data in before.items() if (objects / n).read_bytes() != data]
    assert len(changed) <= 1 and Snapshot.read(tmp_path / "two.json").schema == other
    assert len(referenced_objects(path)) == len({p.name for p in referenced_objects(path)})


def test_an_edited_or_missing_object_is_refused(tmp_path):
    snap = Snapshot.read(DLS5)
    path = snap.write(tmp_path / "s.json", objects=tmp_path / OBJECTS)
    bucket = referenced_objects(path)[0]
    text = bucket.read_text()
    bucket.write_text(text.replace('"name":"', '"name":"x', 1))
    with pytest.raises(InputError, match=r"s\.json: the object @[0-9a-f]{16} it refers to was edited"):
        Snapshot.read(path)
    bucket.unlink()
    with pytest.raises(InputError, match="it refers to is missing or damaged") as err:
        Snapshot.read(path)
    assert "\n" not in str(err.value)


def test_the_integrity_file_covers_the_objects(tmp_path):
    rdir = tmp_path / "revisions"
    shutil.copytree(ROOT / "revisions", rdir)
    write_sum(rdir)
    assert verify_sum(rdir) == []
    assert "states/objects/" in (rdir / "revisions.sum").read_text()
    bucket = next((rdir / "states" / OBJECTS).glob("*.json"))
    bucket.write_text(bucket.read_text() + " ")
    problems = verify_sum(rdir)
    assert any(f"states/objects/{bucket.name}" in str(p) for p in problems), problems


def test_the_shipped_revisions_fit_in_a_repository():
    rdir = RevisionDir(ROOT / "revisions")
    assert rdir.objects is not None, "the shipped states store their objects by content"
    size = sum(p.stat().st_size for p in (ROOT / "revisions").rglob("*") if p.is_file())
    assert size < 5_000_000, f"revisions/ holds {size:,} bytes"
    # every state still reads, with the fingerprint its revision records
    for path in sorted(rdir.states.glob("*.json")):
        if not path.name.endswith(".meta.json"):
            assert Snapshot.read(path).fingerprint == fingerprint_of(path)


def test_objects_are_stored_by_the_reference_of_their_canonical_json(tmp_path):
    """store_objects takes each object's kept canonical text: the references, the content a
    reader loads and the bucket files are those of the objects' JSON (to_dict)."""
    import json

    from schema_tools.model.snapshot import (
        _STORED, _canonical, load_objects, object_ref, store_objects, to_dict,
    )

    schema = Snapshot.read(ROOT / "snapshots" / "dls-v5.0.0.json").schema
    folder = tmp_path / "objects"
    folder.mkdir()
    (folder / "00.json").write_text('{\n"00aaaaaaaaaaaaaa": {"name":"kept"}\n}\n')  # a bucket with another object
    content = store_objects(schema, folder)
    plain = to_dict(schema)
    assert list(content) == list(plain)
    expected: dict[str, dict] = {"00": {"00aaaaaaaaaaaaaa": {"name": "kept"}}}
    for key in _STORED:
        if key in plain:
            assert content[key] == ["@" + object_ref(o) for o in plain[key]]
            for o in plain[key]:
                expected.setdefault(object_ref(o)[:2], {})[object_ref(o)] = o
        else:
            assert key not in content
    assert load_objects(content, folder, "x") == plain
    for prefix, objs in expected.items():
        text = (folder / f"{prefix}.json").read_text()
        assert text == "{\n" + ",\n".join(f'"{r}": {_canonical(objs[r])}' for r in sorted(objs)) + "\n}\n"
        assert json.loads(text) == objs
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(expected)
