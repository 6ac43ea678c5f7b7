"""Findings that use the database they were given: with ``review --url``, the rules count
in that database the rows a change would refuse or cut (rows without their parent for a new
foreign key, duplicate keys for a new unique index, NULLs for NOT NULL, values that do not
fit a narrower type), each count bounded in time on the server."""

from __future__ import annotations

import re
import secrets

import pymysql
import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.migrate.from_sql import revision_from_sql
from schema_tools.migrate.revision import RevisionDir
from schema_tools.review import review_directory
from schema_tools.review.data import (
    CUT_OR_REFUSED, DataProbe, narrowing_misfit, removed_misfit, sign_misfit,
)
from schema_tools.model.objects import DataType
from schema_tools.sources.resolve import snapshot_from_url

pytestmark = pytest.mark.server

BASE = """
CREATE TABLE `AutoProcProgram` (
  `autoProcProgramId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `processingPrograms` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`autoProcProgramId`)
);
CREATE TABLE `AutoProc` (
  `autoProcId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `autoProcProgramId` int(10) unsigned DEFAULT NULL,
  `spaceGroup` varchar(45) DEFAULT NULL,
  `temperature` mediumint(9) DEFAULT NULL,
  `level` enum('GREEN','YELLOW','RED') DEFAULT NULL,
  PRIMARY KEY (`autoProcId`),
  KEY `AutoProc_program` (`autoProcProgramId`)
);
"""

PROGRAMS = "INSERT INTO `AutoProcProgram` VALUES (1, 'xia2'), (2, 'fast_dp')"
# 2 rows with a parent, 2 with NULL (not checked), 3 without their parent (7, 8, 9)
ROWS = ("INSERT INTO `AutoProc` (autoProcId, autoProcProgramId, spaceGroup) VALUES (1, 1, 'P 1'), "
        "(2, 2, 'P 1'), (3, NULL, 'C 2'), (4, NULL, NULL), (5, 7, 'P 21 21 21'), (6, 8, 'P 21 21 21'), "
        "(7, 9, 'P 1 21 1 (unique cell)')")

ADD_FK = ("ALTER TABLE `AutoProc` ADD CONSTRAINT `AutoProc_fk_program` FOREIGN KEY (`autoProcProgramId`) "
          "REFERENCES `AutoProcProgram` (`autoProcProgramId`);\n")


def _execute(server, db: str, *sqls: str) -> None:
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            for sql in sqls:
                for statement in (s for s in sql.split(";\n") if s.strip()):
                    cur.execute(statement)
            cur.execute("ANALYZE TABLE `AutoProcProgram`, `AutoProc`")  # the sizes review reads
            cur.fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def base(server):
    """The schema the revisions start from, as a snapshot."""
    db = server.create_database()
    try:
        _execute(server, db, BASE)
        return snapshot_from_url(server.url(db)).schema
    finally:
        server.drop_database(db)


def _revision(server, base, tmp_path, script: str):
    """A revision directory holding one revision made from ``script`` (revision --sql)."""
    path = tmp_path / "change.sql"
    path.write_text(script, encoding="utf-8")
    rdir = RevisionDir(tmp_path / "revisions")
    revision_from_sql(rdir, [path], message="change", server=server.url(), source=base, check=False)
    return rdir.path


def _site(server, db, *rows: str) -> str:
    """The base schema in ``db``, with ``rows``; its URL."""
    _execute(server, db, BASE, *rows)
    return server.url(db)


def _why(rdir, url, code: str, **kw) -> str:
    found = [f for r in review_directory(rdir, url=url, **kw) for f in r.findings if f.code == code]
    assert len(found) == 1, found
    return found[0].why


def test_orphans_of_a_new_foreign_key_are_counted(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path, ADD_FK)
    url = _site(server, scratch_db, PROGRAMS, ROWS)
    why = _why(rdir, url, "DD203")
    assert why.startswith("3 rows of AutoProc have no AutoProcProgram: their (autoProcProgramId) match "
                          "no AutoProcProgram (autoProcProgramId); the upgrade will fail at this "
                          "statement"), why
    result = CliRunner().invoke(cli, ["review", "--dir", str(rdir), "--url", url])
    assert "3 rows of AutoProc have no AutoProcProgram" in result.output, result.output
    # an open connection (what upgrade --plan holds) does the same, and stays open
    conn = server.connect(scratch_db)
    try:
        reviews = review_directory(rdir, conn=conn)
        assert any(f.why.startswith("3 rows of AutoProc") for f in reviews[0].findings)
        conn.ping(reconnect=False)
    finally:
        conn.close()
    # the orphans given a parent: none left
    _execute(server, scratch_db, "INSERT INTO `AutoProcProgram` VALUES (7, 'a'), (8, 'b'), (9, 'c')")
    why = _why(rdir, url, "DD203")
    assert "none is without its parent now" in why and "have no" not in why, why
    # without a database: the text it always had
    assert [f.why for r in review_directory(rdir) for f in r.findings if f.code == "DD203"] == [
        "every row of AutoProc must have its (autoProcProgramId) in AutoProcProgram (autoProcProgramId)"]


def test_counts_use_the_names_before_a_rename(server, scratch_db, base, tmp_path):
    """The revision renames both tables and the column before adding the key; the rows to
    count are in the tables and column as they are now."""
    rdir = _revision(server, base, tmp_path,
                     "RENAME TABLE `AutoProc` TO `AutoProcessing`, `AutoProcProgram` TO `Program`;\n"
                     "ALTER TABLE `AutoProcessing` CHANGE `autoProcProgramId` `programId` int(10) "
                     "unsigned DEFAULT NULL;\n"
                     "ALTER TABLE `AutoProcessing` ADD CONSTRAINT `AutoProcessing_fk_program` FOREIGN KEY "
                     "(`programId`) REFERENCES `Program` (`autoProcProgramId`);\n")
    url = _site(server, scratch_db, PROGRAMS, ROWS)
    why = _why(rdir, url, "DD203")
    assert why.startswith("3 rows of AutoProcessing have no Program: their (programId) match no "
                          "Program (autoProcProgramId)"), why


def test_a_data_statement_before_the_key_is_said(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path,
                     "UPDATE `AutoProc` SET `autoProcProgramId` = NULL WHERE `autoProcProgramId` > 2;\n"
                     + ADD_FK)
    why = _why(rdir, _site(server, scratch_db, PROGRAMS, ROWS), "DD203")
    assert "3 rows of AutoProc" in why and "unless the revision's data statements fix them first" in why


def test_duplicate_keys_of_a_new_unique_index_are_counted(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path,
                     "ALTER TABLE `AutoProc` ADD UNIQUE INDEX `AutoProc_u` (`spaceGroup`);\n")
    url = _site(server, scratch_db, PROGRAMS, ROWS,
                "INSERT INTO `AutoProc` (autoProcId, autoProcProgramId, spaceGroup) "
                "VALUES (8, 1, 'p 1'), (9, NULL, NULL)")  # case folds, NULLs repeat
    why = _why(rdir, url, "DD202")
    assert why.startswith("rows of AutoProc must be unique over (spaceGroup): 2 values are shared by "
                          "5 rows now; the upgrade will fail at this statement"), why
    _execute(server, scratch_db, "DELETE FROM `AutoProc` WHERE `autoProcId` IN (2, 6, 8)")
    assert "no duplicates now" in _why(rdir, url, "DD202")


def test_nulls_refused_by_not_null_are_counted(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path,
                     "ALTER TABLE `AutoProc` MODIFY `spaceGroup` varchar(45) NOT NULL;\n")
    url = _site(server, scratch_db, PROGRAMS, ROWS)
    why = _why(rdir, url, "DD201")
    assert why.startswith("AutoProc.spaceGroup becomes NOT NULL: 1 row of AutoProc holds NULL now; the "
                          "upgrade will fail at this statement (strict mode)"), why
    _execute(server, scratch_db, "UPDATE `AutoProc` SET `spaceGroup` = 'P 1' WHERE `spaceGroup` IS NULL")
    assert "no row holds NULL now" in _why(rdir, url, "DD201")


def test_values_too_long_for_a_narrower_type_are_counted(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path,
                     "ALTER TABLE `AutoProc` MODIFY `spaceGroup` varchar(10) DEFAULT NULL;\n")
    url = _site(server, scratch_db, PROGRAMS, ROWS)
    why = _why(rdir, url, "DS104")
    assert why.startswith("AutoProc.spaceGroup: varchar(45) -> varchar(10): shorter"), why
    # 'P 21 21 21' fits exactly; 'P 1 21 1 (unique cell)' does not
    assert why.endswith("; 1 row of AutoProc holds a value longer than 10 characters now: the upgrade "
                        "will fail at this statement (strict mode) or cut them"), why
    _execute(server, scratch_db, "UPDATE `AutoProc` SET `spaceGroup` = LEFT(`spaceGroup`, 10)")
    assert _why(rdir, url, "DS104").endswith("; no row holds values longer than 10 characters now")


def test_values_out_of_a_new_range_and_removed_enum_values_are_counted(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path,
                     "ALTER TABLE `AutoProc` MODIFY `temperature` mediumint(8) unsigned DEFAULT NULL, "
                     "MODIFY `level` enum('GREEN','YELLOW') DEFAULT NULL;\n")
    url = _site(server, scratch_db, "INSERT INTO `AutoProc` (autoProcId, temperature, level) VALUES "
                "(1, -100, 'RED'), (2, -1, 'RED'), (3, 0, 'GREEN'), (4, NULL, NULL), (5, 8388607, 'YELLOW')")
    assert _why(rdir, url, "DS107").endswith(
        "negative values do not fit; 2 rows of AutoProc hold values outside 0..16,777,215 now: the upgrade "
        "will fail at this statement (strict mode) or cut them")
    assert _why(rdir, url, "DS105").endswith(
        "loses the value(s) 'RED'; 2 rows of AutoProc hold values the change removes now: the upgrade "
        "will fail at this statement (strict mode) or make them ''")


def test_a_count_over_its_time_limit_is_not_counted(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path, ADD_FK)
    url = _site(server, scratch_db, PROGRAMS,
                "INSERT INTO `AutoProc` (autoProcId, autoProcProgramId) "
                "SELECT seq, 1 + seq MOD 5 FROM seq_1_to_100000")  # long enough to count that it is stopped
    why = _why(rdir, url, "DD203", count_timeout=0.000001)
    assert re.fullmatch(r"every row of AutoProc must have its \(autoProcProgramId\) in AutoProcProgram "
                        r"\(autoProcProgramId\) \([0-9,]+ rows, [0-9.]+ MiB\); rows without their parent "
                        r"not counted \(over 1e-06 s on a table of ~[0-9,]+ rows\)", why), why
    # the same through the command line, and a limit that the count meets
    result = CliRunner().invoke(cli, ["review", "--dir", str(rdir), "--url", url, "--count-timeout", "0.000001"])
    assert "not counted (over 1e-06 s on a table of ~" in result.output, result.output
    assert _why(rdir, url, "DD203", count_timeout=30).startswith(
        "60,000 rows of AutoProc have no AutoProcProgram")  # 3, 4 and 5 have no parent
    # the limit of the configuration
    (tmp_path / "pyproject.toml").write_text("[tool.schema_tools.lint]\ncount_timeout = 0.000001\n")
    assert "not counted (over 1e-06 s" in _why(rdir, url, "DD203")
    # 0: nothing is counted, the sizes are still given
    assert _why(rdir, url, "DD203", count_timeout=0).startswith(
        "every row of AutoProc must have its (autoProcProgramId) in AutoProcProgram (autoProcProgramId) (")


def test_the_password_of_the_url_is_never_shown(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path, ADD_FK)
    _site(server, scratch_db, PROGRAMS, ROWS)
    user, password = f"counter_{secrets.token_hex(4)}", f"pw-{secrets.token_hex(8)}"
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'")
            cur.execute(f"GRANT SELECT ON `{scratch_db}`.* TO '{user}'@'localhost'")
        url = server.url(scratch_db).replace("root@", f"{user}:{password}@")
        for fmt in ("text", "json"):
            result = CliRunner().invoke(cli, ["review", "--dir", str(rdir), "--url", url, "--format", fmt])
            assert "3 rows of AutoProc" in result.output and password not in result.output, result.output
        result = CliRunner().invoke(cli, ["review", "--dir", str(rdir), "--url", url.replace(scratch_db, "nodb")])
        assert result.exit_code == 2 and password not in result.output, result.output
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'localhost'")
        conn.close()


# (old type, new type, rows, which rule's condition, how many rows it must find)
MISFITS = [
    ("int", "tinyint", "(1), (127), (128), (-129), (NULL)", narrowing_misfit, 2),
    ("varchar(20)", "varchar(3)", "('abc'), ('abcd'), ('äöüß'), (NULL)", narrowing_misfit, 2),  # characters
    ("text", "tinytext", "(REPEAT('x', 300)), ('y')", narrowing_misfit, 1),
    ("varchar(300)", "tinytext", "(REPEAT('é', 200)), ('y')", narrowing_misfit, 1),  # 400 bytes
    ("decimal(6,2)", "decimal(4,2)", "(99.99), (100.00), (-123.45)", narrowing_misfit, 2),
    ("decimal(6,3)", "decimal(6,1)", "(1.250), (1.200), (3)", narrowing_misfit, 1),  # rounded
    ("bigint", "decimal(5,0)", "(99999), (100000), (-100000)", narrowing_misfit, 2),
    ("datetime", "date", "('2020-01-01 00:00:00'), ('2020-01-01 10:00:00')", narrowing_misfit, 1),
    ("bit(8)", "bit(4)", "(b'1111'), (b'10000')", narrowing_misfit, 1),
    ("varbinary(10)", "varbinary(2)", "('abc'), ('ab')", narrowing_misfit, 1),
    ("mediumint", "mediumint unsigned", "(-1), (5)", sign_misfit, 1),
    ("int unsigned", "int", "(4294967295), (5)", sign_misfit, 1),
    ("decimal(5,2)", "decimal(5,2) unsigned", "(-1.5), (2)", sign_misfit, 1),
    ("enum('a','b','c')", "enum('a','b')", "('a'), ('c'), (NULL)", removed_misfit, 1),
    ("set('a','b','c')", "set('a','b')", "('a,c'), ('c'), ('a,b'), ('')", removed_misfit, 2),
]


@pytest.mark.parametrize("old, new, rows, which, expected", MISFITS, ids=lambda v: v if isinstance(v, str) else None)
def test_each_condition_finds_the_rows_the_server_refuses(server, scratch_db, old, new, rows, which, expected):
    """The count is what the server does: where the change cuts or refuses values, the
    ALTER fails in strict mode exactly when the count is not 0."""
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'")
            cur.execute(f"CREATE TABLE `t` (id int AUTO_INCREMENT PRIMARY KEY, `v` {old})")
            cur.execute(f"INSERT INTO `t` (`v`) VALUES {rows}")
            misfit = which("v", DataType.parse(old), DataType.parse(new))
            assert DataProbe(conn).where("t", misfit.condition).rows == expected
            if misfit.effect == CUT_OR_REFUSED:
                with pytest.raises(pymysql.err.MySQLError):
                    cur.execute(f"ALTER TABLE `t` MODIFY `v` {new}")
                cur.execute(f"DELETE FROM `t` WHERE {misfit.condition}")
                cur.execute(f"ALTER TABLE `t` MODIFY `v` {new}")  # the others fit
    finally:
        conn.close()


def test_names_from_the_schema_are_quoted(server, scratch_db):
    """Table and column names with backticks, quotes and % reach the server as names."""
    child, parent, col = "Auto`Proc%s", "Pro'gram%%", "prog`Id"
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE `Pro'gram%%` (id int PRIMARY KEY)")
            cur.execute("CREATE TABLE `Auto``Proc%s` (id int PRIMARY KEY, `prog``Id` int, "
                        "name varchar(20))")
            cur.execute("INSERT INTO `Pro'gram%%` VALUES (1)")
            cur.execute("INSERT INTO `Auto``Proc%s` VALUES (1, 1, 'abcdef'), (2, 5, 'abcdef'), (3, 6, NULL)")
        probe = DataProbe(conn)
        assert probe.orphans(child, [col], parent, ["id"]).rows == 2
        assert (probe.duplicates(child, [("name", 3)]).groups, probe.duplicates(child, [("name", 3)]).rows) == (1, 2)
        assert probe.nulls(child, "name").rows == 1
        misfit = narrowing_misfit(col, DataType("int"), DataType("tinyint"))
        assert probe.where(child, misfit.condition).rows == 0
        missing = probe.nulls("No`Such", "x")
        assert not missing.counted and "doesn't exist" in missing.why_not
    finally:
        conn.close()


def test_the_time_limit_is_configured(tmp_path):
    from schema_tools.errors import InputError
    from schema_tools.review.config import load_config, parse_config

    assert parse_config({}).count_timeout == 2.0
    assert parse_config({"count_timeout": 0.5}).count_timeout == 0.5
    for bad in ("2", -1, True):
        with pytest.raises(InputError, match="count_timeout"):
            parse_config({"count_timeout": bad})
    (tmp_path / "pyproject.toml").write_text("[tool.schema_tools.lint]\ncount_timeout = 0\n")
    assert load_config(tmp_path).count_timeout == 0
    result = CliRunner().invoke(cli, ["review", "--dir", str(tmp_path), "--count-timeout", "1"])
    assert result.exit_code == 2 and "--count-timeout goes with --url" in result.output


def test_each_flavour_bounds_a_count_its_own_way():
    from schema_tools.flavour import MARIADB, parse_flavour

    select = "SELECT COUNT(*) FROM `t`"
    assert MARIADB.bounded_select(select, 2) == "SET STATEMENT max_statement_time=2.000000 FOR " + select
    assert MARIADB.bounded_select(select, 1e-9).startswith("SET STATEMENT max_statement_time=0.000001 ")
    assert parse_flavour("mysql:8.0").bounded_select(select, 2) == \
        "SELECT /*+ MAX_EXECUTION_TIME(2000) */ COUNT(*) FROM `t`"


def test_rows_that_fail_a_new_check_are_counted(server, scratch_db, base, tmp_path):
    rdir = _revision(server, base, tmp_path,
                     "ALTER TABLE `AutoProc` ADD CONSTRAINT `AutoProc_sg` CHECK (`spaceGroup` LIKE 'P%');\n")
    url = _site(server, scratch_db, PROGRAMS, ROWS)
    why = _why(rdir, url, "DD204")
    # 'C 2' fails; NULL passes a CHECK
    assert why.startswith("every row of AutoProc must meet CHECK (`spaceGroup` like 'P%'): 1 row fails it "
                          "now; the upgrade will fail at this statement"), why
    _execute(server, scratch_db, "DELETE FROM `AutoProc` WHERE `spaceGroup` = 'C 2'")
    assert "no row fails it now" in _why(rdir, url, "DD204")


def test_an_additive_path_leaves_out_what_the_rows_fail_and_counts_them(server, scratch_db, base, tmp_path):
    """The additive policy adds no constraint over the site's rows: each one left out is a
    decision (HY606) that counts, in the site's database, the rows that fail it."""
    from schema_tools.migrate.commands import generate
    from schema_tools.sources.resolve import snapshot_from_url as read

    db = server.create_database()
    try:
        _execute(server, db, BASE, ADD_FK, "ALTER TABLE `AutoProc` ADD CONSTRAINT `AutoProc_sg` CHECK "
                                           "(`spaceGroup` LIKE 'P%');\nALTER TABLE `AutoProc` ADD UNIQUE "
                                           "INDEX `AutoProc_u` (`spaceGroup`);\nALTER TABLE `AutoProc` ALTER "
                                           "COLUMN `temperature` SET DEFAULT 4")
        core = read(server.url(db)).schema
    finally:
        server.drop_database(db)
    rdir = RevisionDir(tmp_path / "revisions")
    generate(rdir, source=base, target=core, message="core", policy="additive", server=server.url())
    (path,) = rdir.versions.glob("*.py")
    text = path.read_text(encoding="utf-8")
    assert "ADD CONSTRAINT" not in text and "ADD UNIQUE" not in text and "FOREIGN KEY" not in text.split(
        "decisions = ")[0], text
    url = _site(server, scratch_db, PROGRAMS, ROWS)
    found = {f.subject: f.why for r in review_directory(rdir.path, url=url) for f in r.findings
             if f.code == "HY606"}
    assert found == {
        "check AutoProc.AutoProc_sg": "the target's CHECK constraint (left out: the site's rows may not "
                                      "meet it); 1 row of AutoProc fails it now",
        "index AutoProc.AutoProc_u": "the target's unique key (left out: the site's rows may not meet it); "
                                     "4 rows of AutoProc share key values now",
        "foreign key AutoProc.AutoProc_fk_program": "the target's foreign key (left out: the site's rows "
                                                    "may not meet it); 3 rows of AutoProc have no parent "
                                                    "row now",
        "column AutoProc.temperature": "the target's default (the site keeps its own)",
    }, found
