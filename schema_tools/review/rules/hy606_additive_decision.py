from ..registry import Hit, rule
from ._dd import rows


@rule("HY606", "notice", category="hygiene",
      summary="An additive path leaves a difference from its target for a person to decide (with the "
              "rows that fail a constraint it left out, where the review has the database).",
      hint="Decide each: keep the site's definition, or write a revision that adopts the target's "
           "(after fixing the rows that fail a constraint).",
      example="decisions = ({'kind': 'check', 'path': 'DiffractionPlan.strategyOption', ...},)")
def additive_decision(ctx):
    r = ctx.revision
    entries = r.values.get("decisions") if r is not None else None
    if not isinstance(entries, tuple):
        return
    for d in entries:
        if not (isinstance(d, dict) and all(isinstance(d.get(k), str) for k in ("kind", "path", "what"))):
            continue
        yield Hit(f"{d['kind'].replace('_', ' ')} {d['path']}", d["what"] + _failing(ctx, d), "")


def _failing(ctx, d: dict) -> str:
    """The rows of the database that fail the constraint ``d`` left out (``""`` without a
    database or a constraint)."""
    table, kind, columns = d.get("table"), d.get("constraint"), tuple(d.get("columns") or ())
    if ctx.data is None or not isinstance(table, str) or kind is None:
        return ""
    if kind == "check" and isinstance(d.get("clause"), str):
        n, what = ctx.data.where(table, f"NOT ({d['clause']})"), ("fails it", "fail it")
    elif kind in ("unique", "primary") and columns:
        n = ctx.data.duplicates(table, [(c, None) for c in columns])
        what = ("shares a key value", "share key values")
    elif kind == "foreign_key" and columns and isinstance(d.get("ref_table"), str):
        n = ctx.data.orphans(table, columns, d["ref_table"], tuple(d.get("ref_columns") or ()))
        what = ("has no parent row", "have no parent row")
    else:
        return ""
    if not n.counted:
        return f"; rows that fail it {n.not_counted()}"
    return f"; {rows(n.rows)} of {table} {what[n.rows != 1]} now"
