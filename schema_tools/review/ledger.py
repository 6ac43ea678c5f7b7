"""Approvals: who accepted a revision, when, and which findings, bound to the revision's
content.

The ledger is ``approvals.json`` in the revision directory: one entry per revision,
keys sorted, one finding per line, so that a git diff shows exactly what was approved.
An entry holds the content hash of the revision (sha256 of the revision file's bytes and
of its states file's bytes); editing either afterwards voids the approval.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..migrate.revfile import RevisionFile, RevisionSet

LEDGER = "approvals.json"
FORMAT = "schema-tools-approvals"
VERSION = 1


def content_hash(rset: RevisionSet, rev: RevisionFile) -> str:
    """``sha256:<hex>`` over the revision file and its states file (and, for a root with
    a starting state of its own, that one), length-prefixed so that bytes cannot move from
    one to the other."""
    h = hashlib.sha256()
    paths = [rev.path, rset.state_path(rev.rev_id)]
    if not rev.down_revisions and rset.root_state_path(rev).exists():
        paths.append(rset.root_state_path(rev))
    for path in paths:
        data = path.read_bytes() if path.exists() else b""
        h.update(f"{path.parent.name}/{path.name}\0{len(data)}\0".encode())
        h.update(data)
    return "sha256:" + h.hexdigest()


@dataclass(frozen=True)
class Approval:
    revision: str
    content: str
    by: str
    at: str
    accepted: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"content": self.content, "by": self.by, "at": self.at,
                "accepted": list(self.accepted), "findings": list(self.findings)}


def ledger_path(rdir: str | Path) -> Path:
    return Path(rdir) / LEDGER


def read_ledger(rdir: str | Path) -> dict[str, Approval]:
    path = ledger_path(rdir)
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable approvals file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"{path}: not a schema-tools approvals file (missing \"format\": \"{FORMAT}\")")
    out = {}
    for rev, entry in (doc.get("approvals") or {}).items():
        try:
            out[rev] = Approval(rev, entry["content"], entry["by"], entry["at"],
                                tuple(entry.get("accepted", ())), tuple(entry.get("findings", ())))
        except (KeyError, TypeError):
            raise InputError(f"{path}: approval of {rev} is incomplete") from None
    return out


def write_ledger(rdir: str | Path, approvals: dict[str, Approval]) -> Path:
    path = ledger_path(rdir)
    doc = {"format": FORMAT, "version": VERSION,
           "approvals": {rev: approvals[rev].to_dict() for rev in sorted(approvals)}}
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def now() -> str:
    """UTC time of an approval; ``SOURCE_DATE_EPOCH`` makes it reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch and epoch.isdigit()
            else _dt.datetime.now(_dt.timezone.utc))
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def record_approval(rset: RevisionSet, rev: RevisionFile, *, by: str, accepted: tuple[str, ...],
                    findings: tuple[str, ...]) -> Approval:
    """Add (or replace) the approval of ``rev`` in the ledger."""
    if not by.strip():
        raise InputError("--by: name who approves")
    approvals = read_ledger(rset.path)
    approval = Approval(rev.rev_id, content_hash(rset, rev), by.strip(), now(),
                        tuple(sorted(set(accepted))), tuple(sorted(set(findings))))
    approvals[rev.rev_id] = approval
    write_ledger(rset.path, approvals)
    return approval


def approval_state(rset: RevisionSet, rev: RevisionFile,
                   approvals: dict[str, Approval] | None = None) -> tuple[str, Approval | None]:
    """``approved``, ``unapproved`` or ``modified`` (approved, then edited)."""
    approvals = read_ledger(rset.path) if approvals is None else approvals
    a = approvals.get(rev.rev_id)
    if a is None:
        return "unapproved", None
    return ("approved" if a.content == content_hash(rset, rev) else "modified"), a


def is_approved(rdir: str | Path, rev: str) -> bool:
    """Whether revision ``rev`` of ``rdir`` has an approval that its current content
    matches (what ``upgrade`` asks before it runs a revision)."""
    rdir = Path(getattr(rdir, "path", rdir))
    rset = RevisionSet(rdir)
    if rev not in rset.by_id:
        return False
    return approval_state(rset, rset.by_id[rev])[0] == "approved"
