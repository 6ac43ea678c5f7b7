from ..algorithms import INPLACE
from ..registry import Hit, rule
from ._lk import algorithms, flavour_label


@rule("LK402", "notice", category="locking",
      summary="The ALTER rebuilds the table in place: reads and writes go on, but the whole table "
              "is rewritten (time, disk space, replication lag).",
      hint="Expect the time of a full table rewrite; on a big table, schedule it and watch "
           "replication lag.",
      example="ALTER TABLE `ContainerQueue` MODIFY `containerId` int(10) unsigned NOT NULL")
def inplace_rebuild(ctx):
    for c, alg in algorithms(ctx):
        table = c.table or c.name
        if alg.name == INPLACE and alg.rebuild:
            yield Hit(ctx.subject(c), f"{alg.reason} rebuilds {table} (ALGORITHM=INPLACE) on "
                      f"{flavour_label(ctx)}{ctx.rows_note(table)}", ctx.describe(c))
