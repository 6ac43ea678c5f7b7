from ..algorithms import COPY
from ..registry import Hit, rule
from ._lk import algorithms, flavour_label


@rule("LK401", "warning", category="locking",
      summary="The ALTER needs ALGORITHM=COPY: the table is copied row by row and writes wait "
              "until the copy is done.",
      hint="Run it in a maintenance window (review --url shows the table's size), split it from "
           "cheaper changes, or use an online schema change tool for big tables.",
      example="ALTER TABLE `BLSample` MODIFY `volume` double")
def copy_algorithm(ctx):
    for c, alg in algorithms(ctx):
        table = c.table or c.name
        if alg.name == COPY:
            yield Hit(ctx.subject(c), f"{alg.reason} needs ALGORITHM=COPY on {flavour_label(ctx)}: "
                      f"{table} is locked for writes while it is copied{ctx.rows_note(table)}",
                      ctx.describe(c))
