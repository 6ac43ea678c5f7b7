from ..registry import Hit, rule
from ._pt import new_objects, statement_matches, statement_text

_SYNTAX = (("INVISIBLE", "INDEX"), ("ALTER", "INDEX", "*", "INVISIBLE"),
           ("ALTER", "INDEX", "*", "VISIBLE"), ("NOT", "ENFORCED"), ("ENCRYPTION", "="),
           ("AUTOEXTEND_SIZE", "="), ("SECONDARY_ENGINE", "="), ("SRID", "*"))


def _mysql_features(ctx, kind, obj):
    if kind == "column":
        if obj.collation and "_0900_" in obj.collation and ctx.flavour.version < (11, 4, 5):
            yield f"collation {obj.collation} (MySQL 8's; MariaDB before 11.4.5 lacks it)"
    elif kind == "index":
        for part in obj.columns:
            if part.name.startswith("("):
                yield f"functional key part {part.name}"


@rule("PT502", "error", category="portability",
      summary="MySQL-only syntax or feature in a revision for a site that runs MariaDB.",
      hint="Use the spelling both servers accept (utf8mb4_unicode_ci, a generated column for a "
           "functional index, IGNORED for invisible indexes), or set flavour in "
           "[tool.schema_tools.lint] if the site runs MySQL.",
      example="ALTER TABLE `Person` MODIFY `login` varchar(45) COLLATE utf8mb4_0900_ai_ci")
def mysql_only(ctx):
    if not ctx.flavour.is_mariadb:
        return
    for c, kind, table, obj, old in new_objects(ctx):
        had = set(_mysql_features(ctx, kind, old)) if old is not None else set()
        for feature in _mysql_features(ctx, kind, obj):
            if feature in had:
                continue
            yield Hit(f"{kind} {table}.{obj.name}", f"{feature} is MySQL-only", ctx.describe(c))
    for call, pat in statement_matches(ctx, _SYNTAX):
        yield Hit(f"statement at line {call.line}", f"{' '.join(pat)} is MySQL-only",
                  statement_text(call))
