"""Project settings under ``[tool.schema_tools]`` in ``pyproject.toml``.

The file is looked up from a start folder (the revision directory) upward; the first
``pyproject.toml`` whose ``[tool.schema_tools]`` table sets a key is used for that key::

    [tool.schema_tools]
    # tables whose rows belong to the schema (reference data: states, diff, identify and
    # drift see their rows; revisions carry them).  Default: the ISPyB lookup tables.
    reference_tables = ["AdminVar", "SpaceGroup", "ExperimentType"]

The lint settings live in ``[tool.schema_tools.lint]`` (:mod:`schema_tools.review.config`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .errors import InputError


def _ispyb_defaults() -> dict[str, Any]:
    import json
    from importlib import resources

    text = resources.files("schema_tools.data").joinpath("ispyb-defaults.json").read_text(encoding="utf-8")
    value: dict[str, Any] = json.loads(text)
    return value


# The default settings are ISPyB's (schema_tools/data/ispyb-defaults.json): the small
# lookup tables whose rows are part of the schema.
ISPYB_LOOKUP_TABLES: tuple[str, ...] = tuple(_ispyb_defaults()["reference_tables"])


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; :class:`InputError` naming the file when it cannot be read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise InputError(f"{path}: reading TOML needs Python 3.11 or the tomli package") from None
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def setting(start: str | Path, key: str) -> tuple[object, Path | None]:
    """The value of ``[tool.schema_tools] key`` in the first ``pyproject.toml`` from
    ``start`` upward that sets it, and that file; ``(None, None)`` when none does."""
    here = Path(start).resolve()
    for d in [here, *here.parents]:
        p = d / "pyproject.toml"
        if p.is_file():
            table = read_toml(p).get("tool", {}).get("schema_tools", {})
            if isinstance(table, dict) and key in table:
                return table[key], p
    return None, None


def configured_reference_tables(start: str | Path) -> tuple[str, ...]:
    """The reference tables configured for the project around ``start`` (the ISPyB lookup
    tables when nothing is configured)."""
    value, path = setting(start, "reference_tables")
    if value is None:
        return ISPYB_LOOKUP_TABLES
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"{path}: [tool.schema_tools] reference_tables: expected a list of table names")
    return tuple(value)


def cache_dir(kind: str) -> Path | None:
    """Where the caches of ``kind`` (``review``, ``revfiles``) live: under
    ``$SCHEMA_TOOLS_CACHE``, else ``$XDG_CACHE_HOME/schema-tools``, else
    ``~/.cache/schema-tools``; None when ``SCHEMA_TOOLS_CACHE=off`` switches them off."""
    import os

    value = os.environ.get("SCHEMA_TOOLS_CACHE")
    if value == "off":
        return None
    if value:
        return Path(value) / kind
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schema-tools" / kind
