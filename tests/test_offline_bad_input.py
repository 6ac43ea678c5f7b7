"""Offline reading of bad input: a clean error or a lenient report, never a traceback or a hang."""

from __future__ import annotations

import signal

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema_tools.cli.main import cli
from schema_tools.errors import SchemaToolsError
from schema_tools.offline.reader import OfflineReader


class _Timeout(Exception):
    pass


def _read(text: str, *, lenient: bool = False):
    """Read ``text`` offline; return the result, or the SchemaToolsError it raised."""

    def alarm(*_):
        raise _Timeout("offline read took more than 20 s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(20)
    try:
        reader = OfflineReader(lenient=lenient)
        reader.read_text(text, source="fuzz.sql")
        return reader.result()
    except SchemaToolsError as exc:
        return exc
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_unknown_statement_stops_with_file_and_line():
    err = _read("CREATE TABLE a (id int);\n\nFROBNICATE the database;\n")
    assert isinstance(err, SchemaToolsError)
    assert str(err).startswith("fuzz.sql:3: ")
    assert "not understood" in str(err)
    assert err.excerpt == "FROBNICATE the database"


def test_lenient_lists_skipped_statements_and_marks_partial():
    result = _read("CREATE TABLE a (id int);\nFROBNICATE;\nCREATE TABLE b (id int);\nBLAH blah;\n",
                   lenient=True)
    assert not isinstance(result, Exception)
    assert result.partial
    assert [s.location for s in result.skipped] == ["fuzz.sql:2", "fuzz.sql:4"]
    assert [t.name for t in result.schema.tables] == ["a", "b"]


def test_dml_is_reported_as_ignored_with_location():
    result = _read("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nUPDATE a SET id = 2;\n")
    assert not isinstance(result, Exception)
    assert not result.partial
    assert [i.split(": ")[0] for i in result.ignored] == ["fuzz.sql:2", "fuzz.sql:3"]


@pytest.mark.parametrize("text", [
    "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; END\n",      # block never closed
    "DELIMITER\nCREATE TABLE a (id int);\n",                           # no delimiter given
    "CREATE TABLE a (id int COMMENT 'unterminated);\n",
    "CREATE TABLE `a (id int);\n",
    "/* never closed\nCREATE TABLE a (id int);\n",
    "CREATE TABLE a (id int,,);\n",
    "ALTER TABLE missing ADD COLUMN x int;\n",
    "CREATE TABLE a (id int); CREATE TABLE a (id int);\n",
])
def test_malformed_scripts_give_clean_errors(text):
    outcome = _read(text)
    if isinstance(outcome, Exception):
        assert str(outcome).startswith("fuzz.sql")
        assert "\n" not in str(outcome)


def _corpus_text(corpus, name):
    return (corpus / "ispyb" / name).read_text(encoding="utf-8")


@pytest.mark.corpus
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_real_dump(corpus, cut):
    text = _corpus_text(corpus, "dls/v5.0.0/tables.sql")
    outcome = _read(text[: int(len(text) * cut)])
    if isinstance(outcome, Exception):
        assert str(outcome).startswith("fuzz.sql")


@pytest.mark.corpus
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.sampled_from(
    list("'\"`;()\\/*-#\n ,=") + ["DELIMITER ;;\n", "\x00", "é"])), min_size=1, max_size=8),
    lenient=st.booleans())
def test_byte_flips_in_real_dumps(corpus, flips, lenient):
    text = _corpus_text(corpus, "dls/v4.0.0/tables.sql")[:60000]
    chars = list(text)
    for where, what in flips:
        chars[int(where * (len(chars) - 1))] = what
    outcome = _read("".join(chars), lenient=lenient)
    if isinstance(outcome, Exception):
        assert str(outcome).startswith("fuzz.sql")
    elif lenient:
        assert all(s.location.startswith("fuzz.sql:") for s in outcome.skipped)


def test_cli_offline_error_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE a (id int);\nFROBNICATE;\n")
    result = CliRunner().invoke(cli, ["snapshot", "--offline", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:2: statement not understood" in result.output
    assert "Traceback" not in result.output


def test_cli_offline_lenient_is_partial_exit_1(tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE a (id int);\nFROBNICATE;\n")
    out = tmp_path / "o.json"
    result = CliRunner().invoke(cli, ["snapshot", "--offline", "--lenient", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert "partial snapshot" in result.output
    meta = (tmp_path / "o.meta.json").read_text()
    assert '"partial": true' in meta and f"{bad}:2" in meta


def test_cli_offline_invalid_utf8(tmp_path):
    bad = tmp_path / "bin.sql"
    bad.write_bytes(b"CREATE TABLE a (id int);\n-- \xff\xfe\n")
    result = CliRunner().invoke(cli, ["snapshot", "--offline", str(bad)])
    assert result.exit_code == 2
    assert "not valid UTF-8 at line 2" in result.output
