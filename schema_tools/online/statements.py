"""What a DDL statement does to which table, read from its text: the table an ``ALTER
TABLE`` (or ``CREATE INDEX``/``DROP INDEX``) changes, its alter specification, and the
``ALGORITHM=``/``LOCK=`` clauses to force on it.

Only the head of the statement is parsed: the specification is passed on verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dialect.ddl import quote_ident
from ..dialect.lexer import LINE_COMMENT, QUOTED, Tok, name_at, tokenize

_NOT_COPYABLE = re.compile(r"^\s*(RENAME\b|DISCARD\b|IMPORT\b|(?:ADD|DROP|COALESCE|REORGANIZE|EXCHANGE|"
                           r"TRUNCATE|ANALYZE|CHECK|OPTIMIZE|REBUILD|REPAIR|REMOVE)\s+PARTITION)", re.I)
_EXECUTABLE = re.compile(r"/\*M?!")


@dataclass(frozen=True)
class TableDDL:
    """One statement that changes one existing table in place."""

    table: str
    spec: str  # the alter specification: what follows ``ALTER TABLE name``
    sql: str  # the statement as given
    kind: str  # "alter", "create-index" or "drop-index"

    @property
    def online_capable(self) -> bool:
        """Whether pt-online-schema-change can run it (an ``ALTER TABLE`` that neither renames
        the table nor works on partitions or tablespaces)."""
        return self.kind == "alter" and bool(self.spec) and not _NOT_COPYABLE.match(self.spec)

    def forced(self, algorithm: str, lock: str) -> str:
        """The statement, as an ``ALTER TABLE``, with an explicit ``ALGORITHM=`` and ``LOCK=``
        (MariaDB 10.11 takes neither clause after ``DROP INDEX ... ON``)."""
        return f"ALTER TABLE {quote_ident(self.table)} {self.spec}, ALGORITHM={algorithm}, LOCK={lock}"

    def as_alter_spec(self) -> str:
        return self.spec


def parse_table_ddl(sql: str) -> TableDDL | None:
    """The table a statement alters in place, or None for anything else: ``ALTER TABLE``,
    ``CREATE INDEX ... ON`` and ``DROP INDEX ... ON``, read on the lexer's tokens (a name or
    a string that reads like a clause stays what it is).  The specification keeps the
    statement's text, without the ``ALGORITHM=``/``LOCK=`` it forces and without a trailing
    comment."""
    toks = tokenize(sql, lenient=True)
    if toks and toks[-1].kind == "op" and toks[-1].text == ";":
        toks.pop()
    if not toks or _EXECUTABLE.search(sql, 0, toks[0].start):
        return None  # a statement in an executable comment runs only on some servers
    i = _words(toks, 0, "ALTER", "ONLINE?", "IGNORE?", "TABLE", "IF?", "EXISTS?")
    if i is not None:
        table, i = name_at(toks, i)
        if table is None:
            return None
        return TableDDL(table, _spec(sql, toks[i:], clauses=True), sql, "alter")
    first = _words(toks, 0, "CREATE", "OR?", "REPLACE?", "UNIQUE|FULLTEXT|SPATIAL?", "INDEX")
    if first is not None:
        kind = [t.value for t in toks[:first] if t.is_kw("UNIQUE", "FULLTEXT", "SPATIAL")]
        index, on = _index_then_on(sql, toks, first)
        if on is None:
            return None
        table, j = name_at(toks, on)
        if table is None or j >= len(toks) or not (toks[j].kind == "op" and toks[j].text == "("):
            return None
        spec = " ".join(["ADD", *kind, "INDEX", index, _spec(sql, toks[j:], clauses=False)])
        return TableDDL(table, spec, sql, "create-index")
    first = _words(toks, 0, "DROP", "INDEX")
    if first is not None:
        index, on = _index_then_on(sql, toks, first)
        if on is None:
            return None
        table, j = name_at(toks, on)
        if table is None or _spec(sql, toks[j:], clauses=False):
            return None
        return TableDDL(table, f"DROP INDEX {index}", sql, "drop-index")
    return None


def _words(toks: list[Tok], i: int, *words: str) -> int | None:
    """The index after the keywords ``words`` read from ``toks[i]`` (``A|B`` one of them,
    ``?`` optional; the ``IF``, ``NOT`` and ``EXISTS`` of ``IF [NOT] EXISTS`` go together),
    or None when they are not there."""
    for word in words:
        optional = word.endswith("?")
        choices = word.rstrip("?").split("|")
        if i < len(toks) and toks[i].is_kw(*choices):
            i += 1
        elif not optional:
            return None
    return i


def _index_then_on(sql: str, toks: list[Tok], first: int) -> tuple[str, int | None]:
    """The index name that follows ``INDEX`` (``toks[first]`` on), as written with its
    ``IF [NOT] EXISTS``, and the index after its ``ON`` (None when no ``ON`` follows it)."""
    i = _words(toks, first, "IF?", "NOT?", "EXISTS?")
    assert i is not None, "the words are optional"
    if i + 1 >= len(toks) or not toks[i].is_name or not toks[i + 1].is_kw("ON"):
        return "", None
    return sql[toks[first].start:toks[i].end], i + 2


def _spec(sql: str, toks: list[Tok], *, clauses: bool) -> str:
    """The text of ``toks`` without its ``ALGORITHM [=] x`` and ``LOCK [=] x`` options.
    Where ``clauses`` (ALTER TABLE), the options are items of the comma-separated list, and
    the items left are joined again with commas, each from its first token to its last (a
    comment between items goes with the separator); otherwise (CREATE/DROP INDEX) they may
    stand anywhere after the column list.  Never inside parentheses."""
    if not clauses:
        out, at, k = [], 0, 0
        pieces = _depth0(toks)
        while k < len(toks):
            n = _option_length(toks, k) if pieces[k] else 0
            if n:
                out.append(_text(sql, toks[at:k]))
                at = k = k + n
            else:
                k += 1
        out.append(_text(sql, toks[at:]))
        return " ".join(x for x in out if x)
    items: list[list[Tok]] = [[]]
    for t, top in zip(toks, _depth0(toks), strict=True):
        if top and t.kind == "op" and t.text == ",":
            items.append([])
        else:
            items[-1].append(t)
    return ", ".join(_text(sql, item) for item in items if item and _option_length(item, 0) != len(item))


def _depth0(toks: list[Tok]) -> list[bool]:
    """For each token, whether it stands outside parentheses."""
    out, depth = [], 0
    for t in toks:
        if t.kind == "op" and t.text == ")":
            depth -= 1
        out.append(depth == 0 and not (t.kind == "op" and t.text == "("))
        if t.kind == "op" and t.text == "(":
            depth += 1
    return out


def _option_length(toks: list[Tok], k: int) -> int:
    """The number of tokens of the ``ALGORITHM [=] x`` or ``LOCK [=] x`` at ``toks[k]``, or 0."""
    if k >= len(toks) or not toks[k].is_kw("ALGORITHM", "LOCK"):
        return 0
    end = k + 1
    if end < len(toks) and toks[end].kind == "op" and toks[end].text == "=":
        end += 1
    if end < len(toks) and toks[end].kind in ("word", "qident", "string"):
        end += 1
    return end - k


def _text(sql: str, toks: list[Tok]) -> str:
    """The statement's text from the first of ``toks`` to the last, through the end of an
    executable comment opened in it (the lexer reads its content, not its ``*/``)."""
    if not toks:
        return ""
    start, end = toks[0].start, toks[-1].end
    if len(_EXECUTABLE.findall(sql, start, end)) > sql.count("*/", start, end):
        close = sql.find("*/", end)
        end = len(sql) if close < 0 else close + 2
    return sql[start:end].strip()


# ---------------------------------------------------------------------------------------
# hints written in the statement

_HINT = re.compile(r"/\*\s*online\s*:\s*(required|forbidden|auto)\s*\*/", re.I)


# the tokens a hint can hide in: a comment is a hint only outside strings and names
_QUOTED = "|".join(QUOTED[(q, True)].pattern for q in "'\"`")
_TOKENS = re.compile(rf"/\*.*?\*/|{_QUOTED}|{LINE_COMMENT}", re.S)


def statement_hint(sql: str) -> str | None:
    """``required``, ``forbidden`` or ``auto`` from a ``/* online: ... */`` comment in the
    statement (not from a string or a name that reads like one), or None."""
    for token in _TOKENS.finditer(sql):
        m = _HINT.fullmatch(token.group(0))
        if m:
            return m.group(1).lower()
    return None


# ---------------------------------------------------------------------------------------
# a statement in a report

_REPORT_TOKENS = re.compile(rf"{_QUOTED}|\s+|[^\s`'\"]+|.", re.S)


def one_line(sql: str) -> str:
    """``sql`` on one report line: the whitespace between tokens folded to one space, and the
    control characters inside quoted names and strings escaped (a name holding a newline
    stays one name)."""
    from ..render.change_lines import clean

    return "".join(" " if m.group(0).isspace() else clean(m.group(0)) for m in _REPORT_TOKENS.finditer(sql.strip()))
