"""The integrity file of a revision directory, ``revisions.sum`` (like Atlas's atlas.sum).

It lists every file that makes up the history, in history order (the base state, then
each revision file with its state, parents before children), each with its sha256, and
starts with a hash over those lines.  Comparing it with the directory finds revisions
that were edited, removed, added without a rehash, or reordered.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model.snapshot import fingerprint_of, referenced_objects
from ..migrate.revfile import RevisionSet

SUM_FILE = "revisions.sum"
HEADER = "schema-tools-sum 1"


def _sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def history_files(rset: RevisionSet) -> list[Path]:
    """The files the sum covers, in history order (relative to the directory)."""
    out: list[Path] = []
    for extra in ("env.py", "states/base.json"):
        if (rset.path / extra).exists():
            out.append(Path(extra))
    for r in rset.ordered():
        out.append(r.path.relative_to(rset.path))
        if rset.root_state_path(r).exists():
            out.append(rset.root_state_path(r).relative_to(rset.path))
        state = rset.state_path(r.rev_id)
        if state.exists():
            out.append(state.relative_to(rset.path))
    # the objects states refer to by content, each once, after the states
    seen: set[str] = set()
    for state in list(out):
        if state.suffix == ".json":
            for obj in referenced_objects(rset.path / state):
                if obj.name not in seen:  # every state's objects are in states/objects/
                    seen.add(obj.name)
                    out.append(obj.relative_to(rset.path))
    return out


def _lines(rset: RevisionSet) -> list[str]:
    return [f"{p.as_posix()} {_sha(rset.path / p)}" for p in history_files(rset)]


def _total(lines: list[str]) -> str:
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def render_sum(rset: RevisionSet) -> str:
    lines = _lines(rset)
    return "\n".join([f"{HEADER} {_total(lines)}", *lines]) + "\n"


def write_sum(rdir: str | Path) -> Path:
    """Write ``revisions.sum`` for the directory as it is now (what a new revision and an
    approval call)."""
    rset = RevisionSet(rdir)
    path = rset.path / SUM_FILE
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(render_sum(rset), encoding="utf-8")
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class Mismatch:
    kind: str  # missing-sum, corrupt, edited, removed, added, reordered
    path: str
    message: str


def verify_sum(rdir: str | Path) -> list[Mismatch]:
    """How the directory differs from its ``revisions.sum`` (empty: it matches)."""
    rset = RevisionSet(rdir)
    path = rset.path / SUM_FILE
    if not path.exists():
        if not rset.by_id:
            return []
        return [Mismatch("missing-sum", SUM_FILE, f"{SUM_FILE} is missing: write it with "
                                                  f"schema-tools review --rehash")]
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not text or not text[0].startswith(HEADER + " "):
        return [Mismatch("corrupt", SUM_FILE, f"{SUM_FILE} does not start with '{HEADER}'")]
    recorded = [line for line in text[1:] if line.strip()]
    out: list[Mismatch] = []
    if text[0][len(HEADER) + 1:].strip() != _total(recorded):
        out.append(Mismatch("corrupt", SUM_FILE, f"{SUM_FILE} was edited by hand (its lines do not "
                                                 f"match its first line)"))
    rec: dict[str, str] = {}
    for line in recorded:
        name, _, digest = line.rpartition(" ")
        rec[name] = digest
    actual = {p.as_posix(): _sha(rset.path / p) for p in history_files(rset)}
    for name, digest in rec.items():
        if name not in actual:
            out.append(Mismatch("removed", name, f"{name} is in {SUM_FILE} but not in the directory "
                                                 f"(removed or renamed)"))
        elif actual[name] != digest:
            out.append(Mismatch("edited", name, f"{name} changed since {SUM_FILE} was written"))
    for name in actual:
        if name not in rec:
            out.append(Mismatch("added", name, f"{name} is not in {SUM_FILE} (run schema-tools "
                                               f"review --rehash once it is reviewed)"))
    common_rec = [n for n in rec if n in actual]
    common_act = [n for n in actual if n in rec]
    if common_rec != common_act:
        out.append(Mismatch("reordered", SUM_FILE, "the revisions are in a different order than "
                                                   f"{SUM_FILE} records (a down_revision changed?)"))
    return out


def damaged_states(rdir: str | Path) -> list[str]:
    """The recorded states of ``rdir`` that are missing or damaged, one line each (the file
    first): a state file must be a snapshot whose content matches its fingerprint (its
    sidecar vouches for its exact bytes, or it is read in full), and that fingerprint must be
    the one its revision file records."""
    rset = RevisionSet(rdir)
    out: list[str] = []
    seen: set[Path] = set()

    def check(path: Path | None, expected: str | None, what: str) -> None:
        if path is None or path in seen:
            return
        seen.add(path)
        if not path.exists():
            out.append(f"{path}: missing (the recorded state {what})")
            return
        try:
            found = fingerprint_of(path)
        except InputError as exc:
            out.append(str(exc))
            return
        if expected and found != expected:
            out.append(f"{path}: holds the state {found}, not {expected} (the recorded state {what})")

    for r in rset.ordered():
        check(rset.state_path(r.rev_id), r.after, f"revision {r.rev_id} produces")
        if not r.down_revisions:
            check(rset.before_state_path(r), r.before, f"revision {r.rev_id} starts from")
    return out


def require_intact_states(rdir: str | Path) -> None:
    """:class:`InputError` (one line, and a hint) when a recorded state is missing or
    damaged: every command that compares a database with recorded states needs them all."""
    problems = damaged_states(rdir)
    if problems:
        more = f" (and {len(problems) - 1} other state file(s))" if len(problems) > 1 else ""
        raise InputError(f"damaged recorded state: {problems[0]}{more}",
                         hint="restore states/ from version control (or regenerate the revisions); "
                              "`schema-tools check` lists every problem")
