"""The CI gate over a revision directory (``schema-tools check``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model.snapshot import fingerprint_of
from .config import load_config
from .integrity import verify_sum
from .ledger import approval_state, read_ledger
from ..migrate.revfile import RevisionSet


@dataclass(frozen=True)
class Problem:
    """One reason the directory is not ready: ``kind`` is one of ``unapproved``,
    ``modified`` (edited after its approval), ``integrity`` (revisions.sum),
    ``heads`` (several heads without allow_branches), ``fingerprint`` (the revision's
    recorded fingerprint differs from its state file), ``state`` (a state file missing or
    unreadable), ``revision`` (a revision file that cannot be read)."""

    kind: str
    revision: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.revision + ': ' if self.revision else ''}{self.message}"


def _state_fingerprint(path: Path) -> tuple[str | None, str | None]:
    """(fingerprint, error) of a states file."""
    if not path.exists():
        return None, f"{path.parent.name}/{path.name} is missing"
    try:
        return fingerprint_of(path), None
    except InputError as exc:
        return None, str(exc)


def check_revisions(rdir: str | Path) -> list[Problem]:
    """Everything that stops the revisions of ``rdir`` from going to production: an
    unapproved or modified revision, an integrity mismatch, several heads where the
    configuration allows no branches, a recorded fingerprint that differs from the state
    file."""
    rdir = Path(getattr(rdir, "path", rdir))
    try:
        rset = RevisionSet(rdir)
    except InputError as exc:
        return [Problem("revision", None, str(exc))]
    problems: list[Problem] = []
    for m in verify_sum(rdir):
        problems.append(Problem("integrity", None, m.message))
    config = load_config(rdir)
    heads = rset.heads()
    if len(heads) > 1 and not config.allow_branches:
        problems.append(Problem("heads", None, f"{len(heads)} heads ({', '.join(heads)}); merge them, "
                                               f"or set allow_branches = true in [tool.schema_tools.lint]"))
    try:
        approvals = read_ledger(rdir)
    except InputError as exc:
        problems.append(Problem("unapproved", None, str(exc)))
        approvals = {}
    try:  # identify and stamp --from-schemastatus read it on production databases
        from ..migrate.legacy import load_legacy_map
        from ..migrate.revision import RevisionDir

        known = {r.rev_id for r in rset.ordered()}
        for entry in load_legacy_map(RevisionDir(rdir)):
            if entry["revision"] not in known:
                problems.append(Problem("legacy", None, f"legacy.json maps {entry['script']} to "
                                                        f"{entry['revision']}, which is no revision here"))
    except InputError as exc:
        problems.append(Problem("legacy", None, str(exc)))
    fingerprints: dict[str, tuple[str | None, str | None]] = {}

    def state_fp(path: Path) -> tuple[str | None, str | None]:
        key = str(path)
        if key not in fingerprints:
            fingerprints[key] = _state_fingerprint(path)
        return fingerprints[key]

    for r in rset.ordered():
        state, approval = approval_state(rset, r, approvals)
        if state == "unapproved":
            problems.append(Problem("unapproved", r.rev_id, f"{r.path.name} has no approval "
                                    f"(schema-tools review --approve {r.rev_id} --by NAME)"))
        elif state == "modified":
            assert approval is not None, "a modified revision was approved"
            problems.append(Problem("modified", r.rev_id, f"{r.path.name} or its state changed after "
                                    f"{approval.by} approved it on {approval.at}; review it again"))
        after, err = state_fp(rset.state_path(r.rev_id))
        if err:
            problems.append(Problem("state", r.rev_id, err))
        elif r.after != after:
            problems.append(Problem("fingerprint", r.rev_id, f"{r.path.name} says it produces "
                                    f"{r.after}, but states/{r.rev_id}.json is {after}"))
        missing_parent = [p for p in r.down_revisions if p not in rset.by_id]
        if missing_parent:
            problems.append(Problem("revision", r.rev_id, f"{r.path.name} revises "
                                    f"{', '.join(missing_parent)}, which is not in the directory"))
        if len(r.down_revisions) <= 1 and not missing_parent:
            before_path = rset.before_state_path(r)
            assert before_path is not None, "one parent at most: a state to start from"
            before, err = state_fp(before_path)
            if err:
                problems.append(Problem("state", r.rev_id, err))
            elif r.before != before:
                where = f"states/{before_path.name}"
                problems.append(Problem("fingerprint", r.rev_id, f"{r.path.name} says it expects "
                                        f"{r.before}, but {where} is {before}"))
    return problems
