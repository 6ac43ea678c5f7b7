"""Lint configuration: ``[tool.schema_tools.lint]`` in ``pyproject.toml``.

The file is looked up from the revision directory upward; the first ``pyproject.toml``
that has a ``[tool.schema_tools.lint]`` table is used::

    [tool.schema_tools.lint]
    flavour = "mariadb:10.11"      # the servers the revisions run on (locking, portability)
    allow_branches = false         # `check` fails on several heads
    disable = ["LK402"]            # rules that do not run
    fail_on = "error"              # default of review --fail-on
    count_timeout = 2              # seconds each row count may take (review --url); 0: none

    [tool.schema_tools.lint.severity]
    DS103 = "error"                # a rule's severity, changed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..flavour import Flavour, parse_flavour
from .registry import SEVERITIES, load_rules

DEFAULT_COUNT_TIMEOUT = 2.0
"""Seconds each row count of ``review --url`` may run on the server (``count_timeout``)."""

_KEYS = {"flavour", "allow_branches", "disable", "severity", "fail_on", "count_timeout"}


@dataclass(frozen=True)
class LintConfig:
    flavour: Flavour | None = None  # None: the flavour the schema states were read from
    allow_branches: bool = False
    disabled: frozenset[str] = frozenset()
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = "error"
    count_timeout: float = DEFAULT_COUNT_TIMEOUT  # seconds a row count may take; 0: none
    source: Path | None = None

    def severity_of(self, code: str, default: str) -> str:
        return self.severity.get(code, default)

    def enabled(self, code: str) -> bool:
        return code not in self.disabled


def find_pyproject(start: str | Path) -> Path | None:
    """The first ``pyproject.toml`` with a ``[tool.schema_tools.lint]`` table, from
    ``start`` upward."""
    here = Path(start).resolve()
    for d in [here, *here.parents]:
        p = d / "pyproject.toml"
        if p.is_file() and "lint" in _read_toml(p).get("tool", {}).get("schema_tools", {}):
            return p
    return None


def _read_toml(path: Path) -> dict:
    from ..config import read_toml

    return read_toml(path)


def parse_config(table: dict, source: Path | None = None) -> LintConfig:
    """A :class:`LintConfig` from the ``[tool.schema_tools.lint]`` table."""
    where = f"{source}: [tool.schema_tools.lint]" if source else "[tool.schema_tools.lint]"
    unknown = set(table) - _KEYS
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(sorted(_KEYS))}")
    rules = load_rules()

    def known(code: object, what: str) -> str:
        if not isinstance(code, str) or code.upper() not in rules:
            raise InputError(f"{where}: {what}: unknown rule code {code!r}")
        return code.upper()

    def sev(value: object, what: str) -> str:
        if not isinstance(value, str) or value.lower() not in SEVERITIES:
            raise InputError(f"{where}: {what}: severity must be one of {', '.join(SEVERITIES)}")
        return value.lower()

    disable = table.get("disable", [])
    if not isinstance(disable, list):
        raise InputError(f"{where}: disable must be a list of rule codes")
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise InputError(f"{where}: severity must be a table of CODE = \"severity\"")
    flavour = table.get("flavour")
    if flavour is not None and not isinstance(flavour, str):
        raise InputError(f"{where}: flavour must be a string such as \"mariadb:10.11\"")
    branches = table.get("allow_branches", False)
    if not isinstance(branches, bool):
        raise InputError(f"{where}: allow_branches must be true or false")
    timeout = table.get("count_timeout", DEFAULT_COUNT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= 3600:
        raise InputError(f"{where}: count_timeout must be a number of seconds from 0 to 3600")
    return LintConfig(
        flavour=parse_flavour(flavour) if flavour else None,
        allow_branches=branches,
        disabled=frozenset(known(c, "disable") for c in disable),
        severity={known(k, "severity"): sev(v, f"severity.{k}") for k, v in severity.items()},
        fail_on=sev(table.get("fail_on", "error"), "fail_on"),
        count_timeout=float(timeout),
        source=source,
    )


def load_config(start: str | Path) -> LintConfig:
    """The configuration that applies to the revision directory ``start``."""
    path = find_pyproject(start)
    if path is None:
        return LintConfig()
    return parse_config(_read_toml(path)["tool"]["schema_tools"]["lint"], path)
