"""The outcome of a verify run: per site, per step, and what happened to the seeded rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from .drops import Dropped


@dataclass
class DataCheck:
    """What happened to the seeded rows in one step."""

    tables: int = 0  # tables compared
    rows: int = 0  # rows compared
    lost: list[str] = field(default_factory=list)  # failures: rows or values gone or changed
    dropped: list[Dropped] = field(default_factory=list)  # tables and columns whose values went
    written: list[str] = field(default_factory=list)  # rows the revision writes on purpose

    @property
    def accepted(self) -> list[Dropped]:
        return [d for d in self.dropped if d.accepted]

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["dropped"] = [d.to_dict() for d in self.dropped]
        return out


@dataclass
class StepResult:
    """One revision applied in one direction."""

    revision: str
    direction: str  # "upgrade" | "downgrade"
    target: str  # the state the step must reach (a revision id, or "base")
    source: str = ""  # the state the step starts from (a revision id, or "base")
    seconds: float = 0.0
    ok: bool = False
    error: str | None = None
    statement: str | None = None
    residual: list[str] = field(default_factory=list)
    residual_count: int = 0
    left_in: str | None = None  # after a failure: what the scratch database holds
    data: DataCheck | None = None
    # each data statement the revision ran (INSERT, UPDATE, DELETE, loops...), with the rows
    # the server says it affected on the seeded database (-1: the server does not say)
    statements: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.direction} {self.revision}"

    @property
    def span(self) -> str:
        """``upgrade A -> B``: from the state it starts from to the one it must reach."""
        return f"{self.direction} {self.source or '?'} -> {self.target}"

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["data"] = self.data.to_dict() if self.data is not None else None
        return out


@dataclass
class SiteResult:
    site: str
    backend: str
    start: str  # the revision the site's baseline is the state of ("base" before the first)
    path: list[str] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    server: str | None = None  # flavour and version of the server used
    error: str | None = None  # a failure outside the steps (server, baseline)
    error_code: int = 0  # with ``error``: its exit code (2: the site could not be verified)

    @property
    def ok(self) -> bool:
        return self.error is None and all(s.ok for s in self.steps)

    def to_dict(self) -> dict:
        out = {k: v for k, v in dataclasses.asdict(self).items() if k != "steps"}
        out["ok"] = self.ok
        out["steps"] = [s.to_dict() for s in self.steps]
        return out


@dataclass
class VerifyReport:
    sites: list[SiteResult]
    skipped: list[str] = field(default_factory=list)  # snapshots that start no revision

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sites)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a step failed, 2 a site could not be verified (an error)."""
        if any(s.error is not None for s in self.sites):
            return max([s.error_code for s in self.sites if s.error is not None] + [1])
        return 0 if self.ok else 1

    def to_dict(self) -> dict:
        return {"ok": self.ok, "sites": [s.to_dict() for s in self.sites],
                "skipped": list(self.skipped)}


def iter_failures(report: VerifyReport) -> Iterable[str]:
    for site in report.sites:
        if site.error:
            yield f"{site.site} [{site.backend}]: {site.error}"
        for step in site.steps:
            if not step.ok:
                yield f"{site.site} [{site.backend}]: {step.name}"
