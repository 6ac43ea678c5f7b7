"""Shared by the locking rules: the algorithm of each change of an existing table."""

from ...diff.changes import Add, Change, Drop
from ..algorithms import Algorithm, algorithm


def algorithms(ctx) -> list[tuple[Change, Algorithm]]:
    """(change, algorithm) for every change of a table that exists before and after."""
    cached = ctx.cache.get("algorithms")
    if cached is not None:
        return cached
    out = []
    for c in ctx.changes:
        if c.kind in ("column", "index", "foreign_key", "check"):
            table = c.table
        elif c.kind == "table" and not isinstance(c, (Add, Drop)):
            table = c.name
        else:
            continue
        if not ctx.is_existing(table) or table in ctx.dropped_tables:
            continue
        out.append((c, algorithm(c, ctx.before_table(table), ctx.after.table(table), ctx.flavour)))
    ctx.cache["algorithms"] = out
    return out


def flavour_label(ctx) -> str:
    f = ctx.flavour
    return f"{'MariaDB' if f.is_mariadb else 'MySQL'} {f.version[0]}.{f.version[1]}"
