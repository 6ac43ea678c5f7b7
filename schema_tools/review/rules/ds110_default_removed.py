from ...diff.changes import Alter
from ..registry import Hit, rule


@rule("DS110", "warning", category="destructive",
      summary="A column loses its default, or gets another one: inserts that leave it out store "
              "something else, or fail.",
      hint="Keep the default programs rely on; change it only together with the programs that "
           "insert into the table.",
      example="ALTER TABLE `Dewar` MODIFY `bltimeStamp` datetime")
def default_removed(ctx):
    for c in ctx.of("column", Alter):
        if "default" not in c.changed or c.before.default in (None, "NULL") or c.after.generated:
            continue
        if not ctx.is_existing(c.table):
            continue
        if c.after.default is None or (c.after.default == "NULL" and not c.after.nullable):
            why = (f"{c.path} loses DEFAULT {c.before.default}: an insert that leaves it out "
                   f"{'stores NULL' if c.after.nullable else 'fails (strict mode)'}")
        else:
            why = f"{c.path}: DEFAULT {c.before.default} becomes DEFAULT {c.after.default}"
        yield Hit(ctx.subject(c), why, ctx.describe(c))
