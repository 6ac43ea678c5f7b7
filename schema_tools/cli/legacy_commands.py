"""The ``import-legacy`` command."""

from __future__ import annotations

COMMANDS: list = []
