from ..registry import rule
from ._bd import hits


@rule("BD303", "error", category="broken-dependents",
      summary="A trigger uses a table or column the change drops or renames: writes to its table "
              "fail.",
      hint="Re-create the trigger without the name in the same revision.",
      example="ALTER TABLE `Container` DROP COLUMN `scLocationUpdated` while a trigger sets "
              "NEW.scLocationUpdated")
def broken_trigger(ctx):
    yield from hits(ctx, "trigger")
