"""The ``schema-tools`` command.

Exit codes: 0 success / no differences, 1 differences or findings, 2 error.  Every
:class:`~schema_tools.errors.SchemaToolsError` is caught here, once, and printed as one
line; ``--debug`` re-raises it instead.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import EXIT_ERROR, InputError, SchemaToolsError
from ..model.snapshot import Snapshot
from ..dialect.ddl import render_schema
from .options import (
    check_read_mode, defaults_file_option, dir_option, ignore_option, offline_option, report_format_option,
    server_option, tables_option, write_or_echo,
)

REPORT_FORMATS = ("text", "json", "markdown", "html")


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
            # a name with a newline stays on its line
            from ..render.change_lines import clean

            click.echo(f"schema-tools: error: {clean(str(exc))}", err=True)
            excerpt = getattr(exc, "excerpt", None)
            if excerpt:
                click.echo(f"  | {clean(excerpt, keep=chr(9))}", err=True)
            for line in getattr(exc, "details", ()):
                click.echo(f"  {clean(str(line))}", err=True)
            if exc.hint:
                click.echo(f"  hint: {clean(exc.hint)}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("schema-tools: aborted", err=True)
            sys.exit(EXIT_ERROR)
        except click.UsageError as exc:  # one line, as every other error
            where = exc.ctx.command_path if exc.ctx is not None else "schema-tools"
            click.echo(f"schema-tools: error: {exc.format_message()} (see `{where} --help`)", err=True)
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("schema-tools: interrupted", err=True)
            sys.exit(130)
        except OSError as exc:  # a file that cannot be read or written (an output path, mostly)
            if debug:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"schema-tools: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_ERROR)
        except Exception as exc:  # a bug: still one line, and a way to see more
            if debug:
                raise
            click.echo(f"schema-tools: internal error: {type(exc).__name__}: {exc} "
                       f"(run with --debug for the traceback)", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="schema-tools")
@click.option("--debug", is_flag=True, help="Re-raise errors with a traceback.")
def cli(debug: bool) -> None:
    """Snapshot, diff, migrate and verify MariaDB/MySQL schemas across ISPyB sites."""


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
@click.option("--then", "then", metavar="SCRIPTS",
              help="Update scripts to apply after the sources, each only where it applies "
                   "(a directory of .sql files in name order, or comma-joined files); "
                   "scripts that fail are recorded in the metadata and skipped.")
@click.option("--reproducible", is_flag=True,
              help="Leave the time of day and durations out of the metadata, so that "
                   "regenerating an unchanged snapshot changes no file.")
@click.option("--data", "data", metavar="TABLES",
              help="Lookup tables whose rows the snapshot tracks (comma-separated); default: "
                   "the ISPyB lookup tables (AdminVar, ExperimentType, SpaceGroup...).")
@click.option("--no-data", is_flag=True, help="Track no table's rows.")
def snapshot(sources, output, site, server, defaults_file, offline, lenient, flavour, then,
             reproducible, data, no_data):
    """Snapshot SOURCE (a server URL, or SQL files loaded in order) into a canonical file.

    Writes OUTPUT and OUTPUT.meta.json (metadata: source, server, time, warnings).
    Exit 1 when the self-check finds tables the model cannot represent exactly, or when
    a lenient offline read skipped statements (the snapshot is partial).
    """
    from ..config import ISPYB_LOOKUP_TABLES
    from ..sources.resolve import read_source, snapshot_with_updates, split_source

    if data and no_data:
        raise InputError("--data names tables to track, --no-data tracks none: give one of them")
    check_read_mode(offline=offline, server=server, lenient=lenient, flavour=flavour, sources=sources)
    data_tables = () if no_data else (tuple(t for t in data.split(",") if t) if data else ISPYB_LOOKUP_TABLES)
    if then:
        if offline:
            raise InputError("--then is not available with --offline yet")
        if any(s.endswith(".json") for s in sources):
            raise InputError("--then applies scripts after SQL files; a snapshot (.json) is not one")
        snap = snapshot_with_updates(list(sources), split_source(then), server=server, site=site,
                                     data_tables=data_tables)
    else:
        snap = read_source(list(sources), server=server, defaults_file=defaults_file, site=site,
                           offline=offline, lenient=lenient, flavour=flavour,
                           data_tables=data_tables)
    meta = snap.metadata
    if reproducible:
        for key in ("taken_at", "seconds"):
            meta.pop(key, None)
    # names from the schema: one report line each
    from ..render.change_lines import clean

    for update in meta.get("updates") or []:
        if update["status"] != "applied":
            click.echo(clean(f"not applied: {update['script']}: {update['error']}"), err=True)
    for line in meta.get("ignored") or []:
        click.echo(clean(f"ignored: {line}"), err=True)
    for line in meta.get("skipped") or []:
        click.echo(clean(f"skipped: {line}"), err=True)
    for note in meta.get("warnings", []):
        click.echo(clean(f"note: {note}"), err=True)
    if meta.get("missing_views"):
        click.echo(clean(f"warning: {len(meta['missing_views'])} view(s) have no definition in the "
                         f"source and are not in the snapshot: {', '.join(meta['missing_views'])}"), err=True)
    for problem in meta.get("unsupported", []):
        click.echo(clean(f"unsupported: {problem}"), err=True)
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
    write_or_echo(text, output)
    return 0


strict_unstated_option = click.option(
    "--strict-unstated", is_flag=True,
    help="Compare a definer or client charset (charset_client, collation_connection, "
         "database_collation) that one side leaves unstated as a difference.  By default an "
         "unstated one matches any value, and the objects that differ only so are counted "
         "apart.")


def _split_values(values) -> list[str]:
    """Values of a repeatable option that also takes comma-separated lists."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@cli.command("diff")
@click.argument("a")
@click.argument("b")
@report_format_option(REPORT_FORMATS, "Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@ignore_option("Differences to ignore (repeatable or comma-separated): column-order, "
               "comments, charset, collation, definer, sql-mode, client-charset, "
               "index-names, index-order, fk-names, table-options, routines, views, triggers, events, "
               "display-width.")
@tables_option("Compare only tables matching this shell pattern (repeatable, e.g. 'Data*').")
@strict_unstated_option
@offline_option
@click.option("--lenient", is_flag=True,
              help="With --offline: skip statements that are not understood instead of stopping.")
@server_option
@defaults_file_option
def diff_command(a, b, fmt, output, ignore, tables, strict_unstated, offline, lenient, server,
                 defaults_file):
    """Compare schema A with schema B and report what turns A into B.

    A and B are each a snapshot (.json), a server URL, a .sql file, a directory of .sql
    files or comma-joined .sql files.  Exit 0 when identical, 1 when they differ.
    """
    from ..diff.compare import DiffOptions, diff_apart
    from ..render.diff_report import render_diff
    from ..sources.resolve import read_many, site_labels, source_label

    check_read_mode(offline=offline, server=server, lenient=lenient, sources=(a, b))
    options = DiffOptions(ignore=frozenset(_split_values(ignore)), tables=tuple(tables),
                          unstated_any=not strict_unstated)
    snaps = read_many((a, b), server=server, defaults_file=defaults_file, offline=offline,
                      lenient=lenient)
    for spec, snap in zip((a, b), snaps, strict=True):
        meta = snap.metadata
        if meta.get("partial"):
            click.echo(f"warning: {source_label(spec)}: partial read, "
                       f"{len(meta.get('skipped') or [])} statement(s) skipped", err=True)
        if meta.get("missing_views"):
            click.echo(f"warning: {source_label(spec)}: {len(meta['missing_views'])} view(s) "
                       f"without a definition are not compared", err=True)
    changes, apart = diff_apart(snaps[0].schema, snaps[1].schema, options)
    a_label, b_label = site_labels((a, b), snaps)
    text = render_diff(changes, a_label=a_label, b_label=b_label, fmt=fmt,
                       apart=None if strict_unstated else apart)
    write_or_echo(text, output)
    return 1 if changes else 0


@cli.command("matrix")
@click.argument("sources", nargs=-1, required=True)
@click.option("--reference", metavar="NAME",
              help="Site the distances are measured from (default: the first source).")
@report_format_option(REPORT_FORMATS, "Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--name", "names", multiple=True, metavar="NAME",
              help="Site name of each source, in order (repeatable; default: the site name "
                   "the snapshot records, else the file name or URL).")
@ignore_option("Differences to ignore (as for diff).")
@tables_option("Compare only tables matching this shell pattern (repeatable).")
@strict_unstated_option
@offline_option
@server_option
@defaults_file_option
def matrix_command(sources, reference, fmt, output, names, ignore, tables, strict_unstated, offline,
                   server, defaults_file):
    """Compare several sites at once: which site has each object, with which definition.

    Each SOURCE is a snapshot (.json), a server URL, a .sql file, a directory of .sql
    files or comma-joined .sql files.  Exit 0 when all sites are identical, 1 otherwise.
    Snapshot sidecars (``*.meta.json``, as a shell glob picks them up) are skipped.
    """
    sources = tuple(s for s in sources if not s.endswith(".meta.json"))
    from ..diff.compare import DiffOptions
    from ..diff.matrix import build_matrix
    from ..errors import InputError
    from ..render.matrix_report import render_matrix
    from ..sources.resolve import read_one, site_labels, source_label

    check_read_mode(offline=offline, server=server, sources=sources)
    if names and len(names) != len(sources):
        raise InputError(f"{len(names)} --name value(s) for {len(sources)} source(s)",
                         hint="give one --name per source, in the same order")
    if not names:
        dupes = sorted({n for n in sources if sources.count(n) > 1})
        if dupes:
            raise InputError(f"source(s) given more than once: {', '.join(source_label(d) for d in dupes)}",
                             hint="name each source with --name")
    options = DiffOptions(ignore=frozenset(_split_values(ignore)), tables=tuple(tables),
                          unstated_any=not strict_unstated)
    snaps = [read_one(spec, server=server, defaults_file=defaults_file, offline=offline)
             for spec in sources]
    labels = list(names) if names else site_labels(sources, snaps)
    dupes = sorted({n for n in labels if labels.count(n) > 1})
    if dupes:
        raise InputError(f"site name(s) given more than once: {', '.join(dupes)}",
                         hint="name each source with --name")
    if reference is not None and reference not in labels:
        # a source's file name (or URL) names its site too
        by_file = {source_label(spec): label for spec, label in zip(sources, labels, strict=True)}
        reference = by_file.get(reference, reference)
    schemas = {}
    for label, snap in zip(labels, snaps, strict=True):
        if snap.metadata.get("missing_views"):
            click.echo(f"warning: {label}: {len(snap.metadata['missing_views'])} view(s) "
                       f"without a definition are not compared", err=True)
        schemas[label] = snap.schema
    m = build_matrix(schemas, reference=reference, options=options)
    text = render_matrix(m, fmt)
    write_or_echo(text, output)
    return 0 if m.identical else 1


@cli.command()
@click.option("--from", "source", metavar="SOURCE",
              help="Starting state (snapshot, URL or SQL); default: the head state of --dir.")
@click.option("--to", "target", metavar="SOURCE", help="Target state (snapshot, URL or SQL).")
@click.option("--sql", "sql_files", multiple=True, type=click.Path(dir_okay=False),
              help="A developer's script, kept as written as the upgrade; run on the seeded head "
                   "state to make the target.")
@click.option("--down-sql", "down_files", multiple=True, type=click.Path(dir_okay=False),
              help="With --sql: the downgrade, as written; it must return to the head state and "
                   "its seeded rows.")
@click.option("-m", "--message", required=True, help="What the revision does.")
@dir_option
@click.option("--branch", help="Branch label (one head per branch).")
@click.option("--policy", type=click.Choice(["exact", "additive"]), default="exact", show_default=True,
              help="additive never drops what only the starting state has, and widens conflicting types.")
@click.option("--rev-id", help="Revision id (default: derived from the two states and the message).")
@click.option("--no-check", is_flag=True,
              help="Do not apply the upgrade on a scratch database before writing it.")
@server_option
@defaults_file_option
def revision(source, target, sql_files, down_files, message, directory, branch, policy, rev_id, no_check,
             server, defaults_file):
    """Write one Alembic revision (upgrade and downgrade) and print its path."""
    from ..migrate.from_sql import revision_from_sql
    from ..migrate.revision import RevisionDir
    from ..sources.resolve import read_one

    rdir = RevisionDir(directory)
    src = read_one(source, server=server, defaults_file=defaults_file).schema if source else None
    if down_files and not sql_files:
        raise InputError("--down-sql goes with --sql")
    if sql_files:
        from ..migrate.from_sql import ScriptAccount

        if target:
            raise InputError("give either --to or --sql, not both")
        if policy != "exact":
            raise InputError("--policy goes with --to: a script's revision is the script as written")
        account = ScriptAccount()
        info = revision_from_sql(rdir, sql_files, message=message, rev_id=rev_id, branch=branch,
                                 server=server, source=src, check=not no_check, down_sql=down_files,
                                 account=account)
        for line in account.lines() + [_lint_summary(rdir, info.rev_id)]:
            click.echo(line, err=True)
    else:
        if not target:
            raise InputError("give the target state with --to (or a script with --sql)")
        from ..migrate.commands import generate  # Alembic and SQLAlchemy: only here

        tgt = read_one(target, server=server, defaults_file=defaults_file).schema
        info = generate(rdir, target=tgt, message=message, source=src, policy=policy,
                        rev_id=rev_id, branch=branch, server=server, check=not no_check)
    click.echo(str(info.path))
    return 0


def _lint_summary(rdir, rev: str) -> str:
    """One line: the findings of ``review`` on a new revision, by severity."""
    from ..review.commands import review_directory

    findings = review_directory(rdir.path, [rev])[0].findings
    if not findings:
        return "lint: no finding"
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    codes = sorted({f.code for f in findings})
    return ("lint: " + ", ".join(f"{n} {sev}" for sev, n in sorted(counts.items()))
            + f" ({', '.join(codes)}); see schema-tools review {rev}")


def _register_commands() -> None:
    """Commands that live in modules of their own (each module defines ``COMMANDS``)."""
    import importlib

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


# one module per command family; each adds its commands to the group
COMMAND_MODULES: tuple[str, ...] = ("verify_commands", "review_commands", "dba_commands", "legacy_commands",
                                    "server_commands", "converge_commands")
_register_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
