"""Shared fixtures: one throwaway server per session, scratch databases, the ISPyB corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schema_tools.errors import ServerError
from schema_tools.servers.local import LocalServer, find_server_binaries

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory):
    """The review cache of the test session, not the user's."""
    os.environ["SCHEMA_TOOLS_CACHE"] = str(tmp_path_factory.mktemp("cache"))


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


# --------------------------------------------------------------------------- docker

DOCKER_TEST_IMAGE = os.environ.get("SCHEMA_TOOLS_TEST_IMAGE",
                                   "schema-tools/mariadb:10.11-local")
"""The image the docker backend's tests start (scripts/build-mariadb-image.sh builds it)."""
DOCKER_TEST_NETWORK = os.environ.get("SCHEMA_TOOLS_TEST_DOCKER_NETWORK", "host")


def _docker_missing(reason: str) -> None:
    """Like _missing; also an error where SCHEMA_TOOLS_TEST_DOCKER=1 says Docker is set up."""
    if os.environ.get("SCHEMA_TOOLS_TEST_DOCKER") == "1":
        pytest.fail(f"{reason} (SCHEMA_TOOLS_TEST_DOCKER=1, so this is an error)", pytrace=False)
    _missing(reason)


@pytest.fixture(scope="session")
def docker_spec() -> str:
    """``docker:IMAGE?network=...`` for the locally built test image, once Docker, the
    docker extra and the image are known to be there."""
    from schema_tools.servers.docker import docker_client

    try:
        client = docker_client()
    except ServerError as exc:
        _docker_missing(f"{exc} ({exc.hint})")
    import docker  # there, since docker_client found it

    try:
        client.images.get(DOCKER_TEST_IMAGE)
    except docker.errors.ImageNotFound:
        _docker_missing(f"image {DOCKER_TEST_IMAGE} not found: build it with "
                        "bash scripts/build-mariadb-image.sh")
    finally:
        client.close()
    return f"docker:{DOCKER_TEST_IMAGE}?network={DOCKER_TEST_NETWORK}"


@pytest.fixture(scope="session")
def docker_server(docker_spec):
    """One server in a container for the whole session (a DockerServer)."""
    from schema_tools.servers.docker import DockerServer

    with DockerServer(docker_spec) as srv:
        yield srv


@pytest.fixture(scope="session")
def docker_server_url(docker_server) -> str:
    """``mariadb://root:PASSWORD@127.0.0.1:PORT/`` of the session's container: a server
    to use as an existing one (``--server URL``).  Work in scratch databases there."""
    return docker_server.url()
