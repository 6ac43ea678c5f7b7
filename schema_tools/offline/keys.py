"""Keys, foreign keys and CHECK constraints of a table definition, as MariaDB 10.11 makes them.

* keys: default names are the first column's name, then ``_2``, ``_3`` ... against the
  keys before it; PRIMARY KEY columns become NOT NULL (a NULL default goes, a column with
  ON UPDATE gets the zero date); a prefix as long as a CHAR/VARCHAR column is dropped;
  ``USING`` is kept only when written, an ALTER forgets it on existing UNIQUE keys, and a
  HASH key has no DESC; COMPACT/REDUNDANT InnoDB rows limit a key part to 767 bytes;
* foreign keys: unnamed ones are ``<table>_ibfk_<n>`` (numbered from 1 in CREATE TABLE,
  from the highest existing number + 1 in ALTER TABLE) and follow table renames; each
  FOREIGN KEY also asks for an index on its columns, named after the constraint, else the
  index name, else the first column.  That *generated* index is not created when an index
  starting with the same columns exists (one declared USING HASH does not count), and is
  silently dropped when such an index is added later (``state.implicit_indexes``
  remembers which indexes are generated).  ON DELETE/UPDATE not written is RESTRICT; SET
  DEFAULT reads as RESTRICT; an in-place ADD FOREIGN KEY (foreign_key_checks=0) stores
  RESTRICT/NO ACTION/SET DEFAULT as NO ACTION.  Non-InnoDB engines keep the index and
  drop the key.  Columns written by ON UPDATE CASCADE/SET NULL or ON DELETE SET NULL may
  not be read by CHECKs or STORED generated columns;
* checks: unnamed table checks are ``CONSTRAINT_<n>`` (n from 1, skipping names in use).
"""

from __future__ import annotations

from dataclasses import replace

from ..model.objects import Check, Column, ForeignKey, IndexColumn
from . import ddl_objects as P
from .columns import (
    COLUMN_COMMENT_MAX, P_SPATIAL_OR_PLUGIN, ColumnApplier, pad_sensitive, referenced_columns,
    vcol_error, year_columns,
)
from .ddl_parse import parse_expression
from .exprs import ExprContext, print_expression
from .state import OfflineError, charset_maxlen
from ..dialect.types import BLOB_TYPES, INTEGER_BYTES, TEXT_TYPES, type_kind
from .work import Work, WorkKey, ident, work_of

MAX_KEY_LENGTH = {"InnoDB": 3072, "MyISAM": 1000, "Aria": 2300, "MEMORY": 3072}
REF_ACTION_DEFAULT = "RESTRICT"
FK_INCORRECT = 'Foreign key constraint is incorrectly formed'


class KeyApplier(ColumnApplier):
    """Adds the keys, foreign keys and checks of a statement, and checks the result."""

    def column_keys(self, spec: P.ColumnSpec) -> list[WorkKey]:
        keys = []
        part = [IndexColumn(spec.name)]
        if spec.key == "primary":
            keys.append(WorkKey("", "primary", list(part), new=True))
        if spec.unique_key:
            keys.append(WorkKey("", "unique", list(part), new=True))
        return keys

    def key_of(self, spec: P.KeySpec) -> WorkKey:
        name = spec.name
        if spec.kind == "primary":
            name = ""
        elif name is not None:
            ident(name, "index")
        if spec.comment is not None and len(spec.comment) > COLUMN_COMMENT_MAX:
            raise OfflineError(f"Comment for index '{name}' is too long (max = {COLUMN_COMMENT_MAX})")
        using = spec.using
        if using is not None and using not in ("BTREE", "HASH", "RTREE"):
            raise OfflineError(f"syntax error: USING {using}")
        parts = [IndexColumn(p.column, p.length, p.descending) for p in spec.parts]
        k = WorkKey(name or "", spec.kind, parts, using, spec.comment or "", spec.ignored, new=True)
        k.if_not_exists = spec.if_not_exists  # type: ignore[attr-defined]  # a mark for this statement, not a field
        return k

    def fk_key(self, fk: P.ForeignKeySpec) -> WorkKey:
        name = fk.constraint or fk.index_name or ""
        k = WorkKey(name, "index", [IndexColumn(c) for c in fk.columns], generated=True, new=True)
        k.fk_if_not_exists = fk.if_not_exists  # type: ignore[attr-defined]  # a mark for this statement, not a field
        return k

    def prepare_keys(self, w: Work, new_keys: list[WorkKey]) -> None:
        """mysql_prepare_create_table: generated-key elimination, names, validation."""
        # IF NOT EXISTS keys whose name exists are skipped (note)
        for pos, k in enumerate(new_keys):
            if k.kind == "primary":
                name = "PRIMARY"
            else:
                name = k.name or (k.parts[0].name if k.parts else "")
            earlier = new_keys[:pos]
            earlier_names = {("PRIMARY" if o.kind == "primary" else
                              o.name or (o.parts[0].name if o.parts else "")).lower()
                             for o in earlier if not o.dropped}
            if getattr(k, "if_not_exists", False) and name and (
                    w.key(name) is not None or name.lower() in earlier_names):
                k.dropped = True
            if getattr(k, "if_not_exists", False) and k.kind == "primary" and any(
                    o.kind == "primary" and not o.dropped for o in w.keys):
                k.dropped = True
        all_keys = [k for k in w.keys if not k.dropped] + [k for k in new_keys if not k.dropped]
        ignored: set[int] = set()
        for i, key in enumerate(all_keys):
            for key2 in all_keys[:i]:
                if id(key2) in ignored:
                    continue
                if not _foreign_key_prefix(key, key2):
                    if not key2.generated or (key.generated and len(key.parts) < len(key2.parts)):
                        ignored.add(id(key))
                    else:
                        ignored.add(id(key2))
                    break
        kept: list[WorkKey] = []
        for key in all_keys:
            if id(key) in ignored:
                key.dropped = True
                continue
            if key.new:
                self.name_key(w, key, kept)
            kept.append(key)
        w.keys = kept

    def name_key(self, w: Work, key: WorkKey, earlier: list[WorkKey]) -> None:
        if key.kind == "primary":
            if any(k.kind == "primary" for k in earlier):
                raise OfflineError("Multiple primary key defined")
            key.name = "PRIMARY"
        else:
            if key.name and key.name.upper() == "PRIMARY":
                raise OfflineError(f"Incorrect index name '{key.name}'")
            if not key.name:
                first = key.parts[0].name
                col = w.col(first)
                base = col.name if col is not None else first
                key.name = _unique_key_name(base, earlier)
        if any(k.name.lower() == key.name.lower() for k in earlier):
            raise OfflineError(f"Duplicate key name '{key.name}'")

    def drop_key(self, w: Work, key: WorkKey) -> None:
        key.dropped = True
        w.keys = [k for k in w.keys if k is not key]

    def apply_primary_not_null(self, w: Work, defs: list[tuple[P.ColumnSpec, Column]]) -> None:
        """PRIMARY KEY columns become NOT NULL (even if declared NULL or DEFAULT NULL)
        and lose a NULL default."""
        for key in w.keys:
            if key.kind != "primary":
                continue
            for part in key.parts:
                idx = w.col_index(part.name)
                if idx < 0:
                    continue
                col = w.columns[idx]
                if col.generated is not None:
                    continue
                if col.nullable:
                    w.made_not_null.add(col.name)
                    default = None if col.default == "NULL" else col.default
                    if col.default == "NULL" and col.on_update:
                        # a column with ON UPDATE gets the zero default instead
                        fsp = col.type.length or 0
                        default = "'0000-00-00 00:00:00" + ("." + "0" * fsp if fsp else "") + "'"
                    w.columns[idx] = replace(col, nullable=False, default=default)

    def check_keys(self, w: Work) -> None:  # noqa: C901 - the server's key checks, in its order
        maxlen = MAX_KEY_LENGTH.get(w.engine, 3072)
        for key in w.keys:
            if not key.parts:
                raise OfflineError("syntax error: empty key")
            seen = set()
            total = 0
            new_parts = []
            for part in key.parts:
                col = w.col(part.name)
                if col is None:
                    raise OfflineError(f"Key column '{part.name}' doesn't exist in table")
                if col.name.lower() in seen:
                    raise OfflineError(f"Duplicate column name '{col.name}'")
                seen.add(col.name.lower())
                part = IndexColumn(col.name, part.length, part.descending)
                kind = type_kind(col.type.name)
                is_lob = col.type.name in TEXT_TYPES or col.type.name in BLOB_TYPES
                if col.compressed:
                    raise OfflineError(f"Compressed column '{col.name}' can't be used in key "
                                       f"specification")
                if col.generated is not None and not col.generated_stored and \
                        pad_sensitive(parse_expression(col.generated), w):
                    raise vcol_error(col.generated, col.name)
                if key.kind == "fulltext":
                    if kind != "string" or part.length is not None:
                        raise OfflineError("Incorrect prefix key; the used key part isn't a string, "
                                           "the used length is longer than the key part, or the "
                                           "storage engine doesn't support unique prefix keys"
                                           if part.length is not None else
                                           f"Column '{col.name}' cannot be part of FULLTEXT index")
                    new_parts.append(part)
                    continue
                if key.kind == "spatial":
                    raise OfflineError("SPATIAL indexes are not supported offline")
                if col.type.name in P_SPATIAL_OR_PLUGIN and col.type.name not in ("uuid", "inet4", "inet6"):
                    raise OfflineError("indexes on geometry columns are not supported offline")
                mb = charset_maxlen(col.charset) if col.charset and col.charset != "binary" else 1
                if part.length is not None:
                    if kind not in ("string", "binary") or part.length == 0:
                        raise OfflineError("Incorrect prefix key; the used key part isn't a string, "
                                           "the used length is longer than the key part, or the "
                                           "storage engine doesn't support unique prefix keys")
                    if not is_lob and part.length > (col.type.length or 0):
                        raise OfflineError("Incorrect prefix key; the used key part isn't a string, "
                                           "the used length is longer than the key part, or the "
                                           "storage engine doesn't support unique prefix keys")
                    if not is_lob and part.length == col.type.length:
                        part = IndexColumn(col.name, None, part.descending)
                    elif is_lob:
                        limit = {"tinytext": 255, "tinyblob": 255, "text": 65535,
                                 "blob": 65535}.get(col.type.name, 2 ** 32)
                        assert part.length is not None, "inside the prefix-length branch"
                        if part.length * mb > limit:
                            raise OfflineError("Incorrect prefix key; the used key part isn't a "
                                               "string, the used length is longer than the key "
                                               "part, or the storage engine doesn't support "
                                               "unique prefix keys")
                elif is_lob:
                    # the server picks a prefix (or a long unique HASH key) itself
                    raise OfflineError(f"an index on BLOB/TEXT column '{col.name}' without a "
                                       f"prefix length is not supported offline")
                if col.generated is not None and key.kind == "primary" and not col.generated_stored:
                    raise OfflineError("Primary key cannot be defined upon a generated column")
                if col.generated is not None and not col.generated_stored and w.engine == "Aria":
                    raise OfflineError("Key/Index cannot be defined on a virtual generated column")
                if col.generated is not None and not col.generated_stored and \
                        pad_sensitive(parse_expression(col.generated), w):
                    raise vcol_error(col.generated, col.name)
                hash_key = key.using == "HASH" or (key.using is None and w.engine == "MEMORY"
                                                   and key.kind != "fulltext")
                if hash_key and part.descending:
                    part = IndexColumn(part.name, part.length, False)
                total += _key_part_bytes(col, part.length, mb)
                new_parts.append(part)
            if key.kind == "unique" and key.using == "HASH" and w.engine in ("InnoDB", "MyISAM"):
                # kept as a "long unique" hash of the columns (a hidden generated column)
                for part in new_parts:
                    col = w.col(part.name)
                    if col is not None and col.auto_increment:
                        raise OfflineError(f"Function or expression 'AUTO_INCREMENT' cannot be "
                                           f"used in the USING HASH clause of `{col.name}`")
            if w.engine == "InnoDB" and w.row_format in ("COMPACT", "REDUNDANT") \
                    and key.kind != "fulltext":
                for part in new_parts:
                    col = w.col(part.name)
                    assert col is not None, f"the key's column {part.name} is checked above"
                    mb = charset_maxlen(col.charset) if col.charset and col.charset != "binary" else 1
                    if _key_part_bytes(col, part.length, mb) > 767:
                        raise OfflineError("Index column size too large. The maximum column size "
                                           "is 767 bytes")
            if w.engine == "Aria" and key.kind == "unique" and key.using == "HASH":
                # Aria refuses UNIQUE ... USING HASH this way, whatever the key length
                raise OfflineError(f"Specified key was too long; max key length is {maxlen} bytes")
            if key.kind != "fulltext" and total > maxlen:
                # the server shortens a plain index, makes a UNIQUE one a long unique HASH
                raise OfflineError(f"an index longer than {maxlen} bytes is not supported offline")
            if key.kind == "fulltext" and w.engine == "MEMORY":
                raise OfflineError("The used table type doesn't support FULLTEXT indexes")
            if key.kind == "fulltext" and key.using is not None:
                raise OfflineError("FULLTEXT ... USING is not supported offline")
            key.parts = new_parts

    def check_auto_increment(self, w: Work) -> None:
        autos = [c for c in w.columns if c.auto_increment]
        if len(autos) > 1:
            raise OfflineError("Incorrect table definition; there can be only one auto column and "
                               "it must be defined as a key")
        if autos:
            name = autos[0].name.lower()
            ok = any(k.parts and k.parts[0].name.lower() == name and k.kind != "fulltext"
                     for k in w.keys)
            if w.engine in ("MyISAM", "Aria"):
                ok = ok or any(name in (p.name.lower() for p in k.parts) for k in w.keys
                               if k.kind != "fulltext")
            if not ok:
                raise OfflineError("Incorrect table definition; there can be only one auto column "
                                   "and it must be defined as a key")

    def add_checks(self, w: Work, checks: list[P.CheckSpec], creating: bool) -> None:
        names = [c.name for c in w.checks]
        column_check_names = {c.name.lower() for c in w.columns if c.check is not None}
        pending: list[tuple[str | None, P.CheckSpec]] = []
        for ch in checks:
            if ch.name is not None:
                ident(ch.name, "constraint")
                if ch.if_not_exists and any(n.lower() == ch.name.lower() for n in names):
                    continue
                if any(n.lower() == ch.name.lower() for n in names) \
                        or ch.name.lower() in column_check_names:
                    raise OfflineError(f"Duplicate CHECK constraint name '{ch.name}'")
                names.append(ch.name)
            pending.append((ch.name, ch))
        nr = 1
        for name, ch in pending:
            if name is None:
                while True:
                    cand = f"CONSTRAINT_{nr}"
                    nr += 1
                    if not any(n.lower() == cand.lower() for n in names):
                        break
                name = cand
                names.append(name)
            ctx = ExprContext(self.column_names(w), "CHECK", self.session_charset(), owner=name,
                              year_columns=year_columns(w))
            clause = print_expression(ch.expr, ctx)
            w.checks.append(Check(name, clause))

    # ---- foreign keys

    def add_foreign_keys(self, w: Work, new_fks: list[tuple[P.ForeignKeySpec, WorkKey | None]],
                         creating: bool) -> None:
        if not new_fks:
            self.check_fk_indexes(w)
            return
        innodb = w.engine == "InnoDB"
        if not innodb:
            # other engines parse FOREIGN KEY and ignore it (the index stays); the SQL
            # layer still checks the columns its actions would write
            w.ignored_fks = [  # type: ignore[attr-defined]  # a mark for this statement (getattr), not a field
                (tuple(spec.columns), spec.on_delete or REF_ACTION_DEFAULT, spec.on_update or REF_ACTION_DEFAULT)
                for spec, _ in new_fks]
            return
        existing_names = {fk.name.lower() for t in self.state.tables.values()
                          if t.name != w.name for fk in t.foreign_keys}
        own = [fk.name.lower() for fk in w.fks]
        prefix = f"{w.name}_ibfk_"
        if creating:
            counter = 0
        else:
            counter = 0
            for fk in w.fks:
                if fk.name.lower().startswith(prefix.lower()):
                    tail = fk.name[len(prefix):]
                    if tail.isdigit():
                        counter = max(counter, int(tail))
        for spec, _ in new_fks:
            if spec.constraint is not None:
                name = spec.constraint
            elif spec.index_name is not None:
                name = spec.index_name
            else:
                counter += 1
                name = f"{prefix}{counter}"
            if spec.if_not_exists and name.lower() in own:
                continue
            ident(name, "constraint")
            if name.lower() in own or name.lower() in existing_names:
                if creating:
                    raise OfflineError(f"Can't create table `{w.name}` (errno: 121 \"Duplicate key "
                                       f"on write or update\")")
                raise OfflineError(f"Duplicate FOREIGN KEY constraint name '{name}'")
            own.append(name.lower())
            fk = self.make_fk(w, spec, name)
            w.fks.append(fk)
        self.check_fk_indexes(w)

    def make_fk(self, w: Work, spec: P.ForeignKeySpec, name: str) -> ForeignKey:
        cols = []
        for c in spec.columns:
            col = w.col(c)
            if col is None:
                raise OfflineError(f"Key column '{c}' doesn't exist in table")
            cols.append(col)
        ref_name = spec.ref_table
        checks = self.session.foreign_key_checks
        if ref_name == w.name:
            ref: Work | None = w
        elif ref_name in self.state.tables:
            ref = work_of(self.state.tables[ref_name], self.state)
        else:
            ref = None
        ref_cols_names = list(spec.ref_columns)
        if len(ref_cols_names) != len(cols):
            raise OfflineError(f"Incorrect foreign key definition for '{name}': Key reference and "
                               f"table reference don't match")
        ref_cols: list[Column | None] = []
        if ref is None:
            if checks:
                raise _fk_error(w.name)
            ref_cols = [None] * len(cols)
        else:
            if ref.engine != "InnoDB":
                raise _fk_error(w.name)
            for rc in ref_cols_names:
                col = ref.col(rc)
                if col is None and checks:
                    raise _fk_error(w.name)
                ref_cols.append(col)
        for col, rcol in zip(cols, ref_cols, strict=True):
            if col.generated is not None:
                raise OfflineError("foreign keys on generated columns are not supported offline")
            if rcol is not None and not _fk_types_compatible(col, rcol):
                raise _fk_error(w.name)
        on_delete = _ref_action(spec.on_delete, self.inplace_fk)
        on_update = _ref_action(spec.on_update, self.inplace_fk)
        if "SET NULL" in (on_delete, on_update):
            for col in cols:
                if not col.nullable:
                    raise OfflineError(f"Column '{col.name}' cannot be NOT NULL: needed in a "
                                       f"foreign key constraint '{name}' SET NULL")
        strict = any(m in self.session.sql_mode.upper().split(",")
                     for m in ("STRICT_TRANS_TABLES", "STRICT_ALL_TABLES"))
        if on_update == "CASCADE" and strict and any(rc is not None and rc.nullable and not col.nullable
                                                     for col, rc in zip(cols, ref_cols, strict=True)):
            # a NULL cascading into a NOT NULL column: refused in a strict sql_mode only
            raise _fk_error(w.name)
        if ref is not None and checks and all(rc is not None for rc in ref_cols) \
                and not _has_index_for(ref, [rc.name for rc in ref_cols if rc is not None]):
            raise _fk_error(w.name)
        final_ref_cols = tuple((rc.name if rc is not None else n)
                               for rc, n in zip(ref_cols, ref_cols_names, strict=True))
        return ForeignKey(name, tuple(c.name for c in cols), ref_name if ref is None else ref.name,
                          final_ref_cols, on_delete, on_update)

    def check_fk_indexes(self, w: Work, dropped_index: str | None = None) -> None:
        """InnoDB needs an index starting with each foreign key's columns (with
        foreign_key_checks=0 it lets an ALTER drop it)."""
        if w.engine != "InnoDB":
            return
        if dropped_index is not None and not self.session.foreign_key_checks:
            return
        for fk in w.fks:
            if not _has_index_for(w, list(fk.columns)):
                if dropped_index is not None:
                    raise OfflineError(f"Cannot drop index '{dropped_index}': needed in a foreign "
                                       f"key constraint")
                raise _fk_error(w.name)
        if self.session.foreign_key_checks:
            for other in self.state.tables.values():
                if other.name == w.name:
                    continue
                for fk in other.foreign_keys:
                    if fk.ref_table != w.name:
                        continue
                    if not _has_index_for(w, list(fk.ref_columns)):
                        if dropped_index is not None:
                            raise OfflineError(f"Cannot drop index '{dropped_index}': needed in a "
                                               f"foreign key constraint")
                        raise _fk_error(w.name)
            for fk in w.fks:
                if fk.ref_table == w.name and not _has_index_for(w, list(fk.ref_columns)):
                    if dropped_index is not None:
                        raise OfflineError(f"Cannot drop index '{dropped_index}': needed in a "
                                           f"foreign key constraint")
                    raise _fk_error(w.name)

    # ---- the checks of a finished definition

    @staticmethod
    def check_invisible(w: Work) -> None:
        for c in w.columns:
            if c.invisible and not c.nullable and c.default is None and c.generated is None \
                    and not c.auto_increment:
                raise OfflineError(f"Invisible column `{c.name}` must have a default value")
        if not any(not c.invisible for c in w.columns):
            raise OfflineError("A table must have at least one visible column")

    @staticmethod
    def check_auto_increment_refs(w: Work) -> None:
        """CHECK constraints and DEFAULT expressions may not read the AUTO_INCREMENT column."""
        autos = {c.name.lower(): c.name for c in w.columns if c.auto_increment}
        if not autos:
            return
        texts = [(c.clause, "CHECK") for c in w.checks]
        texts += [(c.check, "CHECK") for c in w.columns if c.check is not None]
        texts += [(c.default, "DEFAULT") for c in w.columns
                  if c.default is not None and "`" in c.default]
        for text, clause in texts:
            for ref in referenced_columns(text):
                if ref in autos:
                    raise OfflineError(f"Function or expression 'AUTO_INCREMENT' cannot be used in "
                                       f"the {clause} clause of `{autos[ref]}`")

    @staticmethod
    def check_cascade_refs(w: Work) -> None:
        """Columns a foreign key action writes (ON UPDATE CASCADE, ON UPDATE SET NULL,
        ON DELETE SET NULL) may not be read by a CHECK constraint or a STORED generated
        column (VIRTUAL ones, even indexed, are fine)."""
        fks = [(fk.columns, fk.on_delete, fk.on_update) for fk in w.fks]
        fks += getattr(w, "ignored_fks", [])
        changed = {c.lower() for cols, on_delete, on_update in fks
                   if on_update in ("CASCADE", "SET NULL") or on_delete == "SET NULL"
                   for c in cols}
        if not changed:
            return
        names = {c.name.lower(): c.name for c in w.columns}

        def fail(refs: set[str], clause: str, owner: str) -> None:
            hit = sorted(refs & changed)
            if hit:
                raise OfflineError(f"Function or expression '{names.get(hit[0], hit[0])}' cannot be "
                                   f"used in the {clause} clause of `{owner}`")

        for c in w.columns:
            if c.check is not None:
                fail(referenced_columns(c.check), "CHECK", c.name)
            if c.generated is not None and c.generated_stored:
                fail(referenced_columns(c.generated), "GENERATED ALWAYS AS", c.name)
        for ch in w.checks:
            fail(referenced_columns(ch.clause), "CHECK", ch.name)


def _unique_key_name(base: str, earlier: list[WorkKey]) -> str:
    names = {k.name.lower() for k in earlier}
    if base.lower() not in names and base.lower() != "primary":
        return base
    stem = base[:61]
    for i in range(2, 100):
        cand = f"{stem}_{i}"
        if cand.lower() not in names:
            return cand
    return "not_specified"


def _foreign_key_prefix(a: WorkKey, b: WorkKey) -> bool:
    """sql_table.cc foreign_key_prefix(): False when a generated key is a prefix of the
    other key (so one of them is not needed), True otherwise.  Read off the server: an
    index declared USING HASH never stands in for a foreign key's index."""
    if (not a.generated and a.using == "HASH") or (not b.generated and b.using == "HASH"):
        return True
    if a.generated:
        if b.generated and len(a.parts) > len(b.parts):
            a, b = b, a
    else:
        if not b.generated:
            return True
        a, b = b, a
    if len(a.parts) > len(b.parts):
        return True
    for p1, p2 in zip(a.parts, b.parts, strict=False):
        if p1.name.lower() != p2.name.lower() or (p1.length or 0) != (p2.length or 0):
            return True
    return False


def _has_index_for(w: Work, columns: list[str]) -> bool:
    cols = [c.lower() for c in columns]
    for k in w.keys:
        if k.dropped or k.kind in ("fulltext", "spatial"):
            continue
        names = [p.name.lower() for p in k.parts]
        if len(names) >= len(cols) and names[:len(cols)] == cols and all(
                p.length is None for p in k.parts[:len(cols)]):
            return True
    return False


def _fk_types_compatible(a: Column, b: Column) -> bool:
    ta, tb = a.type, b.type
    ka, kb = type_kind(ta.name), type_kind(tb.name)
    if ka == "int" and kb == "int":
        return ta.name == tb.name and ta.unsigned == tb.unsigned
    if ka == "string" and kb == "string":
        if ta.name in TEXT_TYPES or tb.name in TEXT_TYPES:
            return False
        return a.collation == b.collation
    if ka == "binary" and kb == "binary":
        return ta.name in ("binary", "varbinary") and tb.name in ("binary", "varbinary")
    if ka == "decimal" and kb == "decimal":
        return (ta.length, ta.scale, ta.unsigned) == (tb.length, tb.scale, tb.unsigned)
    if ka == kb and ka in ("date", "datetime", "timestamp", "time", "year", "float"):
        return ta.name == tb.name and ta.unsigned == tb.unsigned
    return False


def _ref_action(written: str | None, inplace: bool) -> str:
    """The ON DELETE/ON UPDATE rule InnoDB stores.  Not written: RESTRICT.  The copying
    path (CREATE TABLE, copying ALTER) reads SET DEFAULT as RESTRICT; the in-place path
    (ALTER with foreign_key_checks=0) stores RESTRICT, NO ACTION and SET DEFAULT as
    NO ACTION."""
    if written is None:
        return REF_ACTION_DEFAULT
    if inplace and written in ("RESTRICT", "NO ACTION", "SET DEFAULT"):
        return "NO ACTION"
    if written == "SET DEFAULT":
        return "RESTRICT"
    return written


def _fk_error(table: str) -> OfflineError:
    return OfflineError(f"Can't create table `{table}` (errno: 150 \"{FK_INCORRECT}\")")


def _key_part_bytes(col: Column, length: int | None, mb: int) -> int:
    t = col.type
    kind = type_kind(t.name)
    if length is not None:
        return length * (mb if kind == "string" else 1)
    if kind == "string" or t.name in ("binary", "varbinary"):
        return (t.length or 0) * (mb if kind == "string" else 1)
    if kind == "enum" or kind == "set":
        return 8
    return {**INTEGER_BYTES, "float": 4, "double": 8, "date": 3, "time": 6, "datetime": 8,
            "timestamp": 7, "year": 1, "bit": 8, "decimal": 32}.get(t.name, 16)
