from ...diff.changes import Add, Alter
from ..registry import Hit, rule


@rule("DD203", "warning", category="data-dependent",
      summary="A new foreign key over existing rows: a row without its parent makes it fail.",
      hint="Look for orphans first (LEFT JOIN the parent WHERE parent key IS NULL) and fix them "
           "(or set them NULL) in the same revision.",
      example="ALTER TABLE `Protein` ADD CONSTRAINT `Protein_fk_person` FOREIGN KEY (`personId`) "
              "REFERENCES `Person` (`personId`)")
def new_foreign_key(ctx):
    for c in ctx.of("foreign_key", Add, Alter):
        new = c.obj if isinstance(c, Add) else c.new
        if isinstance(c, Alter) and not set(c.changed) & {"columns", "ref_table", "ref_columns", "ref_schema"}:
            continue  # only ON DELETE / ON UPDATE changed: the rows already satisfy it
        if not ctx.populated(c.table):
            continue
        yield Hit(ctx.subject(c), f"every row of {c.table} must have its ({', '.join(new.columns)}) in "
                  f"{new.ref_table} ({', '.join(new.ref_columns)}){ctx.rows_note(c.table)}",
                  ctx.describe(c), c.table)
