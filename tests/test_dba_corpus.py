"""identify and stamp on real ISPyB databases: DLS v4.0.0, v4.0.0 with 30 of the 71 update
scripts applied by the mariadb client (as a site did it), and the v5.0.0 release dump."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.dba.identify import BASE, identify, load_legacy_map, read_live
from schema_tools.migrate.revision import RevisionDir
from schema_tools.sources.connection import parse_url
from schema_tools.sources.loader import load_files

from .conftest import PROJECT_ROOT

pytestmark = [pytest.mark.server, pytest.mark.corpus]


def _identify(server, db, rdir):
    schema, versions, legacy = read_live(parse_url(server.url(db)))
    return identify(rdir, schema, alembic=versions, legacy=legacy,
                    snapshots=PROJECT_ROOT / "snapshots")


def _stamp_from_record(server, db, rdir):
    result = CliRunner().invoke(cli, ["stamp", "--url", server.url(db), "--dir", str(rdir.path),
                                      "--from-schemastatus"], catch_exceptions=False)
    return result.exit_code, result.output


def _versions(server, db):
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version_num FROM alembic_version")
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def test_identify_dls_releases_and_a_half_updated_database(server, corpus):
    rdir = RevisionDir(PROJECT_ROOT / "revisions")
    entries = load_legacy_map(rdir)
    assert len(entries) == 71, "the trunk maps every DLS update script"
    dls = corpus / "ispyb" / "dls"
    updates = sorted((dls / "updates-v4.0.0-to-v5.0.0").glob("*.sql"))
    client = server.client_command()
    v4 = [dls / "v4.0.0" / f for f in ("tables.sql", "lookups.sql", "routines.sql")]
    db = server.create_database()
    try:
        load_files(v4, client=client, database=db)
        ident = _identify(server, db, rdir)
        assert ident.revision == BASE and "dls-v4.0.0" in ident.snapshots
        assert ident.legacy is not None and ident.legacy_revision == BASE
        assert not ident.disagreements, ident.disagreements
        code, out = _stamp_from_record(server, db, rdir)
        assert code == 0 and f"at {BASE}" in out, out
        # 30 of the 71 scripts, run as the sites run them
        load_files(updates[:30], client=client, database=db)
        ident = _identify(server, db, rdir)
        assert ident.revision == entries[29].revision, (ident.revision, ident.nearest, ident.distance)
        assert ident.legacy_script == updates[29].name
        assert ident.legacy_revision == entries[29].revision and not ident.disagreements
        code, out = _stamp_from_record(server, db, rdir)
        assert code == 0 and _versions(server, db) == [entries[29].revision], out
        # a script stuck at ONGOING is a disagreement, and stamping from the record refuses
        conn = server.connect(db)
        with conn.cursor() as cur:
            cur.execute("UPDATE SchemaStatus SET schemaStatus = 'ONGOING' WHERE scriptName = %s",
                        (entries[29].recorded or entries[29].script,))
        conn.commit()
        conn.close()
        ident = _identify(server, db, rdir)
        assert any("ONGOING" in d for d in ident.disagreements)
        assert ident.legacy_revision == entries[28].revision
        code, out = _stamp_from_record(server, db, rdir)
        assert code == 2 and "SchemaStatus implies" in out
    finally:
        server.drop_database(db)
    # the v5.0.0 release dump is the head of the trunk, whose SchemaStatus names all 71 scripts
    db = server.create_database()
    try:
        load_files([dls / "v5.0.0" / f for f in ("tables.sql", "lookups.sql", "routines.sql")],
                   client=client, database=db)
        ident = _identify(server, db, rdir)
        assert "dls-v5.0.0" in ident.snapshots
        head = ident.revision
        assert head is not None and head not in {e.revision for e in entries}
        assert head in rdir.heads()
        assert ident.legacy_revision == head and not ident.disagreements, ident.disagreements
        code, out = _stamp_from_record(server, db, rdir)
        assert code == 0 and _versions(server, db) == [head]
    finally:
        server.drop_database(db)


def test_revisions_sharing_a_state_are_told_apart_by_the_records(corpus):
    from schema_tools.dba.identify import LegacyStatus, state_candidates

    rdir = RevisionDir(PROJECT_ROOT / "revisions")
    entries = load_legacy_map(rdir)
    shared = [revs for revs in state_candidates(rdir).values() if len(revs) > 1 and BASE not in revs]
    assert shared, "the DLS line has scripts that leave the recorded schema as it was"
    pair = shared[0]
    schema = rdir.state(pair[0]).schema
    assert identify(rdir, schema).ambiguous
    order = [e.revision for e in entries]
    for rev in pair:
        done = [e.recorded or e.script for e in entries[:order.index(rev) + 1]]
        ident = identify(rdir, schema, legacy=LegacyStatus(done=done))
        assert ident.revision == rev and not ident.ambiguous, (rev, ident.disagreements)
        assert identify(rdir, schema, alembic=[rev]).revision == rev
