from ...diff.changes import Alter
from ..registry import Hit, rule
from ..types import narrows


@rule("DS104", "error", category="destructive",
      summary="A column type or length is narrowed: values that do not fit are cut or refused.",
      hint="Check the longest/largest stored value first (SELECT MAX(LENGTH(col)) ...), or "
           "keep the wider type.",
      example="ALTER TABLE `BLSample` MODIFY `location` varchar(20)")
def narrow_type(ctx):
    for c in ctx.of("column", Alter):
        if "type" not in c.changed or not ctx.is_existing(c.table):
            continue
        why = narrows(c.old.type, c.new.type)
        if why:
            yield Hit(ctx.subject(c), f"{c.path}: {why}{ctx.rows_note(c.table)}", ctx.describe(c), c.table)
