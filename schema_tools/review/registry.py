"""The lint rules: each registers itself with a stable code, a default severity, a
one-line summary, a fix hint and an example.

A rule is a function of a :class:`~schema_tools.review.context.ReviewContext` that
yields :class:`Hit` objects; the engine turns them into :class:`Finding` objects with
the code, the configured severity and the revision.  Rules live one per module in
:mod:`schema_tools.review.rules` and are imported by :func:`load_rules`; registering a
code twice fails at import.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("notice", "warning", "error")
CATEGORIES = ("destructive", "data-dependent", "broken-dependents", "locking", "portability",
              "hygiene")
_CODE = re.compile(r"[A-Z]{2}[0-9]{3}")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Hit:
    """What a rule found: the object or statement (``subject``), the change or statement
    as text (``change``), and why it matters (``why``)."""

    subject: str
    why: str
    change: str = ""


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    revision: str
    subject: str
    why: str
    change: str = ""
    hint: str = ""
    accepted_by: str | None = None

    def key(self) -> str:
        """What an approval records: the code and the object."""
        return f"{self.code} {self.subject}"

    def to_dict(self) -> dict[str, Any]:
        out = {"code": self.code, "severity": self.severity, "revision": self.revision,
               "subject": self.subject, "change": self.change, "why": self.why,
               "hint": self.hint}
        if self.accepted_by:
            out["accepted_by"] = self.accepted_by
        return out


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    category: str
    summary: str
    hint: str
    example: str
    check: Callable[[Any], Iterable[Hit]] = field(compare=False)

    @property
    def module(self) -> str:
        return self.check.__module__


class DuplicateRuleError(Exception):
    """Two rules registered the same code (a programming error, raised at import)."""


REGISTRY: dict[str, Rule] = {}


def rule(code: str, severity: str, *, category: str, summary: str, hint: str, example: str):
    """Register the decorated function as the rule ``code``."""
    if not _CODE.fullmatch(code):
        raise ValueError(f"rule code {code!r}: use two capital letters and three digits")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {code}: unknown severity {severity!r}")
    if category not in CATEGORIES:
        raise ValueError(f"rule {code}: unknown category {category!r}")

    def register(fn):
        if code in REGISTRY and REGISTRY[code].module != fn.__module__:
            raise DuplicateRuleError(f"lint rule code {code} registered twice: in "
                                     f"{REGISTRY[code].module} and in {fn.__module__}")
        REGISTRY[code] = Rule(code, severity, category, summary, hint, example, fn)
        return fn

    return register


_loaded = False


def load_rules() -> dict[str, Rule]:
    """Import every module of :mod:`schema_tools.review.rules` once; the rules by code."""
    global _loaded
    if not _loaded:
        from . import rules

        for info in sorted(pkgutil.iter_modules(rules.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue  # helpers shared by rules
            importlib.import_module(f"{rules.__name__}.{info.name}")
        _loaded = True
    return dict(sorted(REGISTRY.items()))
