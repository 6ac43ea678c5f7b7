"""One error root for the whole package.

Every error a user can cause (bad input, unreachable server, a SQL file that does not
load) is a :class:`SchemaToolsError`.  The CLI catches it once, prints its one-line
message and exits with its ``exit_code``.  Messages must never contain a password.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_ERROR = 2


class SchemaToolsError(Exception):
    """Base class of every error reported to the user.

    ``message`` is one line.  ``details`` are the first few items behind it (differences,
    problems), printed one per line under it, the count of the rest included by whoever
    raises; ``hint`` says what to do."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None,
                 details: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = tuple(details)

    def __str__(self) -> str:
        return self.message


class InputError(SchemaToolsError):
    """A file, argument or snapshot is malformed."""


class SqlError(InputError):
    """A SQL statement failed or could not be understood.

    ``location`` is ``file:line`` where known.
    """

    def __init__(self, message: str, *, location: str | None = None,
                 excerpt: str | None = None, hint: str | None = None) -> None:
        full = f"{location}: {message}" if location else message
        super().__init__(full, hint=hint)
        self.location = location
        self.excerpt = excerpt


class ConnectionFailed(SchemaToolsError):
    """A server could not be reached or refused the credentials."""


class ServerError(SchemaToolsError):
    """A throwaway server could not be started, or a server misbehaved."""
