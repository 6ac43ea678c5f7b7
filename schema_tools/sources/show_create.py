"""What ``SHOW CREATE`` says: the bodies of triggers and views as written, the parts of
a ``SHOW CREATE TABLE`` (definition lines, options, partitioning) and what the model takes
from them, and the self-check that compares each table's regenerated CREATE with it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dialect.ddl import create_table_lines, quote_ident, strip_database_qualifier, table_options
from ..dialect.lexer import QUOTED, token_stream
from ..model.objects import Schema
from ..model.order import index_order, reproducible, server_sorted


@dataclass
class Unsupported:
    """One table whose regenerated CREATE differs from the server's."""

    table: str
    feature: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.table}: unsupported {self.feature}: server has {self.actual!r}, model gives {self.expected!r}"


def trigger_body(create: str) -> str | None:
    """The body of a ``CREATE TRIGGER`` statement: what follows ``FOR EACH ROW`` and an
    optional ``FOLLOWS``/``PRECEDES`` clause, as written (a comment it starts with kept)."""
    toks = token_stream(create, lenient=True)
    last: list[str] = []
    for t in toks:
        last = (last + [t.value if t.kind == "word" else ""])[-3:]
        if last == ["FOR", "EACH", "ROW"]:
            end = t.end
            nxt = next(toks, None)
            if nxt is not None and nxt.is_kw("FOLLOWS", "PRECEDES"):
                other = next(toks, None)  # the other trigger's name
                end = other.end if other is not None else nxt.end
            return create[end:].strip() or None
    return None


def view_body(name: str, create: str, database: str, table_like_database: bool = False) -> str | None:
    """The SELECT of ``SHOW CREATE VIEW``: after ``VIEW `name` AS``, without the check
    option, and without the qualifier of the view's own database (MariaDB may write
    ```db`.`t`.`col``` and ```db`.`t```), so that the view can be created elsewhere.
    Where a table is named like the database (``table_like_database``), ```db`.`x``` may
    be that table's column: the qualifier is dropped then only from a body that shows it
    (a name of three parts, ```db`.`t`.`col```)."""
    for marker in (f" VIEW {quote_ident(name)} AS ", f" VIEW {quote_ident(database)}.{quote_ident(name)} AS "):
        pos = create.find(marker)
        if pos >= 0:
            break
    else:
        return None
    body = re.sub(r" WITH (?:CASCADED|LOCAL) CHECK OPTION$", "", create[pos + len(marker):])
    return strip_database_qualifier(body, database, table_like_database)


_CREATE_TOKENS = re.compile(QUOTED["`", True].pattern + "|" + QUOTED["'", True].pattern + r"|[^`']+|[`']")


def _create_lines(text: str) -> list[str]:
    """SHOW CREATE TABLE's lines: split at the newlines outside backtick-quoted names (a name
    may hold one; a string's is printed as ``\\n``)."""
    tokens = _CREATE_TOKENS.findall(text)
    if not any(t.startswith("`") and "\n" in t for t in tokens):
        return text.split("\n")
    lines, current = [], []
    for token in tokens:
        if token[0] in "`'":
            current.append(token)
            continue
        first, *others = token.split("\n")
        current.append(first)
        for part in others:
            lines.append("".join(current))
            current = [part]
    lines.append("".join(current))
    return lines


def show_create_parts(text: str) -> tuple[list[str], str, str | None]:
    """Split SHOW CREATE TABLE into definition lines, the options line, and partitioning."""
    lines = _create_lines(text)
    defs: list[str] = []
    i = 1
    while i < len(lines) and not lines[i].startswith(")"):
        defs.append(lines[i].strip().rstrip(","))
        i += 1
    options = lines[i][1:].strip() if i < len(lines) else ""
    rest = "\n".join(lines[i + 1:]) if i + 1 < len(lines) else ""
    options = re.sub(r"\s*AUTO_INCREMENT=\d+", "", options)
    return defs, options, (rest if rest.strip() else None)


_COLUMN_LINE_RE = re.compile(r"`((?:[^`]|``)*)` ")


def column_checks(checks: list[tuple], defs: list[str]) -> dict[str, str]:
    """Column CHECK clauses by column name.

    MariaDB names a column CHECK after its column and keeps that name when the column is
    renamed (``RENAME COLUMN a TO b`` leaves constraint ``a`` on column ``b``), and
    information_schema does not say which column a constraint belongs to.  A check goes
    to the column of its name when that column's line of ``SHOW CREATE TABLE`` carries
    it, otherwise to the first other column whose line carries it.  A check no line
    carries stays under its name, where the self-check reports it."""
    if not checks:
        return {}
    lines = {}
    for line in defs:
        m = _COLUMN_LINE_RE.match(line)
        if m:
            lines[m.group(1).replace("``", "`")] = line
    out: dict[str, str] = {}
    orphans = []
    for cname, clause in checks:
        if lines.get(cname, "").endswith(f" CHECK ({clause})") and cname not in out:
            out[cname] = clause
        else:
            orphans.append((cname, clause))
    for cname, clause in orphans:
        suffix = f" CHECK ({clause})"
        owner = next((c for c, line in lines.items() if c not in out and line.endswith(suffix)),
                     None)
        if owner is None and cname not in out:
            owner = cname
        if owner is not None:
            out[owner] = clause
    return out


_KEY_LINE_RE = re.compile(r"(?:UNIQUE |FULLTEXT |SPATIAL )?KEY `((?:[^`]|``)*)` ")
_CHECK_LINE_RE = re.compile(r"CONSTRAINT `((?:[^`]|``)*)` CHECK ")


def shown_order(defs: list[str]) -> tuple[list[str], list[str]]:
    """The names of the indexes (but the primary key) and of the table checks in the
    order the definition lines of ``SHOW CREATE TABLE`` list them."""
    indexes, checks = [], []
    for line in defs:
        if (m := _KEY_LINE_RE.match(line)) is not None:
            indexes.append(m.group(1).replace("``", "`"))
        elif (m := _CHECK_LINE_RE.match(line)) is not None:
            checks.append(m.group(1).replace("``", "`"))
    return indexes, checks


def _feature(line: str) -> str:
    m = re.match(r"`((?:[^`]|``)*)`", line)
    if m:
        return f"column `{m.group(1)}`"
    m = re.match(r"(?:UNIQUE |FULLTEXT |SPATIAL )?KEY `((?:[^`]|``)*)`", line)
    if m:
        return f"index `{m.group(1)}`"
    if line.startswith("PRIMARY KEY"):
        return "primary key"
    m = re.match(r"CONSTRAINT `((?:[^`]|``)*)` (FOREIGN KEY|CHECK)", line)
    if m:
        return ("foreign key" if m.group(2) == "FOREIGN KEY" else "check") + f" `{m.group(1)}`"
    return "definition"


def self_check_tables(schema: Schema, creates: dict[str, str],
                      parsed: dict[str, tuple] | None = None) -> list[Unsupported]:
    """Compare each table's regenerated CREATE with the server's ``SHOW CREATE TABLE``.

    ``parsed`` may hold :func:`show_create_parts` of ``creates``, already computed."""
    problems: list[Unsupported] = []
    for table in schema.tables:
        actual = creates.get(table.name)
        if actual is None:
            problems.append(Unsupported(table.name, "table", "", "(no SHOW CREATE TABLE)"))
            continue
        parts = parsed.get(table.name) if parsed is not None else None
        defs, options, _ = parts if parts is not None else show_create_parts(actual)
        expected = create_table_lines(table)
        if defs != expected and sorted(defs) != sorted(expected):
            exp_set, act_set = set(expected), set(defs)
            missing = sorted(act_set - exp_set)
            extra = sorted(exp_set - act_set)
            for line in missing or ["(column order)"]:
                match = next((e for e in extra if _feature(e) == _feature(line)), "")
                problems.append(Unsupported(table.name, _feature(line), match, line))
        elif defs != expected:
            # the same lines in another order: of the columns, indexes, or checks
            for what in ("column", "index", "check", "foreign key"):
                exp = [_feature(e) for e in expected if _feature(e).startswith(what)]
                act = [_feature(d) for d in defs if _feature(d).startswith(what)]
                if exp != act:
                    problems.append(Unsupported(table.name, f"{what} order", ", ".join(exp),
                                                ", ".join(act)))
        if not reproducible(table):
            problems.append(Unsupported(
                table.name, "index order", ", ".join(server_sorted(table, index_order(table))),
                ", ".join(index_order(table)) + " (no CREATE TABLE gives this order)"))
        exp_options = table_options(table)
        if options != exp_options:
            problems.append(Unsupported(table.name, "table options", exp_options, options))
    return problems
