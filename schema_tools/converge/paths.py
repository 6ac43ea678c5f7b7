"""Each site's path to "the site plus the core": its target, its additive revisions, and
what they leave out.

A site's path lives on its own branch of the revision directory, labelled after the site's
name (lower case, ``[a-z0-9_]``).  It is one revision under the additive policy from the
site's schema to :func:`~.core.site_target`, preceded, when a decision renames some of the
site's objects, by one revision that makes those renames (data kept).  The distance of a
site to the core is the number of differences between the site and its target, order and
integer display widths aside: before the path, and after it (what the additive policy
leaves for a person to decide).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator, Mapping, Sequence

from ..diff.compare import DiffOptions, diff
from ..errors import InputError
from ..migrate.revision import Decision as LeftDecision
from ..migrate.revision import RevisionDir, RevisionInfo, additive
from ..model.objects import Schema
from ..model.snapshot import Snapshot
from .core import Core, renamed_at_site, site_target


@contextlib.contextmanager
def throwaway_server(schemas: Sequence[Schema]) -> Iterator[str]:
    """One throwaway local server for every path (its URL), with the accounts the sites'
    views, routines, triggers and events name as definers, as a throwaway workspace has."""
    from ..servers.local import LocalServer
    from ..sources.workspace import account_of, create_accounts

    with LocalServer() as server:
        named = {o.definer for s in schemas for kind in (s.views, s.routines, s.triggers, s.events)
                 for o in kind if o.definer and "@" in o.definer}
        create_accounts(server, sorted(account_of(d) for d in named))
        yield server.url()


#: what a distance does not count: order only, and integer display widths
DISTANCE = DiffOptions(ignore=frozenset({"display-width", "index-order", "column-order"}))


def distance(a: Schema, b: Schema) -> int:
    """The number of differences between ``a`` and ``b`` that a distance counts."""
    return len(diff(a, b, DISTANCE))


def branch_label(site: str, taken: set[str]) -> str:
    """The site's name as a branch label: lower case, runs of other characters as ``_``;
    a label taken already gets ``_2``, ``_3``..."""
    base = re.sub(r"[^a-z0-9]+", "_", site.lower()).strip("_") or "site"
    label, n = base, 1
    while label in taken:
        n += 1
        label = f"{base}_{n}"
    taken.add(label)
    return label


@dataclass
class SitePath:
    site: str
    branch: str
    source: Schema  # the site's schema
    target: Schema  # the site plus the core
    renames: tuple[tuple[str, str | None, str, str], ...] = ()
    before: int = 0  # differences from the site to its target
    after: int = 0  # ... from the state the path reaches (predicted until written)
    left: list[LeftDecision] = field(default_factory=list)  # what the additive policy leaves out
    changes: int = 0  # changes the additive revision makes
    revisions: list[RevisionInfo] = field(default_factory=list)
    expected: Schema | None = None  # the state the path reaches, once written
    findings: list = field(default_factory=list)  # review findings of its revisions

    @property
    def written(self) -> bool:
        return bool(self.revisions)


def plan_paths(core: Core, schemas: Mapping[str, Schema]) -> list[SitePath]:
    """Each site's target and, from the model alone, what its additive path changes and
    leaves out (``after`` predicted as the number of differences left out)."""
    taken: set[str] = set()
    out = []
    for site in core.sites:
        schema = schemas[site]
        renames = core.renames.get(site, ())
        start = renamed_at_site(schema, renames) if renames else schema
        target = site_target(start, core)
        left: list[LeftDecision] = []
        kept = additive(diff(start, target), start, target, left)
        before = distance(schema, target)
        out.append(SitePath(site, branch_label(site, taken), schema, target, tuple(renames), before,
                            len(left), sorted(left, key=lambda d: (d.path, d.kind, d.what)), len(kept)))
    return out


def require_empty(directory: str | Path) -> RevisionDir:
    """``directory`` as a revision directory that holds no revision yet."""
    rdir = RevisionDir(directory)
    if rdir.versions.is_dir() and any(p.suffix == ".py" for p in rdir.versions.iterdir()):
        raise InputError(f"{rdir.path}: holds revisions already; converge writes into an empty "
                         f"or new directory", hint="give another --dir, or remove this one")
    return rdir


def write_paths(paths: Sequence[SitePath], directory: str | Path, *, server: str | None) -> None:
    """Write each site's revisions into ``directory`` (which must hold no revision yet),
    each applied on a scratch database of ``server`` first; then measure where each path
    ends and review its revisions."""
    from ..migrate.commands import generate
    from ..review.commands import review_directory

    rdir = require_empty(directory)
    for p in paths:
        source: Schema | None = p.source
        if p.renames:
            start = renamed_at_site(p.source, p.renames)
            p.revisions.append(generate(rdir, source=p.source, target=start, policy="exact",
                                        message=f"{p.site}: renames decided for the core",
                                        branch=p.branch, server=server, renames=p.renames))
            source = None  # from the head of the branch
        info = generate(rdir, source=source, target=p.target, policy="additive",
                        message=f"{p.site}: converge on the core", branch=p.branch, server=server)
        p.revisions.append(info)
        state = rdir.state(info.rev_id)
        assert state is not None, f"{info.rev_id}: generate writes the expected state"
        p.expected = state.schema
        p.after = distance(p.expected, p.target)
    for p in paths:
        reviews = review_directory(rdir.path, [r.rev_id for r in p.revisions])
        p.findings = [f for r in reviews for f in r.findings]


def verify_paths(paths: Sequence[SitePath], directory: str | Path, *, server: str | None,
                 rows: int = 10, progress=None):
    """Run each written path on ``server`` from the site's schema, seeded with rows, up and
    back down (:func:`~schema_tools.verify.runner.verify`): each revision must reach its
    recorded state exactly and keep every seeded row."""
    from ..verify.runner import verify

    with tempfile.TemporaryDirectory(prefix="converge-sites-") as tmp:
        for p in paths:
            Snapshot(p.source, {"site": p.site}).write(Path(tmp) / f"{p.branch}.json")
        return verify(RevisionDir(directory), snapshots=Path(tmp), sites=[p.branch for p in paths],
                      servers=[server], data=True, rows=rows, progress=progress)


__all__ = ["SitePath", "branch_label", "plan_paths", "require_empty", "throwaway_server", "verify_paths", "write_paths"]
