"""The ``verify`` command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from .options import defaults_file_option, dir_option


class _Progress:
    """Plain lines, or on a terminal one status line rewritten in place."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.count = 0

    def __call__(self, line: str) -> None:
        self.count += 1
        if self.tty:
            self.stream.write(f"\r\033[K[{self.count}] {line[:150]}")
            if "FAILED" in line:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self.count:
            self.stream.write("\r\033[K")
            self.stream.flush()


@click.command("verify")
@dir_option
@click.option("--snapshots", "snapshots", default="snapshots", show_default=True,
              type=click.Path(file_okay=False), help="Folder of site snapshots (the baselines).")
@click.option("--server", "servers", multiple=True, metavar="local|docker:IMAGE|URL",
              help="Backend(s) to verify on: a throwaway local server (default), a container, or "
                   "an existing server URL (scratch databases, always dropped). Repeatable.")
@click.option("--site", "sites", multiple=True, metavar="NAME",
              help="Only these site snapshots (file name without .json). Repeatable.")
@click.option("--from", "start", metavar="REV", help="Start from this revision's state (or base).")
@click.option("--all", "all_", is_flag=True,
              help="Replay every revision from every site baseline (as CI does on main). Default "
                   "without --from or --site: only the revisions not approved yet, from the state "
                   "of the last approved one.")
@click.option("--to", "to", metavar="REV", default=None, help="Last revision to apply (default: head).")
@click.option("--data/--no-data", default=True, show_default=True,
              help="Seed rows and check that they survive every step.")
@click.option("--rows", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Rows seeded per table.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Sites or backends verified in parallel, each on its own server.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Write a JSON report.")
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False), help="Write a JUnit XML report.")
@defaults_file_option
def verify_command(directory, snapshots, servers, sites, start, to, data, rows, jobs, report_file,
                   junit_file, defaults_file, all_):
    """Apply the revisions from each site's baseline on a real server, one at a time, and back
    down: every state must match its recorded fingerprint and no seeded row may be lost.
    Exit 0 when everything passed, 1 when a step failed, 2 on an error."""
    from ..migrate.revision import RevisionDir
    from ..review.integrity import require_intact_states
    from ..verify.report import to_json, to_junit, to_text
    from ..sources.workspace import default_server
    from ..verify.runner import verify

    for path in (report_file, junit_file):  # before the run, not after it
        if path and not Path(path).resolve().parent.is_dir():
            raise InputError(f"{path}: no such directory {Path(path).resolve().parent}")
    require_intact_states(RevisionDir(directory).require().path)  # the states verify compares with
    if all_ and (start or sites):
        raise InputError("--all replays everything: give it without --from and --site")
    if not (all_ or start or sites):
        chosen = new_range(RevisionDir(directory))
        if chosen.nothing:
            click.echo(chosen.message)
            return 0
        click.echo(chosen.message, err=True)
        start = chosen.start
    progress = _Progress()
    try:
        report = verify(RevisionDir(directory), snapshots=Path(snapshots), sites=sites, start=start,
                        to=to, servers=list(servers) or [default_server()], data=data, rows=rows, jobs=jobs,
                        progress=progress, defaults_file=defaults_file)
    finally:
        progress.done()
    if report_file:
        Path(report_file).write_text(to_json(report), encoding="utf-8")
    if junit_file:
        Path(junit_file).write_text(to_junit(report), encoding="utf-8")
    click.echo(to_text(report), nl=False)
    return report.exit_code


class _Range:
    def __init__(self, start: str | None, message: str, nothing: bool = False) -> None:
        self.start, self.message, self.nothing = start, message, nothing


def new_range(rdir) -> _Range:
    """What ``verify`` checks by default: the revisions not approved yet, from the state of
    the last approved revision below them (the base when none is); everything when the
    unapproved revisions are on several lines."""
    from ..review.ledger import approval_state, read_ledger
    from ..migrate.revfile import RevisionSet

    rset = RevisionSet(rdir.path)
    approvals = read_ledger(rset.path)
    ordered = rset.ordered()
    new = [r for r in ordered if approval_state(rset, r, approvals)[0] != "approved"]
    if not new:
        return _Range(None, f"every revision of {rdir.path} is approved: nothing new to verify "
                            f"(--all replays them all)", nothing=True)
    first = new[0]
    parents = {r.rev_id: r.down_revisions for r in ordered}
    below: set[str] = set()
    todo = list(first.down_revisions)
    while todo:
        rev = todo.pop()
        if rev not in below:
            below.add(rev)
            todo += list(parents.get(rev, ()))
    # one line: each new revision descends from the first
    def descends(r) -> bool:
        seen, todo2 = set(), [r.rev_id]
        while todo2:
            rev = todo2.pop()
            if rev == first.rev_id:
                return True
            if rev not in seen:
                seen.add(rev)
                todo2 += list(parents.get(rev, ()))
        return False

    if len(first.down_revisions) > 1 or not all(descends(r) for r in new):
        return _Range(None, f"{len(new)} revision(s) not approved yet, on several lines: verifying "
                            f"everything from every site baseline")
    start = first.down_revisions[0] if first.down_revisions else None
    names = first.rev_id if len(new) == 1 else f"{first.rev_id} .. {new[-1].rev_id}"
    return _Range(start or "base", f"verifying the {len(new)} revision(s) not approved yet ({names}) "
                                   f"from the state of {start or 'base'} (--all replays everything)")


COMMANDS = [verify_command]
