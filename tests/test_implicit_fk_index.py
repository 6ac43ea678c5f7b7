"""An index MariaDB made for a foreign key itself goes away when another index starting with
the same columns is added, and is listed after the others once any index is added; one
written out stays, in its place.  ``SHOW CREATE TABLE`` shows both alike, so a generated
revision re-creates such indexes in the statement that adds an index, and reaches its
recorded state (index order included) on a database built by scripts as on one loaded
from a dump."""

from __future__ import annotations

import contextlib

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.sources.loader import load_text

from .test_verify import _snapshot

pytestmark = pytest.mark.server

PARENT = "CREATE TABLE `Program` (`programId` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n"
# as a site's script writes it: the foreign key without an index of its own
IMPLICIT = PARENT + """CREATE TABLE `Picker` (
  `pickerId` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `programId` int unsigned,
  `firstId` int unsigned,
  `other` int,
  KEY `Picker_other` (`other`),
  CONSTRAINT `Picker_fk_programId` FOREIGN KEY (`programId`) REFERENCES `Program` (`programId`),
  CONSTRAINT `Picker_fk_firstId` FOREIGN KEY (`firstId`) REFERENCES `Program` (`programId`)
) ENGINE=InnoDB;
"""
# as a dump (or the rendered snapshot) writes the same table
EXPLICIT = IMPLICIT.replace("  KEY `Picker_other` (`other`),\n",
                            "  KEY `Picker_other` (`other`),\n  KEY `Picker_fk_programId` (`programId`),\n"
                            "  KEY `Picker_fk_firstId` (`firstId`),\n")
ADD_KEY = "ALTER TABLE `Picker` ADD KEY `Picker_programId_other` (`programId`, `other`);\n"


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _show_create(server, db):
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("SHOW CREATE TABLE `Picker`")
        return cur.fetchone()[1]


@pytest.mark.parametrize("built_by", [IMPLICIT, EXPLICIT], ids=["script", "dump"])
def test_a_new_index_over_a_foreign_keys_columns_keeps_the_keys_index(server, scratch_db, tmp_path, built_by):
    base = _snapshot(server, tmp_path, "base", EXPLICIT)
    implicit = _snapshot(server, tmp_path, "implicit", IMPLICIT)
    assert implicit.fingerprint == base.fingerprint, "the two spellings are one schema"
    after = _snapshot(server, tmp_path, "after", EXPLICIT + ADD_KEY)
    rdir = RevisionDir(tmp_path / "revisions")
    generate(rdir, source=base.schema, target=after.schema, message="picker key", server=server.url())
    load_text(built_by, client=server.client_command(), database=scratch_db)
    url_dir = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert "KEY `Picker_fk_programId` (`programId`)" in _show_create(server, scratch_db)
