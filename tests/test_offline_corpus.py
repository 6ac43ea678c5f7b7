"""Offline reading of the real ISPyB files equals what a server makes of them, the rows of
the lookup tables included."""

from __future__ import annotations

import dataclasses

import pytest

from schema_tools.model import Snapshot
from schema_tools.offline.reader import read_offline
from schema_tools.sources.resolve import snapshot_from_sql

pytestmark = [pytest.mark.server, pytest.mark.corpus]

SOURCES = {
    "dls-v4.0.0": ["dls/v4.0.0/tables.sql", "dls/v4.0.0/routines.sql"],
    "dls-v5.0.0": ["dls/v5.0.0/tables.sql", "dls/v5.0.0/routines.sql"],
    "dls-v5.0.0-lookups": ["dls/v5.0.0/tables.sql", "dls/v5.0.0/lookups.sql",
                           "dls/v5.0.0/routines.sql"],
    "dls-v4.0.0-lookups": ["dls/v4.0.0/tables.sql", "dls/v4.0.0/lookups.sql"],
    "esrf-pydb": ["esrf/pydb.sql"],
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_offline_snapshot_equals_server_snapshot(name, server, corpus):
    paths = [corpus / "ispyb" / f for f in SOURCES[name]]
    live = snapshot_from_sql(paths, server=server.url())
    offline = read_offline(paths)
    assert not offline.partial
    assert Snapshot(offline.schema).to_json() == live.to_json()
    rows = {d.table: len(d.rows) for d in offline.schema.data}
    if name.endswith("-lookups"):
        assert len(rows) == 23 and rows["SpaceGroup"] > 200 and rows["AdminVar"] == 1
        # SchemaStatus is not a lookup table: its rows are reported, not kept
        assert "SchemaStatus" not in rows
        assert any("lookups.sql:" in line and "SchemaStatus" in line for line in offline.ignored)
    elif name.startswith("dls"):
        assert rows and not any(rows.values())  # the lookup tables exist, empty
    if name == "esrf-pydb":
        assert len(offline.missing_views) == 40


def test_offline_apply_of_the_71_updates_equals_the_server(server, corpus):
    dls = corpus / "ispyb" / "dls"
    updates = sorted((dls / "updates-v4.0.0-to-v5.0.0").glob("*.sql"))
    assert len(updates) == 71
    files = [dls / "v4.0.0" / "tables.sql", dls / "v4.0.0" / "lookups.sql"] + updates
    live = snapshot_from_sql(files, server=server.url()).schema
    offline = read_offline(files)
    assert not offline.partial
    # the scripts' DML on tables that are not tracked (SchemaStatus) is reported, with file
    # and line; the DML on lookup tables is applied
    assert any("2024_01_09_AdminVar_bump_version.sql:1:" in line for line in offline.ignored)
    assert not any("2024_01_09_AdminVar_bump_version.sql:3:" in line for line in offline.ignored)
    data = {d.table: d for d in offline.schema.data}
    assert data["AdminVar"].rows[0][1:] == ("'schemaVersion'", "'5.0.0'")
    assert data == {d.table: d for d in live.data}
    tables_only = dataclasses.replace(offline.schema, routines=(), triggers=(), views=(), events=())
    live_tables = dataclasses.replace(live, routines=(), triggers=(), views=(), events=())
    assert Snapshot(tables_only).to_json() == Snapshot(live_tables).to_json()
    # the two implicit FK indexes MariaDB drops when a UNIQUE index takes over
    for table, index in (("LaserParameters", "LaserParameters_fk_robotActionId"),
                         ("LaserPoint", "LaserPoint_fk_laserParametersId")):
        assert index not in {i.name for i in offline.schema.table(table).indexes}
