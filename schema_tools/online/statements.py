"""What a DDL statement does to which table, read from its text: the table an ``ALTER
TABLE`` (or ``CREATE INDEX``/``DROP INDEX``) changes, its alter specification, and the
``ALGORITHM=``/``LOCK=`` clauses to force on it.

Only the head of the statement is parsed: the specification is passed on verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dialect.ddl import quote_ident
from ..dialect.lexer import LINE_COMMENT, QUOTED

_IDENT = r"(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
_NAME = rf"(?:{_IDENT}\s*\.\s*)?{_IDENT}"
_COMMENTS = r"(?:\s|/\*(?!!|M!)[\s\S]*?\*/|--[^\n]*\n|#[^\n]*\n)*"

_ALTER = re.compile(rf"^{_COMMENTS}ALTER\s+(?:ONLINE\s+)?(?:IGNORE\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?"
                    rf"(?P<name>{_NAME})\s*(?P<spec>[\s\S]*?)\s*;?\s*$", re.I)
_CREATE_INDEX = re.compile(rf"^{_COMMENTS}CREATE\s+(?:OR\s+REPLACE\s+)?(?P<kind>(?:UNIQUE|FULLTEXT|SPATIAL)\s+)?"
                           rf"INDEX\s+(?P<index>{_IDENT})\s+ON\s+(?P<name>{_NAME})\s*(?P<rest>\([\s\S]*?)\s*;?\s*$",
                           re.I)
_DROP_INDEX = re.compile(rf"^{_COMMENTS}DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?(?P<index>{_IDENT})\s+ON\s+"
                         rf"(?P<name>{_NAME})\s*;?\s*$", re.I)
_FORCED = re.compile(r"\b(ALGORITHM|LOCK)\s*=?\s*(\w+)", re.I)
_NOT_COPYABLE = re.compile(r"^\s*(RENAME\b|DISCARD\b|IMPORT\b|(?:ADD|DROP|COALESCE|REORGANIZE|EXCHANGE|"
                           r"TRUNCATE|ANALYZE|CHECK|OPTIMIZE|REBUILD|REPAIR|REMOVE)\s+PARTITION)", re.I)


def unquote(name: str) -> str:
    name = name.strip()
    if name.startswith("`") and name.endswith("`"):
        return name[1:-1].replace("``", "`")
    return name


def _table_name(qualified: str) -> str:
    parts = re.findall(_IDENT, qualified)
    return unquote(parts[-1])


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
    """The table a statement alters in place, or None for anything else."""
    m = _ALTER.match(sql)
    if m:
        spec = m.group("spec")
        if _FORCED.search(_strip_strings(spec)):
            spec = _remove_forced(spec)
        return TableDDL(_table_name(m.group("name")), spec, sql, "alter")
    m = _CREATE_INDEX.match(sql)
    if m:
        kind = (m.group("kind") or "").strip().upper()
        spec = f"ADD {kind + ' ' if kind else ''}INDEX {m.group('index')} {m.group('rest')}"
        return TableDDL(_table_name(m.group("name")), spec, sql, "create-index")
    m = _DROP_INDEX.match(sql)
    if m:
        return TableDDL(_table_name(m.group("name")), f"DROP INDEX {m.group('index')}", sql, "drop-index")
    return None


def _strip_strings(text: str) -> str:
    return re.sub(r"'(?:[^'\\]|\\.|'')*'|`(?:[^`]|``)*`", "''", text)


def _remove_forced(spec: str) -> str:
    """Drop ``ALGORITHM=...``/``LOCK=...`` items written in the statement (outside strings)."""
    out, i = [], 0
    for m in re.finditer(r"'(?:[^'\\]|\\.|'')*'|`(?:[^`]|``)*`|,?\s*\b(?:ALGORITHM|LOCK)\s*=?\s*\w+", spec, re.I):
        if m.group(0)[:1] in ("'", "`"):
            continue
        out.append(spec[i:m.start()])
        i = m.end()
    out.append(spec[i:])
    return "".join(out).strip().lstrip(",").strip()


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
