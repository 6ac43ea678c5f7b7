"""Views of a mariadb-dump file read offline, against the real server and the real dump.

A database with tables and views is created on the test server, dumped with the real
``mariadb-dump``, and the dump read with ``snapshot --offline``: the result must equal the
live snapshot of that database (no difference, the same fingerprint), and what the server
stores when the dump is loaded back.  mariadb-dump's stand-ins (views ``SELECT NULL AS
...``, tables in older dumps) must not remain.  What is not the server's own text, or not
provably so (a view written by hand outside the reproduced subset, a dump without its
header, from another server version, edited by hand...), is refused with ``file:line``.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.compare import diff
from schema_tools.errors import SqlError
from schema_tools.model import Snapshot
from schema_tools.offline.reader import read_offline
from schema_tools.servers.local import find_server_binaries
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.servers.local import LOADER_ACCOUNT, LOADER_USER
from schema_tools.sources.resolve import snapshot_from_url, snapshot_offline

from .conftest import _missing

pytestmark = pytest.mark.server

TABLES = r"""
CREATE TABLE person (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name varchar(40) NOT NULL,
  born date DEFAULT NULL,
  score decimal(6,2) DEFAULT 0.00,
  note text
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE sample (
  id int NOT NULL PRIMARY KEY,
  person_id int DEFAULT NULL,
  kind enum('a','b') DEFAULT 'a',
  weight double DEFAULT NULL,
  KEY person_id (person_id),
  CONSTRAINT sample_fk FOREIGN KEY (person_id) REFERENCES person (id)
) ENGINE=InnoDB;
CREATE TABLE `odd ``tab`` "x"` (`col ``q`` z` int DEFAULT NULL, `é` varchar(10) DEFAULT NULL);
"""

# algorithms, securities, check options, views over views (a_over_z sorts before the view
# it reads, so the dump creates it over the stand-in; v_over_merge_cascaded after, as its
# CHECK OPTION needs), joins, aliases, functions, a hostile name, non-ASCII literals,
# definers
VIEWS = r"""
CREATE VIEW v_plain AS SELECT id, name FROM person;
CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW v_merge_local AS
  SELECT p.id, p.score AS s FROM person p WHERE p.score > 1.5 WITH LOCAL CHECK OPTION;
CREATE ALGORITHM=MERGE VIEW v_over_merge_cascaded AS
  SELECT id, s FROM v_merge_local WHERE id > 0 WITH CASCADED CHECK OPTION;
CREATE VIEW v_check_default AS SELECT id, name FROM person WHERE id < 100 WITH CHECK OPTION;
CREATE ALGORITHM=TEMPTABLE DEFINER=`bob`@`%` SQL SECURITY DEFINER VIEW v_temptable AS
  SELECT kind, count(*) AS n, max(weight) w FROM sample GROUP BY kind HAVING count(*) > 0
  ORDER BY kind DESC;
CREATE VIEW z_base AS
  SELECT p.id, concat(upper(p.name), ' — ', 'ünïcødé ✓') AS label, ifnull(s.weight, 0) * 2 AS w2,
         date_format(p.born, '%Y') AS yr, CASE WHEN s.kind = 'a' THEN 'A' ELSE 'B' END AS k,
         cast(p.id AS char) AS sid, p.born + INTERVAL 1 DAY AS next_day
  FROM person p LEFT JOIN sample s ON s.person_id = p.id;
CREATE ALGORITHM=UNDEFINED VIEW a_over_z AS SELECT z.id, z.label FROM z_base z WHERE z.label <> 'x';
CREATE VIEW `hostile ``view`` "name" é` AS
  SELECT `col ``q`` z` AS `a``b`, `é` FROM `odd ``tab`` "x"`
  WHERE `é` LIKE 'it''s %' OR `é` = 'back\\slash' OR `é` = 'WITH CHECK OPTION */';
CREATE VIEW v_union AS SELECT id FROM person UNION ALL SELECT person_id FROM sample;
CREATE VIEW v_sub AS
  SELECT p.id, (SELECT count(*) FROM sample s WHERE s.person_id = p.id) AS n,
         EXISTS (SELECT 1 FROM sample) AS any_sample, extract(year FROM p.born) AS y
  FROM person p WHERE p.id IN (SELECT person_id FROM sample);
CREATE VIEW v_cte AS
  WITH c AS (SELECT id, name FROM person) SELECT c.id, c.name FROM c JOIN sample ON sample.person_id = c.id;
CREATE DEFINER=`root`@`localhost` SQL SECURITY INVOKER VIEW v_definer AS
  SELECT d.id, d.name FROM (SELECT id, name FROM person WHERE note IS NULL) d;
SET NAMES latin1;
CREATE VIEW v_latin1 AS SELECT id FROM person WHERE name <> 'x';
SET NAMES utf8mb4;
"""

# names to test the database's own qualifier with: the server prints v_temptable's columns
# `db`.`t`.`col`, and the live snapshot drops the qualifier
DATABASES = ["st_views_plain", "st views `q` ü"]


def _mariadb_dump() -> str:
    client = find_server_binaries().get("client")
    found = shutil.which("mariadb-dump", path=str(Path(client).parent)) if client else None
    found = found or shutil.which("mariadb-dump") or shutil.which("mysqldump")
    if not found:
        _missing("mariadb-dump not installed (it comes with the mariadb client)")
    return found


def _client(server, db: str, text: str) -> None:
    proc = subprocess.run(server.client_command(db), input=text.encode("utf-8"),
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()


def _dump(server, db: str, path: Path, *extra: str) -> str:
    argv = [_mariadb_dump(), "--no-defaults", f"--socket={server.socket}", "--protocol=socket",
            "--user=root", *extra, db]
    proc = subprocess.run(argv, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    path.write_bytes(proc.stdout)
    return proc.stdout.decode("utf-8")


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


@contextlib.contextmanager
def _database(server, name: str):
    server.drop_database(name)
    server.create_database(name)
    try:
        yield name
    finally:
        server.drop_database(name)


@pytest.fixture(params=DATABASES, ids=["plain", "hostile"])
def dumped(request, server, tmp_path):
    """(database, dump file, live snapshot): the database made by root, as on a site."""
    name = request.param
    with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS 'bob'@'%'")   # a definer mariadb-dump can lock as
    with _database(server, name):
        _client(server, name, TABLES + VIEWS + "CREATE VIEW v_grouped AS SELECT name, "
                "count(*) AS n FROM person GROUP BY name;\n")
        path = tmp_path / "dump.sql"
        _dump(server, name, path)
        live = snapshot_from_url(server.url(name))
        yield name, path, live


def _assert_equal(a: Snapshot, b: Snapshot) -> None:
    assert diff(a.schema, b.schema) == []
    assert a.fingerprint == b.fingerprint
    assert a.to_json() == b.to_json()


def _view_names(snap: Snapshot) -> list[str]:
    return sorted(v.name for v in snap.schema.views)


# ---------------------------------------------------------------------------------------
# The dump read offline is the live database


def test_offline_dump_equals_the_live_snapshot(dumped):
    db, path, live = dumped
    text = path.read_text(encoding="utf-8")
    # the real dump has what this test is about: stand-ins first, the views' own text later
    assert "/*!50001 CREATE VIEW `v_plain` AS SELECT" in text
    assert "/*!50013 DEFINER=`bob`@`%` SQL SECURITY DEFINER */" in text
    assert "/*!50002 WITH LOCAL CHECK OPTION */" in text
    assert f"{_quote(db)}.`sample`.`kind`" in text         # the qualifier the server prints
    offline = snapshot_offline([path])
    assert not offline.metadata.get("partial")
    _assert_equal(offline, live)
    views = {v.name: v for v in offline.schema.views}
    assert len(views) == 14 and not offline.schema.table("v_plain")   # no stand-in remains
    assert views["v_merge_local"].check_option == "LOCAL"
    assert views["v_over_merge_cascaded"].check_option == "CASCADED"
    assert views["v_check_default"].check_option == "CASCADED"
    assert (views["v_temptable"].algorithm, views["v_temptable"].definer) == ("TEMPTABLE", "bob@%")
    assert views["v_merge_local"].security == "INVOKER"
    assert views["v_plain"].definer == "root@localhost"
    assert "'ünïcødé ✓'" in views["z_base"].definition
    assert views["v_latin1"].charset_client == "latin1"
    assert views["v_grouped"].definition.startswith("select `person`.`name` AS `name`")


def test_cli_snapshot_offline_of_the_dump(dumped, tmp_path):
    db, path, live = dumped
    out = tmp_path / "offline.json"
    result = CliRunner().invoke(cli, ["snapshot", "--offline", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    _assert_equal(Snapshot.read(out), live)


def test_the_dump_loaded_back_stores_the_same_text(dumped, server):
    """The text taken offline is what a server stores when it loads the dump (into the
    database the dump is of: the GROUP BY view names it)."""
    db, path, live = dumped
    offline = snapshot_offline([path])
    with _database(server, db):
        _client(server, db, path.read_text(encoding="utf-8"))
        reloaded = snapshot_from_url(server.url(db))
    _assert_equal(offline, reloaded)
    _assert_equal(reloaded, live)


def test_old_dumps_stand_in_tables_do_not_remain(dumped, tmp_path):
    """Dumps of older mariadb-dump/mysqldump versions stand a MyISAM table in for each
    view, and drop it before the view."""
    db, path, live = dumped
    text = path.read_text(encoding="utf-8")
    stand_in = re.compile(r"/\*!50001 CREATE VIEW (`(?:[^`]|``)+`) AS SELECT\n(.*?) \*/;", re.S)

    def as_table(m: re.Match) -> str:
        cols = re.findall(r" NULL AS (`(?:[^`]|``)+`)", m.group(2))
        body = ",\n".join(f"  {c} tinyint NOT NULL" for c in cols)
        return f"/*!50001 CREATE TABLE {m.group(1)} (\n{body}\n) ENGINE=MyISAM */;"

    old, count = stand_in.subn(as_table, text)
    assert count == 14
    old = re.sub(r"(?m)^(/\*!50001 DROP VIEW IF EXISTS (`(?:[^`]|``)+`)\*/;\n/\*!50001 SET @saved_cs_client)",
                 r"/*!50001 DROP TABLE IF EXISTS \2*/;\n\1", old)
    assert old.count("/*!50001 DROP TABLE IF EXISTS") == 14
    old_path = tmp_path / "old.sql"
    old_path.write_text(old, encoding="utf-8")
    offline = snapshot_offline([old_path])
    _assert_equal(offline, live)


def test_a_dump_of_several_databases(server, tmp_path):
    """``--databases`` writes CREATE DATABASE and USE: the views are read all the same."""
    with _database(server, "st_views_multi") as db:
        _client(server, db, TABLES + "CREATE VIEW v AS SELECT name, count(*) AS n FROM person "
                "GROUP BY name WITH ROLLUP;\nCREATE VIEW w AS SELECT id FROM person;\n")
        path = tmp_path / "multi.sql"
        text = _dump(server, db, path, "--databases")
        assert "USE `st_views_multi`;" in text
        live = snapshot_from_url(server.url(db))
    _assert_equal(snapshot_offline([path]), live)


# what the printer writes, widely: each must be read, none refused by the recogniser
PRINTED = r"""
CREATE TABLE t (id int PRIMARY KEY, name varchar(40), n int, d datetime, j json, b blob);
CREATE TABLE u (id int, t_id int, val decimal(10,2));
CREATE VIEW b01 AS SELECT id, row_number() OVER (PARTITION BY n ORDER BY id) rn, sum(n) OVER w s,
  lag(n, 1) OVER (ORDER BY d ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) l FROM t WINDOW w AS (ORDER BY id);
CREATE VIEW b02 AS SELECT json_extract(j, '$.a') a, json_object('k', n) o, json_arrayagg(id) ja
  FROM t GROUP BY j;
CREATE VIEW b03 AS SELECT name REGEXP '^a' r, name NOT REGEXP 'b' nr, name LIKE 'a|%' ESCAPE '|' le,
  name SOUNDS LIKE 'x' sl, BINARY name bn, name COLLATE utf8mb4_bin c FROM t;
CREATE VIEW b04 AS SELECT n, count(*) c FROM t GROUP BY n WITH ROLLUP;
CREATE VIEW b05 AS SELECT id FROM t EXCEPT SELECT t_id FROM u;
CREATE VIEW b06 AS SELECT id FROM t INTERSECT SELECT t_id FROM u;
CREATE VIEW b07 AS SELECT * FROM t NATURAL JOIN u;
CREATE VIEW b08 AS SELECT t.id, u.val FROM t RIGHT JOIN u USING (id) STRAIGHT_JOIN u u2 ON u2.t_id = u.id;
CREATE VIEW b09 AS SELECT jt.x FROM t, json_table(t.j, '$[*]' COLUMNS (x int PATH '$.x')) jt;
CREATE VIEW b10 AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v;
CREATE VIEW b11 AS SELECT id FROM t WHERE n > ANY (SELECT t_id FROM u)
  AND NOT EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id) AND id NOT IN (1, 2) AND n IS NOT TRUE;
CREATE VIEW b12 AS SELECT date_add(d, INTERVAL 2 HOUR) a, d - INTERVAL 1 MONTH b, DATE'2020-01-02' c,
  TIMESTAMP'2020-01-02 03:04:05' dd, TIME'01:02' e, timestampdiff(SECOND, d, now()) f,
  date_sub(curdate(), INTERVAL 3 DAY) g FROM t;
CREATE VIEW b13 AS SELECT n DIV 2 a, n MOD 2 b, n % 3 c, n & 1 e, n | 2 f, n ^ 3 g, n << 1 h, n >> 1 i,
  ~n k, -n l, !n m, n XOR 1 o, n && 1 p, n || 0 q FROM t;
CREATE VIEW b14 AS SELECT 0x41 a, x'42' b, b'101' c, N'nat' e, _latin1'lat' f,
  _utf8mb4'u' COLLATE utf8mb4_bin g, 1e-3 h, .5 i, 123456789012345678901234567890 k, -0.0 l,
  'a''b' m, "dq" n2, 'tab	x' o, 'nul\0z' p, 'ctrl\Zz' q, 'new\nline' r FROM t;
CREATE VIEW b15 AS SELECT cast(n AS decimal(10,2)) a, cast(n AS unsigned) b, cast(name AS binary(3)) c,
  convert(name, char(5)) e, convert(name USING latin1) f, cast(d AS date) g, cast(n AS double) h,
  char(65, 66 USING utf8mb4) i FROM t;
CREATE VIEW b16 AS SELECT nullif(n, 0) a, coalesce(n, 0) b, if(n > 0, 'p', 'n') c,
  CASE n WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END e, ifnull(name, '') f, greatest(n, 1) g,
  group_concat(DISTINCT name ORDER BY name DESC SEPARATOR ', ') h FROM t GROUP BY n, name;
CREATE VIEW b17 AS SELECT t.id, (SELECT max(val) FROM u WHERE u.t_id = t.id) mx FROM t
  HAVING mx > 0 ORDER BY mx LIMIT 10 OFFSET 5;
CREATE VIEW b18 AS WITH RECURSIVE r (k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < 5)
  SELECT k FROM r;
CREATE VIEW b19 AS SELECT DISTINCT SQL_NO_CACHE name FROM t FOR UPDATE;
CREATE VIEW b20 AS SELECT substring(name, 2, 3) a, substring(name FROM 2) b, trim(BOTH 'x' FROM name) c,
  position('a' IN name) e, locate('a', name) f, mid(name, 1, 2) g, left(name, 2) h, lpad(name, 5, '*') i,
  upper(lower(name)) k, length(name) l, char_length(name) m, md5(name) o, uuid() p, rand() q, user() r,
  database() s FROM t;
CREATE VIEW b21 AS SELECT t.id FROM t WHERE t.d BETWEEN '2020-01-01' AND '2021-01-01'
  AND t.n NOT BETWEEN 1 AND 2 AND (t.n = 1 OR t.n = 2) AND NOT (t.n = 3 AND t.id = 4);
CREATE VIEW b22 AS SELECT t.id FROM t JOIN u ON t.id = u.t_id AND u.val > 0 LEFT JOIN u u3 ON u3.id = t.id
  CROSS JOIN u u4;
CREATE VIEW b23 AS SELECT id, `name` `Select`, n `from`, n + 0 `a b c` FROM t;
CREATE VIEW b24 AS SELECT 'x' = 'y' COLLATE utf8mb4_bin, n IN (1,2), 1 + 1, 'lit', NULL, ID FROM t;
CREATE VIEW b25 AS SELECT st_astext(point(1, 2)) p, inet_aton('1.2.3.4') i, format(1234.5, 2) f,
  round(1.5) r, truncate(1.55, 1) tr, pow(2, 3) pw, last_insert_id() li, found_rows() fr,
  connection_id() ci, version() v FROM t;
CREATE VIEW b26 AS SELECT id FROM t WHERE name = 'é' OR name = 'ü' COLLATE utf8mb4_unicode_ci;
CREATE VIEW b27 AS SELECT id FROM t WHERE j IS NULL AND b IS NOT NULL AND d > now() - INTERVAL 1 YEAR
  AND d <=> NULL;
CREATE VIEW b28 AS SELECT a.id FROM t a, t b WHERE a.id = b.n;
CREATE VIEW b29 AS SELECT count(DISTINCT n) c, avg(n) a, std(n) s, bit_or(n) bo, min(d) mn FROM t;
CREATE VIEW b30 AS SELECT id, n FROM t ORDER BY n DESC, id;
"""


def test_a_wide_range_of_printed_definitions_is_read(server, tmp_path):
    with _database(server, "st_views_printed") as db:
        _client(server, db, PRINTED)
        path = tmp_path / "printed.sql"
        _dump(server, db, path)
        live = snapshot_from_url(server.url(db))
    assert len(live.schema.views) == 30
    _assert_equal(snapshot_offline([path]), live)


@pytest.mark.parametrize("views, refused", [
    # over the stand-in of a view that sorts after it
    ("CREATE VIEW z AS SELECT id FROM t;\nCREATE VIEW a AS SELECT id FROM z WITH CHECK OPTION;\n", "a"),
    # over a view the dump created over a stand-in: the server decided then, once, that
    # m is not updatable, and w cannot read it WITH CHECK OPTION
    ("CREATE VIEW z AS SELECT id FROM t;\nCREATE VIEW m AS SELECT id FROM z;\n"
     "CREATE VIEW w AS SELECT id FROM m WITH CHECK OPTION;\n", "w"),
])
def test_a_dump_the_server_cannot_load_is_refused_as_the_server_refuses_it(server, tmp_path, views,
                                                                            refused):
    """mariadb-dump creates each view over the stand-ins of the views that sort after it;
    they are not updatable, and a view WITH CHECK OPTION over one stops the server's load
    of the dump (ERROR 1368).  The offline read stops at the same statement."""
    with _database(server, "st_views_order") as db:
        _client(server, db, "CREATE TABLE t (id int);\n" + views)
        path = tmp_path / "order.sql"
        text = _dump(server, db, path)
    with _database(server, "st_views_order") as db:
        proc = subprocess.run(server.client_command(db), input=text.encode("utf-8"),
                              capture_output=True, check=False)
    assert b"ERROR 1368" in proc.stderr
    line = re.search(rb"at line (\d+)", proc.stderr).group(1).decode()
    with pytest.raises(SqlError, match=f"CHECK OPTION on non-updatable view '{refused}'") as info:
        read_offline([path])
    assert info.value.location == f"{path}:{line}"


def test_views_calling_stored_functions(server, tmp_path):
    """With ``--routines`` the functions come before the views and the dump is read; without,
    the server cannot create the view (ERROR 1305), and the offline read stops there too."""
    with _database(server, "st_views_functions") as db:
        _client(server, db, "CREATE TABLE t (a int);\n"
                "CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC RETURN x + 1;\n"
                f"CREATE VIEW v AS SELECT f(a) AS fa, {_quote(db)}.f(1) AS g FROM t;\n")
        with_routines, without = tmp_path / "with.sql", tmp_path / "without.sql"
        _dump(server, db, with_routines, "--routines")
        text = _dump(server, db, without)
        live = snapshot_from_url(server.url(db))
    _assert_equal(snapshot_offline([with_routines]), live)
    assert live.schema.views[0].definition == "select `f`(`t`.`a`) AS `fa`,`f`(1) AS `g` from `t`"
    with _database(server, "st_views_functions") as db:
        proc = subprocess.run(server.client_command(db), input=text.encode("utf-8"),
                              capture_output=True, check=False)
    assert b"ERROR 1305" in proc.stderr
    with pytest.raises(SqlError, match="FUNCTION st_views_functions.f does not exist"):
        read_offline([without])


def test_a_dump_mariadb_dump_garbled_is_refused(server, tmp_path):
    """mariadb-dump puts the check option in a comment of its own by replacing its first
    occurrence in the text: here, inside a string, which the server then reads as another
    value.  The live database and the dump differ; the dump is refused, not recorded."""
    with _database(server, "st_views_garbled") as db:
        _client(server, db, "CREATE TABLE t (id int, s varchar(40));\n"
                "CREATE VIEW v AS SELECT id FROM t WHERE s <> 'WITH CASCADED CHECK OPTION' "
                "WITH CASCADED CHECK OPTION;\n")
        path = tmp_path / "garbled.sql"
        text = _dump(server, db, path)
    assert "<> '*/\n/*!50002 WITH CASCADED CHECK OPTION' WITH CASCADED" in text
    with pytest.raises(SqlError, match="view v: its definition is not as the server prints one"):
        read_offline([path])


# ---------------------------------------------------------------------------------------
# What is not provably the server's text is refused, with file:line


def _refused(tmp_path, text: str, match: str, *, name: str = "script.sql") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SqlError, match=match) as info:
        read_offline([path])
    assert info.value.location.startswith(f"{path}:"), info.value.location
    result = CliRunner().invoke(cli, ["snapshot", "--offline", str(path), "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert f"{path}:" in result.output
    return info.value.location


def test_hand_written_views_outside_the_subset_are_refused(tmp_path):
    script = ("CREATE TABLE t (id int, name varchar(10));\n"
              "CREATE VIEW ok AS SELECT id FROM t;\n"
              "CREATE VIEW v AS SELECT count(*) AS n, upper(name) FROM t GROUP BY name;\n")
    loc = _refused(tmp_path, script, "view v: the server rewrites view definitions")
    assert loc.endswith(":3")


def _dump_like(body: str, *, header: str | None = "10.11.19-MariaDB-0+deb12u1",
               database: str = "db1", name: str = "v", check: str = "") -> str:
    """A file as mariadb-dump writes it, with one view whose SELECT is ``body``."""
    head = "" if header is None else (
        "/*M!999999\\- enable the sandbox mode */ \n"
        "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n"
        f"-- Host: localhost    Database: {database}\n"
        "-- ------------------------------------------------------\n"
        f"-- Server version\t{header}\n\n")
    tail = f"\n/*!50002 WITH {check} CHECK OPTION */" if check else ""
    return head + (
        "/*!40101 SET NAMES utf8mb4 */;\n"
        "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
        "CREATE TABLE `t` (\n  `id` int(11) DEFAULT NULL,\n  `name` varchar(10) DEFAULT NULL\n);\n"
        "/*!50001 SET character_set_client      = utf8mb4 */;\n"
        "/*!50001 SET collation_connection      = utf8mb4_general_ci */;\n"
        "/*!50001 CREATE ALGORITHM=UNDEFINED */\n"
        "/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n"
        f"/*!50001 VIEW `{name}` AS {body} */{tail};\n")


CANONICAL = "select `t`.`id` AS `id`,ucase(`t`.`name`) AS `n` from `t` where `t`.`id` > 1"


def test_the_dump_form_is_taken_as_written(tmp_path):
    path = tmp_path / "dump.sql"
    path.write_text(_dump_like(CANONICAL + " group by `db1`.`t`.`id`", check=""), encoding="utf-8")
    (view,) = read_offline([path]).schema.views
    assert view.definition == CANONICAL + " group by `t`.`id`"
    assert (view.definer, view.algorithm, view.security) == ("root@localhost", "UNDEFINED", "DEFINER")


@pytest.mark.parametrize("text, match", [
    # the form, but no header: which server printed it is unknown
    (_dump_like(CANONICAL, header=None), "does not start with a mariadb-dump header"),
    # another server printed it
    (_dump_like(CANONICAL, header="10.6.16-MariaDB"), "printed by server 10.6.16-MariaDB"),
    (_dump_like(CANONICAL, header="8.0.36"), "printed by server 8.0.36"),
    # edited by hand: not the printer's shape
    (_dump_like("SELECT `t`.`id` AS `id` from `t`"), "not as the server prints one"),
    (_dump_like("select t.id AS `id` from `t`"), "not back-quoted"),
    (_dump_like("select `t`.`id` AS `id` from `t` WHERE `t`.`id` > 1"), "'WHERE' in upper case"),
    (_dump_like("select `t`.`id` from `t`"), "without 'AS `name`'"),
    (_dump_like("select `t`.`id` AS `id`\nfrom `t`"), "not as the server prints one"),
    (_dump_like("select `t`.`id` AS `id` /* c */ from `t`"), "cannot be reproduced offline"),
    (_dump_like("select `t`.`id` AS `id`,'a\nb' AS `x` from `t`"), "prints escaped"),
    # what it reads must exist, in the dump's own database
    (_dump_like("select `nope`.`id` AS `id` from `nope`"), "Table 'nope' doesn't exist"),
    (_dump_like("select `other`.`t`.`id` AS `id` from `other`.`t`"), "another database"),
    (_dump_like("select `db1`.`t`.`id` AS `id` from `t`", database=""), "does not say which database"),
    # what the server refuses
    (_dump_like(CANONICAL, name="t"), "Table 't' already exists"),
])
def test_what_is_not_the_servers_text_is_refused(tmp_path, text, match):
    loc = _refused(tmp_path, text, match, name="dump.sql")
    assert int(loc.rsplit(":", 1)[1]) > 1


# ---------------------------------------------------------------------------------------
# mariadb-dump's stand-in views (a SELECT of aliased literals) equal the server's


LITERAL_VIEWS = r"""
CREATE VIEW s1 AS SELECT
 NULL AS `id`,
 NULL AS `a``b "c"`;
CREATE ALGORITHM=MERGE VIEW s2 AS SELECT 1 AS a, 'x' b, -5 AS `c`, 1.50 AS d, TRUE AS e,
  'it''s' AS f, 007 g, FALSE 'h', NULL AS `é`;
CREATE ALGORITHM=TEMPTABLE SQL SECURITY INVOKER VIEW s3 AS SELECT NULL AS a;
CREATE VIEW s4 AS SELECT DISTINCT 1 AS a, 'a\\b\nc' AS b;
CREATE VIEW s5 (x, y) AS SELECT NULL AS a, NULL AS b;
CREATE OR REPLACE VIEW s1 AS SELECT NULL AS `only`;
"""


def _live(server, text: str):
    db = server.create_database()
    try:
        server.create_account(LOADER_USER)
        proc = subprocess.run(server.client_command(db, user=LOADER_USER),
                              input=text.encode("utf-8"), capture_output=True, check=False)
        assert proc.returncode == 0, proc.stderr.decode()
        conn = server.connect(db, client_flag=MULTI_STATEMENTS)
        try:
            return introspect(conn, db, self_check=False, loader_account=LOADER_ACCOUNT).schema
        finally:
            conn.close()
    finally:
        server.drop_database(db)


def test_literal_selects_equal_the_server(server, tmp_path):
    path = tmp_path / "s.sql"
    path.write_text(LITERAL_VIEWS, encoding="utf-8")
    live = _live(server, LITERAL_VIEWS)
    offline = read_offline([path]).schema
    assert sorted(offline.views, key=lambda v: v.name) == sorted(live.views, key=lambda v: v.name)
    assert len(offline.views) == 5


@pytest.mark.parametrize("select", [
    "SELECT 1", "SELECT NULL", "SELECT 1 AS a LIMIT 1", "SELECT 1 AS a, 2 AS A",
    "SELECT 1 AS a WITH CHECK OPTION", "SELECT 1 AS select", "SELECT 'é' AS a",
    "SELECT 'a' 'b' AS c", "SELECT 1 AS a,",
])
def test_literal_selects_the_server_refuses_or_rewrites_are_refused(server, tmp_path, select):
    script = f"CREATE VIEW v AS {select};\n"
    path = tmp_path / "s.sql"
    path.write_text(script, encoding="utf-8")
    with pytest.raises(SqlError) as info:
        read_offline([path])
    assert info.value.location == f"{path}:1"
    db = server.create_database()
    try:
        proc = subprocess.run(server.client_command(db), input=script.encode("utf-8"),
                              capture_output=True, check=False)
        if proc.returncode == 0:          # the server takes it: offline, it was a refusal
            assert "cannot be reproduced offline" in info.value.message
        else:                             # the server refuses it too
            assert "ERROR" in proc.stderr.decode()
    finally:
        server.drop_database(db)
