from ..registry import rule
from ._bd import hits


@rule("BD302", "error", category="broken-dependents",
      summary="A view uses a table or column the change drops or renames: selecting from it fails.",
      hint="Re-create the view without the name (CREATE OR REPLACE VIEW) in the same revision.",
      example="ALTER TABLE `AdminVar` DROP COLUMN `value` while v_admin selects value")
def broken_view(ctx):
    yield from hits(ctx, "view")
