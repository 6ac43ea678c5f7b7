"""The route of docs/site-adoption.md, on ESRF's database: the phpMyAdmin dump and the site's
own later scripts loaded into a database of another name, rows of the site's kind, then
identify, stamp, the plan with the constraints the additive path leaves out, the upgrade
along the ``esrf`` branch and the downgrade back to its root.

That a revision whose end state is not its recorded one leaves ``alembic_version`` at the
revision before is tested in tests/test_online_resume.py
(``test_a_failed_end_check_never_records_the_revision``)."""

from __future__ import annotations

import contextlib
import secrets

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.migrate.revision import holds
from schema_tools.model.snapshot import Snapshot
from schema_tools.sources.introspect import BOOKKEEPING_TABLES
from schema_tools.sources.loader import load_files
from schema_tools.sources.resolve import snapshot_from_url

from .conftest import PROJECT_ROOT

pytestmark = [pytest.mark.server, pytest.mark.corpus]

SITE_ACCOUNT = "'pxadmin'@'%'"  # the DEFINER the ESRF scripts name
STRATEGY = "-low never -anomalous"  # an EDNA option string, not JSON: DLS has json_valid there

# (table, primary key, ids, statements): the site's rows
ROWS = [
    ("Person", "personId", (900001,), [
        "INSERT INTO `Person` (`personId`, `familyName`, `givenName`, `login`, `emailAddress`, `cache`) "
        "VALUES (900001, 'Müller-Łukasiewicz', 'Zoë', 'mx2415', 'zoe@example.org', '{\"lang\": \"fr\"}')"]),
    ("Proposal", "proposalId", (9001, 9002), [
        "INSERT INTO `Proposal` (`proposalId`, `personId`, `title`, `proposalCode`, `proposalNumber`, "
        "`proposalType`, `state`) VALUES (9001, 900001, REPEAT('Структура лизоцима — ', 60), 'mx', '2415', "
        "'MX', 'Open'), (9002, 900001, 'Crystal structure of HEWL', 'ih', '1', 'MX', 'Closed')"]),
    ("BLSession", "sessionId", (70001, 70002, 70003), [
        # 70001 and 70002: one visit twice, which DLS's unique key (proposalId, visit_number) refuses
        "INSERT INTO `BLSession` (`sessionId`, `expSessionPk`, `proposalId`, `projectCode`, `startDate`, "
        "`endDate`, `beamLineName`, `visit_number`, `sessionTitle`, `structureDeterminations`, "
        "`dewarTransport`, `databackupFrance`, `databackupEurope`, `operatorSiteNumber`, `protectedData`, "
        "`nbReimbDewars`, `archived`) VALUES (70001, 4294967295, 9001, 'IX-42', '2024-03-01 08:00:00', "
        "'2024-03-02 08:00:00', 'ID30A-1', 1, 'Lysozyme soak series', 2.5, 1, 0.5, 0.25, 'S-1234', "
        "'yes: embargo', 3, 1), (70002, 17, 9001, NULL, '2024-03-05 08:00:00', NULL, 'ID23-2', 1, "
        "'Same visit again', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0)",
        "INSERT INTO `BLSession` (`sessionId`, `proposalId`, `beamLineName`, `visit_number`) "
        "VALUES (70003, 9002, 'BM29', 7)"]),
    ("Shipping", "shippingId", (400001,), [
        "INSERT INTO `Shipping` (`shippingId`, `proposalId`, `shippingName`, `shippingStatus`, `comments`) "
        "VALUES (400001, 9001, 'Envoi n°1 — été', 'at ESRF', 'fragile')"]),
    ("Dewar", "dewarId", (300001, 300002), [
        # 200 x é in a latin1 tinytext: 200 bytes; DLS's column is a varchar(1024)
        "INSERT INTO `Dewar` (`dewarId`, `shippingId`, `code`, `comments`, `barCode`, `customsValue`, "
        "`transportValue`, `isReimbursed`, `facilityCode`) VALUES (300001, 400001, 'DW-1', REPEAT('é', 200), "
        "'ESRF-DW-0001', 4294967295, 0, 1, 'FC-1'), (300002, 400001, 'DW-2', 'late', 'ESRF-DW-0002', NULL, "
        "NULL, 0, NULL)"]),
    ("Container", "containerId", (500001, 500002), [
        # 500002 names a Screen that does not exist: DLS's foreign key Container_ibfk2 refuses it
        "INSERT INTO `Container` (`containerId`, `dewarId`, `code`, `containerType`, `capacity`, `barcode`, "
        "`sessionId`, `experimentType`, `storageTemperature`, `screenId`) VALUES (500001, 300001, 'P1', "
        "'Spinepuck', 16, 'ESRF-PK-0001', 70001, 'MX', -196.5, NULL), (500002, 300001, 'P2', 'Unipuck', 16, "
        "'ESRF-PK-0002', 70001, 'MX', NULL, 123)"]),
    ("Protein", "proteinId", (600001,), [
        "INSERT INTO `Protein` (`proteinId`, `proposalId`, `name`, `acronym`, `description`, `molecularMass`, "
        "`sequence`, `global`) VALUES (600001, 9001, 'Lysozyme C (hühnereiweiß)', 'HEWL', "
        "'hen egg-white lysozyme', 14307.14, REPEAT('KVFGRCELAAAMKRHGLDNYRGYSLGNWVCAAKFESNFNTQATNRNTDGSTDYGIL"
        "QINSRWWCNDGRTPGSRNLCNIPCSALLSSDITASVNCAKKIVSDGNGMNAWVAWRNRCKGTDVQAWIRGCRL', 20), 1)"]),
    ("Crystal", "crystalId", (700001,), [
        "INSERT INTO `Crystal` (`crystalId`, `proteinId`, `name`, `spaceGroup`, `cell_a`, `cell_b`, `cell_c`, "
        "`cell_alpha`, `cell_beta`, `cell_gamma`, `packingFraction`) VALUES (700001, 600001, 'HEWL form I', "
        "'P43212', 79.1, 79.1, 37.9, 90, 90, 90, 0.42)"]),
    ("BLSample", "blSampleId", (800001, 800002, 800003), [
        # 800002 and 800003 share a place, which DLS's unique key refuses
        "INSERT INTO `BLSample` (`blSampleId`, `crystalId`, `containerId`, `name`, `location`, `subLocation`, "
        "`positionId`, `comments`) VALUES (800001, 700001, 500001, 'hewl_01', '1', NULL, 12, 'Pin déjà centré'), "
        "(800002, 700001, 500001, 'hewl_02', '2', 1, NULL, NULL), "
        "(800003, 700001, 500001, 'hewl_02b', '2', 1, NULL, 'same place twice')"]),
    ("DiffractionPlan", "diffractionPlanId", (758400, 758401), [
        # 758401 is a preset for a proposal that does not exist: DLS's DiffractionPlan_ibfk1 refuses it
        "INSERT INTO `DiffractionPlan` (`diffractionPlanId`, `xmlDocumentId`, `experimentKind`, `strategyOption`, "
        "`diffractionPlanUUID`, `dataCollectionPlanGroupId`, `userPath`, `numberOfImages`, `presetForProposalId`) "
        f"VALUES (758400, 4294967295, 'MXPressE', '{STRATEGY}', 'c0ffee00-1234-4bcd-8def-000000000001', 12, "
        "'soak/series_1', 3600, NULL), (758401, NULL, 'Default', NULL, NULL, NULL, NULL, NULL, 999999)"]),
    ("Workflow", "workflowId", (4242,), [
        "INSERT INTO `Workflow` (`workflowId`, `workflowTitle`, `workflowType`, `status`) "
        "VALUES (4242, 'MXPressE on hewl_01', 'MXPressA_globalp_quick', 'Success')"]),
    ("DataCollectionGroup", "dataCollectionGroupId", (1800001,), [
        "INSERT INTO `DataCollectionGroup` (`dataCollectionGroupId`, `blSampleId`, `sessionId`, `workflowId`, "
        "`experimentType`, `startTime`, `comments`) VALUES (1800001, 800001, 70001, 4242, 'SAD', "
        "'2024-03-01 09:00:00', 'Collecte réussie')"]),
    ("DataCollection", "dataCollectionId", (2200001, 2200002), [
        "INSERT INTO `DataCollection` (`dataCollectionId`, `dataCollectionGroupId`, `startTime`, `numberOfImages`, "
        "`xBeamPix`, `yBeamPix`, `blSampleId`, `sessionId`, `experimentType`, `magnification`, `flux`, "
        "`imageDirectory`) VALUES (2200001, 1800001, '2024-03-01 09:01:00', 4294967295, 1024.5, 1030.25, "
        "800001, 70001, 'OSC', 2147483647, 1.5e15, '/data/visitor/mx2415/id30a1/20240301/RAW_DATA'), "
        "(2200002, 1800001, '2024-03-01 09:05:00', 3600, NULL, NULL, 800001, 70001, 'OSC', -2147483648, "
        "2.3e12, '/data/visitor/mx2415/id30a1/20240301/RAW_DATA')"]),
    ("EnergyScan", "energyScanId", (100001,), [
        "INSERT INTO `EnergyScan` (`energyScanId`, `sessionId`, `remoteEnergy`, `remoteFPrime`, "
        "`remoteFDoublePrime`, `element`) VALUES (100001, 70001, 12.7, -8.1, 3.9, 'Se')"]),
]


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _rows(conn, schema) -> dict:
    """The site's rows, every column the site's schema has (by primary key)."""
    out = {}
    with conn.cursor() as cur:
        for table, key, ids, _ in ROWS:
            columns = [c.name for c in schema.table(table).columns]
            cur.execute(f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM `{table}` "
                        f"WHERE `{key}` IN ({', '.join(map(str, ids))}) ORDER BY `{key}`")
            out[table] = cur.fetchall()
    return out


def _show_create(conn) -> dict[str, str]:
    """SHOW CREATE of every table, view, procedure, function and trigger (bookkeeping aside)."""
    out = {}
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
        for name, kind in cur.fetchall():
            if name not in BOOKKEEPING_TABLES:
                kind = "VIEW" if kind == "VIEW" else "TABLE"
                cur.execute(f"SHOW CREATE {kind} `{name}`")
                out[f"{kind} {name}"] = cur.fetchone()[1]
        cur.execute("SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES "
                    "WHERE ROUTINE_SCHEMA = DATABASE()")
        for kind, name in cur.fetchall():
            cur.execute(f"SHOW CREATE {kind} `{name}`")
            out[f"{kind} {name}"] = cur.fetchone()[2]
        cur.execute("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
        for (name,) in cur.fetchall():
            cur.execute(f"SHOW CREATE TRIGGER `{name}`")
            out[f"TRIGGER {name}"] = cur.fetchone()[2]
    return out


def _versions(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT version_num FROM alembic_version")
        return [r[0] for r in cur.fetchall()]


@pytest.fixture(scope="module")
def journey(server, corpus):
    """The documented route, run once; what each step printed and what the database held."""
    esrf = corpus / "ispyb" / "esrf"
    db = server.create_database(f"esrf_site_{secrets.token_hex(4)}")
    with contextlib.closing(server.connect()) as admin, admin.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = 'pxadmin' AND Host = '%'")
        made_account = cur.fetchone()[0] == 0
        if made_account:  # as ESRF has it: the account its scripts name as DEFINER
            cur.execute(f"CREATE USER {SITE_ACCOUNT}")
            cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO {SITE_ACCOUNT}")
    j: dict = {"db": db, "url": server.url(db)}
    try:
        report = load_files([esrf / "pydb.sql", *sorted((esrf / "ahead").glob("*.sql"))],
                            client=server.client_command(), database=db)
        j["load_notes"] = report.notes
        conn = server.connect(db)
        try:
            with conn.cursor() as cur:
                for _, _, _, statements in ROWS:
                    for statement in statements:
                        cur.execute(statement)
            url_dir = ["--url", j["url"], "--dir", str(PROJECT_ROOT / "revisions")]
            j["identify"] = _run("identify", *url_dir)
            j["stamp"] = _run("stamp", *url_dir, "--auto")
            j["stamped"] = _versions(conn)
            j["plan"] = _run("upgrade", *url_dir, "--plan")
            j["review"] = _run("review", "esrf_dls5_1", "--dir", str(PROJECT_ROOT / "revisions"),
                               "--url", j["url"])
            j["before"] = snapshot_from_url(j["url"]).schema
            j["rows_before"] = _rows(conn, j["before"])
            j["show_before"] = _show_create(conn)
            j["upgrade"] = _run("upgrade", *url_dir, "--to", "esrf@head", "--yes")
            j["upgraded"] = _versions(conn)
            j["after"] = snapshot_from_url(j["url"]).schema
            j["rows_after"] = _rows(conn, j["before"])
            j["show_after"] = _show_create(conn)
            j["downgrade"] = _run("downgrade", *url_dir, "--to", "base", "--yes")
            j["downgraded"] = _versions(conn)
            j["rows_down"] = _rows(conn, j["before"])
            j["show_down"] = _show_create(conn)
        finally:
            conn.close()
        yield j
    finally:
        server.drop_database(db)
        if made_account:
            with contextlib.closing(server.connect()) as admin, admin.cursor() as cur:
                cur.execute(f"DROP USER {SITE_ACCOUNT}")


def test_the_dump_and_the_scripts_load_under_another_name(journey):
    assert journey["db"] != "pydb"
    notes = journey["load_notes"]
    assert any("CREATE DATABASE pydb applied to the target database" in n for n in notes), notes
    assert any("2019_10_10_add_index_Movie.sql: 1 name(s) qualified with pydb redirected" in n for n in notes), notes


def test_identify_and_stamp_put_the_database_at_the_root_of_the_esrf_branch(journey):
    code, out = journey["identify"]
    assert code == 0 and "schema: base (the start of line esrf, before esrf_dls5_1)" in out, out
    code, out = journey["stamp"]
    assert code == 0 and " at base" in out, out
    assert journey["stamped"] == []  # the root of a line: alembic_version holds no revision


def test_the_plan_lists_the_left_out_constraints_with_the_rows_that_fail_them(journey):
    code, out = journey["plan"]
    assert code == 0, out
    for line in ("column DiffractionPlan.strategyOption: the target's check (the site keeps its own); "
                 "1 row of DiffractionPlan fails it now",
                 "index BLSession.proposalId: the target's unique key (left out: the site's rows may not "
                 "meet it); 2 rows of BLSession share key values now",
                 "index BLSample.BLSample_uidx_containerId_location_subLocation: the target's unique key "
                 "(left out: the site's rows may not meet it); 2 rows of BLSample share key values now",
                 "foreign key Container.Container_ibfk2: the target's foreign key (left out: the site's rows "
                 "may not meet it); 1 row of Container has no parent row now",
                 "foreign key DiffractionPlan.DiffractionPlan_ibfk1: the target's foreign key (left out: the "
                 "site's rows may not meet it); 1 row of DiffractionPlan has no parent row now"):
        assert f"    left out: HY606 notice: {line}\n" in out, (line, out)
    assert "more constraint(s) that no row fails now" in out
    code, out = journey["review"]
    assert "HY606 esrf_dls5_1  column DiffractionPlan.strategyOption" in out
    assert "1 row of DiffractionPlan fails it now" in out


def test_the_upgrade_reaches_the_head_of_the_branch(journey):
    code, out = journey["upgrade"]
    assert code == 0, out
    assert journey["upgraded"] == ["esrf_dls5_2"]


def test_the_upgrade_keeps_everything_of_the_site(journey):
    before, after = journey["before"], journey["after"]
    for table in before.tables:
        now = after.table(table.name)
        assert now is not None, table.name
        columns = {c.name.lower(): c for c in now.columns}  # a name may take DLS's letter case
        for col in table.columns:
            new = columns.get(col.name.lower())
            assert new is not None, f"{table.name}.{col.name}"
            assert new.type == col.type or holds(new.type, col.type), (table.name, col.name, col.type, new.type)
    shown_before, shown_after = journey["show_before"], journey["show_after"]
    for view in before.views:
        assert shown_after[f"VIEW {view.name}"] == shown_before[f"VIEW {view.name}"]
    for routine in before.routines:
        assert shown_after[f"{routine.kind} {routine.name}"] == shown_before[f"{routine.kind} {routine.name}"]
    assert journey["rows_after"] == journey["rows_before"]
    assert journey["rows_after"]["DiffractionPlan"][0][
        [c.name for c in before.table("DiffractionPlan").columns].index("strategyOption")] == STRATEGY


def test_the_upgrade_gives_every_table_and_column_of_dls_v5(journey):
    after = journey["after"]
    dls = Snapshot.read(PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json").schema
    for table in dls.tables:
        now = after.table(table.name)
        assert now is not None, table.name
        names = {c.name.lower() for c in now.columns}
        missing = [c.name for c in table.columns if c.name.lower() not in names]
        assert not missing, (table.name, missing)


def test_the_downgrade_returns_to_the_root_with_the_rows(journey):
    code, out = journey["downgrade"]
    assert code == 0, out
    assert journey["downgraded"] == []
    assert journey["rows_down"] == journey["rows_before"]
    assert set(journey["show_down"]) == set(journey["show_before"])


def test_the_downgrade_gives_back_every_show_create_text(journey):
    """AUTO_INCREMENT counters and the order of the indexes included."""
    before, down = journey["show_before"], journey["show_down"]
    differ = sorted(k for k in before if down.get(k) != before[k])
    assert not differ, differ
