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
