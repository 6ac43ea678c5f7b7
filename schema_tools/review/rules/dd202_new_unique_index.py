from ...diff.changes import Add, Alter
from ..registry import Hit, rule
from ._dd import duplicates, rows, unless


@rule("DD202", "warning", category="data-dependent",
      summary="A new UNIQUE index (or primary key) over existing rows: duplicates make it fail.",
      hint="Look for duplicates first (SELECT cols, COUNT(*) ... GROUP BY cols HAVING COUNT(*) > 1) "
           "and resolve them in the same revision, before the index.",
      example="ALTER TABLE `AdminVar` ADD UNIQUE INDEX `AdminVar_FKIndexName` (`name`)")
def new_unique_index(ctx):
    for c in ctx.of("index", Add, Alter):
        new = c.after
        if not new.unique or not ctx.populated(c.table):
            continue
        if isinstance(c, Alter) and c.before.unique and set(c.before.column_names) <= set(new.column_names):
            continue  # implied by the old one
        yield Hit(ctx.subject(c), _why(ctx, c.table, new), ctx.describe(c))


def _why(ctx, table, index) -> str:
    rule = f"rows of {table} must be unique over ({', '.join(index.column_names)})"
    note = ctx.rows_note(table)
    n = duplicates(ctx, table, index)
    if n is None:
        return rule + note
    if n.rows is None:
        return f"{rule}{note}; duplicates {n.not_counted()}"
    if n.rows == 0:
        return f"{rule}: no duplicates now{note}"
    groups = f"{n.groups:,} value{'s' if n.groups != 1 else ''}"
    return (f"{rule}: {groups} {'is' if n.groups == 1 else 'are'} shared by {rows(n.rows)} now; the "
            f"upgrade will fail at this statement{unless(ctx)}{note}")
