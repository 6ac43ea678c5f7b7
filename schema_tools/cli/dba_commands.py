"""The ``dba`` commands."""

from __future__ import annotations

COMMANDS: list = []
