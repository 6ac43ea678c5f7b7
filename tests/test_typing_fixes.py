"""Defects the type checker found, each pinned by a test that fails without its fix."""

from __future__ import annotations

import pytest

from schema_tools.offline.state import OfflineError
from schema_tools.offline import values as offline_values
from schema_tools.online import ptosc
from schema_tools.online.resume import Found
from schema_tools.sources.connection import ConnectionSpec


def test_a_failed_dry_run_cleans_up_and_reports_the_failure(monkeypatch, tmp_path):
    """pt-osc's dry run failing: what it left is finished (``finish`` gets the step and
    what was found) and the failure is reported, instead of a TypeError from the call."""
    spec = ConnectionSpec("mariadb", "localhost", 3306, "u", "pw", "db", None)
    calls = []
    monkeypatch.setattr(ptosc, "table_triggers", lambda conn, database, table: [])
    monkeypatch.setattr(ptosc, "binlog_note", lambda conn: None)
    monkeypatch.setattr(ptosc, "show_create", lambda conn, database, table: "CREATE TABLE t (a int)")
    monkeypatch.setattr(ptosc, "_foreign_keys", lambda conn, database, table: [])
    monkeypatch.setattr(ptosc, "inspect", lambda conn, database, step: Found("unchanged"))
    monkeypatch.setattr(ptosc, "find_ptosc", lambda binary=ptosc.PTOSC: "/bin/false")
    monkeypatch.setattr(ptosc, "_dry_run", lambda argv, say, secrets, hold: (1, ["it failed"], None))
    monkeypatch.setattr(ptosc, "finish", lambda *args: calls.append(args) or False)
    with pytest.raises(ptosc.OnlineChangeFailed, match="--dry-run failed on t"):
        ptosc.run_online(None, spec, "t", "ADD COLUMN b int", ptosc.OnlineOptions(), lambda line: None)
    # once before the run (nothing left by an earlier attempt), once after the failed dry run
    assert len(calls) == 2
    conn, database, step, found, say = calls[1]
    assert (database, step.table, found.state) == ("db", "t", "unchanged") and callable(say)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_double_out_of_range_is_refused_offline(value):
    """An infinite or NaN double is refused as the server refuses it, not a TypeError."""
    with pytest.raises(OfflineError, match="out of the DOUBLE range"):
        offline_values.format_double(value)


def test_finite_doubles_print_as_before():
    assert offline_values.format_double(1.5) == "1.5"
    assert offline_values.format_float(0.1) == "0.1"
    assert offline_values.format_double(0.0012) == "0.0012"
