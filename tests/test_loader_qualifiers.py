"""The loader redirects a dump's database to the one it loads into: CREATE DATABASE, USE, and
names qualified with it, in the dump and in the scripts loaded after it (no server needed)."""

from __future__ import annotations

from schema_tools.sources.loader import LoadReport, prepare_script

DUMP = ("CREATE DATABASE IF NOT EXISTS `pydb` DEFAULT CHARACTER SET latin1;\nUSE `pydb`;\n"
        "CREATE TABLE `Movie` (`movieId` int);\n")
SCRIPT = """-- pydb.Movie gets an index
ALTER TABLE `pydb`.`Movie` ADD INDEX `movie_idx` (`movieId`);
CREATE VIEW `pydb`.`v_movie` AS SELECT `pydb`.`Movie`.`movieId` AS `id`, 'pydb.Movie' AS `label`,
  m.pydb AS x FROM pydb.Movie m /* pydb.Movie */;
"""


def test_qualified_names_follow_the_dump_into_the_target_database():
    report = LoadReport()
    dump = prepare_script(DUMP, source="pydb.sql", database="site_copy", report=report)
    assert "ALTER DATABASE `site_copy` DEFAULT CHARACTER SET latin1" in dump and "USE" not in dump
    assert report.declared == "pydb"
    script = prepare_script(SCRIPT, source="ahead.sql", database="site_copy", report=report)
    assert script.count("\n") == SCRIPT.count("\n")  # line numbers kept for errors
    assert "ALTER TABLE `site_copy`.`Movie`" in script
    assert "CREATE VIEW `site_copy`.`v_movie` AS SELECT `site_copy`.`Movie`.`movieId`" in script
    assert "FROM `site_copy`.Movie m" in script
    # strings, comments and a column named like the database are left alone
    assert "'pydb.Movie' AS `label`" in script and "m.pydb AS x" in script and "/* pydb.Movie */" in script
    assert "-- pydb.Movie gets an index" in script
    assert report.notes[-1] == "ahead.sql: 4 name(s) qualified with pydb redirected to the target database site_copy"


def test_a_dump_loaded_under_its_own_name_is_left_as_written():
    report = LoadReport()
    prepare_script(DUMP, source="pydb.sql", database="pydb", report=report)
    assert prepare_script(SCRIPT, source="ahead.sql", database="pydb", report=report) == SCRIPT
