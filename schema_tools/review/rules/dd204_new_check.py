from ...diff.changes import Add, Alter
from ..registry import Hit, rule
from ._dd import rows, unless


@rule("DD204", "warning", category="data-dependent",
      summary="A new CHECK constraint over existing rows: one row that fails it makes the statement fail.",
      hint="Count the rows that fail it first (SELECT COUNT(*) FROM t WHERE NOT (clause)) and fix "
           "them in the same revision, before the constraint, or leave the constraint out.",
      example="ALTER TABLE `DiffractionPlan` ADD CONSTRAINT `strategyOption` CHECK (json_valid(`strategyOption`))")
def new_check(ctx):
    for c in ctx.of("check", Add, Alter):
        if ctx.populated(c.table):
            yield Hit(ctx.subject(c), failing(ctx, c.table, c.after.clause), ctx.describe(c))
    for c in ctx.of("column", Alter):
        if "check" in c.changed and c.after.check and ctx.populated(c.table) \
                and ctx.before_column(c.table, c.after.name) is not None:
            yield Hit(ctx.subject(c), failing(ctx, c.table, c.after.check), ctx.describe(c))


def failing(ctx, table: str, clause: str) -> str:
    """Why a CHECK ``clause`` over the rows of ``table`` matters, with the count of rows
    that fail it where the review has the database."""
    rule = f"every row of {table} must meet CHECK ({clause})"
    note = ctx.rows_note(table)
    n = ctx.data.where(ctx.before_name(table), f"NOT ({clause})") if ctx.data is not None else None
    if n is None:
        return rule + note
    if not n.counted:
        return f"{rule}{note}; failing rows {n.not_counted()}"
    if n.rows == 0:
        return f"{rule}: no row fails it now{note}"
    return (f"{rule}: {rows(n.rows)} {'fails' if n.rows == 1 else 'fail'} it now; the upgrade will "
            f"fail at this statement{unless(ctx)}{note}")
