from ...diff.changes import Alter
from ..data import removed_misfit
from ..registry import Hit, rule
from ..types import enum_removed
from ._dd import misfit_note


@rule("DS105", "error", category="destructive",
      summary="An ENUM or SET value is removed: rows holding it become '' or are refused.",
      hint="Update the rows that hold the value first (UPDATE ... SET col = 'other' WHERE col = "
           "'old'), in the same revision.",
      example="ALTER TABLE `Protein` MODIFY `safetyLevel` enum('GREEN','YELLOW')")
def enum_value_removed(ctx):
    for c in ctx.of("column", Alter):
        if "values" not in c.changed or not ctx.is_existing(c.table):
            continue
        gone = enum_removed(c.before.type, c.after.type)
        if gone:
            values = ", ".join(repr(v) for v in gone)
            counted = misfit_note(ctx, c.table, removed_misfit(c.before.name, c.before.type, c.after.type))
            yield Hit(ctx.subject(c), f"{c.path} loses the value(s) {values}{counted}", ctx.describe(c))
