"""How InnoDB would run an ALTER TABLE (in place, instantly or by copying the table), as
far as the outcome depends on it: ALGORITHM= and LOCK= clauses, foreign keys stored by an
in-place ADD FOREIGN KEY, renames of foreign key columns.
"""

from __future__ import annotations

from typing import Any

from ..model.objects import Table
from . import ddl_objects as P
from .options import ENGINES
from .state import OfflineError, Session, State, charset_maxlen
from .types import resolve_type


def alter_is_inplace(actions: list[Any], old: Table, sql_mode: str) -> bool:
    """Whether InnoDB runs this ALTER TABLE in place (as far as foreign keys care).

    Read off the server: ADD CHECK, DROP PRIMARY KEY without a new one, CONVERT TO,
    ENGINE= another engine, ALGORITHM=COPY and column type changes (other than growing a
    VARCHAR within its length-byte class) make it copy the table."""
    adds_pk = any(isinstance(a, P.AddKey) and a.key.kind == "primary" for a in actions)
    for a in actions:
        if isinstance(a, P.AddCheck):
            return False
        if isinstance(a, P.ConvertCharset) and any(c.charset not in (None, "binary") for c in old.columns):
            return False
        if isinstance(a, P.DropPrimaryKey) and not adds_pk:
            return False
        if isinstance(a, P.NoOp) and a.what == "ALGORITHM=COPY":
            return False
        if isinstance(a, P.TableOption) and a.key == "ENGINE" \
                and ENGINES.get(str(a.value).lower()) != (old.engine or "InnoDB"):
            return False
        if isinstance(a, P.ChangeColumn):
            prev = next((c for c in old.columns if c.name.lower() == a.old.lower()), None)
            if prev is None:
                continue
            try:
                rt = resolve_type(a.column.type, a.column.name, old.charset or "",
                                  old.collation or "", sql_mode)
            except OfflineError:
                return False
            if rt.type == prev.type and (rt.collation or None) == (prev.collation or None):
                continue
            if (rt.type.name == prev.type.name == "varchar" and rt.collation == prev.collation
                    and (rt.type.length or 0) >= (prev.type.length or 0)):
                mb = charset_maxlen(prev.charset) if prev.charset else 1
                if ((prev.type.length or 0) * mb > 255) == ((rt.type.length or 0) * mb > 255):
                    continue
            return False
    return True


def check_algorithm(st: P.AlterTable, actions: list[Any], old: Table, session: Session) -> None:
    """ALGORITHM= and LOCK= clauses.  COPY, SHARED, EXCLUSIVE and DEFAULT never fail.
    INSTANT and INPLACE are judged for the operations whose outcome was read off the
    server (see _instant_verdict/_inplace_verdict); anything else, and LOCK=NONE or
    ALTER ONLINE, depends on details not modelled and is refused offline."""
    hints = [a.what for a in actions if isinstance(a, P.NoOp) and "=" in a.what]
    algorithm, lock = "DEFAULT", "DEFAULT"
    for hint in hints:
        key, _, value = hint.partition("=")
        if key == "ALGORITHM":
            algorithm = value
        elif key == "LOCK":
            lock = value
    if lock not in ("DEFAULT", "SHARED", "EXCLUSIVE"):
        raise OfflineError(f"LOCK={lock} is not supported offline")
    if st.online:
        raise OfflineError("ALTER ONLINE TABLE is not supported offline")
    if algorithm in ("DEFAULT", "COPY"):
        return
    if (old.engine or "InnoDB") != "InnoDB":
        raise OfflineError(f"ALGORITHM={algorithm} on a {old.engine} table is not "
                           f"supported offline")
    real = [a for a in actions if not isinstance(a, P.NoOp)]
    if algorithm == "INSTANT":
        verdict = _instant_verdict(real, old, session.sql_mode)
    elif algorithm in ("INPLACE", "NOCOPY"):
        verdict = _inplace_verdict(real, old, session)
    else:
        raise OfflineError(f"syntax error: ALGORITHM={algorithm}")
    if verdict is None:
        raise OfflineError(f"ALGORITHM={algorithm} for this ALTER TABLE is not supported "
                           f"offline")
    if verdict is not True:
        raise OfflineError(verdict)


def check_fk_column_rename(state: State, old: Table, actions: list[Any], inplace: bool) -> None:
    """InnoDB renames foreign key columns only in place: with a copying ALTER the
    server refuses."""
    if inplace or (old.engine or "InnoDB") != "InnoDB":
        return
    fk_cols = {c.lower() for fk in old.foreign_keys for c in fk.columns}
    for t in state.tables.values():
        for fk in t.foreign_keys:
            if fk.ref_table == old.name:
                fk_cols |= {c.lower() for c in fk.ref_columns}
    for a in actions:
        if isinstance(a, P.ChangeColumn):
            before, after = a.old, a.column.name
        elif isinstance(a, P.RenameColumn):
            before, after = a.old, a.new
        else:
            continue
        if before.lower() != after.lower() and before.lower() in fk_cols:
            raise OfflineError("ALGORITHM=COPY is not supported. Reason: Columns "
                               "participating in a foreign key are renamed. Try "
                               "ALGORITHM=INPLACE")


def _simple_added_column(a: Any) -> bool:
    if not isinstance(a, P.AddColumn):
        return False
    c = a.column
    return (not c.auto_increment and not c.key
            and not c.unique_key and c.references is None and c.type.name != "serial"
            and not (c.generated is not None and c.stored))


def _instant_verdict(actions: list[Any], old: Table, sql_mode: str) -> bool | str | None:
    """Can InnoDB do this ALTER with ALGORITHM=INSTANT?  True, an error message, or None
    when unknown.  Read off the server: adding columns anywhere (not STORED, not
    AUTO_INCREMENT, no index), renaming columns, changing defaults and comments are
    instant, unless the table has a FULLTEXT index; adding an index or changing a type
    is not."""
    has_fulltext = any(i.kind == "fulltext" for i in old.indexes)
    for a in actions:
        if isinstance(a, (P.AddKey, P.AddForeignKey)):
            return "ALGORITHM=INSTANT is not supported. Reason: ADD INDEX. Try ALGORITHM=NOCOPY"
        if isinstance(a, P.AddColumn) and not _simple_added_column(a):
            return "ALGORITHM=INSTANT is not supported for this operation. Try ALGORITHM=COPY"
        if isinstance(a, P.ChangeColumn):
            prev = next((c for c in old.columns if c.name.lower() == a.old.lower()), None)
            if prev is None:
                return None
            try:
                rt = resolve_type(a.column.type, a.column.name, old.charset or "",
                                  old.collation or "", sql_mode)
            except OfflineError:
                return None
            if rt.type != prev.type or (rt.collation or None) != (prev.collation or None):
                return ("ALGORITHM=INSTANT is not supported. Reason: Cannot change column type. "
                        "Try ALGORITHM=COPY")
            return None
    for a in actions:
        if not (_simple_added_column(a) or isinstance(a, (P.RenameColumn, P.AlterColumnDefault))
                or (isinstance(a, P.TableOption) and a.key == "COMMENT")):
            return None
    if has_fulltext and any(isinstance(a, P.AddColumn) for a in actions):
        return "ALGORITHM=INSTANT is not supported for this operation. Try ALGORITHM=INPLACE"
    return True


def _inplace_verdict(actions: list[Any], old: Table, session: Session) -> bool | str | None:
    """Can InnoDB do this ALTER in place?  Read off the server: adding foreign keys needs
    foreign_key_checks=OFF; adding columns and plain indexes, dropping indexes and foreign
    keys, renames and default/comment changes are in place."""
    for a in actions:
        if isinstance(a, P.AddForeignKey) and session.foreign_key_checks:
            return ("ALGORITHM=INPLACE is not supported. Reason: Adding foreign keys needs "
                    "foreign_key_checks=OFF. Try ALGORITHM=COPY")
    for a in actions:
        ok = (_simple_added_column(a) or isinstance(a, (
            P.AddForeignKey, P.DropKey, P.DropForeignKey, P.RenameColumn, P.RenameKey,
            P.AlterColumnDefault)) or (isinstance(a, P.AddKey) and a.key.kind in (
                "index", "unique")) or (isinstance(a, P.TableOption) and a.key == "COMMENT"))
        if not ok:
            return None
    return True
