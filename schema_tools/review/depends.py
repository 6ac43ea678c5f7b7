"""Routines, views and triggers that still name a table or column the change drops or
renames.

Each body is tokenised (strings and comments are not code) and its identifiers are
matched against the names that go away:

* a table: the name itself (letter case as written: table names are case-sensitive on
  most servers);
* a column, case-insensitively: ``t.col`` where ``t`` is the table or one of its aliases
  (``FROM GridInfo gi``; ``NEW``/``OLD`` in a trigger), and a bare ``col`` in a body
  that names the table, when no other table the body names still has such a column and
  the name is not a parameter or a declared variable.

SQL built at run time (``PREPARE`` of a string) is not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..diff.changes import Drop, Rename
from ..model.objects import Schema
from ..dialect.lexer import Tok, tokenize

# words after a table name that are not its alias
_NOT_ALIAS = frozenset("""
    WHERE ON USING JOIN INNER LEFT RIGHT CROSS STRAIGHT_JOIN NATURAL OUTER FULL SET VALUES
    VALUE SELECT GROUP ORDER LIMIT HAVING UNION EXCEPT INTERSECT WINDOW FOR LOCK INTO
    PARTITION USE IGNORE FORCE WITH AS READ WRITE LOW_PRIORITY DO THEN ELSE END WHEN
    RETURNING DEFAULT AND OR NOT IS IN LIKE BETWEEN ASC DESC LEFT KEY INDEX
""".split())


@dataclass(frozen=True)
class Reference:
    """A dependent that names something the change removes."""

    kind: str  # routine, view, trigger
    name: str  # "PROCEDURE p", view or trigger name
    missing: str  # "table T" or "column T.c"
    what: str  # "dropped" or "renamed to X"


@dataclass
class Gone:
    """The names a change removes: tables (exact case) and columns (lower case) by
    table name (either side's name, for a renamed table)."""

    tables: dict[str, str]  # name -> "dropped" / "renamed to X"
    columns: dict[str, dict[str, tuple[str, str]]]  # table -> {col lower: (col, what)}

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns)


def gone_names(changes: Iterable) -> Gone:
    tables: dict[str, str] = {}
    columns: dict[str, dict[str, tuple[str, str]]] = {}
    changes = list(changes)
    renamed_to = {c.name: c.old_name for c in changes if isinstance(c, Rename) and c.kind == "table"}
    for c in changes:
        if c.kind == "table" and isinstance(c, Drop):
            tables[c.name] = "dropped"
        elif c.kind == "table" and isinstance(c, Rename):
            tables[c.old_name] = f"renamed to {c.name}"
        elif c.kind == "column" and isinstance(c, (Drop, Rename)):
            old = c.before.name if isinstance(c, Drop) else c.old_name
            if isinstance(c, Rename) and old.lower() == c.name.lower():
                continue  # column names are case-insensitive: nothing breaks
            what = "dropped" if isinstance(c, Drop) else f"renamed to {c.name}"
            assert c.table is not None, "a column change names its table"
            for table in {c.table, renamed_to.get(c.table, c.table)}:
                columns.setdefault(table, {})[old.lower()] = (old, what)
    return Gone(tables, columns)


def _declared(tokens: list[Tok]) -> set[str]:
    """Names of local variables, cursors and conditions (``DECLARE a, b INT``)."""
    out: set[str] = set()
    for i, t in enumerate(tokens):
        if not t.is_kw("DECLARE"):
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].is_name and not tokens[j].is_kw(
                "CONTINUE", "EXIT", "UNDO"):
            out.add(tokens[j].name.lower())
            if j + 1 < len(tokens) and tokens[j + 1].value == ",":
                j += 2
            else:
                break
    return out


def _prev(tokens: list[Tok], i: int) -> Tok | None:
    return tokens[i - 1] if i > 0 else None


def _next(tokens: list[Tok], i: int) -> Tok | None:
    return tokens[i + 1] if i + 1 < len(tokens) else None


def _is_dot(t: Tok | None) -> bool:
    return t is not None and t.kind == "op" and t.value == "."


def references(  # noqa: C901 - one token pass tracking aliases, scopes and variables
        body: str, *, known_tables: Iterable[str], gone: Gone, after: Schema,
        own_table: str | None = None, variables: Iterable[str] = ()) -> list[tuple[str, str]]:
    """``(missing, what)`` for each gone name ``body`` uses (each once)."""
    tokens = tokenize(body, lenient=True)
    tables = set(known_tables) | set(gone.tables) | set(gone.columns)
    variables = {v.lower() for v in variables} | _declared(tokens)
    aliases: dict[str, set[str]] = {}
    named: set[str] = set()
    if own_table:
        named.add(own_table)
        aliases["new"] = {own_table}
        aliases["old"] = {own_table}
    # table names and their aliases
    for i, t in enumerate(tokens):
        if not t.is_name or t.name not in tables:
            continue
        prev, nxt = _prev(tokens, i), _next(tokens, i)
        if _is_dot(prev) and not (i >= 2 and tokens[i - 2].is_name and tokens[i - 2].name not in tables
                                  and tokens[i - 2].name.lower() not in aliases):
            continue  # x.T is a column T of table x
        if _is_dot(nxt) and i + 2 < len(tokens) and _is_dot(_next(tokens, i + 2)):
            continue  # T.x.y: T is a database name
        named.add(t.name)
        k = i + 1
        if nxt is not None and nxt.is_kw("AS"):
            k += 1
        if k < len(tokens) and tokens[k].is_name and not (
                tokens[k].kind == "word" and tokens[k].value in _NOT_ALIAS) \
                and not _is_dot(_next(tokens, k)) and tokens[k].name not in tables:
            aliases.setdefault(tokens[k].name.lower(), set()).add(t.name)
    found: dict[tuple[str, str], None] = {}
    # tables that go away
    for name, what in gone.tables.items():
        if name in named:
            found[(f"table {name}", what)] = None
    # columns that go away
    others_have: dict[str, set[str]] = {}
    for name in named:
        table = after.table(name)
        if table is not None:
            others_have[name] = {c.name.lower() for c in table.columns}
    for i, t in enumerate(tokens):
        if not t.is_name:
            continue
        low = t.name.lower()
        prev, nxt = _prev(tokens, i), _next(tokens, i)
        if _is_dot(prev) and i >= 2 and tokens[i - 2].is_name:
            qual = tokens[i - 2].name
            owners = aliases.get(qual.lower(), set()) | ({qual} if qual in tables else set())
            for owner in sorted(owners):
                hit = gone.columns.get(owner, {}).get(low)
                if hit and not any(low in others_have.get(o, ()) for o in owners if o != owner):
                    found[(f"column {owner}.{hit[0]}", hit[1])] = None
            continue
        if _is_dot(nxt) or _is_dot(prev) or (nxt is not None and nxt.value == "(") or low in variables:
            continue
        if t.kind == "word" and t.name in tables:
            continue
        for owner in sorted(named):
            hit = gone.columns.get(owner, {}).get(low)
            if hit and not any(low in cols for o, cols in others_have.items() if o != owner):
                found[(f"column {owner}.{hit[0]}", hit[1])] = None
    return list(found)


def broken_dependents(after: Schema, changes: Iterable) -> list[Reference]:
    """Every routine, view and trigger of ``after`` that names a table or column the
    change drops or renames."""
    gone = gone_names(changes)
    if not gone:
        return []
    known = [t.name for t in after.tables] + [v.name for v in after.views]
    out: list[Reference] = []
    needles = _needles(gone)

    def add(kind: str, name: str, hits: list[tuple[str, str]]) -> None:
        out.extend(Reference(kind, name, missing, what) for missing, what in hits)

    for r in after.routines:
        if may_name(r.body, needles, gone):
            add("routine", f"{r.kind} {r.name}",
                references(r.body, known_tables=known, gone=gone, after=after,
                           variables=[p.name for p in r.parameters]))
    for v in after.views:
        if may_name(v.definition, needles, gone):
            add("view", v.name, references(v.definition, known_tables=known, gone=gone, after=after))
    for tr in after.triggers:
        if may_name(tr.statement, needles, gone, tr.table):
            add("trigger", tr.name, references(tr.statement, known_tables=known, gone=gone, after=after,
                                               own_table=tr.table))
    return out


def _needles(gone: Gone) -> tuple[str, ...] | None:
    """The names that go away, in lower case; None when one of them is not plain ASCII
    or holds a backquote (then no body is passed over)."""
    names = [*gone.tables, *(c for cols in gone.columns.values() for c in cols)]
    if not all(n.isascii() and "`" not in n for n in names):
        return None
    return tuple({n.lower() for n in names})


def may_name(body: str, needles: tuple[str, ...] | None, gone: Gone, own_table: str | None = None) -> bool:
    """False when :func:`references` surely finds nothing in ``body``: an ASCII body in
    which no name that goes away occurs, in any letter case (a name it uses is a word of
    it, or a quoted name without a doubled quote), of a routine, view or trigger whose
    own table stays."""
    if needles is None or not body.isascii() or (own_table is not None and own_table in gone.tables):
        return True
    low = body.lower()
    return any(n in low for n in needles)

