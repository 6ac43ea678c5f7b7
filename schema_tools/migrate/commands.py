"""What the ``revision``, ``upgrade`` and ``downgrade`` commands do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..diff.compare import DiffOptions, diff, reverse_changes
from ..errors import ConnectionFailed, InputError, SchemaToolsError
from ..model.objects import Schema
from .plan import Step, plan
from ..sources.connection import parse_url
from ..sources.introspect import MULTI_STATEMENTS
from ..sources.workspace import open_workspace
from .from_sql import revision_from_sql  # noqa: F401 - re-exported for the revision command's --sql
from .revision import Decision, RevisionDir, RevisionInfo, additive, not_a_revision_directory, write_revision

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from ..sources.connection import ConnectionSpec


class RevisionCheckFailed(SchemaToolsError):
    """A generated revision did not reach its target on a real server."""


def _apply_on_scratch(source: Schema, steps: Sequence[Step], server: str | None,
                      target: Schema | None = None) -> Schema:
    """Load ``source`` into a scratch database, run ``steps``, return what results (with
    the rows of the lookup tables either state tracks)."""
    from .apply import apply_steps

    data_tables = sorted({d.table for d in source.data} | {d.table for d in (target.data if target else ())})
    with open_workspace(server) as ws:
        ws.load_schema(source)
        conn = ws.connect(ws.database)
        try:
            apply_steps(conn, steps)
        finally:
            conn.close()
        result: Schema = ws.introspect(data_tables=data_tables).schema
        return result


def generate(rdir: RevisionDir, *, target: Schema, message: str, source: Schema | None = None,
             policy: str = "exact", rev_id: str | None = None, branch: str | None = None,
             server: str | None = None, check: bool = True,
             kinds: Sequence[str] | None = None,
             renames: Sequence[tuple[str, str | None, str, str]] = ()) -> RevisionInfo:
    """Write a revision from ``source`` (default: the head state of ``rdir``) to ``target``.

    With ``check`` (the default) the upgrade is applied on a scratch database first: the
    state it produces is the revision's expected state, and under the exact policy it must
    equal ``target``, or nothing is written.  ``kinds`` (additive policy) keeps only the
    changes of those kinds (``table``, ``column``, ``index``...): a step toward ``target``.
    The branch label goes on the first revision of its line only (Alembic carries it on).
    ``renames``: renames to make, as :class:`~schema_tools.diff.compare.DiffOptions` states
    them (``(kind, table, old, new)``)."""
    rdir.ensure()
    head, source = rdir.start(branch, source, rev_id)
    changes = diff(source, target, DiffOptions(renames=tuple(renames)) if renames else None)
    decisions: list[Decision] = []
    if policy == "additive":
        changes = additive(changes, source, target, decisions)
        if kinds is not None:
            changes = [c for c in changes if c.kind in kinds]
            decisions = [d for d in decisions if d.kind in kinds]
    elif kinds is not None:
        raise InputError("a selection of kinds needs the additive policy")
    elif policy != "exact":
        raise InputError(f"unknown policy {policy!r}: use exact or additive")
    up = plan(changes, source, target, reorder=policy == "exact", counters=True)
    expected = target
    if check or policy == "additive":
        expected = _apply_on_scratch(source, up, server, target)
        if policy == "exact":
            residual = diff(expected, target)
            if residual:
                raise RevisionCheckFailed(
                    f"the generated upgrade does not reach the target: {len(residual)} difference(s) "
                    f"remain, first: {residual[0].action} {residual[0].kind} {residual[0].path}")
    down = plan(reverse_changes(changes), expected, source, counters=True)
    return write_revision(rdir, source=source, target=target, expected=expected, message=message,
                          policy=policy, rev_id=rev_id, branch=branch if head is None else None,
                          down_revision=head, upgrade=up, downgrade=down,
                          extra={"decisions": tuple(d.literal() for d in decisions)} if decisions else None)


# ---------------------------------------------------------------------------------------
# running revisions


def run_alembic(rdir: RevisionDir, url: str, action: str, target: str, *, sql: bool = False,
                defaults_file: str | None = None) -> None:
    """``alembic upgrade/downgrade TARGET`` against ``url`` (``sql``: print, don't run)."""
    from alembic import command

    if not rdir.versions.exists():
        raise not_a_revision_directory(rdir.path)
    if sql:
        cfg = rdir.config()
        spec = parse_url(url, defaults_file=defaults_file)
        if ":" not in target:  # the SQL starts from the revision the database is at
            current = recorded_revisions(spec)
            if len(current) > 1:
                raise InputError(f"{spec.redacted()}: alembic_version records several revisions "
                                 f"({', '.join(current)}); give --to FROM:TO")
            if current:
                target = f"{current[0]}:{target}"
            elif action == "downgrade":
                raise InputError(f"{spec.redacted()}: no revision recorded in alembic_version; "
                                 f"nothing to downgrade")
        cfg.set_main_option("sqlalchemy.url", "mysql+pymysql://localhost/" + (spec.database or ""))
        fn = command.upgrade if action == "upgrade" else command.downgrade
        alembic_errors(action, target, lambda: fn(cfg, target, sql=True))
        return
    spec = parse_url(url, defaults_file=defaults_file)
    if not spec.database:
        raise InputError(f"{spec.redacted()}: the URL names no database")
    run_alembic_with(rdir, lambda: spec.connect(client_flag=MULTI_STATEMENTS), action, target)


class MigrationFailed(SchemaToolsError):
    """A statement of a revision failed on the server."""

    exit_code = 1

    def __init__(self, message: str, *, error: str, statement: str) -> None:
        super().__init__(message)
        self.error = error
        self.statement = statement


def run_alembic_with(rdir: RevisionDir, connect: Callable[[], Any], action: str, target: str, *,
                     script: ScriptDirectory | None = None, connection: sa.engine.Connection | None = None,
                     on_applied: Callable[[str], None] | None = None) -> None:
    """``alembic upgrade/downgrade TARGET`` on connections made by ``connect()``.

    For a caller that runs many steps: ``script`` is the directory's ``ScriptDirectory``
    (making one parses every revision file), and ``connection`` an open SQLAlchemy
    connection to run on, configured as the directory's ``env.py`` does online, without
    loading it each time; ``on_applied(revision)`` is then called after each revision, up
    or down, inside its transaction (a caller that looks at the database from another
    connection gives an autocommit ``connection``).  A failing statement raises
    :class:`MigrationFailed` naming the statement and the server's error."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = rdir.config()
    scripts = script or ScriptDirectory.from_config(cfg)

    def steps(rev: Any, context: Any) -> Any:  # what alembic's upgrade/downgrade commands do
        if action == "upgrade":
            return scripts._upgrade_revs(target, rev)
        return scripts._downgrade_revs(target, rev)

    def applied(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        if on_applied is not None:
            on_applied(step.up_revision_id)

    def run_on(conn: sa.engine.Connection, inline: bool) -> None:
        def run() -> None:
            with EnvironmentContext(cfg, scripts, fn=steps, as_sql=False, starting_rev=None,
                                    destination_rev=target, tag=None) as env:
                if inline:
                    env.configure(connection=conn, transaction_per_migration=True,
                                  on_version_apply=None if on_applied is None else applied)
                    with env.begin_transaction():
                        env.run_migrations()
                else:
                    cfg.attributes["connection"] = conn
                    scripts.run_env()

        alembic_errors(action, target, run)

    if connection is not None:
        run_on(connection, True)
        return
    if on_applied is not None:
        raise ValueError("run_alembic_with: on_applied needs a connection")
    engine = sa.create_engine("mysql+pymysql://", poolclass=sa.pool.NullPool, creator=connect)
    try:
        with engine.connect() as conn:
            run_on(conn, False)
    finally:
        engine.dispose()


def recorded_revisions(spec: ConnectionSpec) -> list[str]:
    """The revisions ``alembic_version`` of ``spec``'s database records (none without it)."""
    import pymysql

    from .revision import read_versions

    if not spec.database:
        raise InputError(f"{spec.redacted()}: the URL names no database")
    conn = spec.connect()
    try:
        return read_versions(conn) or []
    except pymysql.MySQLError as exc:
        raise ConnectionFailed(f"{spec.redacted()}: cannot read alembic_version: {exc.args[-1]}") from None
    finally:
        conn.close()


def alembic_errors(action: str, target: str, run: Callable[[], object]) -> None:
    from alembic.util import CommandError

    try:
        run()
    except CommandError as exc:
        raise InputError(f"{action} {target}: {exc}") from None
    except sa.exc.DBAPIError as exc:
        orig = exc.orig.args if exc.orig is not None else ("", str(exc))
        statement = (exc.statement or "").strip()
        first = statement.splitlines()[0][:160] if statement else ""
        error = f"ERROR {orig[0]}: {orig[-1]}"
        raise MigrationFailed(f"{action} failed: {error}" + (f" in: {first}" if first else ""),
                              error=error, statement=statement) from None
