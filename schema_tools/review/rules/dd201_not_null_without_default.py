from ...diff.changes import Add, Alter
from ..registry import Hit, rule
from ._dd import nulls, rows, unless


@rule("DD201", "warning", category="data-dependent",
      summary="NOT NULL is added on a populated table: without a default, existing rows get an "
              "implicit value or the statement fails on NULLs.",
      hint="Add the column with a DEFAULT (or nullable), fill it with an UPDATE, then make it "
           "NOT NULL; for an existing column, UPDATE its NULLs first.",
      example="ALTER TABLE `ContainerQueue` MODIFY `containerId` int(10) unsigned NOT NULL")
def not_null_without_default(ctx):
    for c in ctx.of("column", Add):
        col = c.after
        if col.nullable or col.default is not None or col.auto_increment or col.generated:
            continue
        if ctx.populated(c.table):
            yield Hit(ctx.subject(c), f"{c.path} is NOT NULL without a default: existing rows get "
                      f"the type's implicit value ({'empty string' if col.type.is_string else '0 / zero date'})"
                      f"{ctx.rows_note(c.table)}", ctx.describe(c))
    for c in ctx.of("column", Alter):
        if "nullable" not in c.changed or c.after.nullable or not ctx.populated(c.table):
            continue
        if c.after.generated:
            continue
        yield Hit(ctx.subject(c), _why_null(ctx, c), ctx.describe(c))


def _why_null(ctx, c) -> str:
    rule = (f"{c.path} becomes NOT NULL: the statement fails (strict mode) or rewrites NULLs to an "
            f"implicit value if any row holds NULL{ctx.rows_note(c.table)}")
    n = nulls(ctx, c.table, c.before)
    if n is None:
        return rule
    if n.rows is None:
        return f"{rule}; NULLs {n.not_counted()}"
    if n.rows == 0:
        return f"{c.path} becomes NOT NULL: no row holds NULL now{ctx.rows_note(c.table)}"
    return (f"{c.path} becomes NOT NULL: {rows(n.rows)} of {c.table} {'holds' if n.rows == 1 else 'hold'} "
            f"NULL now; the upgrade will fail at this statement (strict mode) or rewrite "
            f"{'it' if n.rows == 1 else 'them'} to an implicit value{unless(ctx)}{ctx.rows_note(c.table)}")
