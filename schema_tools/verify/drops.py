"""Tables and columns whose values a revision loses, and whether its approval accepts it.

Verify compares the seeded rows before and after each revision.  A table or column whose
values do not survive is *dropped*: gone from the new state, or dropped and re-created,
so that it is there again but its rows hold NULL (or the re-created column's default)
where the seeded values were.  A drop is intended only when the revision's approval in
the revision directory's ledger (``approvals.json``, :mod:`schema_tools.review.ledger`)
accepts that exact finding: the approval is valid (its content hash matches the
revision), its ``accepted`` codes hold the rule's code (DS101 for a table, DS102 for a
column), and its ``findings`` hold the code with the object (``DS102 column
GridInfo.pixelsPerMicronX``).  Accepting a code says which kind of risk the approver
took; the finding says which object, so both must match.

Each drop carries the seeded rows whose values it lost.  A column that held only NULL in
every seeded row loses 0 rows and still needs the acceptance: verify seeds a few rows at
the baseline (a column added on the way holds NULL or its default), a site holds others.

A downgrade drops what its revision's upgrade added: that is its inverse, and the values
it held were written by the upgrade, not seeded, so it needs no approval.
"""

from __future__ import annotations

import contextlib
import dataclasses
import decimal
from dataclasses import dataclass
from pathlib import Path

from ..dialect.types import INTEGER_NAMES
from ..model.objects import Column
from ..render.change_lines import clean

CODES = {"table": "DS101", "column": "DS102"}
_NUMBERS = frozenset({*INTEGER_NAMES, "integer", "decimal", "numeric", "float", "double", "real",
                      "year"})


@dataclass(frozen=True)
class Dropped:
    """A table or column whose seeded values a step lost.

    ``how`` is ``dropped`` (gone) or ``re-created`` (there again, its values not);
    ``rows`` the seeded rows of its table, ``lost`` the rows whose value is gone (a row
    that held NULL loses nothing).  ``accepted`` and ``reason`` say whether the revision's
    approval accepts it, and why (or why not)."""

    kind: str  # "table" | "column"
    table: str  # named as before the step
    column: str | None
    how: str
    rows: int
    lost: int
    table_after: str | None = None  # the table's new name, when the step renamed it
    column_after: str | None = None  # re-created under another name
    now: str | None = None  # re-created: what the rows hold instead ("NULL", "'x'")
    accepted: bool = False
    reason: str = ""
    inverse: bool = False  # a downgrade dropping what its upgrade added (no approval needed)

    @property
    def code(self) -> str:
        return CODES[self.kind]

    @property
    def subject(self) -> str:
        """As a review finding names the object: ``column Table.col``, ``table Table``."""
        return clean(f"column {self.table}.{self.column}" if self.kind == "column"
                     else f"table {self.table}")

    @property
    def what(self) -> str:
        """What was lost, in a sentence that names the object and the rows."""
        name = clean(f"{self.table}.{self.column}" if self.kind == "column" else f"table {self.table}")
        if self.how == "re-created":
            again = f" as {clean(self.column_after)}" if self.column_after else ""
            return (f"{name} dropped and re-created{again}: {self.lost} of {self.rows} row(s) lost "
                    f"their values (now {self.now})")
        if self.kind == "table":
            return f"{name} dropped with {self.rows} row(s)" + (" (none seeded)" if not self.rows else "")
        if self.lost:
            return f"{name} dropped with {self.lost} row(s) holding values"
        if self.rows:
            return f"{name} dropped; 0 row(s) lost: it held only NULL in all {self.rows} seeded row(s)"
        return f"{name} dropped; 0 row(s) lost: no row was seeded in {clean(self.table)}"

    def line(self) -> str:
        verdict = "accepted" if self.accepted else "not accepted"
        if self.inverse:
            return f"{self.what}; {self.reason}"
        return f"{self.what}; {verdict} in approvals.json ({self.code}): {self.reason}"

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out.update(code=self.code, subject=self.subject, message=self.line())
        return out


def _unquote(text: str) -> str:
    return text[1:-1].replace("''", "'").replace("\\\\", "\\")


def empty_values(col: Column) -> set[str | None]:
    """What a re-created ``col`` holds in existing rows, as :func:`runner._norm` spells
    values: NULL, its literal default, or (NOT NULL without one) the type's implicit
    default ('' or 0, an enum's first value, a zero date)."""
    out: set[str | None] = {None}
    d = col.default
    if col.default_kind == "literal":
        assert d is not None, "a literal default has its text"
        if d.startswith("'"):
            out.add(_unquote(d))
        elif d[:1] not in "bBxX":
            with contextlib.suppress(decimal.InvalidOperation):
                out.add(format(decimal.Decimal(d).normalize(), "f"))
    elif d is None and not col.nullable:
        name = col.type.name
        if name == "enum" and col.type.values:
            out.add(col.type.values[0])
        elif name in _NUMBERS:
            out.add("0")
        else:
            out |= {"", "0000-00-00", "0000-00-00 00:00:00", "00:00:00"}
    return out


def recreated(col: Column | None, old: list, new: list) -> str | None:
    """Whether the values of a column were replaced as a drop and re-create leaves them:
    every row whose value changed now holds NULL or the column's default (one and the
    same value, for a default computed by an expression).  Returns what the rows hold
    instead (``NULL``, ``'x'``), or None."""
    changed = [b for a, b in zip(old, new, strict=False) if a != b]
    if not changed or col is None:
        return None
    computed = col.default_kind == "expression" and len(set(changed)) == 1
    if not computed and not set(changed) <= empty_values(col):
        return None
    shown = sorted({"NULL" if v is None else repr(v) for v in changed})
    return " or ".join(shown)


class Ledger:
    """The approvals of a revision directory, read on first use (the review package is
    imported only then)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._states: dict[str, tuple] | None = None

    def state(self, rev: str) -> tuple:
        """(``approved``/``unapproved``/``modified``, the approval) of ``rev``."""
        from ..review.ledger import approval_state, read_ledger
        from ..migrate.revfile import RevisionSet

        if self._states is None:
            self._rset = RevisionSet(self.path)
            self._approvals = read_ledger(self.path)
            self._states = {}
        if rev not in self._states:
            r = self._rset.by_id.get(rev)
            self._states[rev] = (approval_state(self._rset, r, self._approvals) if r is not None
                                 else ("unapproved", None))
        return self._states[rev]

    def accepts(self, rev: str, code: str, subjects: list[str]) -> tuple[bool, str]:
        """Whether the approval of ``rev`` accepts ``code`` for one of ``subjects`` (the
        names of one object: a renamed table's old and new name).  Returns (accepted,
        why)."""
        state, approval = self.state(rev)
        if state == "unapproved":
            return False, f"revision {rev} has no approval"
        if state != "approved":
            return False, (f"the approval of {rev} is void: the revision or its state changed "
                           f"after it was approved")
        if code not in approval.accepted:
            return False, f"the approval of {rev} does not accept {code}"
        for subject in subjects:
            if f"{code} {subject}" in approval.findings:
                return True, f"{code} {subject}, approved by {approval.by}"
        return False, f"the approval of {rev} accepts {code}, but not for {subjects[0]}"


def judge(drops: list[Dropped], rev: str, direction: str, ledger: Ledger,
          added_by_upgrade=lambda d: False) -> list[Dropped]:
    """``drops`` with ``accepted`` and ``reason`` decided: in a downgrade, what the
    upgrade added (``added_by_upgrade``) is its inverse; anything else needs the ledger."""
    out = []
    for d in drops:
        if direction == "downgrade" and d.how == "dropped" and added_by_upgrade(d):
            why = f"added by the upgrade of {rev}, which the downgrade undoes"
            out.append(dataclasses.replace(d, accepted=True, inverse=True, reason=why))
            continue
        names = [d.table] + ([d.table_after] if d.table_after else [])
        subjects = [clean(f"column {t}.{d.column}" if d.kind == "column" else f"table {t}") for t in names]
        ok, why = ledger.accepts(rev, d.code, subjects)
        out.append(dataclasses.replace(d, accepted=ok, reason=why))
    return out
