"""The core of several sites, and each site's target (the site plus the core).

:func:`build_core` takes the sites' schemas (in the order given; the reference defaults to
the first) and a quorum ``K`` (default: every site).  Every table, column, index, foreign
key, check, view, routine, trigger and event that at least ``K`` sites hold enters the
core, with a definition every holding site can adopt without losing data:

* a column gets the widest type of the holding sites (:func:`~schema_tools.migrate.revision.widen`);
  enum and set values are united, in the order that keeps the existing ordinals of the
  most sites (the reference's first on a tie); it allows NULL where any site does; the
  widest character set; the reference's default, comment and other attributes;
* a table gets the reference's options and comment and the widest character set;
* indexes, foreign keys, checks, views, routines, triggers and events must be the same at
  every holding site (the reference's comment, index algorithm and unstated definer aside;
  ``NO ACTION`` is ``RESTRICT``);
* the columns a chain of foreign keys links get one integer type, the widest of them.

Names that differ only in letter case are one object, spelled as the reference spells it
(else as most holding sites do).  Where no lossless merge exists (``int`` and
``varchar``, foreign keys to other tables, primary keys on other columns, routines with
other bodies...) the object is a :class:`Conflict`, left out of the core unless a decision
(:mod:`.decisions`) settles it.  An object whose table, columns or referenced table are
not in the core is left out too (:attr:`Core.left_out`), since no site could create it.

Everything is sorted by name: the result depends on the order of the sites only through
the reference and the ties it breaks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Mapping, Sequence

from ..dialect.types import INTEGER_NAMES
from ..diff.compare import UNSTATED_ATTRS
from ..diff.matrix import definition_sql
from ..errors import InputError
from ..migrate.revision import holds, widen
from ..model.objects import Column, DataType, ForeignKey, Index, Schema, Table, model_fields
from ..dialect import ddl
from .decisions import Decision, DecisionError

KINDS = ("table", "column", "index", "foreign_key", "check", "view", "routine", "trigger", "event")
_CHARSET_RANK = {"ascii": 0, "latin1": 1, "utf8mb3": 2, "utf8": 2, "utf8mb4": 3}
_IDENT = re.compile(r"`((?:[^`]|``)+)`")


def address(kind: str, table: str | None, name: str) -> str:
    """``column:Table.name``, ``table:Name``, ``routine:PROCEDURE name`` (as ``matrix`` does)."""
    return f"{kind}:{table}.{name}" if table is not None and kind not in ("table", "trigger") \
        else f"{kind}:{name}"


@dataclass(frozen=True)
class Conflict:
    """An object enough sites hold, with no definition all of them can adopt losslessly.
    ``definitions``: (site, one-line definition) of each holding site, in site order."""

    kind: str
    table: str | None
    name: str
    definitions: tuple[tuple[str, str], ...]
    reason: str
    decision: Decision | None = None

    @property
    def address(self) -> str:
        return address(self.kind, self.table, self.name)


@dataclass(frozen=True)
class Core:
    sites: tuple[str, ...]  # in the order given
    reference: str
    quorum: int
    schema: Schema  # the core objects only
    conflicts: tuple[Conflict, ...]
    # address -> why: the objects enough sites hold that cannot enter the core, because
    # what they need is not there
    left_out: Mapping[str, str]
    # address -> number of sites holding it, for every core object
    holders: Mapping[str, int] = field(default_factory=dict)
    # site -> renames the decisions ask of it: (kind, table, old name, new name)
    renames: Mapping[str, tuple[tuple[str, str | None, str, str], ...]] = field(default_factory=dict)
    decisions: tuple[Decision, ...] = ()

    def counts(self) -> dict[str, int]:
        s = self.schema
        return {
            "table": len(s.tables),
            "column": sum(len(t.columns) for t in s.tables),
            "index": sum(len(t.indexes) + (t.primary_key is not None) for t in s.tables),
            "foreign_key": sum(len(t.foreign_keys) for t in s.tables),
            "check": sum(len(t.checks) for t in s.tables),
            "view": len(s.views), "routine": len(s.routines), "trigger": len(s.triggers),
            "event": len(s.events),
        }

    def everywhere(self) -> dict[str, int]:
        """By kind, the core objects that every site holds already (the rest come from the
        quorum)."""
        out = {k: 0 for k in KINDS}
        for addr, n in self.holders.items():
            if n == len(self.sites):
                out[addr.split(":", 1)[0]] += 1
        return out

    @property
    def open_conflicts(self) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.decision is None)


# ---------------------------------------------------------------------------------------
# merging definitions


def _union_values(lists: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    """The union of enum (or set) value lists, in the order that keeps the ordinals of the
    most lists: each list in turn is the head, the values of the others follow in order."""
    best: tuple[int, tuple[str, ...]] | None = None
    for head in lists:
        union = list(head)
        for other in lists:
            union += [v for v in other if v not in union]
        kept = sum(1 for other in lists if tuple(union[:len(other)]) == tuple(other))
        if best is None or kept > best[0]:
            best = (kept, tuple(union))
    return best[1] if best else ()


def merge_types(types: Sequence[DataType]) -> DataType | None:
    """The type that holds every value of ``types`` (the reference's first), or None."""
    first = types[0]
    if all(t == first for t in types):
        return first
    if all(t.name == first.name for t in types) and first.name in ("enum", "set"):
        return DataType(first.name, values=_union_values([t.values for t in types]))
    if all(_holds_value(first, t) for t in types):
        return first  # the reference's type holds them all: its display width too
    out = first
    for t in types[1:]:
        out = widen(out, t)
    return out if all(holds(out, t) for t in types) else None


def _holds_value(a: DataType, b: DataType) -> bool:
    """:func:`holds`, integer display widths aside."""
    if a.name in INTEGER_NAMES and b.name in INTEGER_NAMES:
        wide = widen(a, b)
        return (wide.name, wide.unsigned) == (a.name, a.unsigned)
    return holds(a, b)


def _widest_charset(objs: Sequence[Any]) -> tuple[str | None, str | None] | None:
    """(charset, collation) for objects of several character sets: the widest one, with
    the collation of the first object that has it; None when they cannot be ranked."""
    charsets = {o.charset for o in objs if o.charset}
    if len(charsets) <= 1:
        return objs[0].charset, objs[0].collation
    if not charsets <= set(_CHARSET_RANK):
        return None
    widest = max(charsets, key=lambda c: _CHARSET_RANK[c])
    first = next(o for o in objs if o.charset == widest)
    return widest, first.collation


def _merge_column(name: str, cols: list[tuple[str, Column]]) -> tuple[Column | None, str | None]:
    ref = cols[0][1]
    if len({c.generated for _, c in cols}) > 1 or len({c.generated_stored for _, c in cols}) > 1:
        return None, "generated expressions differ"
    if len({c.check for _, c in cols}) > 1:
        return None, "column CHECK clauses differ"
    wide = merge_types([c.type for _, c in cols])
    if wide is None:
        first = cols[0]
        other = next(((s, c) for s, c in cols[1:] if merge_types([first[1].type, c.type]) is None),
                     cols[-1])
        return None, (f"no type holds both {first[1].type.sql()} ({first[0]}) and "
                      f"{other[1].type.sql()} ({other[0]})")
    charset, collation = ref.charset, ref.collation
    if wide.is_string:
        merged = _widest_charset([c for _, c in cols if c.type.is_string])
        if merged is None:
            shown = ", ".join(f"{c.charset} at {s}" for s, c in cols)
            return None, f"character sets differ ({shown})"
        charset, collation = merged
    nullable = any(c.nullable for _, c in cols)
    default = ref.default
    if default is None and nullable and not ref.auto_increment and ref.generated is None:
        default = "NULL"
    return dataclasses.replace(ref, name=name, type=wide, nullable=nullable, default=default,
                               charset=charset, collation=collation), None


def _index_reason(objs: list[tuple[str, Index]]) -> str:
    a_site, a = objs[0]
    for b_site, b in objs[1:]:
        if [c.lower() for c in a.column_names] != [c.lower() for c in b.column_names]:
            what = "primary keys on different columns" if a.kind == "primary" else "columns differ"
            return f"{what}: {_cols(a.column_names)} at {a_site}, {_cols(b.column_names)} at {b_site}"
        if a.kind != b.kind:
            return f"{a.kind} at {a_site}, {b.kind} at {b_site}"
        if [c.length for c in a.columns] != [c.length for c in b.columns]:
            return "prefix lengths differ"
    return "definitions differ (order, algorithm or visibility)"


def _cols(names: Sequence[str]) -> str:
    return "(" + ", ".join(names) + ")"


def _index_key(i: Index) -> tuple:
    # BTREE is what an index without USING gets on InnoDB: the algorithm is the reference's
    return (tuple((c.name.lower(), c.length, c.descending) for c in i.columns), i.kind, i.ignored)


def _action(rule: str) -> str:
    return "RESTRICT" if rule == "NO ACTION" else rule  # the same rule on InnoDB


def _fk_key(fk: ForeignKey) -> tuple:
    return (tuple(c.lower() for c in fk.columns), fk.ref_table.lower(),
            tuple(c.lower() for c in fk.ref_columns), _action(fk.on_delete), _action(fk.on_update),
            fk.ref_schema)


def _fk_reason(objs: list[tuple[str, ForeignKey]]) -> str:
    a_site, a = objs[0]
    for b_site, b in objs[1:]:
        if _fk_key(a)[:3] != _fk_key(b)[:3]:
            return (f"references {a.ref_table}{_cols(a.ref_columns)} from {_cols(a.columns)} at {a_site}, "
                    f"{b.ref_table}{_cols(b.ref_columns)} from {_cols(b.columns)} at {b_site}")
        for attr in ("on_delete", "on_update"):
            if _action(getattr(a, attr)) != _action(getattr(b, attr)):
                return (f"{attr.replace('_', ' ')} differs: {getattr(a, attr)} at {a_site}, "
                        f"{getattr(b, attr)} at {b_site}")
    return "definitions differ"


def _plain_key(obj: Any, skip: frozenset[str]) -> tuple:
    return tuple((f.name, getattr(obj, f.name)) for f in model_fields(type(obj))
                 if f.name != "name" and f.name not in skip)


def _apart(objs: Sequence[Any]) -> frozenset[str]:
    """Unstated attributes (definer, client charsets) some sites leave out while the others
    state one value: not part of the definition (as ``matrix`` compares)."""
    out = set()
    for attr in UNSTATED_ATTRS:
        values = {getattr(o, attr, None) for o in objs}
        if None in values and len(values) <= 2:
            out.add(attr)
    return frozenset(out)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def definition_text(kind: str, obj: Any) -> str:
    """One line that shows the definition of ``obj`` (a digest for long bodies)."""
    sql = definition_sql(kind, obj)
    if sql is not None:
        return sql
    if kind == "view":
        return f"VIEW {ddl.quote_ident(obj.name)} AS {_clip(obj.definition)}"
    if kind == "routine":
        ret = f" RETURNS {obj.returns}" if obj.returns else ""
        return (f"{obj.kind} {ddl.quote_ident(obj.name)}({obj.param_text}){ret}; body "
                f"{len(obj.body.splitlines())} line(s), sha256 {_digest(obj.body)}"
                + (f"; comment {obj.comment!r}" if obj.comment else ""))
    if kind == "trigger":
        return (f"TRIGGER {ddl.quote_ident(obj.name)} {obj.timing} {obj.event} ON "
                f"{ddl.quote_ident(obj.table)}; body sha256 {_digest(obj.statement)}")
    if kind == "event":
        return (f"EVENT {ddl.quote_ident(obj.name)} {obj.schedule} {obj.status}; body sha256 "
                f"{_digest(obj.definition)}")
    return repr(obj)


def _clip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 3] + "..."


# ---------------------------------------------------------------------------------------
# building the core


class _Builder:
    def __init__(self, sites: Mapping[str, Schema], reference: str, quorum: int,
                 decisions: Sequence[Decision]) -> None:
        self.sites = sites
        self.order = tuple(sites)
        self.reference = reference
        self.quorum = quorum
        self.decisions = {d.object.lower(): d for d in decisions}
        self.used: set[str] = set()
        self.conflicts: list[Conflict] = []
        self.left_out: dict[str, str] = {}
        self.holders: dict[str, int] = {}
        # site -> lower table name -> table
        self.tables = {s: _by_lower(sch.tables, lambda t: t.name) for s, sch in sites.items()}

    # -- helpers

    def _ordered(self, by_site: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """(site, object) with the reference first, then the sites in the order given."""
        sites = [self.reference] + [s for s in self.order if s != self.reference]
        return [(s, by_site[s]) for s in sites if s in by_site]

    def _spell(self, objs: list[tuple[str, Any]], name_of: Callable[[Any], str] = lambda o: o.name) -> str:
        if objs[0][0] == self.reference:
            return name_of(objs[0][1])
        counts: dict[str, int] = {}
        for _, o in objs:
            counts[name_of(o)] = counts.get(name_of(o), 0) + 1
        return max(counts, key=lambda n: (counts[n], -[name_of(o) for _, o in objs].index(n)))

    def _settle(self, kind: str, table: str | None, name: str, objs: list[tuple[str, Any]],
                reason: str) -> Any | None:
        """A conflict: recorded, and settled by its decision when there is one (the
        object the decision puts in the core, or None)."""
        addr = address(kind, table, name)
        decision = self.decisions.get(addr.lower())
        self.conflicts.append(Conflict(kind, table, name,
                                       tuple((s, definition_text(kind, o)) for s, o in objs),
                                       reason, decision))
        if decision is None:
            return None
        self.used.add(addr.lower())
        held = {s for s, _ in objs}
        for site in [decision.site] * (decision.action == "take") + [s for s, _ in decision.rename]:
            if site not in held:
                raise DecisionError(f"{decision.where()}: site {site} does not hold {addr} "
                                    f"(held by {', '.join(s for s, _ in objs)})")
        if decision.action != "take" or decision.site is None:
            return None
        return dict(objs)[decision.site]

    def _enough(self, objs: list) -> bool:
        return len(objs) >= self.quorum

    # -- tables and columns

    def build(self) -> Schema:
        keys = sorted({k for t in self.tables.values() for k in t})
        tables: dict[str, Table] = {}
        members: dict[str, list[tuple[str, Table]]] = {}
        for key in keys:
            objs = self._ordered({s: t[key] for s, t in self.tables.items() if key in t})
            if not self._enough(objs):
                continue
            name = self._spell(objs)
            members[key] = objs
            tables[key] = self._table_shell(name, objs)
        for key, t in tables.items():
            tables[key] = dataclasses.replace(t, columns=self._columns(t.name, members[key]))
        for key, t in list(tables.items()):
            tables[key] = self._table_keys(t, members[key], tables)
        tables = _harmonized(tables)
        for t in tables.values():
            self.holders[address("table", None, t.name)] = len(members[t.name.lower()])
        views = self._named("view", [s.views for s in self.sites.values()], tables)
        routines = self._named("routine", [s.routines for s in self.sites.values()], tables)
        triggers = self._named("trigger", [s.triggers for s in self.sites.values()], tables)
        events = self._named("event", [s.events for s in self.sites.values()], tables)
        ref = self.sites[self.reference]
        return Schema(flavour=ref.flavour, charset=ref.charset, collation=ref.collation,
                      tables=tuple(tables.values()), views=views, routines=routines,
                      triggers=triggers, events=events)

    def _table_shell(self, name: str, objs: list[tuple[str, Table]]) -> Table:
        ref = objs[0][1]
        charset, collation = _widest_charset([t for _, t in objs]) or (ref.charset, ref.collation)
        partitioning = ref.partitioning if len({t.partitioning for _, t in objs}) == 1 else None
        return dataclasses.replace(ref, name=name, columns=(), primary_key=None, indexes=(),
                                   foreign_keys=(), checks=(), charset=charset, collation=collation,
                                   partitioning=partitioning, index_order=(), check_order=())

    def _columns(self, table: str, objs: list[tuple[str, Table]]) -> tuple[Column, ...]:
        order: list[str] = []
        for _, t in objs:  # the reference's order, each other column after its predecessor
            prev = None
            for c in t.columns:
                key = c.name.lower()
                if key not in order:
                    order.insert(order.index(prev) + 1 if prev is not None else 0, key)
                prev = key
        by_site = {s: _by_lower(t.columns, lambda c: c.name) for s, t in objs}
        out = []
        for key in order:
            cols = self._ordered({s: cs[key] for s, cs in by_site.items() if key in cs})
            if not self._enough(cols):
                continue
            name = self._spell(cols)
            merged, reason = _merge_column(name, cols)
            if merged is None:
                taken = self._settle("column", table, name, cols, reason or "definitions differ")
                if taken is None:
                    continue
                merged = dataclasses.replace(taken, name=name)
            self.holders[address("column", table, name)] = len(cols)
            out.append(merged)
        return tuple(out)

    # -- indexes, foreign keys, checks

    def _table_keys(self, t: Table, objs: list[tuple[str, Table]], tables: dict[str, Table]) -> Table:
        columns = {c.name.lower(): c.name for c in t.columns}

        def spelled(names: Sequence[str]) -> tuple[str, ...] | None:
            if all(n.lower() in columns for n in names):
                return tuple(columns[n.lower()] for n in names)
            return None

        def missing(names: Sequence[str], table: str) -> str:
            gone = [n for n in names if n.lower() not in columns]
            return f"column(s) {', '.join(gone)} of {table} not in the core"

        indexes: list[Index] = []
        primary = None
        for _key, idx in self._sub(objs, lambda tt: ([tt.primary_key] if tt.primary_key else []) + list(tt.indexes),
                                   "index", t.name, _index_key, _index_reason):
            cols = spelled(idx.column_names)
            addr = address("index", t.name, idx.name)
            if cols is None:
                self._leave(addr, missing(idx.column_names, t.name))
                continue
            idx = dataclasses.replace(idx, columns=tuple(dataclasses.replace(c, name=n)
                                                         for c, n in zip(idx.columns, cols, strict=True)))
            if idx.kind == "primary":
                primary = idx
            else:
                indexes.append(idx)
        fks = []
        for _key, fk in self._sub(objs, lambda tt: tt.foreign_keys, "foreign_key", t.name, _fk_key, _fk_reason):
            addr = address("foreign_key", t.name, fk.name)
            cols = spelled(fk.columns)
            parent = tables.get(fk.ref_table.lower())
            if cols is None:
                self._leave(addr, missing(fk.columns, t.name))
                continue
            if parent is None or fk.ref_schema is not None:
                self._leave(addr, f"references {fk.ref_table}, not in the core")
                continue
            pcols = {c.name.lower(): c.name for c in parent.columns}
            if not all(c.lower() in pcols for c in fk.ref_columns):
                gone = [c for c in fk.ref_columns if c.lower() not in pcols]
                self._leave(addr, f"references column(s) {', '.join(gone)} of {parent.name}, not in the core")
                continue
            fks.append(dataclasses.replace(fk, columns=cols, ref_table=parent.name,
                                           ref_columns=tuple(pcols[c.lower()] for c in fk.ref_columns)))
        checks = []
        for _key, chk in self._sub(objs, lambda tt: tt.checks, "check", t.name,
                                  lambda c: c.clause, lambda _: "clauses differ"):
            named = {m.replace("``", "`").lower() for m in _IDENT.findall(chk.clause)}
            known = {c.name.lower() for _, tt in objs for c in tt.columns}
            gone = sorted((named & known) - set(columns))
            if gone:
                self._leave(address("check", t.name, chk.name), missing(gone, t.name))
                continue
            checks.append(chk)
        # an AUTO_INCREMENT column needs a key that starts with it
        firsts = {i.columns[0].name for i in ([primary] if primary else []) + indexes if i.columns}
        kept = tuple(dataclasses.replace(c, auto_increment=False) if c.auto_increment and c.name not in firsts
                     else c for c in t.columns)
        return dataclasses.replace(t, columns=kept, primary_key=primary, indexes=tuple(indexes),
                                   foreign_keys=tuple(fks), checks=tuple(checks))

    def _sub(self, objs: list[tuple[str, Table]], items: Callable[[Table], Sequence[Any]], kind: str,
             table: str, key: Callable[[Any], Any], reason: Callable[[list], str]):
        """(key, core object) of each ``kind`` object of the table enough sites hold."""
        by_site = {s: _by_lower(items(t), lambda o: o.name) for s, t in objs}
        keys = sorted({k for m in by_site.values() for k in m})
        for k in keys:
            held = self._ordered({s: m[k] for s, m in by_site.items() if k in m})
            if not self._enough(held):
                continue
            name = self._spell(held)
            if len({key(o) for _, o in held}) > 1:
                taken = self._settle(kind, table, name, held, reason(held))
                if taken is None:
                    continue
                chosen = taken
            else:
                chosen = held[0][1]
            self.holders[address(kind, table, name)] = len(held)
            yield k, dataclasses.replace(chosen, name=name)

    def _leave(self, addr: str, reason: str) -> None:
        self.holders.pop(addr, None)
        self.left_out.setdefault(addr, reason)

    # -- views, routines, triggers, events

    def _named(self, kind: str, per_site: list[Sequence[Any]], tables: dict[str, Table]) -> tuple:
        def key_of(o: Any) -> str:
            return f"{o.kind} {o.name}".lower() if kind == "routine" else o.name.lower()

        def name_of(o: Any) -> str:
            return o.key if kind == "routine" else o.name

        by_site = {s: _by_lower(objs, key_of) for s, objs in zip(self.sites, per_site, strict=True)}
        names = {k for m in by_site.values() for k in m}
        relations = {t.name.lower() for sch in self.sites.values() for t in sch.tables} \
            | {v.name.lower() for sch in self.sites.values() for v in sch.views}
        core_views = {k for k in names if kind == "view"
                      and sum(k in m for m in by_site.values()) >= self.quorum}
        out = []
        for k in sorted(names):
            held = self._ordered({s: m[k] for s, m in by_site.items() if k in m})
            if not self._enough(held):
                continue
            name = self._spell(held, name_of)
            addr = address(kind, None, name)
            skip = _apart([o for _, o in held])
            keys = {_plain_key(dataclasses.replace(o, table=o.table.lower()) if kind == "trigger" else o, skip)
                    for _, o in held}
            chosen = held[0][1]
            if len(keys) > 1:
                differs = sorted({f.name for f in model_fields(type(chosen)) if f.name != "name"
                                  and f.name not in skip
                                  and len({str(getattr(o, f.name)) for _, o in held}) > 1})
                taken = self._settle(kind, None, name, held, f"definitions differ ({', '.join(differs)})")
                if taken is None:
                    continue
                chosen = taken
            plain = name.split(" ", 1)[1] if kind == "routine" else name
            chosen = dataclasses.replace(chosen, name=plain)
            if kind == "trigger":
                parent = tables.get(chosen.table.lower())
                if parent is None:
                    self._leave(addr, f"its table {chosen.table} is not in the core")
                    continue
                chosen = dataclasses.replace(chosen, table=parent.name)
            if kind == "view":
                named = {m.replace("``", "`").lower() for m in _IDENT.findall(chosen.definition)}
                gone = sorted((named & relations) - set(tables) - core_views)
                if gone:
                    self._leave(addr, f"reads {', '.join(gone)}, not in the core")
                    continue
            self.holders[addr] = len(held)
            out.append(chosen)
        return tuple(out)


def _harmonized(tables: dict[str, Table]) -> dict[str, Table]:
    """The core with both ends of each foreign key of one integer type: the widest of the
    columns a chain of foreign keys links (the server refuses ends of different types)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for key, t in sorted(tables.items()):
        for fk in t.foreign_keys:
            for a, b in zip(fk.columns, fk.ref_columns, strict=True):
                ra, rb = find((key, a.lower())), find((fk.ref_table.lower(), b.lower()))
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for member in sorted(set(parent) | set(parent.values())):
        groups.setdefault(find(member), []).append(member)
    types: dict[tuple[str, str], DataType] = {}
    for members in groups.values():
        cols = [next(c for c in tables[t].columns if c.name.lower() == n) for t, n in members]
        if not all(c.type.name in INTEGER_NAMES for c in cols):
            continue
        wide = cols[0].type
        for c in cols[1:]:
            wide = widen(wide, c.type)
        for m, c in zip(members, cols, strict=True):
            if not holds(c.type, wide):
                types[m] = wide
    if not types:
        return tables
    return {key: dataclasses.replace(t, columns=tuple(
        dataclasses.replace(c, type=types[(key, c.name.lower())]) if (key, c.name.lower()) in types else c
        for c in t.columns)) for key, t in tables.items()}


def _by_lower(objs: Sequence[Any], name: Callable[[Any], str]) -> dict[str, Any]:
    """Objects by lower-case name; of two that fold to one name, the first by name wins."""
    out: dict[str, Any] = {}
    for o in sorted(objs, key=name):
        out.setdefault(name(o).lower(), o)
    return out


def build_core(sites: Mapping[str, Schema], *, quorum: int | None = None, reference: str | None = None,
               decisions: Sequence[Decision] = ()) -> Core:
    """The core of ``sites`` (see the module documentation), with ``decisions`` applied:
    a decision about an unknown site, or about an object that is not a conflict of these
    sites, is a :class:`DecisionError`."""
    if not sites:
        raise InputError("converge needs at least one site")
    order = tuple(sites)
    ref = reference if reference is not None else order[0]
    if ref not in sites:
        raise InputError(f"reference {ref!r} is not one of the sites: {', '.join(order)}")
    k = len(order) if quorum is None else quorum
    if not 1 <= k <= len(order):
        raise InputError(f"--quorum {k}: give a number from 1 to {len(order)} (the number of sites)")
    for d in decisions:
        for site in ([d.site] if d.site else []) + [s for s, _ in d.rename]:
            if site not in sites:
                raise DecisionError(f"{d.where()}: unknown site {site!r} (sites: {', '.join(order)})")
    builder = _Builder(sites, ref, k, decisions)
    schema = builder.build()
    stale = [d for d in decisions if d.object.lower() not in builder.used]
    if stale:
        d = stale[0]
        raise DecisionError(f"{d.where()}: not a conflict of these sites (stale decision); "
                            f"remove it or name a current conflict",
                            hint="the plan lists the current conflicts and their addresses")
    renames: dict[str, list] = {}
    for c in builder.conflicts:
        if c.decision is not None:
            for site, new in c.decision.rename:
                old = _held_name(sites[site], c)
                renames.setdefault(site, []).append((c.kind, _site_table(sites[site], c.table), old, new))
    return Core(sites=order, reference=ref, quorum=k, schema=schema,
                conflicts=tuple(sorted(builder.conflicts, key=_conflict_order)),
                left_out=dict(sorted(builder.left_out.items(), key=lambda x: x[0].lower())),
                holders=dict(sorted(builder.holders.items())),
                renames={s: tuple(r) for s, r in renames.items()}, decisions=tuple(decisions))


def _conflict_order(c: Conflict) -> tuple:
    if c.table is not None:
        return (0, c.table.lower(), KINDS.index(c.kind), c.name.lower(), c.name)
    return (1 + KINDS.index(c.kind), "", 0, c.name.lower(), c.name)


def _site_table(schema: Schema, table: str | None) -> str | None:
    if table is None:
        return None
    return next((t.name for t in schema.tables if t.name.lower() == table.lower()), table)


def _held_name(schema: Schema, c: Conflict) -> str:
    """The site's own spelling of the conflict's object."""
    if c.kind == "table":
        return _site_table(schema, c.name) or c.name
    t = next(t for t in schema.tables if t.name.lower() == (c.table or "").lower())
    objs = t.columns if c.kind == "column" else ([t.primary_key] if t.primary_key else []) + list(t.indexes)
    return next(o.name for o in objs if o.name.lower() == c.name.lower())


# ---------------------------------------------------------------------------------------
# a site's target


def renamed_at_site(schema: Schema, renames: Sequence[tuple[str, str | None, str, str]]) -> Schema:
    """``schema`` with the renames a decision asks of the site (tables, columns, indexes)."""
    tables = {t.name: t for t in schema.tables}
    for kind, table, old, new in renames:
        if kind != "table" and table is None:
            raise DecisionError(f"rename of {kind} {old} to {new}: no table named")
        table = table or ""
        taken = ({t.lower() for t in tables} if kind == "table" else
                 {c.name.lower() for c in tables[table].columns} if kind == "column" else
                 {i.name.lower() for i in tables[table].indexes} | {"primary"})
        if new.lower() in taken:
            raise DecisionError(f"rename of {kind} {old} to {new}: the site has {new} already")
        if kind == "table":
            t = tables.pop(old)
            tables[new] = dataclasses.replace(t, name=new)
            for n, other in list(tables.items()):
                fks = tuple(dataclasses.replace(f, ref_table=new) if f.ref_table == old else f
                            for f in other.foreign_keys)
                tables[n] = dataclasses.replace(other, foreign_keys=fks)
        elif kind == "column":
            t = tables[table]
            tables[table] = _rename_column(t, old, new)
            for n, other in list(tables.items()):
                fks = tuple(dataclasses.replace(f, ref_columns=tuple(new if c == old else c for c in f.ref_columns))
                            if f.ref_table == table else f for f in other.foreign_keys)
                tables[n] = dataclasses.replace(other, foreign_keys=fks)
        else:
            t = tables[table]
            tables[table] = dataclasses.replace(
                t, indexes=tuple(dataclasses.replace(i, name=new) if i.name == old else i for i in t.indexes),
                index_order=tuple(new if n == old else n for n in t.index_order))
    triggers = schema.triggers
    data = schema.data
    for kind, _table, old, new in renames:
        if kind == "table":
            triggers = tuple(dataclasses.replace(tr, table=new) if tr.table == old else tr for tr in triggers)
            data = tuple(dataclasses.replace(d, table=new) if d.table == old else d for d in data)
    return dataclasses.replace(schema, tables=tuple(tables.values()), triggers=triggers, data=data)


def _rename_column(t: Table, old: str, new: str) -> Table:
    def idx(i: Index) -> Index:
        return dataclasses.replace(i, columns=tuple(dataclasses.replace(c, name=new) if c.name == old else c
                                                    for c in i.columns))

    return dataclasses.replace(
        t, columns=tuple(dataclasses.replace(c, name=new) if c.name == old else c for c in t.columns),
        primary_key=idx(t.primary_key) if t.primary_key is not None else None,
        indexes=tuple(idx(i) for i in t.indexes),
        foreign_keys=tuple(dataclasses.replace(f, columns=tuple(new if c == old else c for c in f.columns))
                           for f in t.foreign_keys))


def site_target(schema: Schema, core: Core) -> Schema:
    """The site ``schema`` with the core merged in: every core object in the core's
    definition and spelling, every object of the site's own as it is (a site-only column
    after its predecessor).  Give the schema after :func:`renamed_at_site`."""
    core_tables = {t.name.lower(): t for t in core.schema.tables}
    spelled = {t.name: core_tables[t.name.lower()].name for t in schema.tables if t.name.lower() in core_tables}
    tables = []
    for t in schema.tables:
        c = core_tables.get(t.name.lower())
        tables.append(_merged_table(t, c, spelled) if c is not None else _respelled(t, spelled))
    have = {t.name.lower() for t in schema.tables}
    tables += [t for k, t in core_tables.items() if k not in have]

    def merged(kind: str, own: Sequence[Any], core_objs: Sequence[Any]) -> tuple:
        key = (lambda o: f"{o.kind} {o.name}".lower()) if kind == "routine" else (lambda o: o.name.lower())
        inside = {key(o) for o in core_objs}
        keep = [o for o in own if key(o) not in inside]
        if kind == "trigger":
            keep = [dataclasses.replace(o, table=spelled.get(o.table, o.table)) for o in keep]
        return tuple(keep) + tuple(core_objs)

    data = tuple(dataclasses.replace(d, table=spelled.get(d.table, d.table)) for d in schema.data)
    return dataclasses.replace(
        schema, tables=tuple(tables), views=merged("view", schema.views, core.schema.views),
        routines=merged("routine", schema.routines, core.schema.routines),
        triggers=merged("trigger", schema.triggers, core.schema.triggers),
        events=merged("event", schema.events, core.schema.events), data=data)


def _respelled(t: Table, spelled: Mapping[str, str]) -> Table:
    """A table of the site's own, its foreign keys following the core's spelling of tables."""
    fks = tuple(dataclasses.replace(f, ref_table=spelled.get(f.ref_table, f.ref_table)) for f in t.foreign_keys)
    return dataclasses.replace(t, foreign_keys=fks) if fks != t.foreign_keys else t


def _merged_table(own: Table, core: Table, spelled: Mapping[str, str]) -> Table:
    core_cols = {c.name.lower() for c in core.columns}
    columns = list(core.columns)
    prev = None
    for c in own.columns:  # the site's own columns after their predecessors
        key = c.name.lower()
        if key in core_cols:
            prev = next(x.name for x in columns if x.name.lower() == key)
            continue
        at = next(i for i, x in enumerate(columns) if x.name == prev) + 1 if prev is not None else 0
        columns.insert(at, c)
        prev = c.name
    names = {c.name.lower(): c.name for c in columns}

    def cols(names_: Sequence[str]) -> tuple[str, ...]:
        return tuple(names.get(n.lower(), n) for n in names_)

    def own_index(i: Index) -> Index:
        return dataclasses.replace(i, columns=tuple(dataclasses.replace(c, name=names.get(c.name.lower(), c.name))
                                                    for c in i.columns))

    core_idx = {i.name.lower() for i in core.indexes}
    indexes = tuple(core.indexes) + tuple(own_index(i) for i in own.indexes if i.name.lower() not in core_idx)
    primary = core.primary_key or (own_index(own.primary_key) if own.primary_key else None)
    core_fks = {f.name.lower() for f in core.foreign_keys}
    fks = tuple(core.foreign_keys) + tuple(
        dataclasses.replace(f, columns=cols(f.columns), ref_table=spelled.get(f.ref_table, f.ref_table))
        for f in own.foreign_keys if f.name.lower() not in core_fks)
    core_checks = {c.name.lower() for c in core.checks}
    checks = tuple(core.checks) + tuple(c for c in own.checks if c.name.lower() not in core_checks)
    return dataclasses.replace(core, columns=tuple(columns), primary_key=primary, indexes=indexes,
                               foreign_keys=fks, checks=checks)


__all__ = ["Conflict", "Core", "KINDS", "address", "build_core", "definition_text", "holds",
           "merge_types", "renamed_at_site", "site_target"]
