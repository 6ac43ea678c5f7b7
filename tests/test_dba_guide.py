"""docs/dba-guide.md, run as written: its commands, from identify through upgrade (and the
downgrade back), on a database at a recorded state of the shipped DLS line; and upgrade and
downgrade following the database's own line of revisions when a directory holds several."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.dba.identify import load_legacy_map, read_live, tracked_tables
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model.snapshot import Snapshot
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.connection import parse_url
from schema_tools.sources.loader import load_text
from schema_tools.sources.resolve import snapshot_from_url

from .conftest import PROJECT_ROOT
from .test_dba import chain  # noqa: F401 - a fixture, used as an argument
from .test_verify import BASE_SQL, _snapshot

pytestmark = pytest.mark.server

GUIDE = PROJECT_ROOT / "docs" / "dba-guide.md"
GUIDE_URL = "mariadb://ispyb@db.example/ispyb"
HEAD = "dls_v5_0_0"
START = "dls_20260420_ligand_name"  # three revisions below the head of the DLS line


def _invoke(argv):
    result = CliRunner().invoke(cli, list(argv), catch_exceptions=False)
    return result.exit_code, result.stdout, result.output


def guide_commands(text: str) -> list[tuple[str, str]]:
    """(section, command line) of every ``schema-tools`` line in the guide's ```sh blocks, in order."""
    out, section, lang = [], "", None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if line.startswith("```"):
            lang = None if lang is not None else line[3:].strip()
            continue
        if lang == "sh" and line.strip().startswith("schema-tools "):
            out.append((section, line.strip()))
    return out


def as_a_dba_runs_it(line: str) -> list[tuple[str, str | None]]:
    """The ways a DBA runs one line of the guide: each optional part (``[...]``) left out,
    then each one given on its own; comments dropped.  (command text, output redirect)."""
    text = re.split(r"\s+#\s", line, maxsplit=1)[0]
    text, _, redirect = text.partition(" > ")
    optional = re.findall(r"\[([^\]]*)\]", text)
    plain = re.sub(r"\s*\[[^\]]*\]", "", text)
    variants = [plain] + [f"{plain} {part}" for part in optional]
    return [(v, redirect.strip() or None) for v in variants]


def _argv(text: str, *, url: str, cnf: Path, rev: str) -> list[str]:
    words = shlex.split(text.replace("REV|base", "REV"))
    assert words[0] == "schema-tools", text
    subst = {GUIDE_URL: url, "URL": url, "~/.my.cnf": str(cnf), "REV": rev}
    return [subst.get(w, w) for w in words[1:]]


def _fingerprint(server, db, rdir: RevisionDir | None = None) -> str:
    """The live schema's fingerprint, as identify and upgrade read it with ``rdir`` (the rows
    of the tables it tracks; routines created by the account that runs revisions carry no
    definer)."""
    if rdir is None:
        return snapshot_from_url(server.url(db)).fingerprint
    return Snapshot(read_live(parse_url(server.url(db)), tracked_tables(rdir))[0]).fingerprint


def _versions(server, db) -> list[str]:
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES LIKE 'alembic_version'")
            if not cur.fetchall():
                return []
            cur.execute("SELECT version_num FROM alembic_version")
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


@pytest.fixture
def dls_site(server, scratch_db):
    """A DLS database at the recorded state of START, with the SchemaStatus rows a DLS site
    has for the update scripts run up to it (not under revision control yet)."""
    rdir = RevisionDir(PROJECT_ROOT / "revisions")
    load_text(render_schema(rdir.state(START).schema), client=server.client_command(), database=scratch_db)
    entries = load_legacy_map(rdir)
    done = [e.recorded or e.script for e in entries[:[e.revision for e in entries].index(START) + 1]]
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO SchemaStatus (scriptName, schemaStatus) VALUES (%s, 'DONE')",
                            [(name,) for name in done])
        conn.commit()
    finally:
        conn.close()
    return scratch_db


def test_the_dba_guide_as_written(server, dls_site, tmp_path, monkeypatch):
    """identify, stamp (each way), drift, upgrade (plan, confirmation, unattended, SQL) and the
    downgrade back, with the default --dir and --snapshots of the project."""
    monkeypatch.chdir(PROJECT_ROOT)
    rdir = RevisionDir(PROJECT_ROOT / "revisions")
    url = server.url(dls_site)
    cnf = tmp_path / "my.cnf"
    cnf.write_text("[client]\n")
    commands = guide_commands(GUIDE.read_text())
    sections = {s.split(".")[0] for s, _ in commands}
    assert {"1", "2", "3", "4", "6"} <= sections, commands
    current, ran = START, []
    for _section, line in commands:
        for text, redirect in as_a_dba_runs_it(line):
            verb = shlex.split(text)[1]
            rev = HEAD if verb == "upgrade" else START
            argv = _argv(text, url=url, cnf=cnf, rev=rev)
            before = _fingerprint(server, dls_site, rdir)
            code, stdout, out = _invoke(argv)
            ran.append(" ".join(argv[:1] + argv[3:]))
            assert "Traceback" not in out and "internal error" not in out, (text, out)
            if redirect:
                (tmp_path / redirect).write_text(stdout)
            if verb == "identify":
                assert code == 0 and f"the state of revision {current}" in out, (text, out)
                assert "SchemaStatus: " in out and "DISAGREE" not in out, out
            elif verb == "stamp":
                assert code == 0 and f"at {current}" in out, (text, out)
                assert _versions(server, dls_site) == [current]
            elif verb == "drift":
                assert code == 0 and f"no drift: the schema is the recorded state of {current}" in out, out
            elif "--dry-run" in argv or "--sql" in argv:
                assert code == 0, (text, out)
                assert "dry run: nothing was changed" in out or "--sql" in argv
                assert _fingerprint(server, dls_site, rdir) == before and _versions(server, dls_site) == [current]
            elif "--yes" not in argv:
                # asks for confirmation, which needs a terminal: refused, nothing changed
                assert code == 2 and "give --yes" in out, (text, out)
                assert _fingerprint(server, dls_site, rdir) == before and _versions(server, dls_site) == [current]
            else:
                assert code == 0, (text, out)
                current = HEAD if verb == "upgrade" else argv[argv.index("--to") + 1]
                assert _versions(server, dls_site) == [current], out
                assert _fingerprint(server, dls_site, rdir) == rdir.state(current).fingerprint
                if verb == "upgrade":
                    # the head of the line: exactly the DLS v5.0.0 release
                    v5 = Snapshot.read(PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json")
                    assert _fingerprint(server, dls_site, rdir) == v5.fingerprint
    assert any(r.startswith("upgrade") and "--yes" in r and "--to" not in r for r in ran), \
        "the guide's unattended upgrade, without --to"
    assert current == START, "the guide ends with the downgrade back"
    assert (tmp_path / "upgrade.sql").exists()


def test_a_dls_v4_database_follows_the_dls_line_without_to(server, scratch_db, monkeypatch):
    """DLS v4.0.0 is the starting state of the DLS line only: with nothing in alembic_version,
    the unattended upgrade's SQL is that line's, to its head (the full run is verify's)."""
    monkeypatch.chdir(PROJECT_ROOT)
    v4 = Snapshot.read(PROJECT_ROOT / "snapshots" / "dls-v4.0.0.json")
    load_text(render_schema(v4.schema), client=server.client_command(), database=scratch_db)
    url = ["--url", server.url(scratch_db)]
    code, _, out = _invoke(["stamp", *url, "--auto"])
    assert code == 0 and "at base" in out, out
    code, sql, out = _invoke(["upgrade", *url, "--sql"])
    assert code == 0, out
    assert f"version_num='{HEAD}'" in sql and "esrf" not in sql
    assert sql.count("INSERT IGNORE INTO SchemaStatus") == 71, "the 71 DLS update scripts"
    assert _versions(server, scratch_db) == []


# ---------------------------------------------------------------------------------------
# a directory with two lines of revisions


OTHER_SQL = BASE_SQL + "CREATE TABLE `Lab` (`labId` int NOT NULL, PRIMARY KEY (`labId`)) ENGINE=InnoDB;\n"
OTHER_CHANGE = "ALTER TABLE `Lab` ADD COLUMN `name` varchar(45) DEFAULT NULL;\n"


@pytest.fixture
def two_lines(server, chain, tmp_path):  # noqa: F811 - the chain fixture from test_dba
    """The chain's line (two revisions over its base) and a second line, labelled ``other``,
    over another starting state."""
    rdir, states, revs = chain
    start = _snapshot(server, tmp_path, "other_start", OTHER_SQL)
    end = _snapshot(server, tmp_path, "other_end", OTHER_SQL + OTHER_CHANGE)
    other = generate(rdir, source=start.schema, target=end.schema, message="Lab name", branch="other",
                     server=server.url())
    assert sorted(rdir.heads()) == sorted([revs[1].rev_id, other.rev_id])
    return rdir, states, revs, (start, end, other)


def _load(server, db, snap) -> None:
    load_text(render_schema(snap.schema), client=server.client_command(), database=db)


def _migrate(*args):
    code, _, out = _invoke([*args, "--allow-unreviewed"])
    return code, out


def test_upgrade_without_to_follows_the_line_of_the_database(server, scratch_db, two_lines):
    rdir, (base, one, two), (r1, r2), (other_start, other_end, other) = two_lines
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    _load(server, scratch_db, base)
    # nothing recorded: the schema is the starting state of the first line only
    code, out = _migrate("upgrade", *common, "--dry-run")
    assert code == 0 and f"upgrade from base to {r2.rev_id}: 2 revision(s)" in out, out
    assert "the schema is the starting state of the line of" in out
    code, out = _migrate("upgrade", *common, "--sql")
    assert code == 0 and "beamLineName" in out and "`Lab`" not in out, out
    code, out = _migrate("upgrade", *common, "--yes")
    assert code == 0, out
    assert _versions(server, scratch_db) == [r2.rev_id]
    assert _fingerprint(server, scratch_db) == two.fingerprint
    # downgrade follows the database's line too; the other line is refused, not attempted
    code, out = _migrate("downgrade", *common, "--to", other.rev_id, "--yes")
    assert code == 2 and "on another line" in out, out
    assert _versions(server, scratch_db) == [r2.rev_id]
    code, out = _migrate("downgrade", *common, "--to", "base", "--yes")
    assert code == 0 and _fingerprint(server, scratch_db) == base.fingerprint, out
    for snap, stamped, head, end in ((one, r1.rev_id, r2.rev_id, two),
                                     (other_start, None, other.rev_id, other_end)):
        db = server.create_database()
        try:
            _load(server, db, snap)
            url_dir = ["--url", server.url(db), "--dir", str(rdir.path)]
            if stamped:  # stamped on the line: alembic_version holds one of its revisions
                code, out = _invoke(["stamp", *url_dir, "--auto"])[::2]
                assert code == 0 and f"at {stamped}" in out, out
            code, out = _migrate("upgrade", *url_dir, "--yes")
            assert code == 0, out
            assert _versions(server, db) == [head]
            assert _fingerprint(server, db) == end.fingerprint
        finally:
            server.drop_database(db)


def test_upgrade_without_to_refuses_when_nothing_says_which_line(server, scratch_db, two_lines):
    rdir, (base, _, _), (_, r2), (_, _, other) = two_lines
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    _load(server, scratch_db, base)
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` ADD COLUMN `handmade` int")
    conn.close()
    before = _fingerprint(server, scratch_db)
    for extra in (["--yes"], ["--dry-run"], ["--sql"], ["--yes", "--force"]):
        code, out = _migrate("upgrade", *common, *extra)
        lines = [line for line in out.splitlines() if line.strip() and not line.startswith("WARNING")]
        assert code == 2 and len(lines) == 2 and lines[1].startswith("  hint: "), out
        assert lines[0].startswith("schema-tools: error: alembic_version records no revision"), out
        assert "name the target with --to" in lines[0] and r2.rev_id in lines[0] and other.rev_id in lines[0]
    assert _fingerprint(server, scratch_db) == before and _versions(server, scratch_db) == []
    # --to names the line: then the drift is what stops it
    code, out = _migrate("upgrade", *common, "--to", r2.rev_id, "--yes")
    assert code == 2 and "drifted from the recorded state of base" in out, out
