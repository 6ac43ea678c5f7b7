"""What to verify: the site snapshots that are the state of a revision (the baselines),
and the line of revisions to follow from each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..migrate.revision import RevisionDir, recorded_fingerprints
from ..model.snapshot import Snapshot, fingerprint_of


@dataclass(frozen=True)
class Baseline:
    site: str
    snapshot: Snapshot
    start: str | None  # revision id whose state this is; None for a root's starting state
    root: str | None = None  # with start None: the root whose states/<root>.before.json this is


def _state_index(rdir: RevisionDir, script) -> dict[str, tuple[str | None, str | None]]:
    """fingerprint -> (revision id, root) of every recorded state: (rev, None) for
    ``states/<rev>.json``, (None, None) for ``base.json``, (None, root) for
    ``<root>.before.json`` (the starting state of a further root).  Read from the revision
    files' headers, which name both states of each revision."""
    out: dict[str, tuple[str | None, str | None]] = {}
    if not rdir.versions.is_dir():
        return out
    headers = sorted(recorded_fingerprints(script))
    for rev, down, before, _ in headers:
        if not down and before:
            own = (rdir.states / f"{rev}.before.json").exists()
            out.setdefault(before, (None, rev if own else None))
    for rev, _, _, after in headers:
        if after:
            out.setdefault(after, (rev, None))
    return out


def find_baselines(rdir: RevisionDir, snapshots: Path, sites: Sequence[str] = (),
                   start: str | None = None, *, script=None) -> tuple[list[Baseline], list[str]]:
    """The site snapshots that are the state of some revision (or of the base).

    With ``start`` (``--from``), the baseline is that revision's recorded state, named after
    the site snapshot that matches it if there is one.  Returns (baselines, skipped)."""
    script = script or rdir.script()
    index = _state_index(rdir, script)
    if not index:
        raise InputError(f"{rdir.path}: no recorded states (states/*.json); is it a revision directory?")
    files = sorted(p for p in snapshots.glob("*.json") if not p.name.endswith(".meta.json")) \
        if snapshots.is_dir() else []
    by_site = {p.stem: p for p in files}
    unknown = [s for s in sites if s not in by_site]
    if unknown and start is None:
        raise InputError(f"no snapshot named {', '.join(unknown)} in {snapshots} "
                         f"(have: {', '.join(by_site) or 'none'})")
    if start is not None:
        rev = None if start == "base" else _resolve(rdir, script, start)
        state = rdir.state(rev)
        if state is None:
            raise InputError(f"{rdir.path}: no recorded state for revision {start}")
        named = [n for n, p in by_site.items() if (not sites or n in sites)
                 and fingerprint_of(p) == state.fingerprint]
        label = named[0] if named else (sites[0] if sites else f"state-{rev or 'base'}")
        return [Baseline(label, state, rev)], []
    out, skipped = [], []
    for name, path in by_site.items():
        if sites and name not in sites:
            continue
        fingerprint = fingerprint_of(path)  # the sidecar's, when it matches the file
        if fingerprint in index:
            rev, root = index[fingerprint]
            out.append(Baseline(name, Snapshot.read(path), rev, root))
        else:
            skipped.append(name)
    if not out:
        raise InputError(f"no snapshot in {snapshots} is the starting state of a revision in "
                         f"{rdir.path}" + (f" (looked at {', '.join(skipped)})" if skipped else ""))
    return out, skipped


def _resolve(rdir: RevisionDir, script, rev: str) -> str:
    from alembic.util import CommandError

    try:
        found = script.get_revision(rev)
    except CommandError as exc:
        raise InputError(f"{rdir.path}: {exc}") from None
    if found is None:
        raise InputError(f"{rdir.path}: unknown revision {rev}")
    return found.revision


def _roots_from_base(rdir: RevisionDir, script) -> set[str]:
    """The roots that start from ``base.json`` (those without a ``<root>.before.json``)."""
    return {r.revision for r in script.walk_revisions() if not r.down_revision
            and not (rdir.states / f"{r.revision}.before.json").exists()}


def revision_path(rdir: RevisionDir, start: str | None, to: str | None,
                  root: str | None = None, *, script=None) -> list[tuple[str, str | None]]:
    """(revision, its down revision) from just after ``start`` up to ``to`` (default: the
    single head above ``start``), oldest first.  With ``start`` None, only the lines that
    begin at ``root`` (default: at the roots that start from ``base.json``) are followed."""
    script = script or rdir.script()
    roots = {root} if root else _roots_from_base(rdir, script)

    def above(h: str) -> bool:
        chain = [r.revision for r in script.iterate_revisions(h, "base")]
        return start in chain if start is not None else bool(roots & set(chain))

    if to in (None, "head", "heads"):
        heads = [h for h in script.get_heads() if above(h)]
        if len(heads) != 1:
            raise InputError(f"{rdir.path}: {len(heads)} heads above {start or 'base'} "
                             f"({', '.join(sorted(heads))}); name one with --to")
        to = heads[0]
    else:
        to = _resolve(rdir, script, to)
    chain = []
    for r in script.iterate_revisions(to, "base"):
        if r.revision == start:
            break
        down = r.down_revision
        if isinstance(down, (tuple, list)):
            raise InputError(f"{rdir.path}: revision {r.revision} merges several branches; "
                             f"verify follows one line of revisions")
        chain.append((r.revision, down))
    else:
        if start is not None:
            raise InputError(f"{rdir.path}: revision {to} does not descend from {start}")
    return list(reversed(chain))
