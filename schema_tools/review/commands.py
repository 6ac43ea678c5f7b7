"""What the ``review`` and ``check`` commands do."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from ..errors import EXIT_DIFFERENCES, InputError, SchemaToolsError
from ..flavour import Flavour
from ..migrate.revision import not_a_revision_directory
from .config import LintConfig, load_config
from .engine import Review, review_revision, review_states
from .integrity import write_sum
from .ledger import Approval, approval_state, read_ledger, record_approval
from .registry import load_rules, severity_rank
from ..migrate.revfile import RevisionSet
from .data import live_database


class ApprovalRefused(SchemaToolsError):
    """A revision has findings that the approval does not accept."""

    exit_code = EXIT_DIFFERENCES


def _directory(rdir: str | Path) -> RevisionSet:
    rset = RevisionSet(rdir)
    if not rset.versions.is_dir():
        raise not_a_revision_directory(rset.path)
    return rset


def review_directory(rdir: str | Path, revisions: Sequence[str] = (), *, url: str | None = None,
                     conn=None, defaults_file=None, flavour: str | Flavour | None = None,
                     config: LintConfig | None = None, count_timeout: float | None = None) -> list[Review]:
    """Lint ``revisions`` of ``rdir`` (default: all, in history order).  Findings that a
    valid approval accepted are marked with who accepted them.

    With a database (``url``, or the open connection ``conn``, whose default database it
    is), findings give the tables' sizes and count the rows a change refuses or cuts, each
    count stopped after ``count_timeout`` seconds (default: the configuration's)."""
    rset = _directory(rdir)
    config = config or load_config(rset.path)
    chosen = [rset.get(r) for r in revisions] if revisions else rset.ordered()
    approvals = read_ledger(rset.path)
    timeout = config.count_timeout if count_timeout is None else count_timeout
    out = []
    with live_database(url, conn=conn, defaults_file=defaults_file, count_timeout=timeout) as (stats, data):
        for rev in chosen:
            out.append(review_revision(rset, rev, config, stats=stats, flavour=flavour, data=data))
    for review, rev in zip(out, chosen, strict=True):
        state, approval = approval_state(rset, rev, approvals)
        if state == "approved":
            assert approval is not None, "an approved revision has its approval"
            review.findings = [dataclasses.replace(f, accepted_by=approval.by)
                               if f.code in approval.accepted else f for f in review.findings]
    return out


def review_change(before_spec: str, after_spec: str, *, offline: bool = False, server: str | None = None,
                  url: str | None = None, defaults_file=None, flavour: str | Flavour | None = None,
                  config_dir: str | Path = ".", count_timeout: float | None = None) -> Review:
    """Lint a change between two states that is not a revision yet (each a snapshot, URL,
    SQL file, directory of SQL files or comma-joined list, read as ``diff`` reads them)."""
    from ..sources.resolve import read_one, source_label

    config = load_config(config_dir)
    kw = dict(server=server, defaults_file=defaults_file, offline=offline)
    before = read_one(before_spec, **kw).schema
    after = read_one(after_spec, **kw).schema
    label = f"{source_label(before_spec)} -> {source_label(after_spec)}"
    timeout = config.count_timeout if count_timeout is None else count_timeout
    with live_database(url, defaults_file=defaults_file, count_timeout=timeout) as (stats, data):
        return review_states(before, after, label=label, config=config, stats=stats, flavour=flavour,
                             data=data)


def approve(rdir: str | Path, rev: str, *, by: str, accept: Sequence[str] = (),
            flavour: str | Flavour | None = None) -> tuple[Approval, Review]:
    """Record the approval of ``rev`` by ``by``, accepting the findings whose codes are in
    ``accept``; refused while a finding at or above the configured ``fail_on`` severity is
    not accepted.  The integrity file is rewritten."""
    rset = _directory(rdir)
    rules = load_rules()
    codes = tuple(sorted({c.strip().upper() for c in accept if c.strip()}))
    unknown = [c for c in codes if c not in rules]
    if unknown:
        raise InputError(f"--accept: unknown rule code(s) {', '.join(unknown)}")
    config = load_config(rset.path)
    r = rset.get(rev)
    review = review_revision(rset, r, config, flavour=flavour)
    blocking = [f for f in review.findings if f.code not in codes
                and severity_rank(f.severity) >= severity_rank(config.fail_on)]
    if blocking:
        shown = sorted({f.code for f in blocking})
        raise ApprovalRefused(
            f"{r.rev_id}: {len(blocking)} finding(s) at or above {config.fail_on} are not accepted "
            f"({', '.join(shown)})",
            hint=f"review them (schema-tools review {r.rev_id}), then approve with "
                 f"{' '.join('--accept ' + c for c in shown)}")
    accepted = tuple(f.key() for f in review.findings if f.code in codes)
    approval = record_approval(rset, r, by=by, accepted=codes, findings=accepted)
    write_sum(rset.path)
    return approval, review


def rehash(rdir: str | Path) -> Path:
    return write_sum(_directory(rdir).path)
