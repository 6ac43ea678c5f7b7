import re

from ..registry import Hit, rule
from ._pt import statement_text


def _slug(text: str) -> str:
    # as revision files are named (schema_tools.migrate.revision)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]


@rule("HY605", "notice", category="hygiene",
      summary="A SchemaStatus row names a script that is not this revision.",
      hint="Name the script the revision was made from (its file name) in both the ONGOING "
           "INSERT and the DONE UPDATE, or drop the SchemaStatus statements.",
      example="INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) VALUES "
              "('2024_01_09_other.sql', 'ONGOING')")
def schemastatus(ctx):
    r = ctx.revision
    if r is None:
        return
    own = {_slug(r.slug), _slug(r.message)}
    for call, tokens in ctx.statement_tokens:
        if not any(t.is_name and t.name.lower() == "schemastatus" for t in tokens):
            continue
        for t in tokens:
            if t.kind == "string" and t.value.lower().endswith(".sql"):
                name = t.value[:-4]
                if _slug(name) not in own:
                    yield Hit(f"statement at line {call.line}",
                              f"SchemaStatus names {t.value!r}, but the revision is {r.path.name}",
                              statement_text(call))
