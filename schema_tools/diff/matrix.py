"""N-way comparison: which sites have each schema object, and with which definition.

:func:`build_matrix` takes several schemas keyed by site name and returns a
:class:`Matrix`: one :class:`MatrixObject` per table, column, index, foreign key, check,
view, routine, trigger and event found at any site, addressed like
``table:DataCollection``, ``column:DataCollection.blSampleId``,
``index:DataCollection.PRIMARY``, ``foreign_key:DataCollection.fk_name``,
``check:T.name``, ``view:v``, ``routine:PROCEDURE foo``, ``trigger:t``, ``event:e``.

Matching
    Tables, views and triggers match by exact name (MariaDB on Linux).  Columns, indexes,
    foreign keys, checks, routines and events match case-insensitively (MariaDB treats
    their names so): ``BLSAMPLEID`` and ``blSampleId`` are one column, with the spellings
    recorded in :attr:`MatrixObject.names` (a *naming conflict*).  The address uses the
    spelling most sites use, ties going to the alphabetically first site.

Definitions
    The sites that have an object are grouped by equal definition.  A definition is every
    attribute of the object except those :class:`DiffOptions` ignores, plus the name's
    spelling (so a naming conflict is a difference).  A *table's* definition is the whole
    table, sub-objects included (a table is ``core`` only when identical everywhere);
    :attr:`MatrixObject.parts` then names the sub-objects that make the difference.  A
    column's place in its table belongs to the table's definition, not the column's.
    Groups are sorted largest first, ties by their first site name, and labelled
    ``A``, ``B``, ...

Unstated attributes
    With ``DiffOptions(unstated_any=True)`` (the ``matrix`` command's default), a definer
    or client charset of a view, routine, trigger or event that some sites leave unstated
    (None) while the others state one value is set apart: it is not part of the definition,
    so it makes no conflict, and :attr:`MatrixObject.unstated` names it.

Classes
    ``core`` every site, one definition; ``conflict`` several sites, several
    definitions; ``shared`` several but not all sites, one definition; ``site-specific``
    one site.

Distances
    For every site, the pairwise :func:`~schema_tools.diff.compare.diff` from the reference
    to the site, counted by kind: ``missing`` (in the reference, not at the site: a Drop),
    ``extra`` (an Add), ``different`` (an Alter) and ``renamed`` (a Rename).  A missing
    table counts once, not once per column.

Everything is sorted by name, so the result does not depend on the order the sites are
given in, except that the reference defaults to the first site given.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..dialect.types import INTEGER_NAMES
from ..errors import InputError
from ..model.objects import DataType, Index, Schema, Table, model_fields
from .changes import Add, Alter, Drop, Rename
from .compare import UNSTATED_ATTRS, UNSTATED_KINDS, DiffOptions, changed_attrs, diff

#: object kinds of the matrix, in display order
KINDS = ("table", "column", "index", "foreign_key", "check", "view", "routine", "trigger", "event")
#: kinds counted in a distance (``database``: the schema's default charset/collation)
DISTANCE_KINDS = ("database",) + KINDS + ("data",)
CATEGORIES = ("missing", "extra", "different", "renamed")
CLASSES = ("core", "shared", "conflict", "site-specific")

_TABLE_PARTS = ("columns", "primary_key", "indexes", "foreign_keys", "checks")
_SUB_KINDS = ("column", "index", "foreign_key", "check")
_CASE_INSENSITIVE = frozenset({"column", "index", "foreign_key", "check", "routine", "event"})
_KIND_FOR_IGNORE = {"view": "views", "routine": "routines", "trigger": "triggers",
                    "event": "events"}


# ---------------------------------------------------------------------------------------
# Result objects


@dataclass(frozen=True)
class Group:
    """Sites sharing one definition of an object.

    ``definition`` holds the attributes that tell this group from the object's other
    groups (empty when the object has one group), ``sql`` a one-line DDL fragment for
    columns, indexes, foreign keys and checks, ``digest`` a short hash of the whole
    normalised definition."""

    label: str
    sites: tuple[str, ...]
    digest: str
    name: str
    definition: Mapping[str, Any] = field(default_factory=dict)
    sql: str | None = None


@dataclass(frozen=True)
class MatrixObject:
    kind: str
    table: str | None
    name: str
    sites: tuple[str, ...]
    groups: tuple[Group, ...]
    cls: str
    differs: tuple[str, ...] = ()
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parts: tuple[str, ...] = ()
    # attributes set apart ("unstated = any"): some sites leave them unstated, the others
    # state one value; they are not part of the definition
    unstated: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return address(self.kind, self.table, self.name)

    @property
    def naming_conflict(self) -> bool:
        return len(self.names) > 1

    def group_of(self, site: str) -> Group | None:
        for g in self.groups:
            if site in g.sites:
                return g
        return None

    def cell(self, site: str) -> str | None:
        """The site's group label, or ``None`` when the site lacks the object."""
        g = self.group_of(site)
        return g.label if g else None


@dataclass(frozen=True)
class Distance:
    """How far one site is from the reference: counts[kind][category]."""

    site: str
    counts: Mapping[str, Mapping[str, int]]

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def by_category(self) -> dict[str, int]:
        return {cat: sum(c[cat] for c in self.counts.values()) for cat in CATEGORIES}


@dataclass(frozen=True)
class Matrix:
    sites: tuple[str, ...]
    reference: str
    objects: tuple[MatrixObject, ...]
    distances: Mapping[str, Distance]
    site_counts: Mapping[str, Mapping[str, int]]
    options: DiffOptions = DiffOptions()

    @property
    def identical(self) -> bool:
        return (all(o.cls == "core" for o in self.objects)
                and all(d.total == 0 for d in self.distances.values()))

    def class_counts(self) -> dict[str, int]:
        c = Counter(o.cls for o in self.objects)
        return {k: c.get(k, 0) for k in CLASSES}

    def kind_counts(self) -> dict[str, dict[str, int]]:
        out = {k: {c: 0 for c in CLASSES} for k in KINDS}
        for o in self.objects:
            out[o.kind][o.cls] += 1
        return out

    def conflict_reasons(self) -> dict[str, dict[str, Any]]:
        """Why objects conflict, by kind: ``{kind: {"conflicts": n, "attributes": {attr:
        objects}}}``, attributes as :attr:`MatrixObject.differs` names them (an object
        whose definitions differ in several attributes counts under each), most frequent
        first; kinds without a conflict are left out."""
        out: dict[str, dict[str, Any]] = {}
        for kind in KINDS:
            objs = [o for o in self.objects if o.kind == kind and o.cls == "conflict"]
            if objs:
                c = Counter(a for o in objs for a in o.differs)
                out[kind] = {"conflicts": len(objs),
                             "attributes": dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))}
        return out

    def unstated_counts(self) -> dict[str, int]:
        """By kind, the objects whose sites agree but for a definer or client charset that
        some leave unstated (set apart, not a conflict); kinds without any left out."""
        c = Counter(o.kind for o in self.objects if o.unstated)
        return {k: c[k] for k in KINDS if c.get(k)}

    def present_counts(self) -> dict[str, int]:
        return {s: sum(1 for o in self.objects if s in o.sites) for s in self.sites}

    def get(self, addr: str) -> MatrixObject | None:
        for o in self.objects:
            if o.address == addr:
                return o
        return None


def address(kind: str, table: str | None, name: str) -> str:
    return f"{kind}:{table}.{name}" if table is not None and kind in _SUB_KINDS else f"{kind}:{name}"


# ---------------------------------------------------------------------------------------
# Normalised definitions


def _norm_value(value: Any, ignore: frozenset[str], display_width: bool) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, DataType):
        if display_width and value.name in INTEGER_NAMES:
            value = dataclasses.replace(value, length=None)
        return value.sql()
    if dataclasses.is_dataclass(value):
        return _norm(value, ignore, display_width, skip=())
    if isinstance(value, tuple):
        return tuple(_norm_value(v, ignore, display_width) for v in value)
    return value


def _norm(obj: Any, ignore: frozenset[str], display_width: bool,
          skip: Iterable[str] = ("name",)) -> tuple[Any, ...]:
    skip = set(skip)
    return tuple((f.name, _norm_value(getattr(obj, f.name), ignore, display_width))
                 for f in model_fields(type(obj)) if f.name not in skip and f.name not in ignore)


def _named_key(obj: Any, opts: DiffOptions, memo: dict[int, tuple[Any, ...]] | None = None) -> tuple[Any, ...]:
    """``(name,) + normalised definition`` of a sub-object; ``memo`` caches by identity."""
    if memo is not None and id(obj) in memo:
        return memo[id(obj)]
    key = (obj.name,) + _norm(obj, opts.ignored_attrs, "display-width" in opts.ignore)
    if memo is not None:
        memo[id(obj)] = key
    return key


def _norm_table(t: Table, opts: DiffOptions, memo: dict[int, tuple[Any, ...]] | None = None) -> tuple[Any, ...]:
    ignore, dw = opts.ignored_attrs, "display-width" in opts.ignore
    head = _norm(t, ignore, dw, skip=("name",) + _TABLE_PARTS)
    columns = [_named_key(c, opts, memo) for c in t.columns]
    if "column-order" in opts.ignore:
        columns.sort()
    indexes = [_named_key(i, opts, memo) for i in _indexes(t)]
    if "index-names" in opts.ignore:
        indexes = sorted(k[1:] for k in indexes)
    fks = [_named_key(f, opts, memo) for f in t.foreign_keys]
    if "fk-names" in opts.ignore:
        fks = sorted(k[1:] for k in fks)
    checks = [_named_key(c, opts, memo) for c in t.checks]
    return head + (("columns", tuple(columns)), ("indexes", tuple(indexes)),
                   ("foreign_keys", tuple(fks)), ("checks", tuple(checks)))


def _indexes(t: Table) -> list[Index]:
    return ([t.primary_key] if t.primary_key is not None else []) + list(t.indexes)


def _digest(key: Any) -> str:
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------------------------------
# Display helpers


def _jsonable(value: Any) -> Any:
    if isinstance(value, DataType):
        return value.sql()
    if dataclasses.is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in model_fields(type(value))}
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def definition_sql(kind: str, obj: Any) -> str | None:
    """The DDL of a column, index, foreign key or check as a table definition writes it
    (None for other kinds)."""
    from ..dialect import ddl

    if kind == "column":
        return ddl.column_definition(obj, Table(name="", columns=(), collation=None))
    if kind == "index":
        return ddl.index_definition(obj)
    if kind == "foreign_key":
        return ddl.foreign_key_definition(obj)
    if kind == "check":
        return ddl.check_definition(obj)
    return None


def _attr_diffs(kind: str, reps: list[Any], opts: DiffOptions,
                apart: frozenset[str] = frozenset()) -> list[str]:
    """Attributes (as :func:`changed_attrs` names them) that differ among the groups'
    representative objects; ``apart`` are left out too."""
    ignore = opts.ignored_attrs | apart | (frozenset({"display-width"}) if "display-width" in opts.ignore
                                           else frozenset())
    out: set[str] = set()
    skip: tuple[str, ...] = ("name",) + (_TABLE_PARTS if kind == "table" else ())
    for i, a in enumerate(reps):
        for b in reps[i + 1:]:
            out.update(changed_attrs(a, b, ignore, skip=skip))
            if a.name != b.name:
                out.add("name")
            if kind == "table":
                na, nb = dict(_norm_table(a, opts)), dict(_norm_table(b, opts))
                for part in ("columns", "indexes", "foreign_keys", "checks"):
                    if na[part] != nb[part]:
                        if part == "columns" and sorted(na[part]) == sorted(nb[part]):
                            out.add("column-order")
                        else:
                            out.add(part)
    return sorted(out)


# ---------------------------------------------------------------------------------------
# Building


@dataclass
class _Entry:
    kind: str
    table: str | None
    # site -> (object, normalised key)
    by_site: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _collect(sites: Mapping[str, Schema], opts: DiffOptions) -> dict[tuple[Any, ...], _Entry]:
    ignore, dw = opts.ignored_attrs, "display-width" in opts.ignore
    entries: dict[tuple[Any, ...], _Entry] = {}

    def add(kind: str, table: str | None, name: str, site: str, obj: Any, key: Any) -> None:
        match = name.lower() if kind in _CASE_INSENSITIVE else name
        e = entries.setdefault((kind, table, match), _Entry(kind, table))
        while site in e.by_site:
            # two objects of one site fold to one case-insensitive name: keep them apart
            match = "\0" + match
            e = entries.setdefault((kind, table, match), _Entry(kind, table))
        e.by_site[site] = (obj, key)

    memo: dict[int, tuple[Any, ...]] = {}
    for site, schema in sites.items():
        for t in schema.tables:
            if not opts.wants_table(t.name):
                continue
            add("table", None, t.name, site, t, _norm_table(t, opts, memo))
            for kind, subs in (("column", t.columns), ("index", _indexes(t)),
                               ("foreign_key", t.foreign_keys), ("check", t.checks)):
                for o in subs:
                    add(kind, t.name, o.name, site, o, _named_key(o, opts, memo))
        for kind, objs in (("view", schema.views), ("routine", schema.routines),
                           ("trigger", schema.triggers), ("event", schema.events)):
            if _KIND_FOR_IGNORE[kind] in opts.ignore:
                continue
            for obj in objs:
                name = _display_name(kind, obj)
                add(kind, None, name, site, obj, (name,) + _norm(obj, ignore, dw))
    return entries


def _unstated_apart(e: _Entry, opts: DiffOptions) -> tuple[str, ...]:
    """The attributes of ``e`` that "unstated = any" sets apart: some sites leave them
    unstated (None) and the others all state one value.  Where the sites state several
    values, the attribute stays in the definition, unstated ones included."""
    if not opts.unstated_any or e.kind not in UNSTATED_KINDS or len(e.by_site) < 2:
        return ()
    out = []
    objs = [obj for obj, _ in e.by_site.values()]
    for attr in sorted(UNSTATED_ATTRS - opts.ignored_attrs):
        values = {getattr(o, attr, None) for o in objs}
        if None in values and len(values) == 2:
            out.append(attr)
    return tuple(out)


def _without(key: tuple[Any, ...], attrs: tuple[str, ...]) -> tuple[Any, ...]:
    """A normalised ``(name,) + ((attribute, value), ...)`` key without ``attrs``."""
    return key[:1] + tuple(p for p in key[1:] if p[0] not in attrs)


def _display_name(kind: str, obj: Any) -> str:
    return str(obj.key if kind == "routine" else obj.name)


def _build_object(e: _Entry, all_sites: tuple[str, ...], opts: DiffOptions) -> MatrixObject:
    present = tuple(sorted(e.by_site))
    # spellings: most sites first, ties by first site name
    spell: dict[str, list[str]] = {}
    for s in present:
        spell.setdefault(_display_name(e.kind, e.by_site[s][0]), []).append(s)
    spellings = sorted(spell.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    name = spellings[0][0]
    names = {n: tuple(ss) for n, ss in spellings} if len(spellings) > 1 else {}

    apart = _unstated_apart(e, opts)
    by_key: dict[Any, list[str]] = {}
    for s in present:
        key = e.by_site[s][1]
        by_key.setdefault(_without(key, apart) if apart else key, []).append(s)
    ordered = sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    reps = [e.by_site[ss[0]][0] for _, ss in ordered]
    differs = _attr_diffs(e.kind, reps, opts, frozenset(apart)) if len(ordered) > 1 else []
    groups = []
    for i, ((key, ss), rep) in enumerate(zip(ordered, reps, strict=True)):
        definition = {}
        for attr in differs:
            if attr == "name":
                definition["name"] = _display_name(e.kind, rep)
            elif hasattr(rep, attr) and not (e.kind == "table" and attr in _TABLE_PARTS):
                definition[attr] = _jsonable(getattr(rep, attr))
            elif attr in ("length", "scale", "values", "unsigned", "zerofill", "type_name"):
                definition.setdefault("type", rep.type.sql())
        groups.append(Group(label=_label(i), sites=tuple(ss), digest=_digest(key),
                            name=_display_name(e.kind, rep), definition=definition,
                            sql=definition_sql(e.kind, rep)))

    if len(present) == len(all_sites) and len(groups) == 1:
        cls = "core"
    elif len(present) == 1:
        cls = "site-specific"
    elif len(groups) > 1:
        cls = "conflict"
    else:
        cls = "shared"
    return MatrixObject(kind=e.kind, table=e.table, name=name, sites=present,
                        groups=tuple(groups), cls=cls, differs=tuple(differs), names=names,
                        unstated=apart)


def _label(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _sort_key(o: MatrixObject) -> tuple[Any, ...]:
    if o.kind in ("table",) + _SUB_KINDS:
        table = o.name if o.kind == "table" else o.table
        assert table is not None, f"a {o.kind} names its table"
        primary = 0 if o.kind == "index" and o.name.upper() == "PRIMARY" else 1
        return (0, table.lower(), table, KINDS.index(o.kind), primary, o.name.lower(), o.name)
    return (1 + KINDS.index(o.kind), "", "", 0, 0, o.name.lower(), o.name)


def _with_parts(objects: list[MatrixObject]) -> list[MatrixObject]:
    """Fill ``parts`` of each table that differs: its sub-objects that are not the same
    at every site having the table."""
    tables = {o.name: o for o in objects if o.kind == "table"}
    parts: dict[str, list[str]] = {}
    for o in objects:
        if o.kind in _SUB_KINDS and o.table in tables:
            t = tables[o.table]
            if len(t.groups) > 1 and (o.sites != t.sites or len(o.groups) > 1):
                parts.setdefault(o.table, []).append(o.address)
    return [dataclasses.replace(o, parts=tuple(parts.get(o.name, ()))) if o.kind == "table"
            else o for o in objects]


def distance(reference: Schema, other: Schema, site: str,
             options: DiffOptions | None = None) -> Distance:
    """Counts, by kind, of what the pairwise diff from ``reference`` to ``other`` finds."""
    counts = {k: {c: 0 for c in CATEGORIES} for k in DISTANCE_KINDS}
    category = {Drop: "missing", Add: "extra", Alter: "different", Rename: "renamed"}
    for ch in diff(reference, other, options):
        counts.setdefault(ch.kind, {c: 0 for c in CATEGORIES})[category[type(ch)]] += 1
    return Distance(site, counts)


def build_matrix(sites: Mapping[str, Schema], *, reference: str | None = None,
                 options: DiffOptions | None = None) -> Matrix:
    """Compare every site with every other; see the module documentation.

    ``reference`` defaults to the first site given."""
    if not sites:
        raise InputError("a matrix needs at least one site")
    for name in sites:
        if not isinstance(name, str) or not name:
            raise InputError(f"bad site name: {name!r}")
    opts = options or DiffOptions()
    ref = reference if reference is not None else next(iter(sites))
    if ref not in sites:
        raise InputError(f"reference {ref!r} is not one of the sites: {', '.join(sorted(sites))}")
    names = tuple(sorted(sites))
    ordered = {n: sites[n] for n in names}
    entries = _collect(ordered, opts)
    objects = sorted((_build_object(e, names, opts) for e in entries.values()), key=_sort_key)
    objects = _with_parts(objects)
    distances = {n: distance(ordered[ref], ordered[n], n, opts) for n in names}
    site_counts = {n: dict(ordered[n].counts()) for n in names}
    return Matrix(sites=names, reference=ref, objects=tuple(objects), distances=distances,
                  site_counts=site_counts, options=opts)


__all__ = ["CATEGORIES", "CLASSES", "DISTANCE_KINDS", "Distance", "Group", "KINDS", "Matrix",
           "MatrixObject", "address", "build_matrix", "distance"]
