"""Pairwise comparison of two schemas into typed changes.

One comparator per object kind, all driven by :func:`diff`.  Matching is by name; what
is left over on each side is then examined for renames:

* names that differ only in letter case are a confirmed rename (MariaDB column names are
  case-insensitive, so ``BLSAMPLEID`` and ``blSampleId`` are one column);
* a dropped and an added object with the same definition (and, for columns, the same
  place) are proposed as a rename with ``confirmed=False``: never silently drop plus add.

The result is sorted deterministically, independent of input order, and
``diff(b, a) == reverse_changes(diff(a, b))``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..dialect.types import INTEGER_NAMES
from ..model.objects import Column, Index, Row, Schema, Table, TableData, model_fields
from ..model.order import check_order, index_order
from .changes import Add, Alter, Change, DatabaseDefaults, Drop, Rename, object_name

# attributes that --ignore can switch off, mapped to the model attributes they cover
IGNORABLE = {
    "column-order": ("position",),
    "comments": ("comment",),
    "charset": ("charset", "collation"),
    "collation": ("collation",),
    "definer": ("definer",),
    "sql-mode": ("sql_mode",),
    "client-charset": ("charset_client", "collation_connection", "database_collation"),
    "index-names": (),
    "fk-names": (),
    "table-options": ("engine", "row_format", "options"),
    "routines": (),
    "views": (),
    "triggers": (),
    "events": (),
    "display-width": ("display-width",),  # integer display widths, a flavour artefact
    "index-order": ("index_order", "check_order"),
}

# attributes of views, routines, triggers and events that a source may leave unstated (None):
# a CREATE without DEFINER, a file that never set the client character set.  With
# ``DiffOptions(unstated_any=True)`` an unstated value matches any value on the other side.
UNSTATED_ATTRS = frozenset({"definer", "charset_client", "collation_connection", "database_collation"})
# the kinds that have them
UNSTATED_KINDS = frozenset({"view", "routine", "trigger", "event"})


@dataclass(frozen=True)
class DiffOptions:
    """Lax modes and filters."""

    ignore: frozenset[str] = frozenset()
    tables: tuple[str, ...] = ()  # fnmatch patterns; empty = all
    # renames a script states (``ALTER TABLE ... CHANGE old new``, ``RENAME TABLE``...):
    # (kind, table, old, new), ``table`` named as in ``b`` (None for a table rename).  A
    # stated rename pairs the two objects when ``old`` is only in ``a`` and ``new`` only in
    # ``b``; it is a confirmed rename, other differences come as an Alter as usual.
    renames: tuple[tuple[str, str | None, str, str], ...] = ()
    # "unstated = any": a definer or client charset attribute (:data:`UNSTATED_ATTRS`) that
    # one side leaves unstated (None) matches any value on the other side.  Such a
    # difference is no change; :func:`diff_apart` returns the objects that differ only so.
    # Off by default: revisions, verify and the upgrade checks compare exactly.
    unstated_any: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.ignore) - set(IGNORABLE)
        if unknown:
            from ..errors import InputError

            raise InputError(f"unknown --ignore value(s): {', '.join(sorted(unknown))}; "
                             f"choose from {', '.join(sorted(IGNORABLE))}")

    @functools.cached_property
    def ignored_attrs(self) -> frozenset[str]:
        return frozenset(a for key in self.ignore for a in IGNORABLE[key])

    def wants_table(self, name: str) -> bool:
        return not self.tables or any(fnmatch.fnmatchcase(name, p) for p in self.tables)

    def stated_renames(self, kind: str, table: str | None) -> dict[str, str]:
        """Old name -> new name of the renames stated for ``kind`` objects of ``table``
        (column and index names compared in lower case, as MariaDB compares them)."""
        fold = kind in ("column", "index")
        return {(o.lower() if fold else o): n for k, t, o, n in self.renames if k == kind and t == table}


STATED = "renamed by the script"


def reversed_renames(renames: Sequence[tuple[str, str | None, str, str]]
                     ) -> tuple[tuple[str, str | None, str, str], ...]:
    """Stated renames for the other direction (``DiffOptions.renames`` of ``diff(b, a)``):
    each renamed back, sub-objects keyed by their table's name in ``a``."""
    tables = {new: old for kind, _, old, new in renames if kind == "table"}
    return tuple((kind, None, new, old) if kind == "table" else (kind, tables.get(table or "", table), new, old)
                 for kind, table, old, new in renames)


def _stated_pairs(old: Sequence[Any], new: Sequence[Any], stated: dict[str, str], *,
                  fold: bool = False, key: Callable[[Any], str] = object_name
                  ) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """The pairs of a stated rename (old only in ``old``, new only in ``new``), and what
    is left on each side."""
    if not stated:
        return [], list(old), list(new)
    def norm(s: str) -> str:
        return s.lower() if fold else s

    old_names = {norm(key(o)) for o in old}
    new_by = {norm(key(n)): n for n in new}
    pairs: list[tuple[Any, Any]] = []
    for o in old:
        target = stated.get(norm(key(o)))
        if target is None or norm(target) in old_names or norm(key(o)) in new_by:
            continue
        n = new_by.get(norm(target))
        if n is not None:
            pairs.append((o, n))
    taken_o = {id(o) for o, _ in pairs}
    taken_n = {id(n) for _, n in pairs}
    return (pairs, [o for o in old if id(o) not in taken_o], [n for n in new if id(n) not in taken_n])


def _fields(obj: Any, skip: Iterable[str] = ("name",)) -> dict[str, Any]:
    skip = set(skip)
    return {name: getattr(obj, name) for name in _field_names(type(obj)) if name not in skip}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """The field names of a model class, in definition order, looked up once per class."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in model_fields(cls))
    return names


def changed_attrs(old: Any, new: Any, ignore: frozenset[str] = frozenset(),
                  skip: Iterable[str] = ("name",)) -> tuple[str, ...]:
    """Names of the attributes that differ, with a column type broken down into its parts."""
    if old == new:
        return ()
    if type(old) is type(new):
        skip = set(skip)
        a = b = None
        keys = [key for key in _field_names(type(old)) if key not in skip]
    else:
        a, b = _fields(old, skip), _fields(new, skip)
        keys = list(a)
    out: list[str] = []
    for key in keys:
        if key in ignore:
            continue
        va, vb = (getattr(old, key), getattr(new, key)) if a is None or b is None else (a[key], b[key])
        if va == vb:
            continue
        if key == "type":
            ta, tb = va, vb
            parts = [p for p in ("name", "length", "scale", "values", "unsigned", "zerofill")
                     if getattr(ta, p) != getattr(tb, p)]
            if "display-width" in ignore and parts == ["length"] and ta.name in INTEGER_NAMES:
                continue
            out.append("type")
            out += [p for p in parts if p != "name"] + (["type_name"] if "name" in parts else [])
        else:
            out.append(key)
    return tuple(sorted(set(out)))


def _match(old: Sequence[Any], new: Sequence[Any], key: Callable[[Any], str] = object_name
           ) -> tuple[list[tuple[Any, Any]], list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pair objects by exact name, then by case-insensitive name.

    Returns (pairs, case_renames, only_old, only_new); pairs are (old, new)."""
    new_keys = [key(o) for o in new]
    new_by = dict(zip(new_keys, new, strict=True))
    pairs, only_old, old_keys = [], [], []
    for o in old:
        k = key(o)
        n = new_by.pop(k, None)
        if n is not None:
            pairs.append((o, n))
        else:
            only_old.append(o)
            old_keys.append(k)
    if not only_old or not new_by:  # nothing left on one side: no case renames either
        return pairs, [], only_old, [o for k, o in zip(new_keys, new, strict=True) if k in new_by]
    only_new = [(k, o) for k, o in zip(new_keys, new, strict=True) if k in new_by]
    case_renames = []
    by_lower: dict[str, list[Any]] = {}
    for k, o in only_new:
        by_lower.setdefault(k.lower(), []).append(o)
    rest_old = []
    for k, o in zip(old_keys, only_old, strict=True):
        cands = by_lower.get(k.lower())
        if cands and len(cands) == 1:
            n = cands.pop()
            case_renames.append((o, n))
        else:
            rest_old.append(o)
    taken = {id(n) for _, n in case_renames}
    rest_new = [o for _, o in only_new if id(o) not in taken]
    return pairs, case_renames, rest_old, rest_new


def _typed(value: Any) -> Any:
    """``value`` with the type of every scalar in it beside the scalar: ``1`` and ``True``
    (equal in Python) differ here, as they do in a printed definition."""
    if isinstance(value, (tuple, list)):
        return type(value), tuple(_typed(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value), tuple(_typed(getattr(value, n)) for n in _field_names(type(value)))
    return type(value), value


def _definition(o: Any) -> tuple[Any, ...]:
    """Everything but the name, every value typed (:func:`_typed`): objects with equal
    definitions are the same object under two names."""
    cls = type(o)
    return cls, tuple(_typed(getattr(o, n)) for n in _field_names(cls) if n != "name")


_SIGNATURE_GETTERS: dict[type, Callable[[Any], Any]] = {}


def _signature(o: Any) -> tuple[Any, ...]:
    """Everything but the name, as a hashable value: objects with equal definitions have
    equal signatures.  Much cheaper than :func:`_definition`, which it stands in for."""
    cls = type(o)
    get = _SIGNATURE_GETTERS.get(cls)
    if get is None:
        names = [n for n in _field_names(cls) if n != "name"]
        get = _SIGNATURE_GETTERS[cls] = operator.attrgetter(*names) if names else (lambda o: ())
    return cls, get(o)


def _pairs_by(only_old: list[Any], only_new: list[Any],
              sig: Callable[[Any], Any]) -> list[tuple[Any, Any]]:
    """(old, new) of the signatures held by exactly one old and one new object, in the
    order of the old objects."""
    old_sigs: dict[Any, list[Any]] = {}
    new_sigs: dict[Any, list[Any]] = {}
    for o in only_old:
        old_sigs.setdefault(sig(o), []).append(o)
    for o in only_new:
        new_sigs.setdefault(sig(o), []).append(o)
    pairs = []
    for s, olds in old_sigs.items():
        news = new_sigs.get(s, [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0]))
    return pairs


def _pairs_by_definition(only_old: list[Any], only_new: list[Any]) -> list[tuple[Any, Any]]:
    """:func:`_pairs_by` with :func:`_definition` as the signature, computed on the cheap
    :func:`_signature` first.  Equal values of different types (``1`` and ``True``) compare
    equal but are different definitions, so the typed definition still decides among the
    objects that share a signature; it is computed only for those."""
    old_sigs: dict[Any, list[Any]] = {}
    for o in only_old:
        old_sigs.setdefault(_signature(o), []).append(o)
    new_sigs: dict[Any, list[Any]] = {}
    for o in only_new:
        new_sigs.setdefault(_signature(o), []).append(o)
    pairs = []
    refined = False
    for s, olds in old_sigs.items():
        news = new_sigs.get(s)
        if news is None:
            continue
        if len(olds) == 1 and len(news) == 1:
            if _definition(olds[0]) == _definition(news[0]):
                pairs.append((olds[0], news[0]))
        else:
            found = _pairs_by(olds, news, _definition)
            refined = refined or bool(found)
            pairs += found
    if refined:  # a split group may hold an old object placed after later groups' ones
        place = {id(o): i for i, o in enumerate(only_old)}
        pairs.sort(key=lambda p: place[id(p[0])])
    return pairs


def _likely_renames(only_old: list[Any], only_new: list[Any], sig: Callable[[Any], Any] | None = None
                    ) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pair leftovers whose definitions are equal; only unambiguous one-to-one matches."""
    if not only_old or not only_new:
        return [], list(only_old), list(only_new)
    if sig is not None:
        pairs = _pairs_by(only_old, only_new, sig)
    else:
        try:
            pairs = _pairs_by_definition(only_old, only_new)
        except TypeError:  # an attribute value that cannot be hashed
            pairs = _pairs_by(only_old, only_new, _definition)
    if not pairs:
        return pairs, list(only_old), list(only_new)
    used_old = {id(o) for o, _ in pairs}
    used_new = {id(n) for _, n in pairs}
    return (pairs, [o for o in only_old if id(o) not in used_old],
            [o for o in only_new if id(o) not in used_new])


def _lcs_keep(a: list[str], b: list[str]) -> set[str]:
    """Names kept in place: a longest common subsequence, computed on the pair in a fixed
    order so that the result does not depend on which side is the source.

    Among the longest ones, the subsequence chosen is the one the textbook table walk
    finds (match when the heads are equal, else skip in ``x`` on ties).  A common head and
    a common tail are always part of it: only the middle goes through the table, which
    gives the same walk (the table of a pair with a common tail of length ``k`` is the
    table of the pair without it plus ``k``)."""
    if a == b:  # the same order: every name stays
        return set(a)
    x, y = (a, b) if a <= b else (b, a)
    n, m = len(x), len(y)
    head = 0
    while head < n and head < m and x[head] == y[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and x[n - 1 - tail] == y[m - 1 - tail]:
        tail += 1
    keep = set(x[:head])
    keep.update(x[n - tail:])
    x, y = x[head:n - tail], y[head:m - tail]
    n, m = len(x), len(y)
    if not n or not m:
        return keep
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        xi, row, below = x[i], dp[i], dp[i + 1]
        for j in range(m - 1, -1, -1):
            if xi == y[j]:
                row[j] = below[j + 1] + 1
            else:
                down, right = below[j], row[j + 1]
                row[j] = down if down >= right else right
    i = j = 0
    while i < n and j < m:
        if x[i] == y[j]:
            keep.add(x[i])
            i, j = i + 1, j + 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            i += 1
        else:
            j += 1
    return keep


def _predecessors(columns: Sequence[Column]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    prev = None
    for c in columns:
        out[c.name] = prev
        prev = c.name
    return out


# ---------------------------------------------------------------------------------------
# Per-kind comparators


def compare_columns(old: Table, new: Table, opts: DiffOptions, table: str) -> list[Change]:
    ignore = opts.ignored_attrs
    out: list[Change] = []
    stated, old_cols, new_cols = _stated_pairs(old.columns, new.columns,
                                               opts.stated_renames("column", table), fold=True)
    pairs, case_renames, only_old, only_new = _match(old_cols, new_cols)
    prev_old, prev_new = _predecessors(old.columns), _predecessors(new.columns)
    likely, only_old, only_new = _likely_renames(only_old, only_new)
    # a likely column rename must also keep its place
    kept_likely = []
    for o, n in likely:
        if prev_old[o.name] == prev_new[n.name] or _renamed_prev(prev_old[o.name], prev_new[n.name],
                                                                  stated + case_renames + likely):
            kept_likely.append((o, n))
        else:
            only_old.append(o)
            only_new.append(n)
    renames = [(o, n, True, STATED) for o, n in stated]
    renames += [(o, n, True, "names differ only in letter case") for o, n in case_renames]
    renames += [(o, n, False, "same definition and place, different name") for o, n in kept_likely]
    for o, n, confirmed, reason in renames:
        out.append(Rename("column", table, o, n, confirmed, reason))
    # common columns, by the target's name
    common = [(o, n) for o, n in pairs] + [(o, n) for o, n, *_ in renames]
    # each pair is known by the same key from either side, so that the choice of the
    # columns that "stay" does not depend on the direction of the diff
    pair_key = {o.name: min(o.name, n.name) for o, n in common}
    new_key = {n.name: min(o.name, n.name) for o, n in common}
    keep = _lcs_keep([pair_key[c.name] for c in old.columns if c.name in pair_key],
                     [new_key[c.name] for c in new.columns if c.name in new_key])
    for o, n in common:
        changed = [] if o == n else list(changed_attrs(o, n, ignore))
        moved = pair_key[o.name] not in keep and "position" not in ignore
        if moved:
            changed.append("position")
        if changed:
            # a renamed column keeps its own name on each side; the Rename says how they pair
            out.append(Alter("column", table, o, n, tuple(sorted(changed)),
                             prev_old[o.name] if moved else None,
                             prev_new[n.name] if moved else None))
    out += [Drop("column", table, c, prev_old[c.name]) for c in only_old]
    out += [Add("column", table, c, prev_new[c.name]) for c in only_new]
    return out


def _renamed_prev(a: str | None, b: str | None, renames: Iterable[tuple[Any, Any]]) -> bool:
    return any(o.name == a and n.name == b for o, n in renames)


def _compare_named(kind: str, old: Sequence[Any], new: Sequence[Any], table: str | None,
                   ignore: frozenset[str], *, renames: bool = True,
                   stated: dict[str, str] | None = None) -> list[Change]:
    out: list[Change] = []
    told, old, new = _stated_pairs(old, new, stated or {}, fold=True)
    for o, n in told:
        out.append(Rename(kind, table, o, n, True, STATED))
    pairs, case_renames, only_old, only_new = _match(old, new)
    pairs += told
    likely: list[tuple[Any, Any]] = []
    if renames:
        likely, only_old, only_new = _likely_renames(only_old, only_new)
    else:
        only_old += [o for o, _ in case_renames]
        only_new += [n for _, n in case_renames]
        case_renames = []
    for o, n in case_renames:
        out.append(Rename(kind, table, o, n, True, "names differ only in letter case"))
        pairs.append((o, n))
    for o, n in likely:
        out.append(Rename(kind, table, o, n, False, "same definition, different name"))
    for o, n in pairs:
        changed = changed_attrs(o, n, ignore)
        if changed:
            out.append(Alter(kind, table, o, n, changed))
    out += [Drop(kind, table, o) for o in only_old]
    out += [Add(kind, table, o) for o in only_new]
    return out


def _all_indexes(t: Table) -> list[Index]:
    return ([t.primary_key] if t.primary_key is not None else []) + list(t.indexes)


def compare_table(old: Table, new: Table, opts: DiffOptions) -> list[Change]:
    ignore = opts.ignored_attrs
    name = new.name
    out = compare_columns(old, new, opts, name)
    out += _compare_named("index", _all_indexes(old), _all_indexes(new), name, ignore,
                          renames="index-names" not in opts.ignore,
                          stated=opts.stated_renames("index", name))
    if "index-names" in opts.ignore:
        out = [c for c in out if not (c.kind == "index" and isinstance(c, Rename))]
    out += _compare_named("foreign_key", old.foreign_keys, new.foreign_keys, name, ignore)
    checks = _compare_named("check", old.checks, new.checks, name, ignore)
    out += checks
    table_attrs = changed_attrs(old, new, ignore, skip=(
        "name", "columns", "primary_key", "indexes", "foreign_keys", "checks",
        "index_order", "check_order"))
    orders = _common_orders(old, new, out)
    if "index_order" not in ignore:
        table_attrs += tuple(attr for attr, (_, _, moved) in orders.items() if moved)
    if table_attrs:
        out.append(Alter("table", None, _shell(old, old.name, orders, 0),
                         _shell(new, name, orders, 1), tuple(sorted(table_attrs))))
    return out


_Orders = dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]]


def _common_orders(old: Table, new: Table, changes: Sequence[Change]) -> _Orders:
    """The order of the indexes, and of the checks, both tables have unchanged (renamed
    ones included, each side with its own names): ``{"index_order": (in old, in new),
    "check_order": ...}``, and whether each differs.  Objects only one side has do not
    count, so that the comparison is symmetric."""
    out: _Orders = {}
    for attr, kind, of in (("index_order", "index", index_order),
                           ("check_order", "check", check_order)):
        renamed = {c.old_name: c.name for c in changes if c.kind == kind and isinstance(c, Rename)}
        # a changed one is dropped and added again: its place follows from that
        altered = {c.name for c in changes if c.kind == kind and isinstance(c, Alter)}
        a = [(n, renamed.get(n, n)) for n in of(old)]
        b = list(of(new))
        both = ({m for _, m in a} & set(b)) - altered
        out[attr] = (tuple(n for n, m in a if m in both), tuple(n for n in b if n in both),
                     [m for _, m in a if m in both] != [n for n in b if n in both])
    return out


def _shell(t: Table, name: str, orders: _Orders | None = None, side: int = 0) -> Table:
    """A table without its sub-objects, for table-level option changes; its
    ``index_order`` and ``check_order`` are those of :func:`_common_orders`."""
    orders = orders or {}
    index_orders = orders.get("index_order", ((), (), False))
    check_orders = orders.get("check_order", ((), (), False))
    return dataclasses.replace(t, name=name, columns=(), primary_key=None, indexes=(),
                               foreign_keys=(), checks=(),
                               index_order=index_orders[0] if side == 0 else index_orders[1],
                               check_order=check_orders[0] if side == 0 else check_orders[1])


def compare_tables(a: Schema, b: Schema, opts: DiffOptions) -> list[Change]:
    old = [t for t in a.tables if opts.wants_table(t.name)]
    new = [t for t in b.tables if opts.wants_table(t.name)]
    stated, old, new = _stated_pairs(old, new, opts.stated_renames("table", None))
    pairs, case_renames, only_old, only_new = _match(old, new)
    likely, only_old, only_new = _likely_renames(only_old, only_new)
    out: list[Change] = []
    for o, n in stated:
        out.append(Rename("table", None, _shell(o, o.name), _shell(n, n.name), True, STATED))
        pairs.append((o, n))
    for o, n in case_renames:
        out.append(Rename("table", None, _shell(o, o.name), _shell(n, n.name), True,
                          "names differ only in letter case"))
        pairs.append((o, n))
    for o, n in likely:
        out.append(Rename("table", None, _shell(o, o.name), _shell(n, n.name), False,
                          "same definition, different name"))
    for o, n in pairs:
        if o != n:
            out += compare_table(o, n, opts)
    out += [Drop("table", None, t) for t in only_old]
    out += [Add("table", None, t) for t in only_new]
    return out


def compare_schema_objects(a: Schema, b: Schema, opts: DiffOptions) -> list[Change]:
    ignore = opts.ignored_attrs
    out: list[Change] = []
    if "views" not in opts.ignore:
        out += _compare_named("view", a.views, b.views, None, ignore, renames=False)
    if "routines" not in opts.ignore:
        out += _compare_keyed("routine", a.routines, b.routines, ignore)
    if "triggers" not in opts.ignore:
        out += _compare_named("trigger", a.triggers, b.triggers, None, ignore, renames=False)
    if "events" not in opts.ignore:
        out += _compare_named("event", a.events, b.events, None, ignore, renames=False)
    return out


def _compare_keyed(kind: str, old: Sequence[Any], new: Sequence[Any], ignore: frozenset[str]) -> list[Change]:
    """Routines: names are case-insensitive on every platform, keyed with their kind."""
    def key(r: Any) -> str:
        return f"{r.kind} {r.name.lower()}"

    new_by = {key(r): r for r in new}
    out: list[Change] = []
    for o in old:
        n = new_by.pop(key(o), None)
        if n is None:
            out.append(Drop(kind, None, o))
            continue
        if o.name != n.name:
            out.append(Rename(kind, None, o, n, True, "names differ only in letter case"))
        changed = changed_attrs(o, n, ignore)
        if changed:
            out.append(Alter(kind, None, o, n, changed))
    out += [Add(kind, None, r) for r in new if key(r) in new_by]
    return out


def compare_database(a: Schema, b: Schema, opts: DiffOptions) -> list[Change]:
    if "charset" in opts.ignore:
        return []
    changed = tuple(k for k in ("charset", "collation") if getattr(a, k) != getattr(b, k))
    if not changed:
        return []
    shell_a = Schema(flavour=a.flavour, charset=a.charset, collation=a.collation)
    shell_b = Schema(flavour=b.flavour, charset=b.charset, collation=b.collation)
    return [Alter("database", None, DatabaseDefaults(shell_a), DatabaseDefaults(shell_b), changed)]


def _row_key_columns(table: Table | None, data: TableData) -> list[str]:
    """The columns that key the rows: the table's primary key, or all tracked columns."""
    if table is not None and table.primary_key:
        return [p.name for p in table.primary_key.columns]
    return list(data.columns)


def _rows_of(name: str, data: TableData, keys: list[str]) -> dict[tuple[tuple[str, str | None], ...], Row]:
    out = {}
    columns = data.columns
    for values in data.rows:
        pairs = tuple(zip(columns, values, strict=False))
        by_column = dict(pairs)
        key = tuple((k, by_column.get(k, "NULL")) for k in keys)
        label = ",".join(f"{k}={v}" for k, v in key)
        out[key] = Row(label, name, key, pairs)
    return out


def _first_by(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, Any]:
    """Items by name, the first one winning (as a linear search would find them)."""
    out: dict[str, Any] = {}
    for item in items:
        out.setdefault(key(item), item)
    return out


def compare_data(a: Schema, b: Schema, opts: DiffOptions) -> list[Change]:
    """Row changes of the lookup tables both sides track, keyed by primary key."""
    out: list[Change] = []
    data_a = _first_by(a.data, lambda d: d.table)
    data_b = _first_by(b.data, lambda d: d.table)
    if not data_a and not data_b:
        return out
    tables_a = _first_by(a.tables, lambda t: t.name)
    tables_b = _first_by(b.tables, lambda t: t.name)
    for name in sorted(data_a.keys() | data_b.keys()):
        if not opts.wants_table(name):
            continue
        da, db = data_a.get(name), data_b.get(name)
        # a side that has the table but does not track its rows says nothing about them
        if (da is None and name in tables_a) or (db is None and name in tables_b):
            continue
        keys_a = _row_key_columns(tables_a.get(name), da) if da is not None else None
        keys_b = _row_key_columns(tables_b.get(name), db) if db is not None else None
        if da is not None and keys_a == keys_b and (da is db or da == db):
            continue  # the same rows under the same key: nothing changed
        old = _rows_of(name, da, keys_a) if da is not None and keys_a is not None else {}
        new = _rows_of(name, db, keys_b) if db is not None and keys_b is not None else {}
        for key in sorted(set(old) | set(new)):
            o, n = old.get(key), new.get(key)
            if o is None:
                out.append(Add("data", name, n))
            elif n is None:
                out.append(Drop("data", name, o))
            elif o.values != n.values:
                vo, vn = dict(o.values), dict(n.values)
                changed = tuple(sorted(c for c in vo.keys() & vn.keys() if vo[c] != vn[c]))
                if changed:
                    out.append(Alter("data", name, o, n, changed))
    return out


COMPARATORS: tuple[Callable[[Schema, Schema, DiffOptions], list[Change]], ...] = (
    compare_database, compare_tables, compare_schema_objects, compare_data,
)


def diff(a: Schema, b: Schema, options: DiffOptions | None = None) -> list[Change]:
    """The changes that turn schema ``a`` into schema ``b``, sorted deterministically."""
    return diff_apart(a, b, options)[0]


def diff_apart(a: Schema, b: Schema, options: DiffOptions | None = None) -> tuple[list[Change], list[Alter]]:
    """(the changes of :func:`diff`, the objects set apart): with ``unstated_any``, the
    alterations of objects that differ only in attributes one side leaves unstated
    (``changed`` names those attributes); otherwise nothing is set apart."""
    opts = options or DiffOptions()
    out: list[Change] = []
    for comparator in COMPARATORS:
        out += comparator(a, b, opts)
    # a renamed table keeps its rows: no row changes for it
    renamed = {n for c in out if isinstance(c, Rename) and c.kind == "table" for n in (c.old_name, c.name)}
    if renamed:
        out = [c for c in out if not (c.kind == "data" and c.table in renamed)]
    apart: list[Alter] = []
    if opts.unstated_any:
        out, apart = _set_apart_unstated(out)
    key = operator.methodcaller("sort_key")
    return sorted(out, key=key), sorted(apart, key=key)


def unstated_attrs(old: Any, new: Any, changed: Iterable[str]) -> tuple[str, ...]:
    """The attributes of ``changed`` that one of ``old`` and ``new`` leaves unstated (None)
    while the other states them: those "unstated = any" lets match."""
    return tuple(a for a in changed if a in UNSTATED_ATTRS
                 and (getattr(old, a, None) is None) != (getattr(new, a, None) is None))


def _set_apart_unstated(changes: list[Change]) -> tuple[list[Change], list[Alter]]:
    kept: list[Change] = []
    apart: list[Alter] = []
    for c in changes:
        if isinstance(c, Alter) and c.kind in UNSTATED_KINDS:
            loose = unstated_attrs(c.before, c.after, c.changed)
            if loose:
                rest = tuple(a for a in c.changed if a not in loose)
                if rest:
                    kept.append(dataclasses.replace(c, changed=rest))
                else:
                    apart.append(c)
                continue
        kept.append(c)
    return kept, apart


def reverse_changes(changes: Sequence[Change]) -> list[Change]:
    """The diff in the other direction: each change reversed, sub-objects of a renamed
    table moved to the table's other name, sorted the way :func:`diff` sorts."""
    table_names = {c.name: c.old_name for c in changes if isinstance(c, Rename) and c.kind == "table"}
    out = []
    for c in changes:
        r = c.reverse()
        if r.table in table_names:
            r = dataclasses.replace(r, table=table_names[r.table])
        out.append(r)
    return sorted(out, key=lambda c: c.sort_key())
