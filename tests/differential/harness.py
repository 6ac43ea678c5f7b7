"""The differential harness: a schema A and a mutation of it, B, both made by the server
from generated SQL, and the properties the tool must keep on them.

1. ``snapshot(render(snapshot(A))) == snapshot(A)``: the rendered DDL recreates A exactly;
2. the offline read of ``render(snapshot(A))`` equals the server's snapshot of A;
3. the revision A -> B (the statements a generated revision runs), applied on A holding
   seeded rows, gives ``SHOW CREATE`` texts equal to B's, and its downgrade gives A's,
   with the seeded rows kept in every column that survives both ways;
4. ``diff(A, B)`` is empty exactly when the server's texts of A and B are equal.

The oracle is the server's own text (``SHOW CREATE``), not the model.  The
normalisations applied before comparing texts are listed in :data:`NORMALISED`: each is a
difference the tool does not claim to reproduce, with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pymysql

from schema_tools.diff.compare import diff, reverse_changes
from schema_tools.model.snapshot import Snapshot
from schema_tools.model.order import reproducible
from schema_tools.offline.reader import read_offline
from schema_tools.dialect.ddl import quote_ident, render_schema
from schema_tools.migrate.plan import plan
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.migrate.apply import StepFailed, apply_steps
from schema_tools.migrate.seed import checksums, seed, surviving_columns

REGRESSIONS = Path(__file__).resolve().parent / "regressions"

# differences in SHOW CREATE texts that the comparison leaves out, and why
NORMALISED = {
    "AUTO_INCREMENT=N": "the next auto-increment value is state, not definition (seeded rows move it)",
    "offline reads as the client": "the offline reader reproduces the mariadb client with its default "
                                   "options, which drops comments inside routine bodies: it is compared "
                                   "with the rendered DDL loaded that way; an offline gap it reports "
                                   "(\"not supported offline\", or a view it \"cannot reproduce offline\", such "
                                   "as a view over a view) is counted, not failed",
    "trigger headers": "the server keeps a trigger's CREATE line as written, less its FOLLOWS or "
                       "PRECEDES clause, and rewrites its ON clause when the table is renamed; "
                       "the tool writes it in its own spelling: triggers are compared as "
                       "information_schema gives them",
}


def _normal(text: str) -> str:
    return re.sub(r" AUTO_INCREMENT=\d+", "", text)


# the definers the grammar names besides the loading account
_DEFINER_ACCOUNTS = (("bob", "%"), ("we'ird", "10.0.0.%"))


def _account_exists(cur, user: str, host: str) -> bool:
    cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s", (user, host))
    return bool(cur.fetchone()[0])


@dataclass
class Outcome:
    """What one pair showed: the properties that failed, each with its evidence."""

    failures: list[str] = field(default_factory=list)
    loaded: bool = True  # False: the server refused A or B (the pair is not a case)
    changes: int = 0

    def fail(self, prop: str, detail: str) -> None:
        self.failures.append(f"{prop}: {detail}")


class Harness:
    """Three scratch databases on one server: A, B, and a work database."""

    def __init__(self, server) -> None:
        self.server = server
        self.dbs = {k: server.create_database() for k in ("a", "b", "w")}
        self.conns = {k: server.connect(db, client_flag=MULTI_STATEMENTS) for k, db in self.dbs.items()}
        with self.conns["w"].cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            self.account = cur.fetchone()[0]
            cur.execute("SELECT @@GLOBAL.sql_mode")
            self.sql_mode = cur.fetchone()[0]
            # the definers the grammar names exist, as on a site that uses them (a trigger
            # whose definer is missing fails every insert into its table)
            self.accounts = [(u, h) for u, h in _DEFINER_ACCOUNTS if not _account_exists(cur, u, h)]
            for user, host in self.accounts:
                cur.execute("CREATE USER %s@%s", (user, host))
                cur.execute("GRANT ALL PRIVILEGES ON *.* TO %s@%s", (user, host))
        self.stats = {"pairs": 0, "refused": 0, "changes": 0, "failed": 0}
        self.gaps: Counter[str] = Counter()  # what the offline reader says it cannot reproduce

    def close(self) -> None:
        with self.conns["w"].cursor() as cur:  # the server as it was: no account of ours left
            for user, host in self.accounts:
                cur.execute("DROP USER IF EXISTS %s@%s", (user, host))
        for k, conn in self.conns.items():
            conn.close()
            self.server.drop_database(self.dbs[k])

    # -- the server ------------------------------------------------------------------------

    def _reset(self, key: str) -> None:
        db = self.dbs[key]
        with self.conns[key].cursor() as cur:
            cur.execute(f"DROP DATABASE {quote_ident(db)}")
            cur.execute(f"CREATE DATABASE {quote_ident(db)}")
            cur.execute(f"USE {quote_ident(db)}")
            cur.execute("SET SESSION foreign_key_checks = 1")

    def _run(self, key: str, statements: list[str]) -> str | None:
        """Run ``statements``; the server's error, or None."""
        self._reset(key)
        with self.conns[key].cursor() as cur:
            for sql in statements:
                try:
                    cur.execute(sql)
                    while cur.nextset():
                        pass
                except pymysql.MySQLError as exc:
                    return f"{exc.args[0]}: {exc.args[-1]}"
        return None

    def _views_work(self, key: str) -> bool:
        with self.conns[key].cursor() as cur:
            cur.execute("SHOW FULL TABLES WHERE Table_type = 'VIEW'")
            for (name, _) in cur.fetchall():
                try:
                    cur.execute(f"SELECT * FROM {quote_ident(name)} LIMIT 0")
                except pymysql.MySQLError:
                    return False
        return True

    def _load_text(self, key: str, text: str, *, as_client: bool = False) -> str | None:
        """Load rendered DDL as the tool does (``execute_text``: each statement exactly as
        written), or as the client does by default (what the offline reader reproduces)."""
        import contextlib

        from schema_tools.sources.loader import execute_text, run_client

        self._reset(key)
        try:
            if as_client:
                run_client(text, client=self.server.client_command(), env=None, database=self.dbs[key],
                           source="<rendered>", original=text)
            else:
                with contextlib.closing(self.server.connect(self.dbs[key])) as conn:
                    execute_text(conn, text, source="<rendered>")
        except Exception as exc:  # noqa: BLE001 - reported as the property's failure
            return str(exc)
        return None

    def _snapshot(self, key: str):
        return introspect(self.conns[key], self.dbs[key], self_check=False, loader_account=self.account).schema

    def _texts(self, key: str) -> dict[str, str]:
        """SHOW CREATE of every table and view, and of the routines and triggers."""
        out = {}
        conn = self.conns[key]
        db = self.dbs[key]
        with conn.cursor() as cur:
            cur.execute("SHOW FULL TABLES")
            for name, kind in cur.fetchall():
                what = "VIEW" if kind == "VIEW" else "TABLE"
                cur.execute(f"SHOW CREATE {what} {quote_ident(name)}")
                text = cur.fetchone()[1]
                out[f"{what.lower()} {name}"] = _normal(text.replace(quote_ident(db) + ".", ""))
            for kind in ("PROCEDURE", "FUNCTION"):
                cur.execute(f"SHOW {kind} STATUS WHERE Db = %s", (db,))
                for row in cur.fetchall():
                    cur.execute(f"SHOW CREATE {kind} {quote_ident(row[1])}")
                    out[f"{kind.lower()} {row[1]}"] = cur.fetchone()[2]
            cur.execute("SELECT TRIGGER_NAME, ACTION_ORDER, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, "
                        "ACTION_TIMING, ACTION_STATEMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, "
                        "COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.TRIGGERS "
                        "WHERE TRIGGER_SCHEMA = %s", (db,))
            for row in cur.fetchall():
                out[f"trigger {row[0]}"] = repr(row)
            cur.execute("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s", (db,))
            for (name,) in cur.fetchall():
                cur.execute(f"SHOW CREATE EVENT {quote_ident(name)}")
                out[f"event {name}"] = cur.fetchone()[3]
        return out

    # -- the properties --------------------------------------------------------------------

    def check(self, a_sql: list[str], b_sql: list[str]) -> Outcome:
        out = Outcome()
        self.stats["pairs"] += 1
        if self._run("a", a_sql) or self._run("b", a_sql):
            out.loaded = False
            self.stats["refused"] += 1
            return out
        # B: A and the mutations the server accepts (a refused one is left out)
        with self.conns["b"].cursor() as cur:
            for sql in b_sql[len(a_sql):]:
                try:
                    cur.execute(sql)
                    while cur.nextset():
                        pass
                except pymysql.MySQLError:
                    continue
        if not (self._views_work("a") and self._views_work("b")):
            out.loaded = False  # a view over a column that is gone: no schema can hold it
            self.stats["refused"] += 1
            return out
        sa, sb = self._snapshot("a"), self._snapshot("b")
        if not all(reproducible(t) for t in sa.tables + sb.tables):
            # an index order no CREATE TABLE gives (the self-check reports the table)
            out.loaded = False
            self.stats["refused"] += 1
            self.stats["unreproducible-order"] = self.stats.get("unreproducible-order", 0) + 1
            return out
        ta, tb = self._texts("a"), self._texts("b")
        # 1. render -> load -> snapshot is a fixpoint
        text = render_schema(sa)
        error = self._load_text("w", text)
        if error:
            out.fail("round trip", f"the rendered DDL does not load: {error}")
        else:
            again = self._snapshot("w")
            residual = diff(sa, again)
            if residual or Snapshot(again).fingerprint != Snapshot(sa).fingerprint:
                out.fail("round trip", f"{len(residual)} difference(s), first: "
                         + (_line(residual[0]) if residual else "fingerprints differ"))
            elif self._texts("w") != ta:
                out.fail("round trip", "SHOW CREATE differs: " + _first_difference(ta, self._texts("w")))
        # 2. offline read of the rendered DDL equals the server's snapshot of the same
        # file loaded by the mariadb client
        try:
            import tempfile

            with tempfile.NamedTemporaryFile("w", suffix=".sql", encoding="utf-8") as fh:
                # the offline reader starts from the server's global sql_mode, as a client does
                fh.write(f"SET sql_mode = '{self.sql_mode}';\n" + text)
                fh.flush()
                offline = read_offline([fh.name], data_tables=()).schema
        except Exception as exc:  # noqa: BLE001 - a refusal is sorted by its message below
            if "not supported offline" in str(exc) or "cannot be reproduced offline" in str(exc):
                self.stats["offline-gaps"] = self.stats.get("offline-gaps", 0) + 1
                self.gaps[re.sub(r"^[^:]*:\d+: ", "", str(exc))[:100]] += 1
            else:
                out.fail("offline", f"the offline reader refuses the rendered DDL: {exc}")
        else:
            error = self._load_text("w", text, as_client=True)
            by_client = self._snapshot("w") if error is None else sa
            residual = diff(by_client, offline)
            if residual or Snapshot(offline).fingerprint != Snapshot(by_client).fingerprint:
                out.fail("offline", f"{len(residual)} difference(s), first: "
                         + (_line(residual[0]) if residual else "fingerprints differ"))
        # 4. the diff is empty exactly when the texts are equal
        changes = diff(sa, sb)
        out.changes = len(changes)
        self.stats["changes"] += bool(changes)
        if bool(changes) != (ta != tb):
            out.fail("diff", f"{len(changes)} change(s) but the texts are "
                     + ("equal" if ta == tb else "different: " + _first_difference(ta, tb)))
        # 3. the revision's statements, up and down, on seeded rows
        up = plan(changes, sa, sb)
        down = plan(reverse_changes(changes), sb, sa)
        refused = self._up_and_down(out, text, sa, sb, ta, tb, up, down, rows=4)
        if refused:
            # the seeded rows do not fit (a new unique key over equal values, a column
            # dropped and added back under a unique key...): a real server refuses them
            # too; the statements are checked on empty tables
            self.stats["data-refused"] = self.stats.get("data-refused", 0) + 1
            self._up_and_down(out, text, sa, sb, ta, tb, up, down, rows=0)
        return self._done(out)

    def _up_and_down(self, out: Outcome, text, sa, sb, ta, tb, up, down, *, rows: int) -> bool:
        """Upgrade then downgrade the work database loaded with A (and ``rows`` seeded rows
        a table); True when the rows made a statement fail."""
        if self._load_text("w", text) is not None:
            return False  # reported by the round trip
        conn = self.conns["w"]
        keep: dict = {}
        before: dict = {}
        if rows:
            seed(conn, sa, rows=rows)
            there = {x.name for x in sb.tables}
            back = surviving_columns(sb, sa)
            keep = {t: [c for c in cols if c in back.get(t, [])]
                    for t, cols in surviving_columns(sa, sb).items() if t in there}
            before = checksums(conn, sa, keep)
        for direction, steps, expected, name in (("upgrade", up, tb, "B"), ("downgrade", down, ta, "A")):
            try:
                apply_steps(conn, steps)
            except StepFailed as exc:
                if rows and _DATA_ERROR.search(exc.error):
                    return True
                out.fail(direction, str(exc))
                return False
            now = self._texts("w")
            if now != expected:
                out.fail(direction, f"SHOW CREATE differs from {name}: " + _first_difference(expected, now))
        if rows:
            after = checksums(conn, sa, keep)
            if after != before:
                lost = sorted(t for t in before if after.get(t) != before[t])
                out.fail("rows", f"seeded rows changed in {', '.join(lost)}")
        return False

    def _done(self, out: Outcome) -> Outcome:
        self.stats["failed"] += bool(out.failures)
        return out


# errors that say the rows do not fit the new definition, not that a statement is wrong
_DATA_ERROR = re.compile(r"ERROR (1062|1264|1265|1292|1366|1452|1451|1048|1138|4025|1406|1263|3819|1918|1690):")


def _line(change) -> str:
    from schema_tools.render.change_lines import change_line

    return change_line(change)


def _first_difference(a: dict[str, str], b: dict[str, str]) -> str:
    for key in sorted(a.keys() | b.keys()):
        if a.get(key) != b.get(key):
            x, y = (a.get(key) or "(none)").splitlines(), (b.get(key) or "(none)").splitlines()
            for i in range(max(len(x), len(y))):
                lx = x[i] if i < len(x) else "(end)"
                ly = y[i] if i < len(y) else "(end)"
                if lx != ly:
                    return f"{key}, line {i + 1}: {lx.strip()!r} vs {ly.strip()!r}"
            return key
    return "(none)"


def save_regression(a_sql: list[str], b_sql: list[str], failures: list[str], setup: str = "debian") -> Path:
    """Write a shrunk failing pair as a regression fixture (replayed by the tests on the
    same server set-up: ``debian`` or ``upstream``)."""
    REGRESSIONS.mkdir(exist_ok=True)
    body = {"a": a_sql, "b": b_sql, "failures": failures, "setup": setup}
    key = hashlib.sha256(json.dumps([a_sql, b_sql]).encode()).hexdigest()[:12]
    path = REGRESSIONS / f"{key}.json"
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
