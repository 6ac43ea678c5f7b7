from ..registry import Hit, rule


@rule("HY603", "warning", category="hygiene",
      summary="The revision has no downgrade, or an empty one, while its upgrade changes something.",
      hint="Regenerate the revision (schema-tools revision writes both directions), or write the "
           "statements that undo the upgrade.",
      example="def downgrade() -> None: pass")
def downgrade(ctx):
    r = ctx.revision
    if r is None:
        return
    if r.downgrade is None:
        yield Hit(f"revision {r.rev_id}", "the file has no downgrade() function", f"{r.path.name}")
    elif not r.downgrade and (r.upgrade or ctx.changes):
        yield Hit(f"revision {r.rev_id}", "downgrade() does nothing: the revision cannot be undone",
                  f"{r.path.name}")
