from ...diff.changes import Drop
from ..registry import Hit, rule
from ._dd import non_nulls, rows


@rule("DS102", "error", category="destructive", summary="A column is dropped, with its values.",
      hint="Copy the values elsewhere first (or keep the column until nothing reads it); "
           "the downgrade re-creates the column with its default, not its values.",
      example="ALTER TABLE `GridInfo` DROP COLUMN `pixelsPerMicronX`")
def drop_column(ctx):
    for c in ctx.of("column", Drop):
        if ctx.is_existing(c.table):
            yield Hit(ctx.subject(c), f"drops the values of {c.path}{_held(ctx, c)}{ctx.rows_note(c.table)}",
                      ctx.describe(c))


def _held(ctx, c) -> str:
    """With a database: how many rows hold a value (not NULL) in the column now."""
    n = non_nulls(ctx, c.table, c.before)
    if n is None:
        return ""
    if n.rows is None:
        return f"; non-NULL values {n.not_counted()}"
    return f", holding {rows(n.rows)} with a non-NULL value now"
