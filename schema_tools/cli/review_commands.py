"""The ``review`` and ``check`` commands: lint revisions, approve them, and gate CI."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from .options import check_read_mode, defaults_file_option, server_option, write_or_echo

_SEVERITIES = ("notice", "warning", "error")

review_dir_option = click.option(
    "--dir", "directory", default="revisions", show_default=True, type=click.Path(file_okay=False),
    help="Revision directory.")


@click.command("review")
@click.argument("revisions", nargs=-1)
@review_dir_option
@click.option("--url", help="A database the revisions will run on: the row counts and sizes of "
                            "the tables they touch (information_schema.TABLES), ranked by risk, and "
                            "the rows a change would refuse or cut (rows without their parent, "
                            "duplicate keys, NULLs, values that do not fit), counted.")
@click.option("--count-timeout", type=click.FloatRange(0, 3600), default=None, metavar="SECONDS",
              help="With --url: how long each count may run on the server before it is reported "
                   "'not counted' (default: count_timeout in [tool.schema_tools.lint], else 2; "
                   "0: count nothing).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Report format (markdown fits a pull-request comment).")
@click.option("--fail-on", type=click.Choice(_SEVERITIES), default=None,
              help="Exit 1 on a finding at or above this severity (default: fail_on of the "
                   "configuration, else error).")
@click.option("--flavour", metavar="mariadb[:VERSION]|mysql[:VERSION]",
              help="The servers the revisions run on (default: flavour in [tool.schema_tools.lint], "
                   "else the flavour of the states).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--from", "from_", metavar="SOURCE",
              help="Lint the change from this state to --to instead of revisions (a snapshot, URL, "
                   "SQL file, directory of .sql files or comma-joined files).")
@click.option("--to", "to", metavar="SOURCE", help="The state the change reaches (with --from).")
@click.option("--offline", is_flag=True, help="With --from/--to: read SQL sources without a server.")
@click.option("--approve", "approve_rev", metavar="REV",
              help="Record an approval of REV (bound to its content) in approvals.json.")
@click.option("--by", help="With --approve: who approves.")
@click.option("--accept", multiple=True, metavar="CODE[,CODE...]",
              help="With --approve: rule codes whose findings the approval accepts (repeatable).")
@click.option("--rehash", is_flag=True, help="Write the integrity file revisions.sum and exit.")
@server_option
@defaults_file_option
def review(revisions, directory, url, count_timeout, fmt, fail_on, flavour, output, from_, to, offline,
           approve_rev, by, accept, rehash, server, defaults_file):
    """Lint revisions (default: every revision of --dir) and print each finding: code,
    severity, revision, the change or statement, why, and how to fix it.

    Exit 1 when a finding at or above --fail-on is not accepted by an approval.  With
    --approve, record an approval; with --rehash, write revisions.sum.  The rules are
    listed in docs/lint-rules.md; [tool.schema_tools.lint] in pyproject.toml (looked up
    from --dir upward) disables rules or changes their severity.
    """
    from ..review.commands import approve, rehash as write_rehash, review_change, review_directory
    from ..review.config import load_config
    from ..review.report import render_review, worst

    check_read_mode(offline=offline, server=server, sources=(from_, to))
    if sum(bool(x) for x in (rehash, approve_rev)) > 1:
        raise InputError("give one of --approve and --rehash")
    if rehash:
        click.echo(str(write_rehash(directory)))
        return 0
    if approve_rev:
        if not by:
            raise InputError("--approve needs --by NAME")
        if revisions or from_ or to:
            raise InputError("--approve takes one revision and no other selection")
        codes = [c for value in accept for c in value.split(",")]
        approval, result = approve(directory, approve_rev, by=by, accept=codes, flavour=flavour)
        click.echo(f"approved {approval.revision} by {approval.by} at {approval.at}"
                   + (f", accepting {len(approval.findings)} finding(s) ({', '.join(approval.accepted)})"
                      if approval.accepted else ""))
        click.echo(str(Path(directory) / "approvals.json"))
        return 0
    if by or accept:
        raise InputError("--by and --accept go with --approve")
    if count_timeout is not None and not url:
        raise InputError("--count-timeout goes with --url")
    if from_ or to:
        if not (from_ and to):
            raise InputError("give both --from and --to")
        if revisions:
            raise InputError("give either revisions or --from/--to, not both")
        reviews = [review_change(from_, to, offline=offline, server=server, url=url,
                                 defaults_file=defaults_file, flavour=flavour, config_dir=directory
                                 if Path(directory).is_dir() else ".", count_timeout=count_timeout)]
        config = load_config(directory if Path(directory).is_dir() else ".")
    else:
        reviews = review_directory(directory, revisions, url=url, defaults_file=defaults_file,
                                   flavour=flavour, count_timeout=count_timeout)
        config = load_config(directory)
    text = render_review(reviews, fmt, with_tables=bool(url))
    write_or_echo(text, output)
    threshold = _SEVERITIES.index(fail_on or config.fail_on)
    return 1 if worst(reviews) >= threshold else 0


@click.command("check")
@review_dir_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--verify", "run_verify", is_flag=True,
              help="Also run `verify` (every site baseline in --snapshots, on --server) and fail "
                   "where a state produced on the server differs from the recorded one.")
@click.option("--snapshots", default="snapshots", show_default=True, type=click.Path(file_okay=False),
              help="Site snapshots for --verify.")
@click.option("--server", default=None, metavar="local|docker:IMAGE|URL", help="Backend for --verify.")
def check(directory, fmt, run_verify, snapshots, server):
    """The CI gate: exit 1 on an unapproved or modified revision, a mismatch with
    revisions.sum, several heads where allow_branches is false, or a revision whose
    recorded fingerprint differs from its state file (with --verify: or from the state
    the revision produces on a real server); exit 2 when --verify could not run."""
    import json

    from ..migrate.revision import not_a_revision_directory
    from ..review.check import Problem, check_revisions

    if not (Path(directory) / "versions").is_dir():
        raise not_a_revision_directory(directory)
    problems = check_revisions(directory)
    errored = False  # --verify could not run somewhere (a server, a baseline): exit 2
    if run_verify:
        from ..migrate.revision import RevisionDir
        from ..verify.runner import verify

        report = verify(RevisionDir(directory), snapshots=Path(snapshots), servers=[server], data=False)
        errored = report.exit_code == 2
        for site in report.sites:
            if site.error:
                problems.append(Problem("verify", None, f"{site.site}: {site.error}"))
            for step in site.steps:
                if not step.ok:
                    why = step.error or (f"{step.residual_count} difference(s) from the recorded state: "
                                         + "; ".join(step.residual[:3]))
                    problems.append(Problem("fingerprint" if not step.error else "verify", step.revision,
                                            f"{step.direction} on {site.server or site.backend}: {why}"))
    if fmt == "json":
        click.echo(json.dumps({"ok": not problems, "problems": [
            {"kind": p.kind, "revision": p.revision, "message": p.message} for p in problems]}, indent=2))
    else:
        for p in problems:
            click.echo(str(p))
        click.echo(f"{directory}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 2 if errored else (1 if problems else 0)


COMMANDS = [review, check]
