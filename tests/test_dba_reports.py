"""What a DBA reads, on a real server: pt-online-schema-change's leftovers named as such by
identify and drift (with what resolves them), names holding newlines kept on one report line
everywhere, the plan's row counts for risky steps, and the plan of an online upgrade (route,
stall, estimate per statement)."""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil

import pytest

from schema_tools.dba.upgrade_statements import _digest
from schema_tools.online.progress import ProgressLog, tracked
from schema_tools.migrate.commands import generate
from schema_tools.migrate.from_sql import revision_from_sql
from schema_tools.migrate.revision import RevisionDir
from schema_tools.online.plan import revision_statements
from schema_tools.online.resume import OnlineStep, trigger_names
from schema_tools.online.statements import parse_table_ddl
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.loader import load_text
from schema_tools.sources.resolve import snapshot_from_url
from schema_tools.migrate.seed import seed

from .conftest import _missing
from .test_dba import _common, _run, chain, site_db  # noqa: F401 - fixtures, used as arguments
from .test_online import BASE_SQL as DC_SQL
from .test_online import load_rows
from .test_verify import BASE_SQL, _snapshot

pytestmark = pytest.mark.server


def _sql(server, db, *statements):
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        for s in statements:
            cur.execute(s)
        conn.commit()


def _versions(server, db) -> list[str]:
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("SELECT version_num FROM alembic_version")
        return [r[0] for r in cur.fetchall()]


# ---------------------------------------------------------------------------------------
# pt-online-schema-change's leftovers


def _fake_ptosc_leftovers(server, db, table):
    """What pt-osc leaves when it stops during the copy: ``_<table>_new`` and its triggers."""
    triggers = trigger_names(db, table)
    _sql(server, db, f"CREATE TABLE `_{table}_new` LIKE `{table}`",
         *[f"CREATE TRIGGER `{name}` AFTER {event} ON `{table}` FOR EACH ROW SET @pt_osc = 1"
           for name, event in zip(triggers, ("DELETE", "UPDATE", "INSERT"), strict=True)])
    return triggers


def test_identify_and_drift_name_ptosc_leftovers_and_what_resolves_them(
        server, chain, site_db):  # noqa: F811 - the chain and site_db fixtures from test_dba
    rdir, _, (r1, r2) = chain
    url_dir = _common(server, site_db, rdir)
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    # not recorded (pt-osc run by hand on Proposal): named, with the statements that drop them
    triggers = _fake_ptosc_leftovers(server, site_db, "Proposal")
    code, out = _run("identify", *url_dir)
    assert code == 1, out
    assert "schema: base (before " in out, "the leftovers are set apart, not identified"
    assert "pt-online-schema-change leftovers (4), not part of the schema identified above:" in out
    assert f"DROP TABLE `{site_db}`.`_Proposal_new`;" in out
    assert all(f"DROP TRIGGER `{site_db}`.`{t}`;" in out for t in triggers), out
    code, out = _run("drift", *url_dir)
    assert code == 1, out
    assert "no drift besides what pt-online-schema-change left" in out and "_Proposal_new" in out
    assert "+ table" not in out and "+ trigger" not in out, "not reported as differences"
    # the upgrade, which cannot tell them from drift without a record, refuses and says where to look
    code, out = _run("upgrade", *url_dir, "--dry-run", "--allow-unreviewed")
    assert code == 2 and "drifted" in out, out
    assert "it names 4 of them as pt-online-schema-change leftovers that no upgrade recorded" in out
    # anything else is drift still, listed apart from them
    _sql(server, site_db, "ALTER TABLE `BLSession` ADD COLUMN `handmade` int")
    code, out = _run("drift", *url_dir)
    assert code == 1 and "drift from the recorded state of base: 1 difference(s)" in out, out
    assert "handmade" in out and "besides what pt-online-schema-change left" in out
    _sql(server, site_db, "ALTER TABLE `BLSession` DROP COLUMN `handmade`", "DROP TABLE `_Proposal_new`",
         *[f"DROP TRIGGER `{t}`" for t in triggers])

    # recorded: the online step of r1's first statement, interrupted during the copy
    first = next(s for s in revision_statements(rdir, r1.rev_id, "upgrade", "base") if tracked(s))
    table = parse_table_ddl(first).table
    with contextlib.closing(server.connect(site_db)) as conn:
        with conn.cursor() as cur:
            cur.execute(f"SHOW CREATE TABLE `{table}`")
            create = cur.fetchone()[1]
        conn.autocommit(True)
        log = ProgressLog(conn)
        log.mark(r1.rev_id, "upgrade", 1, _digest(first), "running", first)
        step = OnlineStep.planned(site_db, table, [], create).at("copying", pid=None)
        log.mark_online(r1.rev_id, "upgrade", 1, step.to_json())
    _fake_ptosc_leftovers(server, site_db, table)
    code, out = _run("identify", *url_dir)
    assert code == 1 and "schema: base (before " in out, out
    assert (f"statement 1 of {r1.rev_id} (online change of {table}), interrupted (recorded phase: copying): "
            f"{table} is unchanged; pt-osc left _{table}_new") in out
    command = f"schema-tools upgrade --url {shlex.quote(server.url(site_db))} --dir {shlex.quote(str(rdir.path))}"
    assert f"to resolve: `{command}` drops them " \
           f"first thing (no --force), then runs the statement again" in out
    code, out = _run("drift", *url_dir)
    assert code == 1 and "no drift besides" in out and f"statement 1 of {r1.rev_id}" in out, out
    # the command given resolves them
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert f"dropped the table _{table}_new left by the interrupted online change" in out
    assert _versions(server, site_db) == [r2.rev_id]
    code, out = _run("drift", *url_dir)
    assert code == 0 and "no drift:" in out and "leftovers" not in out, out


# ---------------------------------------------------------------------------------------
# names holding a newline: one report line each


ODD_SQL = ("CREATE TABLE `Odd\nTable` (`id` int NOT NULL, `c\nx` int DEFAULT NULL, `keep` int DEFAULT NULL, "
           "PRIMARY KEY (`id`), KEY `i\nx` (`c\nx`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
           "COLLATE=utf8mb4_general_ci;\n")
DROP_ODD = "ALTER TABLE `Odd\nTable` DROP INDEX `i\nx`, DROP COLUMN `c\nx`;\n"


def _no_raw_names(out: str) -> None:
    """Every line of ``out`` is whole: no line starts with the second half of a name."""
    for line in out.splitlines():
        assert not line.startswith(("Table", "x`", "x ", "x:", "x,", "x)")), (line, out)
    assert "Odd\nTable" not in out and "c\nx" not in out and "i\nx" not in out, out


def test_names_with_a_newline_stay_on_one_line_in_every_report(server, scratch_db, tmp_path):
    base = _snapshot(server, tmp_path, "base", BASE_SQL + ODD_SQL)
    after = _snapshot(server, tmp_path, "after", BASE_SQL + ODD_SQL + DROP_ODD)
    rdir = RevisionDir(tmp_path / "revisions")
    rev = generate(rdir, source=base.schema, target=after.schema, message="Odd table: drop c", server=server.url())
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    _sql(server, scratch_db, "INSERT INTO `Odd\nTable` VALUES (1, 10, 1), (2, NULL, 2)")
    url, url_dir = server.url(scratch_db), _common(server, scratch_db, rdir)

    code, out = _run("snapshot", url, "-o", str(tmp_path / "live.json"))
    assert code == 0, out
    _no_raw_names(out)
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    # drift and identify: a change by hand on the odd table, and a leftover named after it
    _sql(server, scratch_db, "ALTER TABLE `Odd\nTable` ADD COLUMN `new\ncol` int",
         "CREATE TABLE `_Odd\nTable_new` LIKE `Odd\nTable`")
    code, out = _run("drift", *url_dir)
    assert code == 1, out
    _no_raw_names(out)
    assert "`Odd\\x0aTable`.`new\\x0acol`" in out or "Odd\\x0aTable.new\\x0acol" in out, out
    assert "DROP TABLE `" + scratch_db + "`.`_Odd\\x0aTable_new`;" in out
    code, out = _run("identify", *url_dir)
    assert code == 1 and "_Odd\\x0aTable_new" in out, out
    _no_raw_names(out)
    # upgrade: the refusal lists the difference on one line; the plan, the lint findings, the run
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 2 and "drifted" in out, out
    _no_raw_names(out)
    _sql(server, scratch_db, "ALTER TABLE `Odd\nTable` DROP COLUMN `new\ncol`", "DROP TABLE `_Odd\nTable_new`")
    code, out = _run("upgrade", *url_dir, "--plan", "--allow-unreviewed")
    assert code == 0, out
    _no_raw_names(out)
    assert "Odd\\x0aTable (~" in out, "the tables of the plan"
    assert "drops the values of Odd\\x0aTable.c\\x0ax, holding 1 row with a non-NULL value now" in out
    assert "ALTER TABLE `Odd\\x0aTable` DROP" in out, "the statement, on one line"
    # a statement that fails: the server's error names the column, on the error's one line
    text = rev.path.read_text().splitlines()
    end = text.index("def downgrade() -> None:")  # after upgrade()'s last statement
    text.insert(end - 2, "    run_sql('ALTER TABLE `Odd\\nTable` DROP COLUMN `c\\nx`')")
    rev.path.write_text("\n".join(text) + "\n")
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 1, out
    errors = [line for line in out.splitlines() if line.startswith("schema-tools: error:")]
    assert len(errors) == 1 and "c\\x0ax" in errors[0] and "statement 2" in errors[0], out
    _no_raw_names(out)


# ---------------------------------------------------------------------------------------
# the plan counts the rows its risky steps touch


def test_the_plan_counts_the_values_a_dropped_column_holds(server, scratch_db, tmp_path):
    base = _snapshot(server, tmp_path, "base", BASE_SQL)
    one = _snapshot(server, tmp_path, "one", BASE_SQL + "ALTER TABLE `BLSession` DROP COLUMN `comments`;")
    two = _snapshot(server, tmp_path, "two", BASE_SQL + "ALTER TABLE `BLSession` DROP COLUMN `comments`;"
                    "ALTER TABLE `BLSession` DROP COLUMN `startDate`;")
    rdir = RevisionDir(tmp_path / "revisions")
    r1 = generate(rdir, source=base.schema, target=one.schema, message="drop comments", server=server.url())
    r2 = generate(rdir, target=two.schema, message="drop startDate", server=server.url())
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    with contextlib.closing(server.connect(scratch_db)) as conn:
        seed(conn, base.schema, rows=7)
        with conn.cursor() as cur:
            cur.execute("UPDATE `BLSession` SET `comments` = NULL ORDER BY `sessionId` LIMIT 4")
            cur.execute("SELECT COUNT(*) FROM `BLSession` WHERE `comments` IS NOT NULL")
            held = cur.fetchone()[0]
        conn.commit()
    assert held == 3
    url_dir = _common(server, scratch_db, rdir)
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    for view in ("--plan", "--dry-run"):
        code, out = _run("upgrade", *url_dir, view, "--allow-unreviewed")
        assert code == 0, out
        assert "DS102 error: column BLSession.comments: drops the values of BLSession.comments, holding 3 rows " \
               "with a non-NULL value now (7 rows" in out, out
        # the second revision starts from a state the database is not in yet: no counts
        assert "drops the values of BLSession.startDate (" not in out and \
            "DS102 error: column BLSession.startDate: drops the values of BLSession.startDate\n" in out, out
    assert _fingerprint(server, scratch_db) == base.fingerprint
    # an unattended run counts nothing (its plan is not read before it runs)
    code, out = _run("upgrade", *url_dir, "--to", r1.rev_id, "--yes", "--allow-unreviewed")
    assert code == 0 and "non-NULL" not in out, out
    assert _versions(server, scratch_db) == [r1.rev_id] and r2.rev_id


def _fingerprint(server, db) -> str:
    return snapshot_from_url(server.url(db)).fingerprint


# ---------------------------------------------------------------------------------------
# the plan of an online upgrade


PLAN_CHANGE = ("ALTER TABLE `DataCollection` MODIFY `numberOfImages` bigint(20) unsigned DEFAULT NULL;\n"
               "ALTER TABLE `Image` MODIFY `imageNumber` bigint(20) unsigned DEFAULT NULL;\n"
               "ALTER TABLE `DataCollectionGroup` ADD COLUMN `note` varchar(10) DEFAULT NULL;\n"
               "CREATE INDEX `DataCollection_comments` ON `DataCollection` (`comments`);\n")


def test_the_online_plan_gives_each_table_its_route_stall_and_estimate(server, scratch_db, tmp_path):
    if shutil.which("pt-online-schema-change") is None:
        _missing("pt-online-schema-change not found (apt-get install percona-toolkit)")
    load_text(DC_SQL, client=server.client_command(), database=scratch_db)
    with contextlib.closing(server.connect(scratch_db)) as conn:
        load_rows(conn, 20_000)
        conn.commit()
    change = tmp_path / "change.sql"
    change.write_text(PLAN_CHANGE)
    rdir = RevisionDir(tmp_path / "revisions")
    revision_from_sql(rdir, [change], message="sizes", server=server.url(),
                      source=snapshot_from_url(server.url(scratch_db)).schema, check=False)
    url_dir = _common(server, scratch_db, rdir)
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    code, out = _run("upgrade", *url_dir, "--plan", "--allow-unreviewed", "--online", "--online-threshold",
                     "5000", "--chunk-time", "0.2")
    assert code == 0, out
    section = out.split("statements that alter existing tables, most expensive first:\n")[1]
    blocks = re.split(r"\n(?=  \d+\. )", section.split("\n  in all:")[0])
    assert len(blocks) == 4, section
    by_table = {b.split(": ", 1)[0].split()[-1]: b for b in blocks}
    dc = next(b for b in blocks if "DataCollection: ALGORITHM=COPY" in b)
    assert "route: online via pt-online-schema-change (~" in dc and "writes would wait)" in dc, dc
    assert "stall: ~0.2 s per write at most (one chunk of rows), plus the metadata locks" in dc, dc
    assert "estimate: ~" in dc
    image = by_table["Image"]
    assert "route: plain ALTER (~" in image and "under the --online-threshold of 5,000)" in image, image
    assert "stall: writes wait ~" in image and "the whole copy" in image, image
    group = by_table["DataCollectionGroup"]
    assert "ALGORITHM=INSTANT" in group and "estimate: <0.1 s; stall: only the metadata lock" in group, group
    assert "route: plain ALTER (" in group
    index = next(b for b in blocks if "ALGORITHM=INPLACE" in b and "DataCollection" in b)
    assert "route: plain ALTER (does not block writes)" in index, index
    assert "reads and writes go on meanwhile" in index
    assert "  in all: ~" in out and "s estimated for these statements" in out
    assert "dry run: nothing was changed" in out
    # without --online every statement's route is a plain ALTER, the copy's stall the whole copy
    code, out = _run("upgrade", *url_dir, "--plan", "--allow-unreviewed")
    assert code == 0 and "online via" not in out and "route: plain ALTER (no --online)" in out, out
    assert "the longest stall ~" in out or "no write waits longer" in out
