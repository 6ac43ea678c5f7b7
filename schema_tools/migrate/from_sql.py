"""A developer's script as a revision, kept as written (``revision --sql``).

The revision's ``upgrade()`` runs the script's statements verbatim and in order, exactly
as ``import-legacy`` writes them (one code path: :func:`schema_tools.migrate.legacy.upgrade_steps`):
DDL, data statements, compound statements, ``DELIMITER`` blocks, executable comments and
the ``SchemaStatus`` rows.  Before anything is written, on a scratch database:

1. the head state is loaded and seeded with deterministic rows in every table the script
   reads or writes (and their foreign-key parents), so that ``INSERT ... SELECT``, loops
   and ``UPDATE`` really run; a statement that fails names ``file:line``, the statement
   and the server's error, and nothing is written;
2. the state the statements produce is introspected: the revision's target state, with
   the rows of the reference tables (the configured ones, and tables the script creates
   and fills with literal rows);
3. the downgrade is chosen and proven on those rows: ``--down-sql`` when given, else the
   script's undo section when it returns exactly to the source schema and the seeded
   rows, else one generated from the difference of the two states, with the renames the
   script states renamed back (never dropped and re-added) and the rows it inserted
   deleted again.  Data statements that a generated downgrade cannot undo are recorded in
   the revision (``irreversible_data``), and ``review`` reports them (DS108).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from ..diff.compare import DiffOptions, diff
from ..errors import InputError, SqlError
from ..model.objects import Schema
from ..model.snapshot import fingerprint
from ..dialect.ddl import quote_ident
from .plan import Step
from ..sources.workspace import Workspace, open_workspace
from .legacy import (LegacyScript, bookkeeping_undo, downgrade_steps, inserted_rows, read_rows, read_script,
                     reference_tables, reset_database, upgrade_steps)
from .revision import RevisionDir, RevisionInfo, write_revision
from .scripts import StatementInfo, classify, irreversible, stated_renames, undo_section

SEED_ROWS = 5


class ScriptFailed(SqlError):
    """A statement of the script failed on the seeded scratch database."""


@dataclass
class DataEffect:
    """What one data statement did on the seeded scratch database."""

    statement: StatementInfo
    affected: int | None  # the server's count of affected rows (None for compound statements)
    delta: dict[str, int] = field(default_factory=dict)  # table -> rows added (or removed)

    def line(self) -> str:
        parts = []
        if self.affected is not None:
            parts.append(f"{self.affected} row(s) affected")
        parts += [f"{t}: {n:+d} row(s)" for t, n in sorted(self.delta.items()) if n]
        return f"{self.statement.where}: {self.statement.excerpt(60)} -> " + (", ".join(parts) or "no row")


@dataclass
class ScriptAccount:
    """What ``revision --sql`` did, for its short report."""

    kept: int = 0  # statements kept as written
    renames: tuple[tuple[str, str | None, str, str], ...] = ()
    effects: list[DataEffect] = field(default_factory=list)
    downgrade: str = "generated"  # down-sql | undo section | generated
    notes: list[str] = field(default_factory=list)
    irreversible: list[StatementInfo] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"statements kept as written: {self.kept}"]
        if self.renames:
            out.append("renames recognised: " + ", ".join(
                f"{k} {(t + '.') if t else ''}{o} -> {n}" for k, t, o, n in self.renames))
        else:
            out.append("renames recognised: none")
        if self.effects:
            out.append(f"data statements on the seeded scratch database ({SEED_ROWS} rows per table):")
            out += ["  " + e.line() for e in self.effects]
        out.append(f"downgrade: {self.downgrade}")
        out += [f"note: {n}" for n in self.notes]
        for st in self.irreversible:
            out.append(f"DS108 error: {st.where}: the downgrade cannot undo this data statement "
                       f"({st.excerpt(60)}); give --down-sql, or approve with --accept DS108")
        return out


def _read_scripts(paths: Sequence[str | Path]) -> list[LegacyScript]:
    scripts = []
    for p in paths:
        if not Path(p).is_file():
            raise InputError(f"{p}: no such script")
        script = read_script(p)
        if script.problems:
            raise InputError(f"{script.name}: " + "; ".join(script.problems))
        scripts.append(script)
    return scripts


def _infos(scripts: Sequence[LegacyScript]) -> list[StatementInfo]:
    return [classify(sql, file=s.name, line=st.line) for s in scripts
            for st, sql in zip(s.statements, s.sql, strict=True)]


def _rows(conn: pymysql.connections.Connection, tables: Sequence[str]) -> dict[str, list[str]]:
    """Every row of ``tables`` (those that exist), as sorted text, to compare two moments."""
    out: dict[str, list[str]] = {}
    with conn.cursor() as cur:
        for name in tables:
            try:
                cur.execute(f"SELECT * FROM {quote_ident(name)}")
            except pymysql.MySQLError:
                continue  # not there (yet, or any more)
            out[name] = sorted(repr(tuple(str(v) if v is not None else None for v in r))
                               for r in cur.fetchall())
    return out


def _count(cur: pymysql.cursors.Cursor, table: str) -> int | None:
    try:
        cur.execute(f"SELECT COUNT(*) FROM {quote_ident(table)}")
        return int(cur.fetchone()[0])
    except pymysql.MySQLError:
        return None


def _run(conn: pymysql.connections.Connection, steps: Sequence[tuple[StatementInfo | None, str]],
         effects: list[DataEffect] | None = None) -> None:
    """Run the statements on ``conn`` one by one, as the revision will; a failure raises
    :class:`ScriptFailed` with ``file:line`` and the server's error."""
    with conn.cursor() as cur:
        for info, sql in steps:
            counts: dict[str, int | None] = {}
            if effects is not None and info is not None and info.kind == "data":
                counts = {t: _count(cur, t) for t in info.writes}
            try:
                cur.execute(sql)
                affected = cur.rowcount
                while cur.nextset():
                    pass
            except pymysql.MySQLError as exc:
                code = exc.args[0] if exc.args else "?"
                where = info.where if info is not None else None
                what = info.excerpt(100) if info is not None else " ".join(sql.split())[:100]
                raise ScriptFailed(f"ERROR {code}: {exc.args[-1]}; in: {what}", location=where) from None
            if effects is not None and info is not None and info.kind == "data":
                first = info.sql.lstrip().split(None, 1)[0].upper()
                delta = {}
                for t, n in counts.items():
                    m = _count(cur, t)
                    if n is not None and m is not None:
                        delta[t] = m - n
                    elif m is not None:
                        delta[t] = m
                simple = first in ("INSERT", "REPLACE", "UPDATE", "DELETE")
                effects.append(DataEffect(info, affected if simple and affected >= 0 else None, delta))
    conn.commit()


def _load(ws: Workspace, source: Schema, seed_tables: Sequence[str],
          pooled: str | None = None) -> dict[str, list[str]]:
    """The scratch database anew: ``source`` loaded, the tables seeded; their rows.
    ``pooled`` (``source``'s fingerprint, on a new workspace): a database the warm server
    kept at that state is taken, its rows cleared, once it reads back as ``source``."""
    from .seed import seed, with_parents

    if pooled is None:
        reset_database(ws, source)
    elif ws.load_schema(source, fingerprint=pooled):
        back = ws.introspect(self_check=False, data_tables=[d.table for d in source.data]).schema
        if fingerprint(back) != pooled:  # changed since: load it anew
            reset_database(ws, source)
    if not seed_tables:
        return {}
    conn = ws.connect(ws.database)
    try:
        seed(conn, source, rows=SEED_ROWS, tables=seed_tables)
        conn.commit()
        return _rows(conn, sorted(with_parents(source, seed_tables) | _tracked_rows(source)))
    finally:
        conn.close()


def _tracked_rows(source: Schema) -> set[str]:
    names = {d.table for d in source.data}
    if source.table("SchemaStatus") is not None:
        names.add("SchemaStatus")
    return names


def _steps_of(scripts: Sequence[LegacyScript],
              infos: Sequence[StatementInfo]) -> list[tuple[StatementInfo | None, str]]:
    """The upgrade as it will run: each script's steps, its statements matched to their
    information."""
    out: list[tuple[StatementInfo | None, str]] = []
    it = iter(infos)
    for s in scripts:
        for step in upgrade_steps(s, ""):
            out.append((next(it) if step.phase.startswith("script ") else None, step.sql))
    return out


def revision_from_sql(rdir: RevisionDir, sql_files: Sequence[str | Path], *, message: str,
                      rev_id: str | None = None, branch: str | None = None,
                      server: str | None = None, source: Schema | None = None,
                      check: bool = True, down_sql: Sequence[str | Path] = (),
                      account: ScriptAccount | None = None) -> RevisionInfo:
    """Write the revision of a developer's script (see the module's documentation).

    ``check=False`` (``--no-check``) runs the script on the head state without seeding
    rows and proves no downgrade.  ``account`` receives what was done."""
    account = account if account is not None else ScriptAccount()
    scripts = _read_scripts(sql_files)
    downs = _read_scripts(down_sql) if down_sql else []
    head, source = rdir.start(branch, source, rev_id)
    infos = _infos(scripts)
    account.kept = len(infos)
    account.renames = renames = stated_renames([i.sql for i in infos])
    options = DiffOptions(renames=renames)
    existing = {t.name for t in source.tables}
    reference = set(reference_tables(rdir.path, source))
    created = {t for i in infos if i.kind == "schema" for t in _created(i.sql)}
    # a table the script creates and fills with literal rows holds reference data
    filled = {w for i in infos if i.kind == "data" and not i.selects
              and i.sql.lstrip()[:6].upper() in ("INSERT", "REPLAC") for w in i.writes if w in created}
    data_tables = sorted(reference | filled)
    untouchable = reference | _tracked_rows(source)
    touched = sorted({n for i in infos for n in (*i.writes, *i.reads) if n in existing} - untouchable) \
        if check else []
    untracked = sorted({w for i in infos if i.kind == "data" for w in i.writes
                        if w in existing and w not in untouchable})
    steps = _steps_of(scripts, infos)
    undo = None if downs else _undo(scripts)
    lost = irreversible(infos, existing, reference)
    # the short path: a script without data statements, read offline as MariaDB would run it
    target = _offline_target(sql_files, source, data_tables) \
        if server is None and not downs and undo is None and all(i.kind != "data" for i in infos) else None
    if target is not None:
        if not diff(source, target):
            raise InputError(f"{', '.join(map(str, sql_files))}: the script changes nothing in the schema")
        down = downgrade_steps(scripts, source, target, {}, options, "")
        account.downgrade = "generated from the two states" + (
            f", {len(renames)} stated rename(s) renamed back" if renames else "")
        account.notes.append("no data statement: the script was read offline, as MariaDB runs it "
                             "(no server started); verify runs the revision on one")
    else:
        source_fp = fingerprint(source)
        with open_workspace(server, pool=source_fp) as ws:
            before_rows = _load(ws, source, touched, pooled=source_fp)
            before_values = read_rows(ws, source, untracked)
            _apply(ws, steps, account.effects)
            target = ws.introspect(data_tables=data_tables).schema
            if not diff(source, target):
                raise InputError(f"{', '.join(map(str, sql_files))}: the script changes nothing in the schema")
            inserted = inserted_rows(before_values, read_rows(ws, target, untracked))
            if touched and any(i.kind == "data" and i.selects and set(i.writes) & set(data_tables) for i in infos):
                # reference rows copied from other rows: the state is that of the rows as they are
                _load(ws, source, [])
                _apply(ws, steps)
                target = ws.introspect(data_tables=data_tables).schema
                _load(ws, source, touched)
                _apply(ws, steps)
            generated = downgrade_steps(scripts, source, target, inserted, options, "")
            down = generated
            if downs:
                down = [Step("down-sql", i.sql) for i in _infos(downs)]
                if check:
                    problem = _prove(ws, down, source, before_rows)
                    if problem:
                        raise InputError(f"--down-sql {', '.join(map(str, down_sql))}: it does not return to "
                                         f"the head state: {problem}")
                account.downgrade = "--down-sql" + (", proven on the seeded rows" if check else ", not proven")
                lost = []
            elif undo is not None:
                candidate = [Step("undo section", i.sql) for i in undo]
                if not any(w.lower() == "schemastatus" for i in undo for w in i.writes):
                    candidate += bookkeeping_undo(scripts, target, "")
                problem = _prove(ws, candidate, source, before_rows) if check else "not proven (--no-check)"
                if problem is None:
                    down, lost = candidate, []
                    account.downgrade = f"the undo section at {undo[0].where}, proven on the seeded rows"
                else:
                    account.notes.append(f"the undo section at {undo[0].where} is not used: {problem}")
                    _load(ws, source, touched)
                    _apply(ws, steps)
            if down is generated:
                account.downgrade = "generated from the two states" + (
                    f", {len(renames)} stated rename(s) renamed back" if renames else "")
                if check:
                    problem = _prove(ws, generated, source, None)
                    if problem:
                        raise InputError(f"the generated downgrade does not return to the head state: {problem}")
                    # back at the head state: a warm server keeps the database for the next
                    # command that loads it (verify of the new revision)
                    ws.keep = True
    account.irreversible = lost
    extra = {"script_files": tuple(s.name for s in scripts),
             # tables it creates and fills with literal rows: their rows belong to the schema
             "reference_data": tuple(sorted(filled)),
             "script_renames": renames,
             # tables outside the reference tables whose rows the script writes on purpose
             "script_writes": tuple(sorted({w for i in infos if i.kind in ("data", "bookkeeping")
                                            for w in i.writes if w not in data_tables})),
             "irreversible_data": tuple((st.where, st.excerpt(200)) for st in lost)}
    up: list[Step] = [step for s in scripts for step in upgrade_steps(s, "")]
    return write_revision(rdir, source=source, target=target, expected=target, message=message,
                          policy="script", rev_id=rev_id, branch=branch if head is None else None,
                          down_revision=head, upgrade=up, downgrade=down, extra=extra)


def _offline_target(paths: Sequence[str | Path], source: Schema, data_tables: Sequence[str]) -> Schema | None:
    """The state the scripts give on ``source``, read offline; None when the offline reader
    says it cannot reproduce them exactly (the server path is taken then)."""
    from ..offline.reader import read_offline

    try:
        result = read_offline(list(paths), base=source, data_tables=data_tables)
    except SqlError as exc:
        if "not supported offline" in str(exc) or "cannot be reproduced offline" in str(exc):
            return None
        raise
    return None if result.partial or result.missing_views else result.schema


def _undo(scripts: Sequence[LegacyScript]) -> list[StatementInfo] | None:
    """The scripts' undo sections, last script first; None unless every script has one."""
    out: list[StatementInfo] = []
    for s in reversed(scripts):
        section = undo_section(s.path)
        if not section:
            return None
        out += section
    return out


def _apply(ws: Workspace, steps: Sequence[tuple[StatementInfo | None, str]],
           effects: list[DataEffect] | None = None) -> None:
    conn = ws.connect(ws.database)
    try:
        _run(conn, steps, effects)
    finally:
        conn.close()


def _created(sql: str) -> list[str]:
    from ..dialect.lexer import name_at, tokenize

    tokens = tokenize(sql, lenient=True)
    if len(tokens) < 3 or not tokens[0].is_kw("CREATE"):
        return []
    i = 1
    while i < len(tokens) and tokens[i].is_kw("OR", "REPLACE", "TEMPORARY"):
        i += 1
    if i >= len(tokens) or not tokens[i].is_kw("TABLE"):
        return []
    i += 1
    if i + 2 < len(tokens) and tokens[i].is_kw("IF") and tokens[i + 1].is_kw("NOT"):
        i += 3
    name, _ = name_at(tokens, i)
    return [name] if name else []


def _prove(ws: Workspace, conn_steps: Sequence[Step], source: Schema,
           before_rows: dict[str, list[str]] | None) -> str | None:
    """Run a downgrade on the upgraded scratch database; why it does not return to
    ``source`` (and, with ``before_rows``, to those rows), or None when it does."""
    from .apply import StepFailed, apply_steps

    conn = ws.connect(ws.database)
    try:
        try:
            apply_steps(conn, conn_steps)
            conn.commit()
        except StepFailed as exc:
            return str(exc)
        back = ws.introspect(data_tables=sorted({d.table for d in source.data})).schema
        residual = diff(back, source)
        if residual:
            first = residual[0]
            return (f"{len(residual)} difference(s) from the head state remain, first: "
                    f"{first.action} {first.kind} {first.path}")
        if before_rows is not None:
            now = _rows(conn, sorted(before_rows))
            changed = sorted(t for t in before_rows if now.get(t) != before_rows[t])
            if changed:
                return f"the rows of {', '.join(changed[:5])} differ from the seeded rows"
        return None
    finally:
        conn.close()
