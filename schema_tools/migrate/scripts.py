"""What a script's statements mean to a revision made from it.

A revision made from a script (``revision --sql``, ``import-legacy``) runs the script's
statements as written.  To write its downgrade and to check it on rows, the tool needs to
know, per statement, without a server:

* its kind: ``schema`` (DDL), ``data`` (INSERT, REPLACE, UPDATE, DELETE, LOAD DATA, and
  compound statements or CALLs, which may write rows), ``bookkeeping`` (the script's own
  ``SchemaStatus`` rows) or ``session`` (SET);
* the tables it writes and the tables it reads (to seed them with rows first);
* the renames it states: ``ALTER TABLE t CHANGE old new ...``, ``RENAME COLUMN``,
  ``RENAME INDEX``/``KEY``, ``ALTER TABLE t RENAME TO u`` and ``RENAME TABLE``, followed
  through one another, so that the downgrade renames back instead of dropping and adding;
* the script's undo section, when it has one: ISPyB scripts often carry the statements
  that undo them as comments after a ``-- To undo:`` (or ``-- Undo:``) line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import SqlError
from ..dialect.sqlscript import Statement, client_strip, read_sql_file, split_sql
from ..dialect.lexer import Tok, name_at, tokenize

BOOKKEEPING_TABLE = "SchemaStatus"

_DATA_FIRST = {"INSERT", "REPLACE", "UPDATE", "DELETE", "LOAD", "CALL", "BEGIN", "DO", "WITH",
               "IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR", "EXECUTE"}
_SESSION_FIRST = {"SET"}
_TABLE_PREFIX = {"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "QUICK", "INTO", "FROM",
                 "CONCURRENT", "LOCAL"}


@dataclass(frozen=True)
class StatementInfo:
    """One statement of a script, read without a server."""

    file: str
    line: int
    sql: str  # as the mariadb client sends it
    kind: str  # schema | data | bookkeeping | session
    writes: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    selects: bool = False  # an INSERT/REPLACE that takes its rows from a SELECT

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def excerpt(self, limit: int = 80) -> str:
        one = " ".join(self.sql.split())
        return one if len(one) <= limit else one[:limit - 3] + "..."


def _words(tokens: Sequence[Tok]) -> list[str]:
    return [t.value if t.kind == "word" else "" for t in tokens]


def _target_after(tokens: Sequence[Tok], i: int) -> str | None:
    while i < len(tokens) and tokens[i].is_kw(*_TABLE_PREFIX):
        i += 1
    return name_at(tokens, i)[0]


def _table_of_alias(tokens: Sequence[Tok], start: int, alias: str) -> str:
    """The table ``alias`` stands for in the table references from ``tokens[start]`` on
    (``FROM Dewar d``, ``JOIN Dewar AS d``), or ``alias`` when no table takes that alias."""
    for k in range(start, len(tokens) - 1):
        if tokens[k].is_kw("FROM", "JOIN", "USING") or (tokens[k].kind == "op" and tokens[k].text == ","):
            table, j = name_at(tokens, k + 1)
            if table is None:
                continue
            if j < len(tokens) and tokens[j].is_kw("AS"):
                j += 1
            if j < len(tokens) and tokens[j].is_name and tokens[j].name == alias:
                return table
    return alias


def _referenced(tokens: Sequence[Tok]) -> list[str]:
    """Names that follow FROM, JOIN, INTO, UPDATE, TABLE (a lenient superset of the tables a
    statement reads or writes; names that are no table are ignored by the caller)."""
    out: list[str] = []
    for i, t in enumerate(tokens):
        if t.is_kw("FROM", "JOIN", "INTO", "UPDATE", "TABLE", "STRAIGHT_JOIN"):
            j = i + 1
            while True:
                name, k = name_at(tokens, j)
                if name is None:
                    break
                if name not in out:
                    out.append(name)
                # a comma-separated list of tables (FROM a, b)
                while k < len(tokens) and tokens[k].is_name and not tokens[k].is_kw(
                        "WHERE", "SET", "ON", "JOIN", "LEFT", "RIGHT", "INNER", "CROSS", "USING",
                        "GROUP", "ORDER", "LIMIT", "VALUES", "SELECT", "VALUE", "HAVING", "UNION"):
                    k += 1  # an alias
                if k < len(tokens) and tokens[k].kind == "op" and tokens[k].value == ",":
                    j = k + 1
                    continue
                break
    return out


def _writes(tokens: Sequence[Tok]) -> list[str]:
    """The tables that the INSERT, REPLACE, UPDATE and DELETE statements in ``tokens`` write
    (one statement, or the body of a compound statement)."""
    out: list[str] = []
    for i, t in enumerate(tokens):
        names: list[str | None] = []
        if t.is_kw("INSERT", "REPLACE") and not (i > 0 and tokens[i - 1].kind == "op"
                                                 and tokens[i - 1].value == "("):
            names = [_target_after(tokens, i + 1)]
        elif t.is_kw("UPDATE") and not (i > 0 and tokens[i - 1].is_kw("ON", "FOR", "KEY", "DUPLICATE")):
            names = [_target_after(tokens, i + 1)]
        elif t.is_kw("DELETE") and not (i > 0 and tokens[i - 1].is_kw("ON")):
            names = list(_deleted_from(tokens, i + 1))
        for name in names:
            if name is not None and name not in out:
                out.append(name)
    return out


def _deleted_from(tokens: Sequence[Tok], i: int) -> list[str]:
    """The tables a DELETE whose options start at ``tokens[i]`` deletes from: ``DELETE FROM
    t``, or the tables (or their aliases) listed in ``DELETE a, b FROM ...`` and ``DELETE
    FROM a, b USING ...``."""
    while i < len(tokens) and tokens[i].is_kw("LOW_PRIORITY", "QUICK", "IGNORE"):
        i += 1
    listed = not tokens[i].is_kw("FROM") if i < len(tokens) else False
    if not listed:
        i += 1
    names: list[str] = []
    while True:
        name, i = name_at(tokens, i)
        if name is None:
            return names
        if i + 1 < len(tokens) and tokens[i].kind == "op" and tokens[i].text == "." \
                and tokens[i + 1].kind == "op" and tokens[i + 1].text == "*":
            i += 2  # a.*
        names.append(name)
        if not (i < len(tokens) and tokens[i].kind == "op" and tokens[i].text == ","):
            break
        i += 1
    if listed or (i < len(tokens) and tokens[i].is_kw("USING")):
        names = [_table_of_alias(tokens, i, n) for n in names]  # DELETE d FROM Dewar d JOIN ...
    return names


def classify(sql: str, *, file: str = "<script>", line: int = 0) -> StatementInfo:
    """What one statement (as the client sends it) is to a revision."""
    tokens = tokenize(sql, lenient=True)
    words = _words(tokens)
    first = words[0] if words else ""
    if first in _SESSION_FIRST:
        return StatementInfo(file, line, sql, "session")
    if first in _DATA_FIRST:
        writes = _writes(tokens)
        reads = [n for n in _referenced(tokens) if n not in writes]
        kind = "bookkeeping" if writes and all(w.lower() == BOOKKEEPING_TABLE.lower() for w in writes) \
            else "data"
        selects = first in ("INSERT", "REPLACE") and "SELECT" in words
        return StatementInfo(file, line, sql, kind, tuple(writes), tuple(reads), selects)
    if first == "CREATE" and "SELECT" in words and "TABLE" in words[:6]:
        # CREATE TABLE ... [AS] SELECT: a new table filled from others
        refs = _referenced(tokens)
        return StatementInfo(file, line, sql, "schema", tuple(refs[:1]), tuple(refs[1:]), True)
    return StatementInfo(file, line, sql, "schema")


def read_statements(path: str | Path) -> list[StatementInfo]:
    """The statements of one script file, classified; :class:`SqlError` (file:line) when it
    cannot be split as the client would."""
    path = Path(path)
    text = read_sql_file(path)
    out = []
    for st in split_sql(text, source=path.name):
        out.append(classify(client_strip(st.sql), file=path.name, line=st.line))
    return out


# ---------------------------------------------------------------------------------------
# renames


def clauses(tokens: Sequence[Tok]) -> list[list[Tok]]:
    """Top-level comma-separated clauses."""
    out: list[list[Tok]] = [[]]
    depth = 0
    for t in tokens:
        if t.kind == "op" and t.value == "(":
            depth += 1
        elif t.kind == "op" and t.value == ")":
            depth -= 1
        elif t.kind == "op" and t.value == "," and depth == 0:
            out.append([])
            continue
        out[-1].append(t)
    return [c for c in out if c]


def _skip(tokens: Sequence[Tok], i: int, *words: str) -> int:
    while i < len(tokens) and tokens[i].is_kw(*words):
        i += 1
    return i


def _if_exists(tokens: Sequence[Tok], i: int) -> int:
    if i + 1 < len(tokens) and tokens[i].is_kw("IF") and tokens[i + 1].is_kw("EXISTS"):
        return i + 2
    return i


def statement_renames(sql: str) -> list[tuple[str, str | None, str, str]]:
    """The renames one statement states, in order: (kind, table, old, new), ``table`` named
    as at that statement (None for a table rename)."""
    tokens = tokenize(sql, lenient=True)
    out: list[tuple[str, str | None, str, str]] = []
    if not tokens:
        return out
    if tokens[0].is_kw("RENAME") and len(tokens) > 1 and tokens[1].is_kw("TABLE", "TABLES"):
        for clause in clauses(tokens[2:]):
            i = _if_exists(clause, 0)
            old, i = name_at(clause, i)
            i = _skip(clause, i, "WAIT", "NOWAIT")
            if old is None or i >= len(clause) or not clause[i].is_kw("TO"):
                continue
            new, _ = name_at(clause, i + 1)
            if new is not None:
                out.append(("table", None, old, new))
        return out
    if not tokens[0].is_kw("ALTER"):
        return out
    i = _skip(tokens, 1, "ONLINE", "OFFLINE", "IGNORE")
    if i >= len(tokens) or not tokens[i].is_kw("TABLE"):
        return out
    i = _if_exists(tokens, i + 1)
    table, i = name_at(tokens, i)
    if table is None:
        return out
    i = _skip(tokens, i, "WAIT", "NOWAIT")
    current = table
    for clause in clauses(tokens[i:]):
        if clause[0].is_kw("CHANGE"):
            j = _if_exists(clause, _skip(clause, 1, "COLUMN"))
            old, j = name_at(clause, j)
            new, _ = name_at(clause, j)
            if old is not None and new is not None and old != new:
                out.append(("column", current, old, new))
        elif clause[0].is_kw("RENAME") and len(clause) > 1:
            if clause[1].is_kw("COLUMN", "INDEX", "KEY"):
                kind = "column" if clause[1].is_kw("COLUMN") else "index"
                j = _if_exists(clause, 2)
                old, j = name_at(clause, j)
                if old is not None and j < len(clause) and clause[j].is_kw("TO"):
                    new, _ = name_at(clause, j + 1)
                    if new is not None:
                        out.append((kind, current, old, new))
            else:
                new, _ = name_at(clause, _skip(clause, 1, "TO", "AS"))
                if new is not None:
                    out.append(("table", None, current, new))
                    current = new
    return out


def stated_renames(sqls: Sequence[str]) -> tuple[tuple[str, str | None, str, str], ...]:
    """The renames a script states, composed: a column renamed twice is one rename from its
    first name to its last, in the table's final name; one renamed back is none."""
    table_origin: dict[str, str] = {}  # current table name -> name before the script
    renamed: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}  # (kind, origin table) -> ...
    for sql in sqls:
        for kind, table, old, new in statement_renames(sql):
            if kind == "table":
                table_origin[new] = table_origin.pop(old, old)
                continue
            assert table is not None, f"a {kind} rename names its table"
            origin = table_origin.get(table, table)
            names = renamed.setdefault((kind, origin), {})
            first, _ = names.pop(old.lower(), (old, old))
            names[new.lower()] = (first, new)
    out: list[tuple[str, str | None, str, str]] = []
    current = {origin: now for now, origin in table_origin.items()}
    for now, origin in sorted(table_origin.items()):
        if now != origin:
            out.append(("table", None, origin, now))
    for (kind, origin), names in sorted(renamed.items()):
        for first, last in sorted(names.values()):
            if first.lower() != last.lower() or first != last:
                out.append((kind, current.get(origin, origin), first, last))
    return tuple(out)


# ---------------------------------------------------------------------------------------
# the undo section

_UNDO = re.compile(r"^\s*--\s*(?:to\s+)?(?:undo|revert|rollback)\b[^\n]*$", re.I)
_COMMENTED = re.compile(r"^\s*--(?:\s(.*))?$")


def undo_section(path: str | Path) -> list[StatementInfo] | None:
    """The statements of the script's undo section (commented lines after ``-- To undo:``
    up to the first line that is not a comment), or None when it has none.  An undo
    section that cannot be split raises :class:`SqlError` naming its line."""
    path = Path(path)
    lines = read_sql_file(path).split("\n")
    for n, text in enumerate(lines):
        if not _UNDO.match(text):
            continue
        body: list[str] = []
        for text2 in lines[n + 1:]:
            m = _COMMENTED.match(text2)
            if m is None:
                break
            body.append(m.group(1) or "")
        sql = "\n".join(body)
        if not sql.strip():
            continue
        try:
            statements = split_sql(sql, source=path.name)
        except SqlError as exc:
            raise SqlError(f"{path.name}: the undo section at line {n + 1}: {exc}") from None
        # body line k is line n + 1 + k of the file
        return [classify(client_strip(st.sql), file=path.name, line=n + 1 + st.line)
                for st in statements]
    return None


def irreversible(statements: Sequence[StatementInfo], existing: set[str],
                 reference: set[str]) -> list[StatementInfo]:
    """The data statements whose effect a downgrade generated from the two states cannot
    undo: they change rows of tables that existed before the script and whose rows are
    not part of the schema (an UPDATE, a DELETE, a REPLACE, an INSERT ... SELECT or a
    compound statement).  Plain INSERT ... VALUES rows are deleted again by value."""
    out = []
    for st in statements:
        if st.kind != "data":
            continue
        targets = [w for w in st.writes if w in existing and w not in reference]
        if not targets:
            continue
        first = st.sql.lstrip().split(None, 1)[0].upper() if st.sql.strip() else ""
        if first in ("INSERT",) and not st.selects:
            continue
        out.append(st)
    return out


__all__ = ["StatementInfo", "classify", "read_statements", "statement_renames", "stated_renames",
           "undo_section", "irreversible", "Statement"]
