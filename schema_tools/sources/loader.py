"""Load SQL files into a server, as the ``mariadb`` command-line client would.

The client itself executes the files (it is the reference for ``DELIMITER`` blocks,
executable comments and the sandbox-mode line), after a line-preserving preparation:

* ``CREATE DATABASE`` and ``USE`` statements are redirected to the target database, so a
  dump that hard-codes its database name (``USE `pydb```) loads where it is asked to; names
  qualified with that database (```pydb`.`Movie```), in the dump and in the scripts loaded
  after it, are redirected too;
* phpMyAdmin's stand-in tables for views are removed: they are not tables, and one of
  ESRF's is too wide to create at all.  A view whose definition the dump lacks is
  reported in :attr:`LoadReport.missing_views`.

Errors come back as ``file:line: ERROR nnnn: message`` with the failing statement's
first line as excerpt.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SqlError, ServerError
from ..dialect.sqlscript import Statement, find_stand_ins, read_sql_file, split_sql
from ..dialect.lexer import tokenize
from ..dialect.types import quote_ident


_MISSING_VIEW = re.compile(r"Structure for view `((?:[^`]|``)+)`", re.I)
_CREATE_DB = re.compile(
    r"^CREATE\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?(`(?:[^`]|``)+`|\w+)\s*(.*)$",
    re.I | re.S,
)
_USE = re.compile(r"^USE\s+(`(?:[^`]|``)+`|\w+)\s*$", re.I | re.S)
_CLIENT_ERROR = re.compile(r"^ERROR (\d+) \(([0-9A-Z]+)\)(?: at line (\d+))?(?: in file: '[^']*')?: (.*)$",
                           re.S)


@dataclass
class LoadReport:
    """What the preparation changed, per load."""

    notes: list[str] = field(default_factory=list)
    missing_views: list[str] = field(default_factory=list)
    declared: str | None = None  # the database the first file creates or switches to


def _blank(text: str, start: int, end: int, replacement: str = "") -> str:
    """Replace text[start:end] by ``replacement`` padded to keep every line number."""
    newlines = text.count("\n", start, end)
    repl_lines = replacement.count("\n")
    pad = "\n" * max(0, newlines - repl_lines)
    return text[:start] + replacement + pad + text[end:]


def _ident(token: str) -> str:
    return token[1:-1].replace("``", "`") if token.startswith("`") else token


@dataclass(frozen=True)
class _Span:
    """A part of a statement to replace (a statement itself is replaced whole)."""

    start: int
    end: int


def _qualifiers(sql: str, database: str) -> list[tuple[int, int]]:
    """The spans of ``sql`` naming ``database`` as the qualifier of a name (``db.t``,
    ```db`.`t```, ``db.t.c``); strings and comments are never touched."""
    toks = tokenize(sql, lenient=True)
    out = []
    for i, tok in enumerate(toks[:-2]):
        dot, name = toks[i + 1], toks[i + 2]
        if (tok.is_name and tok.name == database and dot.kind == "op" and dot.text == "."
                and dot.start == tok.end and name.is_name and name.start == dot.end
                and not (i > 0 and toks[i - 1].kind == "op" and toks[i - 1].text == "."
                         and toks[i - 1].end == tok.start)):
            out.append((tok.start, tok.end))
    return out


def declared_database(path: str | os.PathLike) -> str | None:
    """The database a dump creates or switches to (``CREATE DATABASE x`` / ``USE x``)."""
    for st in split_sql(read_sql_file(path), source=str(path)):
        head = st.sql.lstrip()
        m = _CREATE_DB.match(head) or _USE.match(head)
        if m:
            return _ident(m.group(1))
    return None


def prepare_script(text: str, *, source: str, database: str, report: LoadReport) -> str:
    """Return ``text`` made loadable into ``database`` (line numbers unchanged)."""
    statements = split_sql(text, source=source)
    stand_ins, missing = find_stand_ins(text, statements)
    edits: list[tuple[Statement | _Span, str]] = [(st, "") for st in stand_ins.values()]
    for st in statements:
        head = st.sql.lstrip()
        m = _CREATE_DB.match(head) or _USE.match(head)
        if m and report.declared is None:
            report.declared = _ident(m.group(1))
    qualified = 0
    for st in statements:
        head = st.sql.lstrip()
        m = _CREATE_DB.match(head)
        if m:
            options = m.group(2).strip()
            target = quote_ident(database)
            report.notes.append(f"{st.location}: CREATE DATABASE {_ident(m.group(1))} "
                                f"applied to the target database {database}")
            edits.append((st, f"ALTER DATABASE {target} {options}" if options else ""))
            continue
        m = _USE.match(head)
        if m:
            report.notes.append(f"{st.location}: USE {_ident(m.group(1))} ignored: "
                                f"loading into {database}")
            edits.append((st, ""))
            continue
        if report.declared is not None and report.declared != database and st not in stand_ins.values():
            for start, end in _qualifiers(st.sql, report.declared):
                edits.append((_Span(st.start + start, st.start + end), quote_ident(database)))
                qualified += 1
    if qualified:
        report.notes.append(f"{source}: {qualified} name(s) qualified with {report.declared} "
                            f"redirected to the target database {database}")
    for name in missing:
        report.missing_views.append(name)
        report.notes.append(f"{stand_ins[name].location}: view {name}: the dump has only a "
                            f"stand-in table, not the view definition; the view is not loaded")
    for span, replacement in sorted(edits, key=lambda e: e[0].start, reverse=True):
        # keep the delimiter in place; an emptied statement leaves a harmless ';'
        text = _blank(text, span.start, span.end, replacement)
    return text


def load_files(paths: Sequence[str | os.PathLike], *, client: Sequence[str],
               env: Mapping[str, str] | None = None, database: str) -> LoadReport:
    """Load ``paths`` in order into ``database`` with the command-line ``client`` argv."""
    report = LoadReport()
    for path in paths:
        path = Path(path)
        text = read_sql_file(path)
        prepared = prepare_script(text, source=str(path), database=database, report=report)
        run_client(prepared, client=client, env=env, database=database, source=str(path),
                   original=text)
    return report


def load_text(text: str, *, client: Sequence[str], env: Mapping[str, str] | None = None,
              database: str, source: str = "<generated>") -> None:
    """Load an already prepared script, as the mariadb client does."""
    run_client(text, client=client, env=env, database=database, source=source, original=text)


def execute_text(conn, text: str, *, source: str = "<generated>") -> None:
    """Run the statements of ``text`` (``DELIMITER`` blocks included) over ``conn``, each
    sent exactly as written.  For rendered DDL: the client reshapes what it sends (it
    drops comments, or with ``--comments`` puts a space after each one), and the server
    keeps routine and trigger text as it receives it."""
    import pymysql

    with conn.cursor() as cur:
        for st in split_sql(text, source=source):
            try:
                cur.execute(st.sql)
                while cur.nextset():
                    pass
            except pymysql.MySQLError as exc:
                code, message = (exc.args + ("",))[:2] if exc.args else (0, str(exc))
                raise SqlError(f"ERROR {code}: {message}", location=st.location,
                               excerpt=st.sql.splitlines()[0][:200] if st.sql else None) from None


def run_client(text: str, *, client: Sequence[str], env: Mapping[str, str] | None, database: str,
               source: str, original: str) -> None:
    argv = list(client) + ["--default-character-set=utf8mb4", f"--database={database}"]
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        proc = subprocess.run(argv, input=text.encode("utf-8"), capture_output=True,
                              env=full_env, check=False)
    except FileNotFoundError:
        raise ServerError(f"the client {argv[0]!r} is not installed",
                          hint="install it: apt-get install mariadb-client") from None
    if proc.returncode == 0:
        return
    message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    last = next((m for m in reversed(message) if m.startswith("ERROR")), message[-1] if message else "")
    m = _CLIENT_ERROR.match(last)
    if not m:
        raise SqlError(f"load failed: {last or f'client exited with status {proc.returncode}'}",
                       location=source)
    code, _state, line, msg = m.groups()
    excerpt = None
    location = source
    if line:
        lines = original.splitlines()
        n = int(line)
        location = f"{source}:{n}"
        if 0 < n <= len(lines):
            excerpt = lines[n - 1].strip()[:200]
    raise SqlError(f"ERROR {code}: {msg.strip()}", location=location, excerpt=excerpt)
