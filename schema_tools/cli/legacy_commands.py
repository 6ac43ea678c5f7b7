"""The ``import-legacy`` command."""

from __future__ import annotations

import click

from .options import defaults_file_option, dir_option, server_option


@click.command("import-legacy")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--base", required=True, metavar="SOURCE",
              help="The state the first script applies to (snapshot, URL or SQL files).")
@dir_option
@click.option("--branch", help="Branch label: continue its line, or start a new line with it.")
@click.option("--skip-failed", is_flag=True,
              help="Leave out a script that cannot run and go on with the next one on the state "
                   "before it (default: the chain stops at the first such script).")
@server_option
@defaults_file_option
def import_legacy_command(folder, base, directory, branch, skip_failed, server, defaults_file):
    """Turn a folder of legacy update scripts (SchemaStatus bookkeeping) into revisions.

    One revision per script, in file-name order (the scripts' names start with their date).
    Each upgrade runs the script as written; its expected state is found by running the
    script on a scratch database; the downgrade is generated from the difference.
    legacy.json in --dir maps each script and the name it records in SchemaStatus to its
    revision.  A script that cannot run as written (a USE statement, a DEFINER account the
    server lacks, a statement the server refuses) is reported and not imported.  One line
    per script; exit 1 when a script was not imported.
    """
    from ..migrate.legacy import import_legacy
    from ..migrate.revision import RevisionDir
    from ..sources.resolve import read_one

    rdir = RevisionDir(directory)
    schema = read_one(base, server=server, defaults_file=defaults_file).schema
    results = import_legacy(rdir, folder, schema, branch=branch, server=server, skip_failed=skip_failed,
                            progress=lambda r: click.echo(r.line()))
    imported = sum(r.status == "imported" for r in results)
    warned = sum(bool(r.warnings) for r in results if r.status == "imported")
    click.echo(f"{imported} of {len(results)} script(s) imported into {rdir.path}"
               + (f", {warned} with warnings" if warned else ""), err=True)
    return 0 if imported == len(results) else 1


COMMANDS: list = [import_legacy_command]
