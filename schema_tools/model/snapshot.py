"""The canonical JSON snapshot format.

A snapshot is two files:

* ``NAME.json``: the content.  Deterministic (the same schema gives a byte-identical
  file), versioned, one attribute per line, with the fingerprint on top::

      {
        "format": "schema-tools-snapshot",
        "version": 1,
        "fingerprint": "sha256:...",
        "schema": { ... }
      }

* ``NAME.meta.json``: metadata that does not describe the schema and so must not change
  the content file or the fingerprint: source, site, server flavour and version, when the
  snapshot was taken and how long it took, warnings and the self-check report.

Attributes equal to their default are omitted; multi-line text (routine bodies, view
definitions) is written as a list of lines so that git diffs read well.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .objects import (
    Check, Column, DataType, Event, ForeignKey, Index, IndexColumn, Parameter, Routine,
    Schema, Table, TableData, Trigger, View, model_fields,
)

FORMAT = "schema-tools-snapshot"
VERSION = 1

_MULTILINE = frozenset({"body", "definition", "statement", "partitioning", "param_list"})

# (class, field) -> class of the nested object(s)
_NESTED: dict[tuple[type, str], type] = {
    (owner, name): nested
    for owner, members in (
        (Schema, {"tables": Table, "views": View, "routines": Routine, "triggers": Trigger, "events": Event,
                  "data": TableData}),
        (Table, {"columns": Column, "primary_key": Index, "indexes": Index, "foreign_keys": ForeignKey,
                 "checks": Check}),
        (Index, {"columns": IndexColumn}),
        (Routine, {"parameters": Parameter}),
    )
    for name, nested in members.items()
}


def encode_value(name: str, value: Any) -> Any:
    """One attribute's value as the snapshot format writes it."""
    if isinstance(value, str):
        if name in _MULTILINE and "\n" in value:
            return value.split("\n")
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, DataType):
        return value.sql()
    if isinstance(value, tuple):
        return [encode_value(name, v) for v in value]
    if dataclasses.is_dataclass(value):
        return to_dict(value)
    return value


_NO_DEFAULT = object()
_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, default value or _NO_DEFAULT) of each field of a model class, computed once."""
    spec = _FIELDS.get(cls)
    if spec is None:
        items = []
        for f in model_fields(cls):
            if f.default is not dataclasses.MISSING:
                items.append((f.name, f.default))
            elif f.default_factory is not dataclasses.MISSING:
                items.append((f.name, f.default_factory()))
            else:
                items.append((f.name, _NO_DEFAULT))
        spec = _FIELDS[cls] = tuple(items)
    return spec


def to_dict(obj: Any) -> dict[str, Any]:
    """Encode a model object as a JSON-ready dict, omitting default-valued attributes."""
    out: dict[str, Any] = {}
    for name, default in _fields_of(type(obj)):
        value = getattr(obj, name)
        if default is not _NO_DEFAULT and (value is default or value == default):
            continue
        out[name] = encode_value(name, value)
    return out


_FIELD_NAMES: dict[type, frozenset[str]] = {}  # the attribute names of each model class


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Decode what :func:`to_dict` wrote."""
    if not isinstance(data, dict):
        raise InputError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    unknown = data.keys() - names
    if unknown:
        raise InputError(f"unknown attribute(s) for {cls.__name__}: {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        nested = _NESTED.get((cls, key))
        if key == "type" and cls is Column:
            value = DataType.parse(value)
        elif nested is not None and isinstance(value, list):
            value = tuple(from_dict(nested, v) for v in value)
        elif nested is not None:
            value = from_dict(nested, value)
        elif key in _MULTILINE and isinstance(value, list):
            value = "\n".join(value)
        elif key == "rows":
            value = tuple(tuple(r) for r in value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise InputError(f"bad {cls.__name__}: {exc}") from None


def _canonical_bytes(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _object_text(obj: Any) -> str:
    """The canonical JSON of a table (view, routine...), kept on the object itself: the
    states a migration goes through share most of their objects, and a schema read in part
    (verify) reuses the others.  The objects are frozen, so the text never goes stale."""
    text: str | None = obj.__dict__.get("_canonical_text")
    if text is None:
        text = _canonical(to_dict(obj))
        object.__setattr__(obj, "_canonical_text", text)
    return text


def fingerprint(schema: Schema) -> str:
    """``sha256:<hex>`` of the canonical content; independent of any metadata.

    The same bytes as ``_canonical_bytes(to_dict(schema))``, with each table's (routine's,
    view's...) part encoded once per object.  Kept on the schema, which is frozen (as
    :func:`_object_text` keeps each object's text); a schema read from a snapshot file
    whose recorded fingerprint its content matches has that one."""
    known: str | None = schema.__dict__.get("_fingerprint")
    if known is not None:
        return known
    h = hashlib.sha256(b"{")
    first = True
    for name, default in sorted(_fields_of(Schema)):
        value = getattr(schema, name)
        if default is not _NO_DEFAULT and (value is default or value == default):
            continue
        h.update(((("" if first else ",") + _canonical(name) + ":")).encode())
        first = False
        if name in ("tables", "routines", "views", "triggers", "events", "data"):
            h.update(b"[")
            for i, obj in enumerate(value):
                h.update((b"," if i else b"") + _object_text(obj).encode())
            h.update(b"]")
        else:
            h.update(_canonical(encode_value(name, value)).encode())
    h.update(b"}")
    known = "sha256:" + h.hexdigest()
    object.__setattr__(schema, "_fingerprint", known)
    return known


# snapshots decoded in this process, by the folder of their objects and their text: a
# command that reads a state twice (revision: the head state, then its review) decodes it once
_DECODED: dict[tuple[str, str], tuple[Schema, str | None]] = {}


@dataclass(frozen=True)
class Snapshot:
    """A schema plus the metadata of how it was taken."""

    schema: Schema
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    known_fingerprint: str | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def fingerprint(self) -> str:
        if self.known_fingerprint is None:
            object.__setattr__(self, "known_fingerprint", fingerprint(self.schema))
        assert self.known_fingerprint is not None, "set just above"
        return self.known_fingerprint

    def to_json(self, objects: Path | None = None) -> str:
        """The snapshot file's text; with ``objects`` (a folder), each table, view, routine,
        trigger, event and lookup-data object is written there once, by content, and the
        file refers to it (:func:`store_objects`)."""
        content = to_dict(self.schema) if objects is None else store_objects(self.schema, objects)
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "schema": content,
        }
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        if objects is not None:  # the references of a list on one line
            text = re.sub(r'\[\n\s*("@[0-9a-f]{16}"(?:,\n\s*"@[0-9a-f]{16}")*)\n\s*\]',
                          lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)
        return text

    def write(self, path: str | os.PathLike[str], *, objects: Path | None = None) -> Path:
        """Write ``path`` and its ``.meta.json`` sidecar; return the content path.  With
        ``objects``, the schema's objects go to that folder, by content (see :meth:`to_json`)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.to_json(objects)
        _atomic_write(path, text)
        # the sidecar ties the fingerprint to these exact bytes: a reader that only needs the
        # fingerprint hashes the file instead of parsing it (fingerprint_of)
        meta = dict(self.metadata, fingerprint=self.fingerprint, content=_sha(text.encode("utf-8")))
        _atomic_write(meta_path(path),
                      json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n")
        return path

    @classmethod
    def from_json(cls, text: str, *, source: str = "<string>", objects: Path | None = None) -> Snapshot:
        """The snapshot in ``text``; ``objects`` is the folder of the objects it refers to
        by content, if any (:func:`store_objects`)."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            cut = " (the file ends there: truncated?)" if "\n" not in text[exc.pos:].strip() else ""
            raise InputError(f"{source}:{exc.lineno}: not a JSON snapshot: {exc.msg}{cut}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise InputError(f"{source}: not a schema-tools snapshot (missing \"format\": \"{FORMAT}\")")
        if doc.get("version") != VERSION:
            raise InputError(f"{source}: snapshot version {doc.get('version')!r} is not supported "
                             f"(this schema-tools reads version {VERSION})")
        if not isinstance(doc.get("schema"), dict):
            raise InputError(f"{source}: not a schema-tools snapshot (no \"schema\" object)")
        doc["schema"] = load_objects(doc["schema"], objects, source)
        # the objects it refers to are verified by content: the text decides the rest
        key = (str(objects), text)
        hit = _DECODED.get(key)
        if hit is not None:
            return cls(hit[0], known_fingerprint=hit[1])
        snap = cls._decode(doc, source)
        if len(_DECODED) >= 8:
            _DECODED.clear()
        _DECODED[key] = (snap.schema, snap.known_fingerprint)
        return snap

    @classmethod
    def _decode(cls, doc: dict[str, Any], source: str) -> Snapshot:
        try:
            schema = from_dict(Schema, doc.get("schema", {}))
        except (InputError, ValueError) as exc:
            raise InputError(f"{source}: {exc}") from None
        except (TypeError, AttributeError, KeyError) as exc:  # a value of the wrong shape
            raise InputError(f"{source}: malformed snapshot ({type(exc).__name__}: {exc})") from None
        recorded = doc.get("fingerprint")
        content = doc.get("schema", {})
        if recorded and "sha256:" + hashlib.sha256(_canonical_bytes(content)).hexdigest() == recorded:
            # the content is exactly what was fingerprinted (so it decodes to the same model)
            object.__setattr__(schema, "_fingerprint", recorded)
            return cls(schema, known_fingerprint=recorded)
        snap = cls(schema)
        if recorded and recorded != snap.fingerprint:
            raise InputError(f"{source}: fingerprint mismatch: the file says {recorded} but its "
                             f"content hashes to {snap.fingerprint} (edited by hand?)")
        return snap

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Snapshot:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{path}: cannot read snapshot: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not a JSON snapshot: not UTF-8 text (byte {exc.start})") from None
        snap = cls.from_json(text, source=str(path), objects=path.parent / OBJECTS)
        mp = meta_path(path)
        if mp.exists():
            try:
                meta = json.loads(mp.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # metadata only: a broken sidecar is left out
                meta = {}
            return cls(snap.schema, meta if isinstance(meta, dict) else {},
                       known_fingerprint=snap.known_fingerprint)
        return snap


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------
# Objects stored once, by content
#
# The recorded states of a line of revisions share nearly all their objects.  A state file
# may hold, in place of each table (view, routine, trigger, event, lookup data), a
# reference "@<hash>", <hash> being the start of the SHA-256 of the object's canonical
# JSON; the object itself is in OBJECTS/<first two characters of hash>.json beside the
# state, a JSON object of the objects whose hashes start so, by hash.  A state reads back
# to the same schema, with the same fingerprint.

OBJECTS = "objects"
_STORED = ("tables", "views", "routines", "triggers", "events", "data")
_REF = re.compile(r"^@([0-9a-f]{16})$")
# buckets already read, by path: (modification time, size, content)
_BUCKETS: dict[Path, tuple[int, int, dict[str, Any]]] = {}
# the path of each bucket, by the folder of the states and the bucket's two characters
_BUCKET_PATHS: dict[Path, dict[str, Path]] = {}


def object_ref(obj: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical_bytes(obj)).hexdigest()[:16]


def _bucket_path(objects: Path, ref: str) -> Path:
    return objects / f"{ref[:2]}.json"


def _read_bucket(path: Path) -> dict[str, Any]:
    st = path.stat()
    hit = _BUCKETS.get(path)
    if hit is not None and hit[0] == st.st_mtime_ns and hit[1] == st.st_size:
        return hit[2]
    value = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    _BUCKETS[path] = (st.st_mtime_ns, st.st_size, value)
    return value


def store_objects(schema: Schema, objects: Path) -> dict[str, Any]:
    """``to_dict(schema)`` with each object of its lists stored in ``objects`` once and
    replaced by its reference: the start of the SHA-256 of the object's canonical JSON,
    which the object keeps (:func:`_object_text`)."""
    out: dict[str, Any] = {}
    objects.mkdir(parents=True, exist_ok=True)
    new: dict[Path, dict[str, str]] = {}
    for name, default in _fields_of(Schema):
        value = getattr(schema, name)
        if default is not _NO_DEFAULT and (value is default or value == default):
            continue
        if name not in _STORED or not isinstance(value, tuple):
            out[name] = encode_value(name, value)
            continue
        refs = []
        for obj in value:
            text = _object_text(obj)
            ref = hashlib.sha256(text.encode()).hexdigest()[:16]
            new.setdefault(_bucket_path(objects, ref), {})[ref] = text
            refs.append("@" + ref)
        out[name] = refs
    for path, found in sorted(new.items()):
        bucket = _read_bucket(path) if path.exists() else {}
        if all(ref in bucket for ref in found):
            continue
        texts = {ref: _canonical(obj) for ref, obj in bucket.items()}
        texts.update(found)
        # one object a line, by hash
        _atomic_write(path, "{\n" + ",\n".join(f'"{ref}": {texts[ref]}' for ref in sorted(texts)) + "\n}\n")
    return out


def load_objects(content: dict[str, Any], objects: Path | None, source: str) -> dict[str, Any]:
    """``content`` with the references of :func:`store_objects` replaced by the objects
    (unchanged when it holds none)."""
    out = content
    for key in _STORED:
        items = content.get(key)
        if not isinstance(items, list) or not any(isinstance(o, str) for o in items):
            continue
        loaded = []
        for obj in items:
            m = _REF.match(obj) if isinstance(obj, str) else None
            if m is None:
                loaded.append(obj)
                continue
            ref = m.group(1)
            path = _bucket_path(objects, ref) if objects is not None else None
            try:
                if path is None:
                    raise OSError("no folder of objects")
                value = _read_bucket(path).get(ref)
                if value is None:
                    raise OSError("not there")
            except (OSError, ValueError) as exc:
                where = path if path is not None else OBJECTS
                raise InputError(f"{source}: the object {obj} it refers to is missing or damaged "
                                 f"({where}: {getattr(exc, 'strerror', None) or exc})") from None
            if not isinstance(value, dict) or object_ref(value) != ref:
                raise InputError(f"{source}: the object {obj} it refers to was edited ({path})")
            loaded.append(value)
        if out is content:
            out = dict(content)
        out[key] = loaded
    return out


def referenced_objects(path: str | os.PathLike[str]) -> list[Path]:
    """The object files the state file ``path`` refers to, in order (none for a state
    written in full)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    content = doc.get("schema") if isinstance(doc, dict) else None
    refs: dict[str, None] = {}  # each object's reference, in order, once
    if isinstance(content, dict):
        for key in _STORED:
            for obj in content.get(key) or []:
                m = _REF.match(obj) if isinstance(obj, str) else None
                if m is not None:
                    refs[m.group(1)] = None
    buckets = _BUCKET_PATHS.setdefault(path.parent, {})  # the states of a directory share them
    out = []
    for prefix in dict.fromkeys(ref[:2] for ref in refs):
        bucket = buckets.get(prefix)
        if bucket is None:
            bucket = buckets[prefix] = _bucket_path(path.parent / OBJECTS, prefix)
        out.append(bucket)
    return out


def fingerprint_of(path: str | os.PathLike[str]) -> str:
    """The fingerprint of the snapshot file ``path``, verified: taken from its sidecar when the
    sidecar records the hash of exactly these bytes, else read and checked in full
    (:class:`InputError` when the file is unreadable, truncated or edited)."""
    path = Path(path)
    mp = meta_path(path)
    if mp.exists():
        try:
            meta = json.loads(mp.read_text(encoding="utf-8"))
            data = path.read_bytes()
        except (OSError, ValueError):
            meta, data = {}, b""
        if isinstance(meta, dict) and isinstance(meta.get("fingerprint"), str) \
                and meta.get("content") == _sha(data):
            return str(meta["fingerprint"])
    return Snapshot.read(path).fingerprint


_HEAD_FIELD = re.compile(r'^    "(\w+)": (.*?),?$')


def database_default_of(path: str | os.PathLike[str]) -> tuple[str | None, str | None]:
    """(charset, collation) of the database default the snapshot file ``path`` records, read
    from the lines before its first object (``to_json`` writes the schema's scalar
    attributes first, one per line), without parsing the file: a hint to try, never
    trusted (a caller compares fingerprints).  The whole file is read when its head is not
    laid out that way."""
    found: dict[str, str | None] = {}
    try:
        with open(path, encoding="utf-8") as f:
            in_schema = False
            for line in f:
                if not in_schema:
                    in_schema = line.startswith('  "schema": {')
                    continue
                m = _HEAD_FIELD.match(line.rstrip("\n"))
                if m is None or m.group(2)[:1] in ("[", "{"):
                    return found.get("charset"), found.get("collation")
                value = json.loads(m.group(2))
                found[m.group(1)] = value if isinstance(value, str) else None
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    schema = Snapshot.read(path).schema
    return schema.charset, schema.collation


def meta_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    stem = path.name[:-5] if path.name.endswith(".json") else path.name
    return path.with_name(stem + ".meta.json")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
