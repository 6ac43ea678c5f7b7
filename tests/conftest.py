"""Shared fixtures: one throwaway server per session, scratch databases, the ISPyB corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schema_tools.errors import ServerError
from schema_tools.servers.local import LocalServer, find_server_binaries

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _missing(reason: str) -> None:
    """Skip locally, but fail on CI, where a missing prerequisite is a broken setup."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server():
    """One LocalServer for the whole test session."""
    try:
        find_server_binaries()
    except ServerError as exc:
        _missing(f"no MariaDB/MySQL server: {exc} ({exc.hint})")
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def scratch_db(server):
    """A fresh, uniquely named database on the session server, dropped afterwards."""
    name = server.create_database()
    yield name
    server.drop_database(name)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The folder holding the ISPyB corpus (``ispyb/``): $SCHEMA_TOOLS_CORPUS or ../shared/corpus."""
    path = Path(os.environ.get("SCHEMA_TOOLS_CORPUS") or PROJECT_ROOT.parent / "shared" / "corpus")
    if not (path / "ispyb").is_dir():
        _missing(f"ISPyB corpus not found at {path} (set SCHEMA_TOOLS_CORPUS to the folder holding ispyb/)")
    return path
