"""Database servers to load schemas into: throwaway local servers, servers in Docker
containers (``docker:IMAGE[:TAG]``), and their helpers."""

from schema_tools.servers.docker import (
    DockerServer,
    DockerSpec,
    is_docker_spec,
    parse_docker_spec,
)
from schema_tools.servers.local import (
    DEFAULT_SQL_MODE,
    LocalServer,
    find_server_binaries,
    server_available,
)

__all__ = ["DEFAULT_SQL_MODE", "DockerServer", "DockerSpec", "LocalServer",
           "find_server_binaries", "is_docker_spec", "parse_docker_spec", "server_available"]
