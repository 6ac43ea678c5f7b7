from ...diff.changes import Alter, Drop
from ..registry import Hit, rule


@rule("DS103", "warning", category="destructive",
      summary="A unique index (or primary key) is dropped: the rule it enforced goes with it.",
      hint="Make sure nothing relies on the uniqueness; the downgrade re-creates the index and "
           "fails once duplicates have been written.",
      example="ALTER TABLE `BLSample` DROP INDEX `BLSample_uidx_containerId_location_subLocation`")
def drop_unique_index(ctx):
    for c in ctx.of("index", Drop, Alter):
        old = c.before
        if not old.unique or not ctx.is_existing(c.table):
            continue
        if isinstance(c, Alter) and c.after.unique and set(c.after.column_names) <= set(old.column_names):
            continue  # still unique, over the same columns or fewer: at least as strict
        why = (f"{c.path} no longer enforces uniqueness of ({', '.join(old.column_names)})"
               if isinstance(c, Drop) or not c.after.unique else
               f"{c.path} now enforces uniqueness over ({', '.join(c.after.column_names)}) "
               f"instead of ({', '.join(old.column_names)})")
        yield Hit(ctx.subject(c), why, ctx.describe(c))
