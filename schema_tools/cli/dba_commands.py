"""The commands a DBA runs against a live database: ``identify``, ``drift``, ``stamp``,
``upgrade`` and ``downgrade``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from .options import defaults_file_option, dir_option

url_option = click.option("--url", required=True, help="The database (mariadb://user@host:port/db).")
strict_unstated_option = click.option(
    "--strict-unstated", is_flag=True,
    help="Count a definer or client charset that the recorded state (or the database) leaves "
         "unstated as a difference.  By default an unstated one matches any value.")


def _spec(url, defaults_file):
    from ..sources.connection import parse_url

    spec = parse_url(url, defaults_file=defaults_file)
    if not spec.database:
        raise InputError(f"{spec.redacted()}: the URL names no database")
    return spec


def _revisions(directory):
    """The revision directory a DBA command reads: it must be one, and every recorded state
    in it intact (a wrong or damaged --dir must not read as a wrong database)."""
    from ..migrate.revision import RevisionDir
    from ..review.integrity import require_intact_states

    rdir = RevisionDir(directory).require()
    require_intact_states(rdir.path)
    return rdir


def _identify(url, directory, defaults_file, snapshots=None, leftovers=False, strict_unstated=False):
    """(revision directory, live schema, identification); with ``leftovers``, what
    pt-online-schema-change left is set apart (reported, not identified as schema)."""
    from ..dba.identify import identify, read_live, tracked_tables

    rdir = _revisions(directory)
    spec = _spec(url, defaults_file)
    schema, versions, legacy = read_live(spec, tracked_tables(rdir))
    found = None
    if leftovers:
        from ..online import leftovers as ptosc

        found = ptosc.read(spec, schema)
        schema = ptosc.without(schema, found) if found else schema
    ident = identify(rdir, schema, alembic=versions, legacy=legacy,
                     snapshots=Path(snapshots) if snapshots else None, database=spec.database,
                     unstated_any=not strict_unstated)
    if found:
        ident.leftovers = found.lines(_upgrade_command(spec, directory))
    return rdir, schema, ident


def _upgrade_command(spec, directory) -> str:
    """The plain upgrade of the database, as a DBA types it (the password left out)."""
    import shlex

    return f"schema-tools upgrade --url {shlex.quote(spec.redacted())} --dir {shlex.quote(str(directory))}"


@click.command("identify")
@url_option
@dir_option
@click.option("--snapshots", default="snapshots", show_default=True, type=click.Path(file_okay=False),
              help="Site snapshots to compare with too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--verbose", is_flag=True, help="List the SchemaStatus names that match no known script "
                                             "(otherwise counted).")
@strict_unstated_option
@defaults_file_option
def identify_command(url, directory, snapshots, fmt, verbose, strict_unstated, defaults_file):
    """Say which revision (or site snapshot) the live schema is, what alembic_version and the
    legacy SchemaStatus table say, and where they disagree.  Exit 0 when the schema is a
    recorded state and nothing disagrees, 1 otherwise."""
    import json

    from ..dba.identify import describe

    _, _, ident = _identify(url, directory, defaults_file, snapshots, leftovers=True,
                            strict_unstated=strict_unstated)
    if fmt == "json":
        click.echo(json.dumps(ident.to_dict(), indent=2, sort_keys=True))
    else:
        click.echo(describe(ident, verbose=verbose), nl=False)
    return 0 if ident.ok else 1


@click.command("drift")
@url_option
@dir_option
@strict_unstated_option
@defaults_file_option
def drift_command(url, directory, strict_unstated, defaults_file):
    """Compare the live schema with the recorded state of the revision in alembic_version.
    Exit 0 when they are the same, 1 on drift (the differences are printed).  A definer or
    client charset that one side leaves unstated is no drift (see --strict-unstated)."""
    from ..dba.identify import BASE, load_state, read_live, require_known_versions, tracked_tables
    from ..diff.compare import DiffOptions, diff_apart
    from ..model.snapshot import Snapshot
    from ..online import leftovers as ptosc
    from ..render.change_lines import apart_line, change_line

    rdir = _revisions(directory)
    spec = _spec(url, defaults_file)
    schema, versions, _ = read_live(spec, tracked_tables(rdir))
    if versions is None:
        raise InputError("the database is not under revision control (no alembic_version table)",
                         hint="run `schema-tools identify`, then `schema-tools stamp --auto`")
    # what pt-online-schema-change left is reported as such, not as differences
    left = ptosc.read(spec, schema)
    schema = ptosc.without(schema, left) if left else schema
    left_lines = left.lines(_upgrade_command(spec, directory)) if left else []
    if len(versions) > 1:
        raise InputError(f"alembic_version records several revisions: {', '.join(versions)}")
    require_known_versions(rdir, versions, spec)
    rev = versions[0] if versions else BASE
    expected = load_state(rdir, rev)
    if rev == BASE:
        from ..dba.upgrade_plan import line_fingerprint

        # no revision applied yet: the starting state of any line of revisions (the one the
        # schema is, if need be but for the database default)
        line = line_fingerprint(rdir, schema)
        for root in rdir.roots():
            start = rdir.root_state(root)
            if start is not None and start.fingerprint == line:
                expected = start
    if Snapshot(schema).fingerprint == expected.fingerprint:
        if left_lines:
            click.echo(f"no drift besides what pt-online-schema-change left: the schema is the recorded "
                       f"state of {rev} without them")
            _echo_leftovers(left_lines)
            return 1
        click.echo(f"no drift: the schema is the recorded state of {rev}")
        return 0
    changes, apart = diff_apart(expected.schema, schema, DiffOptions(unstated_any=not strict_unstated))
    if not changes and apart:
        if left_lines:
            click.echo(f"no drift besides what pt-online-schema-change left: the schema is the recorded "
                       f"state of {rev} without them")
        else:
            click.echo(f"no drift: the schema is the recorded state of {rev}")
        click.echo(f"  {apart_line(apart)}")
        _echo_leftovers(left_lines)
        return 1 if left_lines else 0
    click.echo(f"drift from the recorded state of {rev}: {len(changes)} difference(s) "
               f"(what turns the expected state into the live one)"
               + (", besides what pt-online-schema-change left" if left_lines else ""))
    for c in changes:
        click.echo(f"  {change_line(c)}")
    if not changes:
        click.echo("  (the fingerprints differ in what the diff does not compare)")
    if apart:
        click.echo(f"  {apart_line(apart)}")
    _echo_leftovers(left_lines)
    if any(c.kind == "database" for c in changes) and expected.schema.charset:
        from ..dialect.ddl import alter_database

        click.echo(f"the recorded database default, which `upgrade` sets before anything else: "
                   f"{alter_database(expected.schema.charset, expected.schema.collation, spec.database)};")
    return 1


def _echo_leftovers(lines) -> None:
    if lines:
        click.echo(f"pt-online-schema-change leftovers ({len(lines)}), not drift:")
        for line in lines:
            click.echo(f"  {line}")


@click.command("stamp")
@url_option
@dir_option
@click.argument("revision", required=False)
@click.option("--auto", is_flag=True, help="Record the revision the schema is identified as.")
@click.option("--from-schemastatus", "from_legacy", is_flag=True,
              help="Record the revision the legacy SchemaStatus table implies, cross-checked "
                   "against the schema's fingerprint.")
@click.option("--force", is_flag=True, help="Record it even where the checks disagree.")
@strict_unstated_option
@defaults_file_option
def stamp_command(url, directory, revision, auto, from_legacy, force, strict_unstated, defaults_file):
    """Record a revision in alembic_version without running anything."""
    from ..dba.identify import BASE
    from ..migrate.commands import alembic_errors

    if sum(bool(x) for x in (revision, auto, from_legacy)) != 1:
        raise InputError("give exactly one of REVISION, --auto or --from-schemastatus")
    rdir, _, ident = _identify(url, directory, defaults_file, strict_unstated=strict_unstated)
    if auto:
        if ident.revision is None:
            dist = ", ".join(f"{n} {k}" for k, n in ident.distance.items())
            raise InputError(f"the schema matches no recorded state (nearest: {ident.nearest}, {dist}); "
                             f"nothing to stamp",
                             hint="see `schema-tools identify`, or stamp a revision by name with --force")
        if ident.ambiguous:
            raise InputError(f"the schema is the state of several revisions ({', '.join(ident.candidates)}) "
                             f"and no record says which",
                             hint="stamp one by name, or use --from-schemastatus")
        chosen = ident.revision
    elif from_legacy:
        if ident.legacy is None:
            raise InputError("the database has no SchemaStatus table")
        if ident.legacy_revision is None:
            raise InputError("SchemaStatus names no script that a revision of "
                             f"{rdir.path} was imported from (see legacy.json)")
        chosen = ident.legacy_revision
        if ident.revision != chosen and not force:
            raise InputError(f"SchemaStatus implies {chosen}, but the schema's fingerprint is "
                             f"{'the state of ' + ident.revision if ident.revision else 'no recorded state'}",
                             hint="--force records it anyway")
    else:
        chosen = revision
        if chosen != BASE:
            from alembic.util import CommandError

            try:
                known = rdir.script().get_revision(chosen)
            except CommandError as exc:
                raise InputError(f"{rdir.path}: {exc}") from None
            if known is None:
                raise InputError(f"{rdir.path}: unknown revision {chosen}")
            chosen = known.revision
        if chosen not in ident.candidates and ident.revision != chosen and not force:
            raise InputError(f"the schema is not the recorded state of {chosen} "
                             f"({'it is ' + ident.revision if ident.revision else 'it matches none'})",
                             hint="--force records it anyway")
    import sqlalchemy as sa
    from alembic import command

    from ..sources.introspect import MULTI_STATEMENTS

    spec = _spec(url, defaults_file)
    engine = sa.create_engine("mysql+pymysql://", poolclass=sa.pool.NullPool,
                              creator=lambda: spec.connect(client_flag=MULTI_STATEMENTS))
    cfg = rdir.config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            alembic_errors("stamp", chosen, lambda: command.stamp(cfg, "base" if chosen == BASE else chosen,
                                                                  purge=True))
    finally:
        engine.dispose()
    _forget_progress(spec)
    click.echo(f"stamped {spec.redacted()} at {chosen}")
    dd = ident.database_default
    if dd is not None and chosen in ident.candidates:
        click.echo(f"note: the schema is the state of {chosen} except the database default "
                   f"({dd.describe()}); `drift` reports it, and `upgrade` gives the database the "
                   f"recorded default before anything else; to do it now: {dd.statement(spec.database)}")
    if ident.unstated and chosen in ident.candidates:
        from ..dba.identify import unstated_note

        click.echo(f"note: {unstated_note(ident.unstated, ident.unstated_attrs)}")
    for d in ident.disagreements:
        click.echo(f"note: {d}")
    return 0


def _online_options(online, online_threshold, chunk_time, chunk_size, fk_method, progress):
    import re

    if not re.fullmatch(r"(?:time|percentage|iterations),\d+(?:\.\d+)?", progress or ""):
        raise InputError(f"--progress {progress!r}: TYPE,VALUE expected, TYPE one of time, "
                         f"percentage, iterations (e.g. time,10)")
    if not online:
        return None
    from ..online.ptosc import OnlineOptions, find_ptosc

    options = OnlineOptions(threshold=online_threshold, chunk_time=chunk_time, chunk_size=chunk_size,
                            fk_method=fk_method, progress=progress)
    find_ptosc(options.binary)
    return options


def _forget_progress(spec) -> None:
    """A stamp says where the database is: progress an earlier upgrade recorded no longer applies."""
    import pymysql

    from ..dba.upgrade import PROGRESS_TABLE
    from ..dialect.ddl import quote_ident

    conn = spec.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DELETE FROM {quote_ident(PROGRESS_TABLE)}")
    except pymysql.MySQLError as exc:
        if exc.args[0] != 1146:
            raise
    finally:
        conn.close()


def _run_migration(direction, url, directory, to, dry_run, sql, yes, force, lock_timeout,
                   allow_unreviewed, defaults_file, plan_view=False, online=None):
    from ..dba.upgrade import AdvisoryLock, execute
    from ..dba.upgrade_plan import Session, describe_plan, prepare
    from ..migrate.commands import run_alembic
    from ..sources.introspect import MULTI_STATEMENTS

    if sql and (dry_run or plan_view or online is not None):
        raise InputError("--sql prints the SQL of the revisions; it does not combine with "
                         "--dry-run, --plan or --online")
    rdir = _revisions(directory)
    if sql:
        target, current = _sql_target(rdir, url, to, defaults_file)
        statement = _default_statement(rdir, _spec(url, defaults_file), current, target) if current else None
        if statement:
            click.echo(f"-- the recorded database default of {current}, which `{direction}` sets "
                       f"before anything else\n{statement}\n")
        run_alembic(rdir, url, direction, target, sql=True, defaults_file=defaults_file)
        return 0
    spec = _spec(url, defaults_file)
    from ..render.change_lines import clean

    # every progress line names tables, statements, findings: escaped, one line each
    session = Session(rdir, spec, say=lambda line: click.echo(clean(line), err=True),
                      lock_timeout=lock_timeout, force=force, online=online,
                      count_rows=plan_view or dry_run or not yes)
    conn = spec.connect(client_flag=MULTI_STATEMENTS, autocommit=True)
    try:
        with AdvisoryLock(conn, spec.database, lock_timeout):
            plan = prepare(session, to, conn)
            if direction == "upgrade" and plan.direction != "upgrade" and plan.revisions:
                raise InputError(f"{to} is below the current revision {plan.current}; use downgrade")
            if direction == "downgrade" and plan.direction != "downgrade" and plan.revisions:
                raise InputError(f"{to} is above the current revision {plan.current}; use upgrade")
            if not plan.revisions and plan.database_default is None:
                click.echo(f"nothing to do: the database is at {plan.current}")
                return 0
            _check_reviews(rdir, plan, spec, allow_unreviewed)
            click.echo(describe_plan(plan), nl=False)
            if plan_view:
                from ..online.plan import describe_statements, plan_statements

                rows = plan_statements(conn, spec, rdir, plan, online, say=session.say)
                click.echo(describe_statements(rows), nl=False)
            if dry_run or plan_view:
                click.echo("dry run: nothing was changed")
                return 0
            if not yes:
                if not sys.stdin.isatty():
                    raise InputError("not confirmed: give --yes to run without a terminal")
                click.confirm(f"{direction} {spec.redacted()}?", abort=True)
            execute(session, plan, conn)
    finally:
        conn.close()
    return 0


def _sql_target(rdir, url, to, defaults_file) -> tuple[str, str | None]:
    """(the revision ``--to`` names for ``--sql`` (``head``: the head of the database's line),
    or a ``FROM:TO`` range as given; the revision the database is recorded at, None when
    that is not one).  The schema is read only when nothing else says which line the
    database is on."""
    from ..dba.identify import BASE, require_known_versions
    from ..dba.upgrade_plan import current_state, line_fingerprint, resolve_target
    from ..migrate.commands import recorded_revisions

    if ":" in to:
        return to, None
    spec = _spec(url, defaults_file)
    versions = recorded_revisions(spec)
    require_known_versions(rdir, versions, spec)
    if len(versions) > 1:
        return to, None  # run_alembic asks for FROM:TO
    current = versions[0] if versions else BASE
    fingerprint = None
    if to in ("head", "heads") and current == BASE and len(rdir.heads()) > 1:
        fingerprint = line_fingerprint(rdir, current_state(spec, rdir)[0])
    return resolve_target(rdir, current, to, fingerprint)[0], current


def _default_statement(rdir, spec, current: str, target: str) -> str | None:
    """The ALTER DATABASE that gives the database the default of the recorded state of
    ``current`` (``upgrade`` runs it first), when the database has another one."""
    from ..dba.identify import BASE
    from ..model.snapshot import database_default_of
    from ..dialect.ddl import alter_database

    path = rdir.states / f"{current}.json"
    if current == BASE:  # the starting state of the line ``target`` is on
        path = rdir.states / "base.json"
        if target != BASE:
            root = [r.revision for r in rdir.script().iterate_revisions(target, "base")][-1]
            if (rdir.states / f"{root}.before.json").exists():
                path = rdir.states / f"{root}.before.json"
    if not path.exists():
        return None
    charset, collation = database_default_of(path)
    conn = spec.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT `DEFAULT_CHARACTER_SET_NAME`, `DEFAULT_COLLATION_NAME` "
                        "FROM information_schema.SCHEMATA WHERE `SCHEMA_NAME` = %s", (spec.database,))
            live = cur.fetchone()
    finally:
        conn.close()
    if not charset or live is None or tuple(live) == (charset, collation):
        return None
    return alter_database(charset, collation, spec.database) + ";"


def _check_reviews(rdir, plan, spec, allow_unreviewed) -> None:
    """Refuse revisions that are not approved as they are, and a revision directory that
    does not match its integrity file (revisions.sum), unless told otherwise."""
    from ..review import is_approved, verify_sum

    missing = [r.revision for r in plan.revisions if not is_approved(rdir.path, r.revision)]
    for r in plan.revisions:
        r.approved = r.revision not in missing
    integrity = verify_sum(rdir.path)
    if not missing and not integrity:
        return
    if spec.database.startswith("st_scratch_"):
        return  # verify's scratch databases
    if allow_unreviewed:
        if missing:
            click.echo(f"WARNING: running {len(missing)} revision(s) that are not approved as they are: "
                       f"{', '.join(missing)} (--allow-unreviewed)", err=True)
        if integrity:
            click.echo(f"WARNING: {rdir.path}: {integrity[0].message}"
                       + (f" (and {len(integrity) - 1} more integrity problem(s))" if len(integrity) > 1 else "")
                       + " (--allow-unreviewed)", err=True)
        return
    if missing:
        raise InputError(f"{len(missing)} revision(s) are not approved, or changed since: "
                         f"{', '.join(missing)}",
                         hint="review and approve them (schema-tools review --approve REV --by NAME), "
                              "or give --allow-unreviewed")
    more = f" (and {len(integrity) - 1} more integrity problem(s))" if len(integrity) > 1 else ""
    raise InputError(f"{rdir.path}: {integrity[0].message}{more}; nothing was changed",
                     hint="`schema-tools check` lists every problem; restore the directory from version "
                          "control, or `schema-tools review --rehash` once it is reviewed "
                          "(--allow-unreviewed runs anyway)")


def _migration_options(f):
    for option in reversed([
        url_option,
        dir_option,
        click.option("--dry-run", is_flag=True, help="Pre-flight and plan only; change nothing."),
        click.option("--sql", is_flag=True, help="Print the SQL instead of running it."),
        click.option("--yes", is_flag=True, help="Do not ask for confirmation."),
        click.option("--force", is_flag=True, help="Go on even though the schema has drifted."),
        click.option("--lock-timeout", default=0, show_default=True, type=click.IntRange(0, 86400),
                     help="Seconds to wait for another upgrade of the same database to finish."),
        click.option("--allow-unreviewed", is_flag=True,
                     help="Run revisions that are not approved as they are (says so loudly)."),
        click.option("--plan", "plan_view", is_flag=True,
                     help="Change nothing; per ALTER statement, the algorithm and lock (confirmed on an "
                          "empty copy in a scratch database), the cost on the live tables, ranked."),
        click.option("--online", is_flag=True,
                     help="ALTER TABLEs that would copy or lock a table above --online-threshold rows "
                          "go through pt-online-schema-change."),
        click.option("--online-threshold", default=100_000, show_default=True, type=click.IntRange(0),
                     metavar="ROWS", help="Tables with fewer rows are altered directly."),
        click.option("--chunk-time", default=0.1, show_default=True, type=click.FloatRange(0.01),
                     help="pt-online-schema-change: seconds each chunk of rows should take."),
        click.option("--chunk-size", default=None, type=click.IntRange(1),
                     help="pt-online-schema-change: initial rows per chunk."),
        click.option("--online-fk-method", default="auto", show_default=True,
                     type=click.Choice(["auto", "rebuild_constraints", "drop_swap", "none"]),
                     help="pt-online-schema-change --alter-foreign-keys-method, for tables other "
                          "tables reference."),
        click.option("--progress", default="time,10", show_default=True,
                     help="pt-online-schema-change --progress (TYPE,VALUE)."),
        defaults_file_option,
    ]):
        f = option(f)
    return f


@click.command("upgrade")
@click.option("--to", default="head", show_default=True, help="Target revision.")
@_migration_options
def upgrade_command(to, url, directory, dry_run, sql, yes, force, lock_timeout, allow_unreviewed,
                    plan_view, online, online_threshold, chunk_time, chunk_size, online_fk_method, progress,
                    defaults_file):
    """Apply revisions up to --to: pre-flight drift check, plan, confirmation, one run at a
    time, durable progress (an interrupted run resumes where it stopped), final check.
    Exit 0 done, 1 a statement failed or the end state differs, 2 refused or an error."""
    options = _online_options(online, online_threshold, chunk_time, chunk_size, online_fk_method, progress)
    return _run_migration("upgrade", url, directory, to, dry_run, sql, yes, force, lock_timeout,
                          allow_unreviewed, defaults_file, plan_view, options)


@click.command("downgrade")
@click.option("--to", required=True, help="Target revision, or base.")
@_migration_options
def downgrade_command(to, url, directory, dry_run, sql, yes, force, lock_timeout, allow_unreviewed,
                      plan_view, online, online_threshold, chunk_time, chunk_size, online_fk_method, progress,
                      defaults_file):
    """Undo revisions down to --to (a revision id, or base), with the same safeguards as upgrade."""
    options = _online_options(online, online_threshold, chunk_time, chunk_size, online_fk_method, progress)
    return _run_migration("downgrade", url, directory, to, dry_run, sql, yes, force, lock_timeout,
                          allow_unreviewed, defaults_file, plan_view, options)


COMMANDS = [identify_command, drift_command, stamp_command, upgrade_command, downgrade_command]
