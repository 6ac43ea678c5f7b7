from ..registry import Hit, rule
from ._pt import statement_text


@rule("HY602", "warning", category="hygiene",
      summary="A statement sets a DEFINER: the account must exist on every server, and creating "
              "it needs SUPER or SET USER.",
      hint="Leave DEFINER out so that the object belongs to the account that runs the upgrade "
           "(snapshot the source without definers, or drop the clause).",
      example="CREATE DEFINER=`ispyb_root`@`%` PROCEDURE `p` () ...")
def definer(ctx):
    for call, tokens in ctx.statement_tokens:
        for i in range(len(tokens) - 1):
            if tokens[i].is_kw("DEFINER") and tokens[i + 1].value == "=":
                who = "".join(f"`{t.value}`" if t.kind == "qident" else t.value if t.kind == "string" else t.text
                              for t in tokens[i + 2:i + 5])
                yield Hit(f"statement at line {call.line}", f"DEFINER={who} is fixed in the statement",
                          statement_text(call))
                break
