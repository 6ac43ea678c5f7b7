from ..registry import Hit, rule
from ._pt import new_objects, statement_matches, statement_text

_MARIADB_TYPES = ("inet4", "inet6", "uuid")
_SYNTAX = (("ADD", "COLUMN", "IF", "NOT", "EXISTS"), ("ADD", "IF", "NOT", "EXISTS"),
           ("DROP", "COLUMN", "IF", "EXISTS"), ("ADD", "INDEX", "IF", "NOT", "EXISTS"),
           ("ADD", "KEY", "IF", "NOT", "EXISTS"), ("DROP", "INDEX", "IF", "EXISTS"),
           ("DROP", "FOREIGN", "KEY", "IF", "EXISTS"), ("DROP", "CONSTRAINT", "IF", "EXISTS"),
           ("CREATE", "OR", "REPLACE", "TABLE"), ("CREATE", "OR", "REPLACE", "PROCEDURE"),
           ("CREATE", "OR", "REPLACE", "FUNCTION"), ("CREATE", "OR", "REPLACE", "TRIGGER"),
           ("CREATE", "SEQUENCE"), ("MODIFY", "COLUMN", "IF", "EXISTS"),
           ("CHANGE", "COLUMN", "IF", "EXISTS"))


def _mariadb_features(kind, obj):
    if kind == "column":
        if obj.compressed:
            yield "COMPRESSED column"
        if obj.default and obj.default.replace(" ", "").lower() in ("current_user()", "current_role()"):
            yield f"DEFAULT {obj.default} (MySQL needs an expression default in parentheses)"
        if obj.check and "json_valid" in obj.check.lower():
            yield "json_valid CHECK (MariaDB's JSON alias; MySQL has a native JSON type)"
        if obj.type.name in _MARIADB_TYPES:
            yield f"{obj.type.name.upper()} type"
    elif kind == "index" and obj.ignored:
        yield "IGNORED index (MySQL spells it INVISIBLE)"
    elif kind == "check" and "json_valid" in obj.clause.lower():
        yield "json_valid CHECK (MariaDB's JSON alias; MySQL has a native JSON type)"


@rule("PT501", "error", category="portability",
      summary="MariaDB-only syntax or feature in a revision for a site that runs MySQL.",
      hint="Use the spelling both servers accept (plain ADD COLUMN, DEFAULT (expr), a native JSON "
           "column), or set flavour in [tool.schema_tools.lint] if the site runs MariaDB.",
      example="ALTER TABLE `BLSample` ADD COLUMN IF NOT EXISTS `note` varchar(20)")
def mariadb_only(ctx):
    if ctx.flavour.is_mariadb:
        return
    for c, kind, table, obj, old in new_objects(ctx):
        had = set(_mariadb_features(kind, old)) if old is not None else set()
        for feature in _mariadb_features(kind, obj):
            if feature in had:
                continue
            yield Hit(f"{kind} {table}.{obj.name}", f"{feature} is MariaDB-only", ctx.describe(c))
    for call, pat in statement_matches(ctx, _SYNTAX):
        yield Hit(f"statement at line {call.line}", f"{' '.join(pat)} is MariaDB-only",
                  statement_text(call))
