"""Options shared by several commands."""

from __future__ import annotations

import click

defaults_file_option = click.option(
    "--defaults-file", type=click.Path(dir_okay=False),
    help="MySQL option file with the credentials ([client] user/password/host...).")
server_option = click.option(
    "--server", default=None, metavar="local|docker:IMAGE[:TAG]|URL",
    help="Where SQL files are loaded: a throwaway local server (default), a server in a "
         "new Docker container (docker:mariadb:10.11, docker:mysql:8.0, any image taking "
         "the official images' variables; removed afterwards), or an existing server URL "
         "(work happens in a scratch database that is always dropped).")
dir_option = click.option("--dir", "directory", default="revisions", show_default=True,
                          type=click.Path(file_okay=False),
                          help="Revision directory (the commands that write revisions create "
                               "it as an Alembic environment).")


def check_read_mode(*, offline: bool, server: str | None = None, lenient: bool = False,
                    flavour: str | None = None, sources=()) -> None:
    """Refuse reading options that contradict each other, rather than ignore one; with
    ``sources``, --offline where no source is SQL read offline and one is a live server."""
    from ..errors import InputError
    from ..sources.connection import is_url, redact_url

    if offline and server:
        raise InputError("--offline reads without a server: --server does not apply")
    given = [s for s in sources if s]
    live = [s for s in given if is_url(s)]
    if offline and live and all(is_url(s) or s.endswith(".json") for s in given):
        raise InputError(f"{redact_url(live[0])} is a live server, and --offline reads SQL files "
                         f"without one", hint="leave out --offline to read the database")
    for name, value in (("--lenient", lenient), ("--flavour", flavour)):
        if value and not offline:
            raise InputError(f"{name} applies to --offline reading only")


# the options diff and matrix share
offline_option = click.option("--offline", is_flag=True, help="Read SQL sources without a server.")


def ignore_option(help_text: str):
    return click.option("--ignore", "ignore", multiple=True, metavar="VALUE[,VALUE...]", help=help_text)


def tables_option(help_text: str):
    return click.option("--tables", "tables", multiple=True, metavar="PATTERN", help=help_text)


def report_format_option(choices: tuple[str, ...], help_text: str | None = None):
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default="text",
                        show_default=True, help=help_text)


def write_or_echo(text: str, output: str | None) -> None:
    """A report to the file ``output``, or to standard output."""
    if output:
        from pathlib import Path

        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
