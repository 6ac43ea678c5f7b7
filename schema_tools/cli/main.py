"""The ``schema-tools`` command.

Exit codes: 0 success / no differences, 1 differences or findings, 2 error.  Every
:class:`~schema_tools.errors.SchemaToolsError` is caught here, once, and printed as one
line; ``--debug`` re-raises it instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import EXIT_ERROR, SchemaToolsError
from ..model.snapshot import Snapshot
from ..render.ddl import render_schema


class _Group(click.Group):
    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        try:
            rv = super().main(args=argv, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, **extra)
        except SchemaToolsError as exc:
            if debug:
                raise
            click.echo(f"schema-tools: error: {exc}", err=True)
            if getattr(exc, "excerpt", None):
                click.echo(f"  | {exc.excerpt}", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("schema-tools: aborted", err=True)
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("schema-tools: interrupted", err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="schema-tools")
@click.option("--debug", is_flag=True, help="Re-raise errors with a traceback.")
def cli(debug: bool) -> None:
    """Snapshot, diff, migrate and verify MariaDB/MySQL schemas across ISPyB sites."""


defaults_file_option = click.option(
    "--defaults-file", type=click.Path(dir_okay=False),
    help="MySQL option file with the credentials ([client] user/password/host...).")
server_option = click.option(
    "--server", default=None, metavar="local|URL",
    help="Where SQL files are loaded: a throwaway local server (default) or an existing "
         "server URL (work happens in a scratch database that is always dropped).")


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Snapshot file to write.")
@click.option("--site", help="Site name recorded in the metadata.")
@server_option
@defaults_file_option
@click.option("--offline", is_flag=True,
              help="Read SQL files without a server, as MariaDB would (see --flavour).")
@click.option("--lenient", is_flag=True,
              help="With --offline: skip statements that are not understood, list them, and "
                   "mark the snapshot partial instead of stopping.")
@click.option("--flavour", metavar="mariadb[:VERSION]",
              help="With --offline: the server flavour and version to read as (default mariadb:10.11.0).")
def snapshot(sources, output, site, server, defaults_file, offline, lenient, flavour):
    """Snapshot SOURCE (a server URL, or SQL files loaded in order) into a canonical file.

    Writes OUTPUT and OUTPUT.meta.json (metadata: source, server, time, warnings).
    Exit 1 when the self-check finds tables the model cannot represent exactly, or when
    a lenient offline read skipped statements (the snapshot is partial).
    """
    from ..sources.resolve import read_source

    snap = read_source(list(sources), server=server, defaults_file=defaults_file, site=site,
                       offline=offline, lenient=lenient, flavour=flavour)
    meta = snap.metadata
    for line in meta.get("ignored") or []:
        click.echo(f"ignored: {line}", err=True)
    for line in meta.get("skipped") or []:
        click.echo(f"skipped: {line}", err=True)
    for note in meta.get("warnings", []):
        click.echo(f"note: {note}", err=True)
    if meta.get("missing_views"):
        click.echo(f"warning: {len(meta['missing_views'])} view(s) have no definition in the "
                   f"source and are not in the snapshot: {', '.join(meta['missing_views'])}", err=True)
    for problem in meta.get("unsupported", []):
        click.echo(f"unsupported: {problem}", err=True)
    if output:
        snap.write(output)
        click.echo(output)
    else:
        click.echo(snap.to_json(), nl=False)
    if meta.get("partial"):
        click.echo(f"warning: partial snapshot: {len(meta['skipped'])} statement(s) skipped", err=True)
    return 1 if meta.get("unsupported") or meta.get("partial") else 0


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
def show(file):
    """Print a readable summary of a snapshot: counts by kind and the fingerprint."""
    snap = Snapshot.read(file)
    meta = snap.metadata
    counts = snap.schema.counts()
    click.echo(f"snapshot:    {file}")
    if meta.get("site"):
        click.echo(f"site:        {meta['site']}")
    if meta.get("source"):
        click.echo(f"source:      {', '.join(meta['source'])}")
    if meta.get("server_version"):
        click.echo(f"server:      {meta.get('flavour')} {meta['server_version']}")
    click.echo(f"flavour:     {snap.schema.flavour}")
    click.echo(f"charset:     {snap.schema.charset} / {snap.schema.collation}")
    for kind, n in counts.items():
        click.echo(f"{kind + ':':<14}{n}")
    if meta.get("missing_views"):
        click.echo(f"missing views: {len(meta['missing_views'])} (definitions absent from the source)")
    click.echo(f"fingerprint: {snap.fingerprint}")
    return 0


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the DDL here.")
def render(file, output):
    """Render a snapshot back to executable DDL (for the mariadb client)."""
    text = render_schema(Snapshot.read(file).schema)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    return 0


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
