from ...diff.changes import Drop
from ..registry import Hit, rule


@rule("DS102", "error", category="destructive", summary="A column is dropped, with its values.",
      hint="Copy the values elsewhere first (or keep the column until nothing reads it); "
           "the downgrade re-creates the column with its default, not its values.",
      example="ALTER TABLE `GridInfo` DROP COLUMN `pixelsPerMicronX`")
def drop_column(ctx):
    for c in ctx.of("column", Drop):
        if ctx.is_existing(c.table):
            yield Hit(ctx.subject(c), f"drops the values of {c.path}{ctx.rows_note(c.table)}",
                      ctx.describe(c), c.table)
