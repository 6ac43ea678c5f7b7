from ..registry import Hit, rule
from ._pt import statement_text

_SYSTEM = {"information_schema", "mysql", "performance_schema", "sys"}
_BEFORE_NAME = {"TABLE", "INTO", "FROM", "JOIN", "UPDATE", "REFERENCES", "VIEW", "PROCEDURE",
                "FUNCTION", "TRIGGER", "EVENT", "ON", "EXISTS", "TO", ","}


@rule("HY601", "warning", category="hygiene",
      summary="A statement names the database (USE pydb, pydb.Table): the revision only works on "
              "a database of that name.",
      hint="Leave the database out: the revision runs in the database the URL names.",
      example="USE pydb")
def database_name(ctx):
    # db.name where name is a table, view or routine of either state (alias.column is not)
    names = {o.name for s in (ctx.before, ctx.after) for o in (*s.tables, *s.views, *s.routines)}
    for call, tokens in ctx.statement_tokens:
        if tokens and tokens[0].is_kw("USE"):
            name = tokens[1].name if len(tokens) > 1 else ""
            yield Hit(f"statement at line {call.line}", f"USE {name} switches to a fixed database",
                      statement_text(call))
            continue
        for i in range(len(tokens) - 3):
            t, q, dot, n = tokens[i], tokens[i + 1], tokens[i + 2], tokens[i + 3]
            if (t.value.upper() in _BEFORE_NAME and q.is_name and dot.value == "." and n.is_name
                    and n.name in names and q.name.lower() not in _SYSTEM):
                yield Hit(f"statement at line {call.line}",
                          f"{q.name}.{n.name} names the database {q.name}", statement_text(call))
                break
