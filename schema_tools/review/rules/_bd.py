"""Shared by the broken-dependents rules (BD301 routines, BD302 views, BD303 triggers)."""

from ..depends import broken_dependents
from ..registry import Hit


def hits(ctx, kind: str):
    refs = ctx.cache.get("broken_dependents")
    if refs is None:
        refs = ctx.cache["broken_dependents"] = broken_dependents(ctx.after, ctx.changes)
    by_object: dict[str, list] = {}
    for r in refs:
        if r.kind == kind:
            by_object.setdefault(r.name, []).append(r)
    for name, items in sorted(by_object.items()):
        missing = "; ".join(f"{r.missing} ({r.what})" for r in items)
        yield Hit(f"{kind} {name}", f"{kind} {name} still uses {missing}", f"~ {kind} {name} (unchanged)")
