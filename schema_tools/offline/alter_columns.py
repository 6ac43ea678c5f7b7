"""The column pass of ALTER TABLE: DROP/CHANGE/MODIFY/RENAME/ADD COLUMN, ALTER COLUMN
SET/DROP DEFAULT and CONVERT TO CHARACTER SET, and what they do to the rest of the table.

Existing columns keep their order, CHANGE/MODIFY without FIRST/AFTER keep the column's
place, then added and moved columns are placed in statement order; renamed columns are
renamed in indexes, foreign keys (also those of other tables referencing them), checks
and generated columns; dropping a column shrinks plain indexes, and may not drop part of
a UNIQUE/PRIMARY key; a table CHECK on dropped columns only is dropped with them.
CONVERT TO CHARACTER SET converts every character column (TEXT types grow to keep their
length in characters).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any

from ..model.objects import Column, DataType, IndexColumn, Table
from . import ddl_objects as P
from .columns import referenced_columns, year_columns
from .ddl_parse import parse_expression
from .exprs import DEFAULT_P, ExprContext, print_expression
from .keys import KeyApplier
from .state import OfflineError, charset_maxlen, default_collation, resolve_charset
from ..dialect.types import (
    BLOB_TYPES, LOB_MAX_BYTES, TEXT_LIMITS, TEXT_TYPES, VARCHAR_MAX_BYTES, quote_ident, type_kind,
)
from .types import InvalidDefault, ResolvedType
from .work import Work, ident
from ..dialect.lexer import QUOTED


class ColumnAlterApplier(KeyApplier):
    """ALTER TABLE's changes of columns."""

    def convert_charset(self, w: Work, conv: P.ConvertCharset) -> None:
        s = self.session
        cs = conv.charset if conv.charset is not None else s.db_charset
        if cs.lower() == "binary":
            raise OfflineError("CONVERT TO CHARACTER SET binary is not supported offline")
        cs, coll = resolve_charset(cs, conv.collate, s.db_charset, s.db_collation)
        if conv.collate is None:
            coll = default_collation(cs)
        new_mb = charset_maxlen(cs)
        columns = []
        for c in w.columns:
            if c.charset is None or c.charset == "binary":
                columns.append(c)
                continue
            old_mb = charset_maxlen(c.charset)
            dtype = c.type
            if dtype.name in TEXT_TYPES:
                idx = TEXT_TYPES.index(dtype.name)
                limits = (*TEXT_LIMITS, LOB_MAX_BYTES)
                chars = limits[idx] // old_mb
                need = chars * new_mb
                new_idx = next((i for i, lim in enumerate(limits) if need <= lim), 3)
                dtype = DataType(TEXT_TYPES[max(idx, new_idx)])
            elif dtype.name == "varchar":
                limit = VARCHAR_MAX_BYTES // new_mb
                if (dtype.length or 0) > limit:
                    raise OfflineError(f"Column length too big for column '{c.name}' "
                                       f"(max = {limit}); use BLOB or TEXT instead")
            if c.default is not None and c.default.startswith("'") and cs not in ("utf8mb4", "utf8mb3") \
                    and any(ord(ch) > 0x7F for ch in c.default):
                raise OfflineError("converting a non-ASCII default is not supported offline")
            columns.append(replace(c, type=dtype, charset=cs, collation=coll))
        w.columns = columns
        w.charset, w.collation = cs, coll

    def alter_columns(  # noqa: C901 - the server's column pass of ALTER TABLE, in its order
            self, w: Work, old_columns: list[Column], drops: list[P.DropColumn],
            change_order: list[Any],
            alter_defaults: dict[str, P.AlterColumnDefault]) -> list[tuple[P.ColumnSpec, Column]]:
        defs: list[tuple[P.ColumnSpec, Column]] = []
        # drops
        drop_set: set[str] = set()
        for d in drops:
            col = w.col(d.name)
            if col is None or col.name.lower() in drop_set:
                if d.if_exists:
                    continue
                raise OfflineError(f"Can't DROP COLUMN `{d.name}`; check that it exists")
            drop_set.add(col.name.lower())
        # resolve CHANGE/MODIFY/RENAME COLUMN/ADD against the current column list
        current = [c for c in w.columns]
        by_low = {c.name.lower(): c for c in current}
        replaced: dict[str, tuple[Column, Any]] = {}  # old lower -> (new column, action)
        renamed: dict[str, str] = {}
        added: list[tuple[Any, Column | None]] = []
        for a in change_order:
            if isinstance(a, P.ChangeColumn):
                low = a.old.lower()
                old = by_low.get(low)
                if old is None or low in drop_set:
                    if a.if_exists:
                        continue
                    raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
                if low in replaced:
                    raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
                col = self.make_column(a.column, w, old=old)
                # a VIRTUAL column cannot become stored or plain, nor the reverse
                # (STORED <-> plain is fine)
                was_virtual = old.generated is not None and not old.generated_stored
                is_virtual = col.generated is not None and not col.generated_stored
                if was_virtual != is_virtual:
                    raise OfflineError("This is not yet supported for generated columns")
                defs.append((a.column, col))
                replaced[low] = (col, a)
                if col.name.lower() != low:
                    renamed[low] = col.name
            elif isinstance(a, P.RenameColumn):
                low = a.old.lower()
                old = by_low.get(low)
                if old is None or low in drop_set or low in replaced:
                    if a.if_exists:
                        continue
                    raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
                ident(a.new, "column")
                if old.check is not None and a.new != old.name:
                    # the server keeps the CHECK under the old column name, which
                    # information_schema then attaches to no column
                    raise OfflineError("renaming a column that has a column CHECK is not "
                                       "supported offline")
                replaced[low] = (replace(old, name=a.new), a)
                if a.new.lower() != low or a.new != old.name:
                    renamed[low] = a.new
            elif isinstance(a, P.AddColumn):
                added.append((a, None))  # built below (after renames are known)
            elif isinstance(a, P.AlterColumnDefault):
                pass
        # build the new list: existing columns in order
        new_cols: list[Column] = []
        moved: list[tuple[Any, Column]] = []
        for c in current:
            low = c.name.lower()
            if low in drop_set:
                continue
            if low in replaced:
                col, action = replaced[low]
                if isinstance(action, P.ChangeColumn) and action.column.position is not None:
                    moved.append((action, col))
                    continue
                new_cols.append(col)
            else:
                new_cols.append(c)
        # place moved and added columns in statement order
        w.columns = new_cols
        fresh: set[str] = set()  # the columns this statement adds or places: ALTER COLUMN finds them too
        for a in change_order:
            if isinstance(a, P.ChangeColumn):
                entry = next(((act, col) for act, col in moved if act is a), None)
                if entry is None:
                    continue
                self.place(w, entry[1], a.column.position)
                fresh.add(entry[1].name.lower())
            elif isinstance(a, P.AddColumn):
                spec = a.column
                if w.col(spec.name) is not None:
                    if a.if_not_exists:
                        continue
                    raise OfflineError(f"Duplicate column name '{spec.name}'")
                if spec.name.lower() in (c.name.lower() for c in current) and \
                        spec.name.lower() not in drop_set and spec.name.lower() not in renamed:
                    raise OfflineError(f"Duplicate column name '{spec.name}'")
                col = self.make_column(spec, w)
                defs.append((spec, col))
                self.place(w, col, spec.position)
                fresh.add(col.name.lower())
        # duplicate names after renames
        seen = set()
        for c in w.columns:
            if c.name.lower() in seen:
                raise OfflineError(f"Duplicate column name '{c.name}'")
            seen.add(c.name.lower())
        if not w.columns:
            raise OfflineError("You can't delete all columns with ALTER TABLE; use DROP TABLE "
                               "instead")
        # ALTER COLUMN SET/DROP DEFAULT
        defaults_done: set[str] = set()
        for a in change_order:
            if not isinstance(a, P.AlterColumnDefault):
                continue
            # ALTER COLUMN names a column of the table as it was before this statement,
            # which this statement neither drops, changes nor renames, or one the statement
            # adds or places (ADD, MODIFY/CHANGE ... FIRST/AFTER), by its new name
            low = a.name.lower()
            idx = -1
            if low not in defaults_done and (
                    low in fresh or low in by_low and low not in drop_set and low not in replaced):
                idx = w.col_index(a.name)
            defaults_done.add(low)  # a second ALTER COLUMN of it finds nothing
            if idx < 0:
                if a.if_exists:
                    continue
                raise OfflineError(f"Unknown column '{a.name}' in '{w.name}'")
            col = w.columns[idx]
            if col.generated is not None:
                # the server checks the value, then ignores it
                if a.default is not None:
                    spec = P.ColumnSpec(col.name, P.TypeSpec("int"), null=True, default=a.default)
                    rt = ResolvedType(col.type, col.charset, col.collation)
                    self.default_of(spec, col.name, col.type, rt, True, w)
                continue
            if a.default is None and low in fresh:
                default = None  # a column the statement defines loses its DEFAULT NULL too
            elif a.default is None:
                default = None if (not col.nullable or col.auto_increment) else "NULL"
                if col.type.name in TEXT_TYPES or col.type.name in BLOB_TYPES:
                    default = "NULL" if col.nullable else None
            else:
                spec = P.ColumnSpec(col.name, P.TypeSpec("int"), null=col.nullable,
                                    default=a.default)
                if col.auto_increment:
                    raise InvalidDefault(f"Invalid default value for '{col.name}'")
                rt = ResolvedType(col.type, col.charset, col.collation)
                default = self.default_of(spec, col.name, col.type, rt, col.nullable, w)
            w.columns[idx] = replace(col, default=default)
        # consequences of dropped/renamed columns
        self.after_column_changes(w, drop_set, renamed, replaced, old_columns)
        self.renamed = dict(renamed)
        return defs

    def place(self, w: Work, col: Column, position: tuple[str, str | None] | None) -> None:
        if position is None:
            w.columns.append(col)
        elif position[0] == "FIRST":
            w.columns.insert(0, col)
        else:
            idx = w.col_index(position[1] or "")
            if idx < 0:
                raise OfflineError(f"Unknown column '{position[1]}' in '{w.name}'")
            w.columns.insert(idx + 1, col)

    def after_column_changes(  # noqa: C901 - the server's key fix-ups after column changes, in order
            self, w: Work, drop_set: set[str], renamed: dict[str, str],
            replaced: dict[str, tuple[Column, Any]],
            old_columns: list[Column]) -> None:
        old_by_low = {c.name.lower(): c for c in old_columns}
        # expressions (checks, generated columns) referencing dropped or renamed columns
        # columns turned into or out of YEAR: the server re-reads expressions on them, and
        # constants compared with a YEAR column print as years
        retyped = {low for low, (col, _) in replaced.items()
                   if (old_by_low.get(low) is not None and col.type != old_by_low[low].type
                       and "year" in (col.type.name, old_by_low[low].type.name))}
        if drop_set or renamed or retyped:
            self.rewrite_expressions(w, drop_set, renamed, replaced, retyped)
        # keys: a plain index loses the dropped columns; a UNIQUE or PRIMARY key may not
        # lose only some of them
        for key in list(w.keys):
            if key.kind in ("unique", "primary"):
                gone = [p.name for p in key.parts if p.name.lower() in drop_set]
                if gone and len(gone) < len(key.parts):
                    raise OfflineError(f"Key column '{gone[0]}' doesn't exist in table")
            parts = []
            for part in key.parts:
                low = part.name.lower()
                if low in drop_set:
                    continue
                new_name = renamed.get(low)
                col = w.col(new_name or part.name)
                length = part.length
                if low in replaced and col is not None and length is not None:
                    old_col = old_by_low.get(low)
                    length = _adjust_prefix(old_col, col, length)
                parts.append(IndexColumn(col.name if col is not None else part.name, length,
                                         part.descending))
            if not parts:
                self.drop_key(w, key)
            else:
                key.parts = parts
        # foreign keys of this table
        new_fks = []
        for fk in w.fks:
            cols = []
            for c in fk.columns:
                low = c.lower()
                if low in drop_set:
                    raise OfflineError(f"Cannot drop column '{c}': needed in a foreign key "
                                       f"constraint '{fk.name}'")
                cols.append(renamed.get(low, c))
            ref_cols = fk.ref_columns
            if fk.ref_table == w.name:
                ref_cols = tuple(renamed.get(c.lower(), c) for c in fk.ref_columns)
                for c in fk.ref_columns:
                    if c.lower() in drop_set:
                        raise OfflineError(f"Cannot drop column '{c}': needed in a foreign key "
                                           f"constraint '{fk.name}'")
            new_fks.append(replace(fk, columns=tuple(cols), ref_columns=ref_cols))
        w.fks = new_fks
        # foreign keys of other tables referencing this one
        for tname, t in list(self.state.tables.items()):
            if tname == w.name:
                continue
            changed = False
            fks = []
            for fk in t.foreign_keys:
                if fk.ref_table == w.name:
                    for c in fk.ref_columns:
                        if c.lower() in drop_set and self.session.foreign_key_checks:
                            raise OfflineError(f"Cannot drop column '{c}': needed in a foreign "
                                               f"key constraint '{fk.name}' of table '{tname}'")
                    refs = tuple(renamed.get(c.lower(), c) for c in fk.ref_columns)
                    if refs != fk.ref_columns:
                        fk = replace(fk, ref_columns=refs)
                        changed = True
                fks.append(fk)
            if changed:
                self.state.tables[tname] = replace(t, foreign_keys=tuple(fks))

    def rewrite_expressions(self, w: Work, drop_set: set[str], renamed: dict[str, str],
                            replaced: dict[str, tuple[Column, Any]],
                            retyped: AbstractSet[str] = frozenset()) -> None:
        """Checks and generated columns hold printed text; re-read and print them again
        with dropped columns unknown and renamed ones renamed."""
        names_after = {c.name.lower(): c.name for c in w.columns}

        def redo(text: str, clause: str, owner: str) -> str:
            refs = referenced_columns(text)
            if not refs & (drop_set | set(renamed) | set(retyped)):
                return text
            for r in refs:
                if r in drop_set and r not in renamed:
                    raise OfflineError(f"Unknown column '{r}' in '{clause}'")
            tree = parse_expression(_rename_idents(text, renamed))
            ctx = ExprContext(names_after, clause, self.session_charset(), owner=owner,
                              allow_nondeterministic=clause == "DEFAULT",
                              year_columns=year_columns(w))
            return print_expression(tree, ctx, parent=DEFAULT_P if clause == "DEFAULT" else 0)

        kept_checks = []
        for chk in w.checks:
            refs = referenced_columns(chk.clause)
            if refs and refs <= drop_set:
                continue  # a table CHECK on dropped columns only goes with them
            kept_checks.append(replace(chk, clause=redo(chk.clause, "CHECK", chk.name)))
        w.checks = kept_checks
        cols = []
        for c in w.columns:
            changes: dict[str, Any] = {}
            replaced_here = c.name.lower() in {col.name.lower() for col, _ in replaced.values()
                                               if not isinstance(_, P.RenameColumn)}
            if c.generated is not None and not (replaced_here and c.name.lower() in
                                                {v.lower() for v in renamed.values()} and False):
                changes["generated"] = redo(c.generated, "GENERATED ALWAYS AS", c.name)
            if c.check is not None:
                changes["check"] = redo(c.check, "CHECK", c.name)
            if c.default is not None and c.default.startswith("(") or (
                    c.default is not None and "`" in c.default):
                changes["default"] = redo(c.default, "DEFAULT", c.name)
            cols.append(replace(c, **changes) if changes else c)
        w.columns = cols

    def check_referencing_types(self, w: Work, old: Table) -> None:
        """A column used by a foreign key may not change type (not modelled offline)."""
        old_cols = {c.name.lower(): c for c in old.columns}
        fk_cols = {c.lower() for fk in w.fks for c in fk.columns}
        for t in self.state.tables.values():
            for fk in t.foreign_keys:
                if fk.ref_table == old.name:
                    fk_cols |= {c.lower() for c in fk.ref_columns}
        for c in w.columns:
            prev = old_cols.get(c.name.lower())
            if prev is None:
                continue
            if c.name.lower() in fk_cols and (prev.type != c.type or prev.collation != c.collation):
                raise OfflineError(f"changing the type of column '{c.name}' used in a foreign key "
                                   f"is not supported offline")


# a string, or a quoted name (the server's text of an expression)
_STRING_OR_NAME = re.compile(QUOTED["'", True].pattern + "|" + QUOTED["`", True].pattern)


def _rename_idents(text: str, renamed: dict[str, str]) -> str:
    """``text`` with the quoted names ``renamed`` maps (case-insensitively) replaced;
    strings left as they are."""
    def sub(m: re.Match) -> str:
        token = m.group(0)
        if token[0] != "`" or len(token) < 3:
            return token
        new = renamed.get(token[1:-1].replace("``", "`").lower())
        return token if new is None else quote_ident(new)

    return _STRING_OR_NAME.sub(sub, text)


def _adjust_prefix(old: Column | None, new: Column, length: int) -> int | None:
    """mysql_prepare_alter_table: when a column in a key changes, a prefix that no longer
    makes sense is dropped (the whole column is used)."""
    kind = type_kind(new.type.name)
    if kind not in ("string", "binary"):
        return None
    is_lob = new.type.name in TEXT_TYPES or new.type.name in BLOB_TYPES
    if old is not None:
        old_lob = old.type.name in TEXT_TYPES or old.type.name in BLOB_TYPES
        if type_kind(old.type.name) not in ("string", "binary"):
            return None
        if not old_lob and (old.type.length or 0) == length:
            return None
    if not is_lob and (new.type.length or 0) <= length:
        return None
    return length
