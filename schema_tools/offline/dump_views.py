"""mariadb-dump's views: the server's own text, recorded as it is.

mariadb-dump writes each view twice.  First a stand-in, so that views over views load in
any order: a view ``SELECT NULL AS `col`,...`` (a MyISAM table in older dumps), dropped
again before the view itself, which comes after every table::

    /*!50001 CREATE ALGORITHM=UNDEFINED */
    /*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
    /*!50001 VIEW `v` AS select `t`.`id` AS `id` from `t` */
    /*!50002 WITH CASCADED CHECK OPTION */;

between ``SET character_set_client`` / ``collation_connection`` lines that give the
view's own.  That SELECT is ``SHOW CREATE VIEW``'s: the server's print of its parse,
which the live snapshot records (:mod:`schema_tools.sources.introspect`), and which a
server of the same version stores unchanged when the dump is loaded.  The offline reader
takes it as it is, and only when everything says it is that text:

* the statement has mariadb-dump's exact form (:func:`match_dump_form`);
* the file's header says a MariaDB server of the version read as printed it
  (``-- Server version``, :func:`read_dump_header`), and the session parses text as the
  printer wrote it (no sql_mode that changes quoting, escapes or operators);
* the text has the printer's shape (:func:`_check_printed`): one line, lower-case clause
  keywords, every name back-quoted, each selected column ``AS `name```, strings escaped;
* the tables, views and stored functions it names exist, in the database the dump is of
  (its header's ``Database:``, or USE); that database's qualifier is dropped as
  introspection drops it (:func:`~schema_tools.dialect.ddl.strip_database_qualifier`);
* a view WITH CHECK OPTION does not read a view the server made not updatable when it
  created it (mariadb-dump's stand-ins, and views created over one: the dump cannot be
  loaded then, ERROR 1368; :mod:`.views` keeps that in ``State.not_updatable``).

Anything else is refused with :class:`OfflineError`, never guessed: a view written by
hand goes through :mod:`.views`' reader of the SELECT subset it reproduces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..dialect.types import quote_ident
from .state import OfflineError, Session, State

__all__ = ["DumpOrigin", "DumpedView", "read_dump_header", "match_dump_form", "dumped_definition"]


@dataclass(frozen=True)
class DumpOrigin:
    """What the header of a mariadb-dump (or mysqldump) file says."""

    server: str                        # "10.11.19-MariaDB-0+deb12u1"
    flavour: str                       # "mariadb" or "mysql"
    version: tuple[int, int, int]
    database: str | None               # the database dumped (None: the header names none)


_HEADER = re.compile(
    r"\A(?:/\*M?!\d*\\?-? ?[^\n]*\*/ ?\n)?"          # mariadb-dump's sandbox-mode line
    r"-- (?:MariaDB|MySQL) dump [^\n]*\n"
    r"--\n"
    r"-- Host: [^\n]*?    Database: (?P<database>[^\n]*)\n"
    r"-- -{20,}\n"                                      # a name with a newline continues here
    r"-- Server version\t(?P<server>[^\n]*)\n")


def read_dump_header(text: str) -> DumpOrigin | None:
    """The header of a dump file (None: the file does not start with one)."""
    m = _HEADER.match(text)
    if m is None:
        return None
    server = m.group("server").strip()
    numbers = re.match(r"(\d+)\.(\d+)\.(\d+)", server)
    if numbers is None:
        return None
    version = (int(numbers[1]), int(numbers[2]), int(numbers[3]))
    return DumpOrigin(server, "mariadb" if "mariadb" in server.lower() else "mysql",
                      version, m.group("database") or None)


_QIDENT = r"`(?:[^`]|``)*`"
_DUMP_FORM = re.compile(
    r"/\*!50001 CREATE ALGORITHM=(?:UNDEFINED|MERGE|TEMPTABLE) \*/\n"
    rf"/\*!50013 DEFINER={_QIDENT}@{_QIDENT} SQL SECURITY (?:DEFINER|INVOKER) \*/\n"
    rf"/\*!50001 VIEW (?P<name>{_QIDENT}) AS (?P<body>[^\n].*?) \*/"
    r"(?:\n/\*!50002 WITH (?P<check>CASCADED|LOCAL) CHECK OPTION \*/)?", re.S)


@dataclass(frozen=True)
class DumpedView:
    """A CREATE VIEW statement in mariadb-dump's form: the view's name, the SELECT as
    printed, and the check option (``NONE``, ``CASCADED``, ``LOCAL``)."""

    name: str
    body: str
    check_option: str


def match_dump_form(raw: str) -> DumpedView | None:
    """``raw`` (a statement as the client sends it: executable comments still in) as
    mariadb-dump writes a view, or None when it is not in that exact form."""
    text = raw.strip(" \t\r\n")
    while text.endswith(";"):
        text = text[:-1].rstrip(" \t\r\n")
    m = _DUMP_FORM.fullmatch(text)
    if m is None:
        return None
    name = m.group("name")[1:-1].replace("``", "`")
    return DumpedView(name, m.group("body"), m.group("check") or "NONE")


# sql_mode flags under which the printed text would not read back as printed
_PARSING_MODES = frozenset(
    "PIPES_AS_CONCAT ANSI_QUOTES IGNORE_SPACE HIGH_NOT_PRECEDENCE NO_BACKSLASH_ESCAPES "
    "EMPTY_STRING_IS_NULL ORACLE MSSQL POSTGRESQL DB2 MAXDB ANSI".split())
# words the printer always writes in lower case (AS, ASC, DESC, NULL, DIV, MOD: not always)
_LOWER_WORDS = frozenset(
    "SELECT FROM WHERE JOIN STRAIGHT_JOIN LEFT ON AND OR NOT XOR GROUP BY ORDER HAVING "
    "LIMIT OFFSET UNION EXCEPT INTERSECT ALL DISTINCT IS IN LIKE REGEXP BETWEEN CASE WHEN "
    "THEN ELSE END EXISTS WITH RECURSIVE INTERVAL COLLATE".split())
# what ends a select list at its own level
_LIST_END = frozenset(
    "FROM WHERE GROUP HAVING WINDOW ORDER LIMIT UNION EXCEPT INTERSECT INTO FOR LOCK".split())
_SELECT_OPTIONS = frozenset(
    "DISTINCT ALL STRAIGHT_JOIN HIGH_PRIORITY SQL_SMALL_RESULT SQL_BIG_RESULT "
    "SQL_BUFFER_RESULT SQL_CACHE SQL_NO_CACHE SQL_CALC_FOUND_ROWS".split())


class _NotPrinted(Exception):
    """The text is not in the printer's shape (the message says where)."""


def dumped_definition(view: DumpedView, toks: Sequence, session: Session,
                      state: State) -> tuple[str, set[str]]:
    """The definition the server records for ``view`` (its SELECT, tokenized as ``toks``
    by :func:`~.lexer.tokenize`) and the tables and views it reads; or
    :class:`OfflineError` when it cannot be taken as the server's text."""
    name = view.name
    origin = session.dump
    if origin is None:
        raise OfflineError(f"view {name}: written as mariadb-dump writes a view, but the file "
                           f"does not start with a mariadb-dump header (-- Server version): "
                           f"which server printed it is unknown, and the server rewrites view "
                           f"definitions; it cannot be reproduced offline")
    fl = session.flavour
    if origin.flavour != fl.name or origin.version[:2] != fl.version[:2]:
        want = f"{'MariaDB' if fl.name == 'mariadb' else 'MySQL'} {fl.version[0]}.{fl.version[1]}"
        raise OfflineError(f"view {name}: the dump was printed by server {origin.server}, and "
                           f"{want} may print this definition otherwise; it cannot be "
                           f"reproduced offline")
    modes = set(session.sql_mode.split(",")) & _PARSING_MODES
    if modes:
        raise OfflineError(f"view {name}: sql_mode {','.join(sorted(modes))} changes how the "
                           f"dumped definition reads; it cannot be reproduced offline")
    try:
        _check_printed(view.body, toks)
    except _NotPrinted as exc:
        raise OfflineError(f"view {name}: its definition is not as the server prints one "
                           f"({exc}); the server rewrites view definitions, this one cannot "
                           f"be reproduced offline") from None
    database = session.database
    reads = _check_references(name, toks, database, state)
    if database is None:
        return view.body, reads
    from ..dialect.ddl import strip_database_qualifier

    return strip_database_qualifier(view.body, database, database in state.tables), reads


def _check_printed(body: str, toks: Sequence) -> None:
    """Raise :class:`_NotPrinted` unless ``body`` has the shape of the server's print."""
    if not toks or not body.startswith(("select ", "with ", "(select ")):
        raise _NotPrinted("it does not start with 'select'")
    pos = 0
    for t in toks:
        gap = body[pos:t.start]
        if gap.strip(" "):
            raise _NotPrinted(f"{gap.strip()[:20]!r} between tokens")
        pos = t.end
    if pos != len(body):
        raise _NotPrinted("text after the last token")
    for k, t in enumerate(toks):
        if t.kind == "word" and t.value in _LOWER_WORDS and t.text != t.text.lower():
            raise _NotPrinted(f"{t.text!r} in upper case")
        if t.kind in ("string", "nstring") and any(c in t.text for c in "\n\r\0\x1a"):
            raise _NotPrinted("a string with a character the server prints escaped")
        if t.kind == "op" and t.text == ".":
            before = toks[k - 1] if k else None
            after = toks[k + 1] if k + 1 < len(toks) else None
            if (before is None or after is None or before.kind != "qident" or after.kind != "qident"
                    or before.end != t.start or after.start != t.end):
                raise _NotPrinted("a name that is not back-quoted")
        if t.kind in ("word", "intro") and k + 1 < len(toks) and toks[k + 1].kind == "op" \
                and toks[k + 1].text == "." and toks[k + 1].start == t.end:
            raise _NotPrinted("a name that is not back-quoted")
    _check_select_lists(toks)


def _check_select_lists(toks: Sequence) -> None:
    """Each column of the statement's own select lists is printed ``... AS `name```."""
    depth = 0
    k = 0
    n = len(toks)
    while k < n:
        t = toks[k]
        if t.kind == "op" and t.text == "(":
            depth += 1
        elif t.kind == "op" and t.text == ")":
            depth -= 1
        elif depth == 0 and t.kind == "word" and t.value == "SELECT":
            k += 1
            while k < n and toks[k].kind == "word" and toks[k].value in _SELECT_OPTIONS:
                k += 1
            item: list = []
            level = 0
            while True:
                u = toks[k] if k < n else None
                end = u is None or (level == 0 and u.kind == "word" and u.value in _LIST_END) \
                    or (level == 0 and u.kind == "op" and u.text == ")")
                if end or (u is not None and level == 0 and u.kind == "op" and u.text == ","):
                    if len(item) < 3 or item[-2].kind != "word" or item[-2].text != "AS" \
                            or item[-1].kind != "qident":
                        raise _NotPrinted("a selected column without 'AS `name`'")
                    item = []
                    if end:
                        break
                    k += 1
                    continue
                assert u is not None, "the end of the tokens ends the list"
                if u.kind == "op" and u.text == "(":
                    level += 1
                elif u.kind == "op" and u.text == ")":
                    level -= 1
                item.append(u)
                k += 1
            continue
        k += 1


def _chain(toks: Sequence, k: int) -> list[str]:
    """The back-quoted name ```a`.`b`...`` starting at ``toks[k]`` (its parts)."""
    parts = [toks[k].value]
    while k + 2 < len(toks) and toks[k + 1].kind == "op" and toks[k + 1].text == "." \
            and toks[k + 2].kind == "qident":
        parts.append(toks[k + 2].value)
        k += 2
    return parts


def _cte_names(toks: Sequence) -> set[str]:
    """The names ``WITH`` clauses give their queries (``with c as (...), d(`x`) as (...)``)."""
    names: set[str] = set()
    n = len(toks)

    def skip_group(k: int) -> int:       # toks[k] is "(": the index after its ")"
        level = 0
        while k < n:
            if toks[k].kind == "op" and toks[k].text == "(":
                level += 1
            elif toks[k].kind == "op" and toks[k].text == ")":
                level -= 1
                if level == 0:
                    return k + 1
            k += 1
        return n

    for k, t in enumerate(toks):
        if not (t.kind == "word" and t.value == "WITH"):
            continue
        j = k + 1
        if j < n and toks[j].kind == "word" and toks[j].value == "RECURSIVE":
            j += 1
        while j < n and toks[j].kind in ("word", "qident"):
            name = toks[j].value if toks[j].kind == "qident" else toks[j].text
            j += 1
            if j < n and toks[j].kind == "op" and toks[j].text == "(":
                j = skip_group(j)
            if not (j + 1 < n and toks[j].kind == "word" and toks[j].value == "AS"
                    and toks[j + 1].kind == "op" and toks[j + 1].text == "("):
                break
            names.add(name)
            j = skip_group(j + 1)
            if not (j < n and toks[j].kind == "op" and toks[j].text == ","):
                break
            j += 1
    return names


def _check_references(name: str, toks: Sequence, database: str | None, state: State) -> set[str]:
    """The tables and views the definition reads, each checked to exist, in the dump's
    own database."""
    reads: set[str] = set()
    ctes = _cte_names(toks)
    n = len(toks)
    frames = [False]                     # per parenthesis level: a SELECT opened there
    for k, t in enumerate(toks):
        if t.kind == "qident" and (k == 0 or not (toks[k - 1].kind == "op" and toks[k - 1].text == ".")):
            parts = _chain(toks, k)
            if len(parts) > 3:
                raise OfflineError(f"view {name}: a name of {len(parts)} parts; the server "
                                   f"rewrites view definitions, this one cannot be reproduced offline")
            if len(parts) == 3:
                _own_database(name, parts, database)
            after = k + 2 * len(parts) - 1
            if after < n and toks[after].kind == "op" and toks[after].text == "(" \
                    and toks[after].start == toks[after - 1].end \
                    and not (len(parts) == 1 and parts[0] in ctes):   # `c`(`x`) as (...)
                _stored_function(name, parts, database, state)
        if t.kind == "op" and t.text == "(":
            frames.append(False)
            continue
        if t.kind == "op" and t.text == ")":
            if len(frames) > 1:
                frames.pop()
            continue
        if t.kind != "word":
            continue
        if t.value == "SELECT":
            frames[-1] = True
            continue
        if not (t.value in ("JOIN", "STRAIGHT_JOIN") or (t.value == "FROM" and frames[-1])):
            continue
        j = k + 1
        while j < n and toks[j].kind == "op" and toks[j].text == "(":
            j += 1
        if j >= n or toks[j].kind != "qident":
            continue                     # a derived table, json_table(...), ...
        parts = _chain(toks, j)
        if len(parts) == 2:
            _own_database(name, parts, database)
            table = parts[1]
        elif len(parts) == 1:
            table = parts[0]
            if table in ctes:
                continue
        else:
            raise OfflineError(f"view {name}: a table named in {len(parts)} parts; the server "
                               f"rewrites view definitions, this one cannot be reproduced offline")
        if table not in state.tables and table not in state.views:
            raise OfflineError(f"Table '{table}' doesn't exist")
        reads.add(table)
    return reads


def _own_database(name: str, parts: list[str], database: str | None) -> None:
    shown = ".".join(quote_ident(p) for p in parts)
    if database is None:
        raise OfflineError(f"view {name}: its definition names a database ({shown}) and the "
                           f"dump does not say which database it is of (no 'Database:' in its "
                           f"header, no USE); it cannot be reproduced offline")
    if parts[0] != database:
        raise OfflineError(f"view {name}: {shown} is in another database than the dump's "
                           f"({database}); offline reading reads one database")


def _stored_function(name: str, parts: list[str], database: str | None, state: State) -> None:
    """```f`(...)`` or ```db`.`f`(...)``: a stored function, which must exist."""
    if len(parts) == 2:
        _own_database(name, parts, database)
    elif len(parts) != 1:
        raise OfflineError(f"view {name}: a function named in {len(parts)} parts; the server "
                           f"rewrites view definitions, this one cannot be reproduced offline")
    if ("FUNCTION", parts[-1].lower()) not in state.routines:
        where = f"{database}." if database is not None else ""
        raise OfflineError(f"FUNCTION {where}{parts[-1]} does not exist")
