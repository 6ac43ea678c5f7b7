from ...diff.changes import Drop
from ..registry import Hit, rule


@rule("DS101", "error", category="destructive", summary="A table is dropped, with all its rows.",
      hint="Keep the table (rename it, or drop it in a later release once nothing reads it), "
           "or back up its rows first; the downgrade re-creates it empty.",
      example="DROP TABLE `GridInfo`")
def drop_table(ctx):
    for c in ctx.of("table", Drop):
        yield Hit(ctx.subject(c), f"drops table {c.name} and every row in it{ctx.rows_note(c.name)}",
                  ctx.describe(c))
