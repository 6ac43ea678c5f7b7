from ..registry import rule
from ._bd import hits


@rule("BD301", "error", category="broken-dependents",
      summary="A stored procedure or function uses a table or column the change drops or renames.",
      hint="Update the routine in the same revision (the new state's routine definition), or "
           "keep the column until the routine no longer uses it.",
      example="DROP COLUMN GridInfo.pixelsPerMicronX while retrieve_grid_info_for_dc selects "
              "gi.pixelsPerMicronX")
def broken_routine(ctx):
    yield from hits(ctx, "routine")
