from ...diff.changes import Alter
from ..registry import Hit, rule
from ..types import charset_loses


@rule("DS106", "error", category="destructive",
      summary="A column is converted to a character set that cannot store all its characters.",
      hint="Convert to a character set that holds every stored character (utf8mb4), or check "
           "that no value uses characters outside the new set.",
      example="ALTER TABLE `Person` MODIFY `familyName` varchar(100) CHARACTER SET latin1")
def smaller_charset(ctx):
    for c in ctx.of("column", Alter):
        if "charset" not in c.changed or not ctx.is_existing(c.table):
            continue
        if c.before.type.is_string and charset_loses(c.before.charset, c.after.charset):
            yield Hit(ctx.subject(c), f"{c.path}: {c.before.charset} -> {c.after.charset}; characters "
                      f"{c.after.charset} cannot store become '?'", ctx.describe(c))
