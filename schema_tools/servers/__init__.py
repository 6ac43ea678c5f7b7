"""Database servers to load schemas into: throwaway local servers, and their helpers."""

from schema_tools.servers.local import (
    DEFAULT_SQL_MODE,
    LocalServer,
    find_server_binaries,
    server_available,
)

__all__ = ["DEFAULT_SQL_MODE", "LocalServer", "find_server_binaries", "server_available"]
