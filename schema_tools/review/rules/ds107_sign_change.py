from ...diff.changes import Alter
from ..data import sign_misfit
from ..registry import Hit, rule
from ..types import sign_loses
from ._dd import misfit_note


@rule("DS107", "error", category="destructive",
      summary="A numeric column changes between signed and unsigned where stored values can be "
              "out of the new range.",
      hint="Check the stored range first (SELECT MIN(col), MAX(col) ...), or widen the type "
           "(int unsigned -> bigint) so that every value fits.",
      example="ALTER TABLE `BLSample` MODIFY `preparationTemeprature` mediumint(8) unsigned")
def sign_change(ctx):
    for c in ctx.of("column", Alter):
        if "unsigned" not in c.changed or not ctx.is_existing(c.table):
            continue
        if sign_loses(c.before.type, c.after.type):
            what = "negative values" if c.after.type.unsigned else "values above the signed maximum"
            misfit = sign_misfit(c.before.name, c.before.type, c.after.type)
            yield Hit(ctx.subject(c), f"{c.path}: {c.before.type} -> {c.after.type}; {what} do not fit"
                      f"{misfit_note(ctx, c.table, misfit)}", ctx.describe(c))
