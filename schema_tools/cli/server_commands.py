"""The ``server`` command: a throwaway server kept warm between commands."""

from __future__ import annotations

import shlex
import signal
import threading

import click


@click.command("server")
def server_command():
    """Start a throwaway MariaDB server and keep it until Ctrl-C (or SIGTERM).

    It prints the line that points the other commands at it (`export SCHEMA_TOOLS_SERVER=URL`);
    with that variable set, revision, snapshot of SQL files, import-legacy and verify use
    scratch databases there instead of starting a server each time.  Its data directory is
    removed when it stops, as for every throwaway server."""
    from ..servers.local import LocalServer
    from ..sources.workspace import SERVER_ENV

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with LocalServer() as server:
        click.echo(f"export {SERVER_ENV}={shlex.quote(server.url())}")
        click.echo(f"# {server.flavour} {server.version}, pid {server.pid}; Ctrl-C stops it", err=True)
        while not stop.wait(1.0):
            if server.pid is None:
                break
    return 0


COMMANDS = [server_command]
