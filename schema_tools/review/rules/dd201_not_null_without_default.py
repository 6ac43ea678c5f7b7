from ...diff.changes import Add, Alter
from ..registry import Hit, rule


@rule("DD201", "warning", category="data-dependent",
      summary="NOT NULL is added on a populated table: without a default, existing rows get an "
              "implicit value or the statement fails on NULLs.",
      hint="Add the column with a DEFAULT (or nullable), fill it with an UPDATE, then make it "
           "NOT NULL; for an existing column, UPDATE its NULLs first.",
      example="ALTER TABLE `ContainerQueue` MODIFY `containerId` int(10) unsigned NOT NULL")
def not_null_without_default(ctx):
    for c in ctx.of("column", Add):
        col = c.obj
        if col.nullable or col.default is not None or col.auto_increment or col.generated:
            continue
        if ctx.populated(c.table):
            yield Hit(ctx.subject(c), f"{c.path} is NOT NULL without a default: existing rows get "
                      f"the type's implicit value ({'empty string' if col.type.is_string else '0 / zero date'})"
                      f"{ctx.rows_note(c.table)}", ctx.describe(c), c.table)
    for c in ctx.of("column", Alter):
        if "nullable" not in c.changed or c.new.nullable or not ctx.populated(c.table):
            continue
        if c.new.generated:
            continue
        yield Hit(ctx.subject(c), f"{c.path} becomes NOT NULL: the statement fails (strict mode) or "
                  f"rewrites NULLs to an implicit value if any row holds NULL"
                  f"{ctx.rows_note(c.table)}", ctx.describe(c), c.table)
