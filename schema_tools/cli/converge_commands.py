"""The ``converge`` command."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from ..errors import InputError
from .options import defaults_file_option, offline_option, server_option


@click.command("converge")
@click.argument("sources", nargs=-1, required=True)
@click.option("--quorum", type=int, metavar="K",
              help="An object enters the core when at least K sites hold it (default: every site).")
@click.option("--reference", metavar="NAME",
              help="Site whose defaults, comments and spelling the core takes (default: the first).")
@click.option("--decisions", "decisions_file", type=click.Path(dir_okay=False),
              help="TOML file of decisions that settle conflicts (docs/converge.md).")
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False),
              help="Revision directory to write each site's path into, one branch per site "
                   "(new or empty).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the plan here: FILE.md (Markdown) or FILE.html (a self-contained page); "
                   "default: Markdown on standard output.")
@click.option("--verify", "verify_", is_flag=True,
              help="Run each site's path on a real server from the site's schema, seeded with rows, "
                   "up and back down: every state exact, every row kept.")
@click.option("--rows", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="With --verify: rows seeded per table.")
@offline_option
@server_option
@defaults_file_option
def converge_command(sources, quorum, reference, decisions_file, directory, output, verify_, rows,
                     offline, server, defaults_file):
    """Compute the core of several sites and write each site's additive path to it.

    Each SOURCE is a snapshot (.json), a server URL, a .sql file, a directory of .sql files
    or comma-joined .sql files; a site is named by the site its snapshot records, else by
    its file name.  Exit 0 when the plan and paths are written and no conflict is open,
    1 when conflicts remain open or --verify finds a path that fails, 2 on an error
    (a decision that is stale or names an unknown site included).
    """
    from ..converge.core import build_core
    from ..converge.decisions import read_decisions
    from ..converge.paths import plan_paths, require_empty, throwaway_server, verify_paths, write_paths
    from ..converge.plan_report import render_plan
    from ..sources.resolve import read_one, site_labels, source_label
    from ..sources.workspace import default_server
    from .options import check_read_mode

    sources = tuple(s for s in sources if not s.endswith(".meta.json"))
    check_read_mode(offline=offline, server=server, sources=sources)
    fmt = "markdown"
    if output:
        suffix = Path(output).suffix.lower()
        if suffix not in (".md", ".html", ".htm"):
            raise InputError(f"{output}: the plan is FILE.md or FILE.html")
        fmt = "html" if suffix in (".html", ".htm") else "markdown"
        if not Path(output).resolve().parent.is_dir():
            raise InputError(f"{output}: no such directory {Path(output).resolve().parent}")
    dupes = sorted({s for s in sources if sources.count(s) > 1})
    if dupes:
        raise InputError(f"source(s) given more than once: {', '.join(source_label(d) for d in dupes)}")
    require_empty(directory)
    decisions = read_decisions(decisions_file) if decisions_file else []
    snaps = [read_one(spec, server=server, defaults_file=defaults_file, offline=offline) for spec in sources]
    labels = site_labels(sources, snaps)
    if reference is not None and reference not in labels:
        reference = {source_label(s): label for s, label in zip(sources, labels, strict=True)}.get(reference, reference)
    schemas = dict(zip(labels, (s.schema for s in snaps), strict=True))
    core = build_core(schemas, quorum=quorum, reference=reference, decisions=decisions)
    paths = plan_paths(core, schemas)
    # one throwaway server for every path, unless a server is named
    server = (server or default_server()) if server != "local" else None
    report = None
    with (contextlib.nullcontext(server) if server else throwaway_server(list(schemas.values()))) as url:
        write_paths(paths, directory, server=url)
        if verify_:
            from ..verify.report import to_text
            from .verify_commands import _Progress

            progress = _Progress()
            try:
                report = verify_paths(paths, directory, server=url, rows=rows, progress=progress)
            finally:
                progress.done()
            click.echo(to_text(report), nl=False, err=True)
    text = render_plan(core, paths, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(output)
    else:
        click.echo(text, nl=False)
    opened = len(core.open_conflicts)
    if opened:
        click.echo(f"{opened} conflict(s) open: settle them in a decisions file (--decisions)", err=True)
    if report is not None and not report.ok:
        return report.exit_code
    return 1 if opened else 0


COMMANDS = [converge_command]
