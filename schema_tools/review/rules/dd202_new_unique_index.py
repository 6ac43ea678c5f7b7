from ...diff.changes import Add, Alter
from ..registry import Hit, rule


@rule("DD202", "warning", category="data-dependent",
      summary="A new UNIQUE index (or primary key) over existing rows: duplicates make it fail.",
      hint="Look for duplicates first (SELECT cols, COUNT(*) ... GROUP BY cols HAVING COUNT(*) > 1) "
           "and resolve them in the same revision, before the index.",
      example="ALTER TABLE `AdminVar` ADD UNIQUE INDEX `AdminVar_FKIndexName` (`name`)")
def new_unique_index(ctx):
    for c in ctx.of("index", Add, Alter):
        new = c.obj if isinstance(c, Add) else c.new
        if not new.unique or not ctx.populated(c.table):
            continue
        if isinstance(c, Alter) and c.old.unique and set(c.old.column_names) <= set(new.column_names):
            continue  # implied by the old one
        yield Hit(ctx.subject(c), f"rows of {c.table} must be unique over ({', '.join(new.column_names)})"
                  f"{ctx.rows_note(c.table)}", ctx.describe(c), c.table)
