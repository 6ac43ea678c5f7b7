"""Table options (ENGINE, ROW_FORMAT, COMMENT, CHECKSUM ...) as SHOW CREATE TABLE shows them.

Aria always shows PAGE_CHECKSUM (1 unless given), TRANSACTIONAL only when given; an
ALTER TABLE of an Aria table writes its PAGE_CHECKSUM out (kept when the engine changes,
even with PAGE_CHECKSUM=DEFAULT), one of another table (and CREATE TABLE ... LIKE)
forgets it unless stated again.  An Aria row format the server would show differently
(it shows the one it uses) is refused.
"""

from __future__ import annotations

from typing import Any

from ..flavour import ENGINES_WRITING_PAGE_CHECKSUM
from .columns import P_SPATIAL_OR_PLUGIN
from .state import OfflineError, charset_alias, collation_alias
from ..dialect.types import BLOB_TYPES, TEXT_TYPES
from .work import Work

ENGINES = {  # lower-case name or alias -> the server's spelling
    "innodb": "InnoDB", "myisam": "MyISAM", "aria": "Aria", "memory": "MEMORY",
    "heap": "MEMORY", "csv": "CSV", "mrg_myisam": "MRG_MyISAM", "merge": "MRG_MyISAM",
}
SUPPORTED_ENGINES = {"InnoDB", "MyISAM", "Aria", "MEMORY"}
ROW_FORMATS = {
    "InnoDB": {"REDUNDANT", "COMPACT", "DYNAMIC", "COMPRESSED"},
    "MyISAM": {"FIXED", "DYNAMIC", "COMPACT", "COMPRESSED", "REDUNDANT"},
    "Aria": {"PAGE", "FIXED", "DYNAMIC", "COMPACT"},
    "MEMORY": {"FIXED", "DYNAMIC"},
}
# value normalisers
NUMERIC_OPTIONS = ("MIN_ROWS", "MAX_ROWS", "AVG_ROW_LENGTH")
TRISTATE_OPTIONS = ("PACK_KEYS", "STATS_PERSISTENT", "STATS_AUTO_RECALC", "PAGE_CHECKSUM",
                    "TRANSACTIONAL")
BOOL_OPTIONS = ("CHECKSUM", "TABLE_CHECKSUM", "DELAY_KEY_WRITE")
TABLE_COMMENT_MAX = 2048
_GEOMETRY_TYPES = P_SPATIAL_OR_PLUGIN - {"uuid", "inet4", "inet6"}


def table_defaults(options: list[tuple[str, Any]],
                   base: tuple[str, str] | None = None) -> tuple[str | None, str | None]:
    no_conflict([("CHARACTER SET", v) for k, v in options if k == "CHARSET"])
    no_conflict([("COLLATE", v) for k, v in options if k == "COLLATE"])
    cs = coll = None
    for key, value in options:
        if key == "CHARSET":
            cs = value
        elif key == "COLLATE":
            coll = value
    return cs, coll


def apply_table_options(  # noqa: C901 - one branch per table option, as the server applies them
        w: Work, options: list[tuple[str, Any]], *, creating: bool) -> int | None:
    """Apply the options to ``w``; return the AUTO_INCREMENT value written, if any."""
    auto_increment: int | None = None
    old_engine, old_page_checksum = w.engine, w.options.get("PAGE_CHECKSUM")
    for key, value in options:
        if key in ("CHARSET", "COLLATE"):
            continue  # resolved by the caller
        if key == "ENGINE":
            engine = ENGINES.get(str(value).lower())
            if engine is None:
                raise OfflineError(f"Unknown storage engine '{value}'")
            if engine not in SUPPORTED_ENGINES:
                raise OfflineError(f"ENGINE={engine} is not supported offline")
            if not creating and engine != w.engine:
                if w.engine == "MEMORY" and any(k.using is None for k in w.keys):
                    # MEMORY keeps a DESC it does not show on its HASH indexes
                    raise OfflineError("changing the engine of a MEMORY table with "
                                       "indexes is not supported offline")
                if w.fks and engine != "InnoDB":
                    raise OfflineError("Cannot delete or update a parent row: a foreign key "
                                       "constraint fails")
            w.engine = engine
        elif key == "COMMENT":
            if len(value) > TABLE_COMMENT_MAX:
                raise OfflineError(f"Comment for table '{w.name}' is too long "
                                   f"(max = {TABLE_COMMENT_MAX})")
            w.comment = value
        elif key == "AUTO_INCREMENT":
            kind, text = value if isinstance(value, tuple) else ("num", str(value))
            if kind == "num" and str(text).isdigit():
                auto_increment = int(text)
            continue
        elif key == "ROW_FORMAT":
            text = str(value[1]).upper()
            w.row_format = None if text == "DEFAULT" else text
        elif key in NUMERIC_OPTIONS or key in ("STATS_SAMPLE_PAGES", "KEY_BLOCK_SIZE"):
            kind, text = value
            if kind == "word" and text.upper() == "DEFAULT":
                w.options.pop(key, None)
                continue
            if kind != "num":
                raise OfflineError(f"syntax error: {key}={text}")
            n = int(text)
            if n == 0:
                w.options.pop(key, None)
            else:
                w.options[key] = str(n)
        elif key in TRISTATE_OPTIONS or key in BOOL_OPTIONS:
            kind, text = value
            name = "CHECKSUM" if key == "TABLE_CHECKSUM" else key
            if kind == "word" and text.upper() == "DEFAULT" and key in TRISTATE_OPTIONS:
                w.options.pop(name, None)
                continue
            if kind != "num" or text not in ("0", "1"):
                raise OfflineError(f"syntax error: {key}={text}")
            if name in BOOL_OPTIONS and text == "0":
                w.options.pop(name, None)
            else:
                w.options[name] = text
        elif key in ("STORAGE", "TABLESPACE"):
            continue
        else:
            raise OfflineError(f"table option {key} is not supported offline")
    if w.row_format is not None and w.row_format not in ROW_FORMATS.get(w.engine, set()):
        raise OfflineError(f"ROW_FORMAT={w.row_format} for a {w.engine} table is not "
                           f"supported offline")
    if w.engine == "InnoDB" and "KEY_BLOCK_SIZE" in w.options and w.row_format not in (
            None, "COMPRESSED"):
        raise OfflineError(f"Can't create table `{w.name}` (errno: 140 \"Wrong create options\")")
    if not creating and old_engine in ENGINES_WRITING_PAGE_CHECKSUM \
            and "PAGE_CHECKSUM" not in w.options:
        # Aria's ALTER TABLE writes out the page checksum the statement leaves unset
        w.options["PAGE_CHECKSUM"] = old_page_checksum or "1"
    if w.engine == "Aria":
        # shown always: the server's default (aria_page_checksum) when not given
        w.options.setdefault("PAGE_CHECKSUM", "1")
    if "TRANSACTIONAL" in w.options and w.engine not in ("Aria", "InnoDB"):
        # refused by CREATE TABLE, shown as a comment after an ALTER TABLE
        raise OfflineError(f"TRANSACTIONAL for a {w.engine} table is not supported offline")
    return auto_increment


def check_engine(w: Work) -> None:
    if w.engine == "MEMORY":
        for c in w.columns:
            if c.type.name in TEXT_TYPES or c.type.name in BLOB_TYPES:
                raise OfflineError("Storage engine MEMORY doesn't support BLOB/TEXT columns")
    if w.engine == "MEMORY" and any(c.generated is not None for c in w.columns):
        raise OfflineError("MEMORY storage engine does not support generated columns")
    # Aria shows the row format it uses, which is not always the one written (and
    # kept for a later change of engine): PAGE for TRANSACTIONAL=1, for COMPACT,
    # REDUNDANT and COMPRESSED, and for FIXED with BLOB/TEXT columns
    if w.engine == "Aria" and w.row_format not in (None, "PAGE") and (
            w.row_format not in ("FIXED", "DYNAMIC") or w.options.get("TRANSACTIONAL") == "1"
            or (w.row_format == "FIXED" and any(
                c.type.name in TEXT_TYPES or c.type.name in BLOB_TYPES
                or c.type.name in _GEOMETRY_TYPES for c in w.columns))):
        raise OfflineError(f"ROW_FORMAT={w.row_format} of this Aria table is not "
                           f"supported offline (the server shows another)")


def no_conflict(specs: list[tuple[str, str]]) -> None:
    """Two different CHARACTER SET (or COLLATE) clauses in one statement are an error."""
    seen: str | None = None
    for word, value in specs:
        norm = charset_alias(value) if word == "CHARACTER SET" else collation_alias(value)
        if seen is not None and norm != seen:
            raise OfflineError(f"Conflicting declarations: '{word} {seen}' and '{word} {norm}'")
        seen = norm


def rebuild_effects(w: Work) -> None:
    """What rewriting an existing definition (ALTER TABLE, CREATE TABLE ... LIKE) changes:
    Aria writes its page checksum out explicitly, other engines forget theirs (unless the
    statement states it again), and USING HASH is forgotten on UNIQUE keys (not on MEMORY
    tables, where HASH is native)."""
    if w.engine in ENGINES_WRITING_PAGE_CHECKSUM:
        w.options.setdefault("PAGE_CHECKSUM", "1")
    else:
        w.options.pop("PAGE_CHECKSUM", None)
    if w.engine != "MEMORY":
        for k in w.keys:
            if k.kind in ("primary", "unique") and k.using == "HASH":
                k.using = None
                w.was_hash.add(id(k))
