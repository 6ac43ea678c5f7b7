from ..registry import Hit, rule


def _bookkeeping(call) -> bool:
    return "schemastatus" in (call.sql or "").lower()


@rule("HY604", "warning", category="hygiene",
      summary="The revision changes nothing: the two states are equal and it runs no statement.",
      hint="Delete the revision, or regenerate it from the states you meant.",
      example="a revision whose upgrade() is pass")
def noop(ctx):
    if ctx.changes:
        return
    r = ctx.revision
    if r is None:
        yield Hit(ctx.label, "the two states are identical", "")
        return
    if any(not _bookkeeping(c) for c in r.statements("upgrade")):
        return
    yield Hit(f"revision {r.rev_id}", "the schema before and after are identical and upgrade() "
              "runs no statement", r.path.name)
