"""The real ISPyB schemas: counts, self-check, fixpoint, and equality with the client."""

from __future__ import annotations

import subprocess

import pytest

from schema_tools.config import ISPYB_LOOKUP_TABLES
from schema_tools.model import Snapshot
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.resolve import snapshot_from_sql

pytestmark = [pytest.mark.server, pytest.mark.corpus]

SCHEMAS = {
    "dls-v4.0.0": ["dls/v4.0.0/tables.sql", "dls/v4.0.0/lookups.sql", "dls/v4.0.0/routines.sql"],
    "dls-v5.0.0": ["dls/v5.0.0/tables.sql", "dls/v5.0.0/lookups.sql", "dls/v5.0.0/routines.sql"],
    "esrf-pydb": ["esrf/pydb.sql"],
}
EXPECTED = {
    "dls-v4.0.0": {"tables": 192, "procedures": 188, "functions": 14, "triggers": 1},
    "dls-v5.0.0": {"tables": 203, "procedures": 191, "functions": 14, "triggers": 1},
    "esrf-pydb": {"tables": 196, "procedures": 0, "functions": 0, "triggers": 0},
}


@pytest.fixture(scope="module")
def snapshots(server, corpus):
    out = {}
    for name, files in SCHEMAS.items():
        paths = [corpus / "ispyb" / f for f in files]
        out[name] = snapshot_from_sql(paths, server=server.url(), site=name)
    return out


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_counts_match_the_server(snapshots, name):
    counts = snapshots[name].schema.counts()
    for kind, n in EXPECTED[name].items():
        assert counts[kind] == n, kind


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_self_check_finds_nothing_unsupported(snapshots, name):
    assert snapshots[name].metadata["unsupported"] == []


def test_esrf_missing_views_are_reported(snapshots):
    meta = snapshots["esrf-pydb"].metadata
    assert len(meta["missing_views"]) == 40
    assert "v_saxs_datacollection" in meta["missing_views"]
    assert any("USE pydb ignored" in w for w in meta["warnings"])


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_fixpoint(snapshots, server, tmp_path, name):
    first = snapshots[name]
    script = tmp_path / "rendered.sql"
    script.write_text(render_schema(first.schema))
    second = snapshot_from_sql([script], server=server.url())
    assert second.metadata["unsupported"] == []
    assert second.to_json() == first.to_json()


def test_tool_load_equals_client_load(snapshots, server, scratch_db, corpus):
    """Files piped into the plain `mariadb` client give the same snapshot as the tool."""
    for f in SCHEMAS["dls-v5.0.0"]:
        with open(corpus / "ispyb" / f, "rb") as fh:
            subprocess.run(server.client_command(scratch_db), stdin=fh, check=True)
    conn = server.connect(scratch_db, client_flag=MULTI_STATEMENTS)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            account = cur.fetchone()[0]
        direct = Snapshot(introspect(conn, scratch_db, loader_account=account,
                                     data_tables=ISPYB_LOOKUP_TABLES).schema)
    finally:
        conn.close()
    assert direct.to_json() == snapshots["dls-v5.0.0"].to_json()
