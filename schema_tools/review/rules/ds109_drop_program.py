from ...diff.changes import Drop
from ..registry import Hit, rule


@rule("DS109", "warning", category="destructive",
      summary="A view, stored procedure or function, trigger or event is dropped: what uses it breaks.",
      hint="Keep it while programs use it (a site's own objects are never dropped by an additive "
           "path); the downgrade re-creates it as it was.",
      example="DROP VIEW `v_energyScan`")
def drop_program(ctx):
    for kind in ("view", "routine", "trigger", "event"):
        for c in ctx.of(kind, Drop):
            what = c.before.kind.lower() if kind == "routine" else kind
            yield Hit(ctx.subject(c), f"drops {what} {c.name}: programs that use it get an error",
                      ctx.describe(c))
