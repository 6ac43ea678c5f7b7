"""Large tables: the ALTER algorithm and lock of each single-feature change, predicted by the
rule tables and confirmed on the server; and ``upgrade --online`` on a 1,000,000-row table
shaped like ISPyB's DataCollection while a writer inserts and updates: pt-online-schema-change
keeps the writer's longest stall far below a plain copying ALTER's, and the end state is the
same schema, with every committed write there.

``-m online`` selects these tests; they run by default."""

from __future__ import annotations

import contextlib
import random
import shutil
import threading
import time
from pathlib import Path

import pymysql
import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.flavour import detect
from schema_tools.migrate.commands import revision_from_sql
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model import Snapshot
from schema_tools.online.plan import decide
from schema_tools.online.predict import StatementPredictor
from schema_tools.online.probe import Prober, probe_algorithm
from schema_tools.online.ptosc import OnlineOptions, ptosc_name
from schema_tools.online.statements import parse_table_ddl, statement_hint
from schema_tools.online.cost import TableSize
from schema_tools.dialect.ddl import render_schema
from schema_tools.review.algorithms import COPY, INPLACE, INSTANT, NONE, SHARED
from schema_tools.servers.local import LocalServer
from schema_tools.sources.loader import load_text
from schema_tools.sources.resolve import snapshot_from_url
from schema_tools.dialect.sqlscript import split_sql

from .conftest import _missing
from .feature_cases import CASES

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.server, pytest.mark.online]

# ---------------------------------------------------------------------------------------
# the statements and hints, without a server


def test_statements_are_read_from_their_text():
    t = parse_table_ddl("/* online: required */ ALTER TABLE `Data``Collection` MODIFY `x` bigint, LOCK=SHARED")
    assert (t.table, t.spec, t.kind) == ("Data`Collection", "MODIFY `x` bigint", "alter")
    assert t.forced("INSTANT", "NONE") == ("ALTER TABLE `Data``Collection` MODIFY `x` bigint, "
                                           "ALGORITHM=INSTANT, LOCK=NONE")
    assert statement_hint(t.sql) == "required" and statement_hint("ALTER TABLE t FORCE") is None
    assert parse_table_ddl("CREATE UNIQUE INDEX i ON db.t (a, b)").spec == "ADD UNIQUE INDEX i (a, b)"
    assert parse_table_ddl("DROP INDEX `i` ON `t`").spec == "DROP INDEX `i`"
    assert parse_table_ddl("RENAME TABLE a TO b") is None
    assert not parse_table_ddl("ALTER TABLE a RENAME TO b").online_capable
    # pt-osc's names for the foreign keys it re-creates
    assert [ptosc_name(n) for n in ("fk", "_fk", "__fk", "x" * 64)] == ["_fk", "__fk", "fk", "_" + "x" * 63]


@pytest.mark.parametrize("sql, spec", [
    # a name that starts like an option stays a name; the options themselves go
    ("ALTER TABLE t ADD COLUMN lock_time int, ALGORITHM=INPLACE", "ADD COLUMN lock_time int"),
    ("ALTER TABLE t ADD COLUMN x int, ADD INDEX lock_idx (x), LOCK=NONE", "ADD COLUMN x int, ADD INDEX lock_idx (x)"),
    ("ALTER TABLE t ADD lock int, ADD algorithm int", "ADD lock int, ADD algorithm int"),
    # a string that reads like an option, in either quote; a trailing comment is no part of it
    ("ALTER TABLE t LOCK=NONE, ADD c int COMMENT \"LOCK=NONE\" -- why", "ADD c int COMMENT \"LOCK=NONE\""),
    ("ALTER TABLE t ADD c int COMMENT 'ALGORITHM=COPY', ALGORITHM INPLACE", "ADD c int COMMENT 'ALGORITHM=COPY'"),
    ("CREATE OR REPLACE UNIQUE INDEX IF NOT EXISTS i ON db.t (a, b) ALGORITHM=INPLACE LOCK=NONE",
     "ADD UNIQUE INDEX IF NOT EXISTS i (a, b)"),
    ("DROP INDEX IF EXISTS `i` ON `t` LOCK=NONE", "DROP INDEX IF EXISTS `i`"),
    # options first, quoted, or behind a comment; an executable comment kept whole
    ("ALTER TABLE t ALGORITHM=INPLACE, LOCK=NONE, ADD x7 INT", "ADD x7 INT"),
    ("ALTER TABLE t ADD x INT, ALGORITHM=`INPLACE`", "ADD x INT"),
    ("ALTER TABLE t ADD x INT -- why\n, LOCK=NONE", "ADD x INT"),
    ("ALTER TABLE t ALGORITHM=COPY, /* c */ RENAME COLUMN a TO b", "RENAME COLUMN a TO b"),
    ("ALTER TABLE t ADD x INT /*!50100 COMMENT 'x' */", "ADD x INT /*!50100 COMMENT 'x' */"),
    ("CREATE INDEX i ON t (a) USING BTREE ALGORITHM = INPLACE LOCK=NONE COMMENT 'x'",
     "ADD INDEX i (a) USING BTREE COMMENT 'x'"),
])
def test_the_forced_options_are_removed_and_nothing_else(sql, spec):
    t = parse_table_ddl(sql)
    assert t is not None and t.table == "t" and t.spec == spec
    assert t.forced("INPLACE", "NONE").endswith(f"{spec}, ALGORITHM=INPLACE, LOCK=NONE")


def test_a_referenced_table_is_read_from_the_tokens():
    from schema_tools.online.plan import _referenced

    assert _referenced("ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES `other db`.`pa``rent` (id), "
                       "ADD c int COMMENT 'REFERENCES nothing'") == {"pa`rent"}


def test_the_route_of_a_statement():
    t = parse_table_ddl("ALTER TABLE t MODIFY c bigint")
    opts = OnlineOptions(threshold=1000)
    assert decide(t, True, TableSize(10), None, None)[0] is False
    assert decide(t, True, TableSize(10), None, opts)[0] is False  # small
    assert decide(t, True, TableSize(10), "required", opts)[0] is True
    assert decide(t, True, TableSize(10_000), None, opts)[0] is True
    assert decide(t, False, TableSize(10_000), None, opts)[0] is False  # does not block writes
    assert decide(t, True, TableSize(10_000), "forbidden", opts)[0] is False


# ---------------------------------------------------------------------------------------
# the rule tables against the server, for every single-feature change


@pytest.fixture(scope="module")
def dls5_db(server):
    dls5 = Snapshot.read(ROOT / "snapshots" / "dls-v5.0.0.json").schema
    db = server.create_database()
    load_text(render_schema(dls5), client=server.client_command(), database=db)
    yield dls5, db
    server.drop_database(db)


def test_probe_algorithm_on_a_scratch_copy(server):
    conn = server.connect()
    try:
        ddl = "CREATE TABLE t (id int unsigned PRIMARY KEY, n int unsigned, KEY (n))"
        alg, lock = probe_algorithm(conn, ddl, "ALTER TABLE t ADD COLUMN c varchar(10) NULL")
        assert (alg.name, lock) == (INSTANT, NONE)
        alg, lock = probe_algorithm(conn, ddl, "ALTER TABLE t MODIFY n bigint unsigned")
        assert (alg.name, lock) == (COPY, SHARED)
        alg, lock = probe_algorithm(conn, ddl, "CREATE INDEX i ON t (n, id)")
        assert (alg.name, alg.rebuild, lock) == (INPLACE, False, NONE)
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES LIKE 'st\\_probe\\_%'")
            assert cur.fetchall() == ()  # the scratch databases are gone
    finally:
        conn.close()


@pytest.mark.parametrize("case", sorted(CASES))
def test_predicted_algorithm_is_what_the_server_accepts(case, server, dls5_db):
    """Each statement of the case: the rule tables' algorithm, rebuild and lock equal the
    cheapest ALGORITHM=/LOCK= the server accepts on an empty copy of the table."""
    dls5, db = dls5_db
    flavour = detect(server.version)
    statements = [st.sql for st in split_sql(CASES[case][1] + ";")]
    predictor = StatementPredictor(dls5, flavour)
    conn = server.connect(db)
    from schema_tools.online.plan import probe_on

    compared = 0
    try:
        with Prober(conn) as prober:
            for sql in statements:
                predicted = predictor.next(sql)
                target = parse_table_ddl(sql)
                if target is None:
                    assert predicted is None
                    continue
                assert predicted is not None and predicted.prediction is not None, f"{case}: not followed offline"
                probed = probe_on(prober, conn, db, target)
                p = predicted.prediction
                assert (p.algorithm.name, p.algorithm.rebuild, p.lock) == \
                    (probed.algorithm.name, probed.algorithm.rebuild, probed.lock), \
                    f"{case}: {sql}: predicted {p} ({', '.join(p.ops)}), the server accepts " \
                    f"{probed.algorithm}, LOCK={probed.lock}"
                compared += 1
    finally:
        conn.close()
    if not any(parse_table_ddl(s) for s in statements):
        assert compared == 0  # a table, view, routine or trigger created, dropped or renamed
    else:
        assert compared >= 1


# ---------------------------------------------------------------------------------------
# a DataCollection-shaped table of 1,000,000 rows, a writer, and the two ways to alter it

ROWS = 1_000_000

BASE_SQL = """
CREATE TABLE `DataCollectionGroup` (
  `dataCollectionGroupId` int(11) NOT NULL AUTO_INCREMENT,
  `sessionId` int(10) unsigned NOT NULL,
  `experimentType` varchar(45) DEFAULT NULL,
  `startTime` datetime DEFAULT NULL,
  PRIMARY KEY (`dataCollectionGroupId`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE `DataCollection` (
  `dataCollectionId` int(11) unsigned NOT NULL AUTO_INCREMENT COMMENT 'Primary key (auto-incremented)',
  `BLSAMPLEID` int(11) unsigned DEFAULT NULL,
  `SESSIONID` int(11) unsigned DEFAULT 0,
  `dataCollectionNumber` int(10) unsigned DEFAULT NULL,
  `startTime` datetime DEFAULT NULL COMMENT 'Start time of the dataCollection',
  `endTime` datetime DEFAULT NULL COMMENT 'end time of the dataCollection',
  `runStatus` varchar(45) DEFAULT NULL,
  `axisStart` float DEFAULT NULL,
  `axisEnd` float DEFAULT NULL,
  `axisRange` float DEFAULT NULL,
  `overlap` float DEFAULT NULL,
  `numberOfImages` int(10) unsigned DEFAULT NULL,
  `startImageNumber` int(10) unsigned DEFAULT NULL,
  `exposureTime` float DEFAULT NULL,
  `imageDirectory` varchar(255) DEFAULT NULL COMMENT 'The directory where files reside - should end with a slash',
  `imagePrefix` varchar(45) DEFAULT NULL,
  `fileTemplate` varchar(255) DEFAULT NULL,
  `wavelength` float DEFAULT NULL,
  `resolution` float DEFAULT NULL,
  `detectorDistance` float DEFAULT NULL,
  `comments` varchar(1024) DEFAULT NULL,
  `printableForReport` tinyint(1) unsigned DEFAULT 1,
  `dataCollectionGroupId` int(11) NOT NULL COMMENT 'references DataCollectionGroup table',
  PRIMARY KEY (`dataCollectionId`),
  KEY `DataCollection_FKIndex0` (`BLSAMPLEID`),
  KEY `DataCollection_FKIndex00` (`SESSIONID`),
  KEY `DataCollection_FKIndex1` (`dataCollectionGroupId`),
  KEY `DataCollection_dataCollectionGroupId_startTime` (`dataCollectionGroupId`,`startTime`),
  CONSTRAINT `DataCollection_ibfk_1` FOREIGN KEY (`dataCollectionGroupId`) REFERENCES `DataCollectionGroup` (`dataCollectionGroupId`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE `Image` (
  `imageId` int(12) unsigned NOT NULL AUTO_INCREMENT,
  `dataCollectionId` int(11) unsigned NOT NULL DEFAULT 0,
  `imageNumber` int(10) unsigned DEFAULT NULL,
  `fileName` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`imageId`),
  KEY `Image_FKIndex1` (`dataCollectionId`),
  CONSTRAINT `Image_ibfk_1` FOREIGN KEY (`dataCollectionId`) REFERENCES `DataCollection` (`dataCollectionId`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
"""  # noqa: E501 - the tables as SHOW CREATE TABLE prints them

CHANGE = "ALTER TABLE `DataCollection` MODIFY `numberOfImages` bigint(20) unsigned DEFAULT NULL;"


def load_rows(conn, rows: int = ROWS) -> None:
    """Fill the tables fast, from the Sequence engine."""
    with conn.cursor() as cur:
        cur.execute("INSERT INTO DataCollectionGroup (sessionId, experimentType, startTime) "
                    "SELECT seq, 'OSC', '2024-01-01' + INTERVAL seq MINUTE FROM seq_1_to_1000")
        cur.execute(
            "INSERT INTO DataCollection (BLSAMPLEID, SESSIONID, dataCollectionNumber, startTime, endTime, runStatus, "
            "axisStart, axisEnd, axisRange, overlap, numberOfImages, startImageNumber, exposureTime, imageDirectory, "
            "imagePrefix, fileTemplate, wavelength, resolution, detectorDistance, comments, dataCollectionGroupId) "
            "SELECT seq % 5000, seq % 997, seq % 20, '2024-01-01' + INTERVAL seq SECOND, "
            "'2024-01-01' + INTERVAL (seq + 60) SECOND, 'DataCollection Successful', 0, 360, 0.1, 0, 3600, 1, 0.004, "
            "CONCAT('/dls/i03/data/2024/cm', seq % 100, '/'), CONCAT('xtal_', seq % 50), "
            f"CONCAT('xtal_', seq % 50, '_####.cbf'), 0.9763, 1.8, 250, NULL, 1 + seq % 1000 FROM seq_1_to_{rows}")
        cur.execute("INSERT INTO Image (dataCollectionId, imageNumber, fileName) "
                    "SELECT seq, 1, CONCAT('img_', seq, '.cbf') FROM seq_1_to_200")
        cur.execute("ANALYZE TABLE DataCollection, DataCollectionGroup, Image")
        cur.fetchall()


class Writer(threading.Thread):
    """Inserts and updates DataCollection rows, one statement at a time (autocommit),
    recording what committed and how long each statement took."""

    def __init__(self, connect, rows: int = ROWS, pause: float = 0.002) -> None:
        super().__init__(daemon=True)
        self.connect = connect
        self.rows = rows
        self.pause = pause
        self.inserted: dict[int, str] = {}
        self.updated: dict[int, int] = {}
        self.errors: list[str] = []
        self.operations = 0
        self.longest = 0.0
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._rng = random.Random(7)

    def reset(self) -> None:
        with self._lock:
            self.longest = 0.0

    def stop(self) -> None:
        self._stop_event.set()
        self.join(60)

    def run(self) -> None:
        conn = self.connect()
        i = 0
        try:
            while not self._stop_event.is_set():
                i += 1
                t0 = time.monotonic()
                try:
                    with conn.cursor() as cur:
                        if i % 2:
                            marker = f"writer {i}"
                            cur.execute("INSERT INTO DataCollection (dataCollectionGroupId, numberOfImages, comments, "
                                        "startTime) VALUES (%s, %s, %s, NOW())", (1 + i % 1000, i, marker))
                            self.inserted[cur.lastrowid] = marker
                        else:
                            row = self._rng.randint(1, self.rows)
                            cur.execute("UPDATE DataCollection SET numberOfImages = %s WHERE dataCollectionId = %s",
                                        (i, row))
                            self.updated[row] = i
                except pymysql.MySQLError as exc:
                    self.errors.append(f"{exc.args[0]}: {exc.args[-1]}")
                    if exc.args[0] in (2006, 2013):
                        conn = self.connect()
                took = time.monotonic() - t0
                with self._lock:
                    self.longest = max(self.longest, took)
                    self.operations += 1
                time.sleep(self.pause)
        finally:
            conn.close()

    def lost(self, conn) -> list[str]:
        """Committed writes that are not in the table."""
        missing = []
        with conn.cursor() as cur:
            ids = sorted(self.inserted)
            for k in range(0, len(ids), 1000):
                part = ids[k:k + 1000]
                cur.execute("SELECT dataCollectionId, comments FROM DataCollection WHERE dataCollectionId IN ("
                            + ",".join(["%s"] * len(part)) + ")", part)
                found = dict(cur.fetchall())
                missing += [f"insert {i}" for i in part if found.get(i) != self.inserted[i]]
            ids = sorted(self.updated)
            for k in range(0, len(ids), 1000):
                part = ids[k:k + 1000]
                cur.execute("SELECT dataCollectionId, numberOfImages FROM DataCollection WHERE dataCollectionId IN ("
                            + ",".join(["%s"] * len(part)) + ")", part)
                found = dict(cur.fetchall())
                missing += [f"update {i}" for i in part if found.get(i) != self.updated[i]]
        return missing


def make_revision(server, tmp_path: Path, source_db: str) -> RevisionDir:
    """A revision directory whose one revision is CHANGE, over the schema of ``source_db``."""
    base = snapshot_from_url(server.url(source_db))
    change = tmp_path / "change.sql"
    change.write_text(CHANGE)
    rdir = RevisionDir(tmp_path / "revisions")
    revision_from_sql(rdir, [change], message="DataCollection: numberOfImages bigint", server=server.url(),
                      source=base.schema, check=False)
    return rdir


def build_database(server, name: str | None = None, rows: int = ROWS) -> str:
    db = server.create_database(name)
    load_text(BASE_SQL, client=server.client_command(), database=db)
    conn = server.connect(db)
    try:
        load_rows(conn, rows)
    finally:
        conn.close()
    return db


def upgrade(url: str, rdir: RevisionDir, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["upgrade", "--url", url, "--dir", str(rdir.path), "--yes",
                                      "--allow-unreviewed", *extra], catch_exceptions=False)
    return result.exit_code, result.output


def timed_upgrade_with_writer(server, db: str, rdir: RevisionDir, *extra: str, rows: int = ROWS):
    """(exit code, output, writer's longest stall, seconds, writer) of an upgrade run while
    the writer writes."""
    writer = Writer(lambda: server.connect(db), rows)
    writer.start()
    try:
        time.sleep(0.5)  # the writer is going
        writer.reset()
        t0 = time.monotonic()
        code, out = upgrade(server.url(db), rdir, *extra)
        seconds = time.monotonic() - t0
        stall = writer.longest
        time.sleep(0.3)  # and goes on after
    finally:
        writer.stop()
    return code, out, stall, seconds, writer


ONLINE_ARGS = ("--online", "--online-threshold", "100000", "--chunk-time", "0.1", "--progress", "time,5")


@pytest.fixture(scope="module")
def online_server():
    if shutil.which("pt-online-schema-change") is None:
        _missing("pt-online-schema-change not found (apt-get install percona-toolkit)")
    with LocalServer(innodb_autoinc_lock_mode=2) as srv:
        yield srv


def test_online_upgrade_keeps_writers_going_and_reaches_the_same_state(online_server, tmp_path):
    server = online_server
    plain_db = build_database(server)
    online_db = build_database(server)
    rdir = make_revision(server, tmp_path, plain_db)
    assert snapshot_from_url(server.url(online_db)).fingerprint == snapshot_from_url(server.url(plain_db)).fingerprint

    # the ranked plan: the MODIFY copies and blocks writes, and --online would send it to pt-osc
    code, out = upgrade(server.url(online_db), rdir, "--plan", *ONLINE_ARGS)
    assert code == 0, out
    assert "DataCollection: ALGORITHM=COPY, LOCK=SHARED; writes blocked" in out
    assert "confirmed; route: online via pt-online-schema-change" in out

    code, out, plain_stall, plain_seconds, plain_writer = timed_upgrade_with_writer(server, plain_db, rdir)
    assert code == 0, out
    assert "pt-online-schema-change" not in out

    code, out, online_stall, online_seconds, online_writer = timed_upgrade_with_writer(
        server, online_db, rdir, *ONLINE_ARGS)
    assert code == 0, out
    assert "pt-online-schema-change --execute on DataCollection" in out
    assert "foreign key names restored on DataCollection: _DataCollection_ibfk_1 -> DataCollection_ibfk_1" in out
    assert "foreign key names restored on Image: _Image_ibfk_1 -> Image_ibfk_1" in out
    assert "the schema is the recorded state of" in out

    # pt-osc's behaviour against a blocking ALTER, with wide margins
    report = (f"writer's longest stall: plain ALTER {plain_stall:.2f} s ({plain_seconds:.1f} s in all), "
              f"online {online_stall:.3f} s ({online_seconds:.1f} s in all)")
    print(report)
    assert online_stall < 1.0, report
    assert plain_stall > 1.5 and plain_stall > 3 * online_stall, report
    assert online_writer.operations > 100 and plain_writer.operations > 10

    # the same end state, and no committed write lost
    plain_fp = snapshot_from_url(server.url(plain_db)).fingerprint
    online_fp = snapshot_from_url(server.url(online_db)).fingerprint
    assert online_fp == plain_fp
    with contextlib.closing(server.connect(online_db)) as conn:
        assert online_writer.lost(conn) == []
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM DataCollection WHERE dataCollectionId <= %s", (ROWS,))
            assert cur.fetchone()[0] == ROWS
            cur.execute("SHOW TABLES LIKE '\\_%'")
            assert cur.fetchall() == ()  # no _DataCollection_new/_old left
    with contextlib.closing(server.connect(plain_db)) as conn:
        assert plain_writer.lost(conn) == []
