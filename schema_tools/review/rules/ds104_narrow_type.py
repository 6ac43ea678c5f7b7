from ...diff.changes import Alter
from ..data import narrowing_misfit
from ..registry import Hit, rule
from ..types import narrows
from ._dd import misfit_note


@rule("DS104", "error", category="destructive",
      summary="A column type or length is narrowed: values that do not fit are cut or refused.",
      hint="Check the longest/largest stored value first (SELECT MAX(LENGTH(col)) ...), or "
           "keep the wider type.",
      example="ALTER TABLE `BLSample` MODIFY `location` varchar(20)")
def narrow_type(ctx):
    for c in ctx.of("column", Alter):
        if "type" not in c.changed or not ctx.is_existing(c.table):
            continue
        why = narrows(c.before.type, c.after.type)
        if why:
            counted = misfit_note(ctx, c.table, narrowing_misfit(c.before.name, c.before.type, c.after.type))
            yield Hit(ctx.subject(c), f"{c.path}: {why}{ctx.rows_note(c.table)}{counted}", ctx.describe(c))
