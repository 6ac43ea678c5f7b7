from ...diff.changes import Add, Alter
from ..registry import Hit, rule
from ._dd import orphans, rows, unless


@rule("DD203", "warning", category="data-dependent",
      summary="A new foreign key over existing rows: a row without its parent makes it fail.",
      hint="Look for orphans first (LEFT JOIN the parent WHERE parent key IS NULL) and fix them "
           "(or set them NULL) in the same revision.",
      example="ALTER TABLE `Protein` ADD CONSTRAINT `Protein_fk_person` FOREIGN KEY (`personId`) "
              "REFERENCES `Person` (`personId`)")
def new_foreign_key(ctx):
    for c in ctx.of("foreign_key", Add, Alter):
        new = c.after
        if isinstance(c, Alter) and not set(c.changed) & {"columns", "ref_table", "ref_columns", "ref_schema"}:
            continue  # only ON DELETE / ON UPDATE changed: the rows already satisfy it
        if not ctx.populated(c.table):
            continue
        yield Hit(ctx.subject(c), _why(ctx, c.table, new), ctx.describe(c))


def _why(ctx, table, fk) -> str:
    cols, refs = ", ".join(fk.columns), ", ".join(fk.ref_columns)
    rule = f"every row of {table} must have its ({cols}) in {fk.ref_table} ({refs})"
    note = ctx.rows_note(table)
    n = orphans(ctx, table, fk)
    if n is None:
        return rule + note
    if n.rows is None:
        return f"{rule}{note}; rows without their parent {n.not_counted()}"
    if n.rows == 0:
        return f"{rule}: none is without its parent now{note}"
    one = n.rows == 1
    return (f"{rows(n.rows)} of {table} {'has' if one else 'have'} no {fk.ref_table}: "
            f"{'its' if one else 'their'} ({cols}) {'matches' if one else 'match'} no {fk.ref_table} "
            f"({refs}); the upgrade will fail at this statement{unless(ctx)}{note}")
