from ..registry import Hit, rule


@rule("DS108", "error", category="destructive",
      summary="A data statement changes existing rows in a way the downgrade does not undo.",
      hint="Give the downgrade that restores the rows (revision --sql ... --down-sql FILE, or an "
           "undo section in the script that provably returns to the head state), or accept the "
           "finding in the approval if the rows need not come back.",
      example="UPDATE `DataCollection` SET `imageDirectory` = CONCAT(`imageDirectory`, '/')")
def irreversible_data(ctx):
    r = ctx.revision
    if r is None:
        return
    entries = r.values.get("irreversible_data")
    if not isinstance(entries, tuple):
        return
    for entry in entries:
        if not (isinstance(entry, tuple) and len(entry) == 2 and all(isinstance(x, str) for x in entry)):
            continue
        where, statement = entry
        yield Hit(f"statement {where}",
                  f"{where} changes rows that existed before the revision; the downgrade does not "
                  f"put them back", statement)
