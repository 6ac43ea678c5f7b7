"""The algorithm and lock each statement of a revision needs, predicted without a server.

The statements are replayed, in order, on the revision's starting state by the offline
reader (:mod:`schema_tools.offline`), so each ``ALTER TABLE`` is judged on the table as it
is when the statement runs; the changes it makes to that table go through the rule tables
of :mod:`schema_tools.review.algorithms`.  :mod:`.probe` confirms a prediction on a server.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diff.compare import diff
from ..flavour import Flavour
from ..model.objects import Schema
from ..review.algorithms import Prediction, predict
from .statements import TableDDL, parse_table_ddl


@dataclass(frozen=True)
class StatementPrediction:
    target: TableDDL
    prediction: Prediction | None  # None: the offline reader could not follow the statement

    @property
    def table(self) -> str:
        return self.target.table


class StatementPredictor:
    """Follows a sequence of statements from ``schema``; :meth:`next` predicts one and
    applies it."""

    def __init__(self, schema: Schema, flavour: Flavour) -> None:
        from ..offline.reader import OfflineReader

        self.flavour = flavour
        self.reader = OfflineReader(flavour=flavour, base=schema, lenient=True, data_tables=())
        self.schema_flavour = schema.flavour

    def next(self, sql: str) -> StatementPrediction | None:
        """The prediction for ``sql`` when it alters a table in place, else None (the
        statement is still applied)."""
        target = parse_table_ddl(sql)
        before = self.reader.state.tables.get(target.table) if target else None
        skipped = len(self.reader.result_skipped)
        self.reader.read_text(sql if sql.rstrip().endswith(";") else sql + ";")
        if target is None or before is None:
            return None
        if len(self.reader.result_skipped) > skipped:
            return StatementPrediction(target, None)
        after = self.reader.state.tables.get(target.table)
        if after is None:
            return StatementPrediction(target, None)
        changes = diff(Schema(self.schema_flavour, tables=(before,)), Schema(self.schema_flavour, tables=(after,)))
        changes = [c for c in changes if (c.table or c.name) == target.table]
        return StatementPrediction(target, predict(changes, before, after, self.flavour))


def predict_statements(schema: Schema, statements, flavour: Flavour) -> list[StatementPrediction | None]:
    """One entry per statement (None where it does not alter a table in place)."""
    predictor = StatementPredictor(schema, flavour)
    return [predictor.next(sql) for sql in statements]
