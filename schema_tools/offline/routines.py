"""Offline DDL for stored programs and views: procedures, functions, triggers, events, views.

:func:`apply_routine_ddl` applies one statement to the :class:`~.state.State` the way a
MariaDB 10.11 server would, so that the offline model equals what live introspection
(:mod:`schema_tools.sources.introspect`) reads back after loading the same script.  It
reads the statement's head (:mod:`.statements`) and hands the rest to the statement's
module: procedures and functions are read here, triggers in :mod:`.triggers`, events in
:mod:`.events`, views in :mod:`.views`.

Parameter and RETURNS types (:func:`parse_type`) are spelled as
``information_schema.PARAMETERS`` reports them (``integer`` is ``int(11)``, ``decimal`` is
``decimal(10,0)``, ``json`` is ``longtext CHARSET utf8mb4 COLLATE utf8mb4_bin``...), string
types followed by `` CHARSET x COLLATE y`` where the default is the *database* default (not
the connection's).

Anything that cannot be reproduced exactly raises :class:`OfflineError` with one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Literal, overload

from ..dialect.types import (
    BIT_MAX_LENGTH, BLOB_TYPES, CHAR_MAX_LENGTH, DECIMAL_MAX_PRECISION, DECIMAL_MAX_SCALE,
    DECIMAL_TYPES, DISPLAY_WIDTH, FLOAT_MAX_PRECISION, FLOAT_MAX_SCALE,
    FLOAT_SINGLE_MAX_PRECISION, INTEGER_TYPES, MAX_DISPLAY_WIDTH, MAX_FSP, PLUGIN_TYPES,
    SPATIAL_TYPES, TEMPORAL_FSP, TEXT_TO_BLOB, TEXT_TYPES, VARCHAR_MAX_BYTES, charset_data,
    sized_lob,
)
from ..model.objects import Parameter, Routine
from .dump_views import match_dump_form
from .events import alter_event, create_event, drop_event
from ..dialect.lexer import WHITESPACE, Cursor, Modes, server_preprocess
from .state import (
    OfflineError, Session, State, charset_alias, charset_maxlen,
    collation_alias, default_collation,
)
from .statements import (
    Head, accept_if_exists, accept_if_not_exists, definer_of, end_statement, read_head,
    session_fields, take_body,
)
from .triggers import create_trigger, drop_trigger
from .views import create_view, drop_view

__all__ = ["apply_routine_ddl", "parse_type"]


# =======================================================================================
# Entry point


def apply_routine_ddl(sql: str, session: Session, state: State, *, raw: str | None = None) -> bool:
    """Apply a view/routine/trigger/event statement; False if ``sql`` is none of those.

    ``sql`` is the statement after the client's comment stripping and the reader's
    expansion of executable comments.  ``raw``, when given, is the same statement before
    that expansion (what the client sends): stored bodies are then cut from the server's
    own pre-processing of it, exact even when an executable comment touches a token
    inside a body (``1/*!50003 +1*/``), which the reader's expansion pads with a space.
    """
    try:
        return _apply(sql, session, state, raw)
    except OfflineError as exc:
        message = str(exc)
        if "\n" in message or "\r" in message:   # one line, whatever the quoted text held
            raise OfflineError(" ".join(message.split())) from None
        raise
    except RecursionError:
        raise OfflineError("statement too deeply nested to read") from None
    except Exception as exc:  # never let a parsing slip escape as anything else
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise OfflineError(f"statement not understood offline ({detail})") from None


def _alloc_trim(text: str) -> str:
    """What the server keeps of a query: no leading space, no trailing ';' or space."""
    text = text.lstrip(WHITESPACE)
    end = len(text)
    while end and (text[end - 1] == ";" or text[end - 1] in WHITESPACE):
        end -= 1
    return text[:end]


_FIRST = re.compile(r"\s*(CREATE|ALTER|DROP)\b", re.I)


def _apply(sql: str, session: Session, state: State, raw: str | None) -> bool:
    if not _FIRST.match(sql):
        return False
    modes = Modes(session.sql_mode)
    if raw is not None:
        text = server_preprocess(raw, version=session.flavour.version,
                                 no_backslash_escapes=modes.no_backslash)
    else:
        text = sql
    text = _alloc_trim(text)
    cur = Cursor(text, modes=modes)
    head = read_head(cur, session)
    if head is None:
        return False
    if modes.oracle:
        raise OfflineError("sql_mode=ORACLE stored programs are not supported offline")
    if session.flavour.name != "mariadb":
        raise OfflineError(f"{head.kind.lower()}s are read offline for MariaDB only")
    _check_charset(text, session)
    if head.kind == "VIEW" and head.verb == "CREATE" and raw is not None:
        head.dumped = match_dump_form(raw)
    handler = _HANDLERS.get((head.verb, head.kind))
    if handler is None:
        return False
    handler(cur, head, session, state, modes)
    return True


def _check_charset(text: str, session: Session) -> None:
    """Text is kept as the client sent it: exact only when its character set is UTF-8."""
    cs = charset_alias(session.charset_client)
    if cs == "utf8mb4" or text.isascii():
        return
    if cs == "utf8mb3" and all(ord(c) <= 0xFFFF for c in text):
        return
    raise OfflineError(f"non-ASCII text sent with character_set_client={cs}: the server "
                       f"would convert it; not reproducible offline")


# ---------------------------------------------------------------------------- routines


def _create_routine(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    kind = head.kind
    if_not_exists = accept_if_not_exists(cur, head)
    name = cur.object_name(kind.lower())
    if not cur.at_op("("):
        raise OfflineError(f"{kind} {name}: loadable functions (SONAME) and bodies without a "
                           f"parameter list are not supported offline")
    open_paren = cur.peek()
    assert open_paren is not None, "at the ( just checked"
    cur.expect_op("(")
    params: list[Parameter] = []
    seen: set[str] = set()
    if cur.at_op(")"):
        close_paren = cur.next()
    else:
        while True:
            mode = None
            t = cur.peek()
            if t is not None and t.is_kw("IN", "OUT", "INOUT") and (after := cur.peek(1)) is not None \
                    and after.kind in ("word", "qident"):
                mode = cur.next().value
            pname = cur.ident("parameter name")
            if pname.lower() in seen:
                raise OfflineError(f"Duplicate parameter: {pname}")
            seen.add(pname.lower())
            ptype = parse_type(cur, session, modes)
            params.append(Parameter(pname, ptype, (mode or "IN") if kind == "PROCEDURE" else None))
            if cur.at_op(")"):
                close_paren = cur.next()
                break
            cur.expect_op(",")
    # the server keeps the parameter list as written (mysql.proc.param_list)
    param_list = cur.sql[open_paren.end:close_paren.start]
    returns = None
    if kind == "FUNCTION":
        cur.expect_kw("RETURNS")
        returns = parse_type(cur, session, modes)
        if cur.at_kw(*_TYPE_TAIL) or cur.at_op("("):
            raise OfflineError(f"FUNCTION {name}: RETURNS type not understood {cur.near()}")
    chars = _characteristics(cur, allow_deterministic=True)
    body, _ = take_body(cur, f"{kind} {name}", with_tokens=False)
    key = (kind, name.lower())
    if key in state.routines:
        if if_not_exists:
            return
        if not head.or_replace:
            raise OfflineError(f"{kind} {state.routines[key].name} already exists")
    state.routines[key] = Routine(
        name=name, kind=kind, body=body, parameters=tuple(params), returns=returns, param_list=param_list,
        deterministic=chars.get("deterministic", False),
        data_access=chars.get("data_access", "CONTAINS SQL"),
        security=chars.get("security", "DEFINER"), comment=chars.get("comment", ""),
        definer=definer_of(head), **session_fields(session),
    )


def _characteristics(cur: Cursor, *, allow_deterministic: bool) -> dict:
    out: dict = {}
    while True:
        if cur.accept_kw("COMMENT"):
            out["comment"] = cur.string("COMMENT")
        elif cur.accept_kw("LANGUAGE", "SQL"):
            pass
        elif cur.accept_kw("NO", "SQL"):
            out["data_access"] = "NO SQL"
        elif cur.accept_kw("CONTAINS", "SQL"):
            out["data_access"] = "CONTAINS SQL"
        elif cur.accept_kw("READS", "SQL", "DATA"):
            out["data_access"] = "READS SQL DATA"
        elif cur.accept_kw("MODIFIES", "SQL", "DATA"):
            out["data_access"] = "MODIFIES SQL DATA"
        elif cur.accept_kw("SQL", "SECURITY"):
            t = cur.next()
            if not t.is_kw("DEFINER", "INVOKER"):
                raise OfflineError(f"SQL SECURITY {t.text} not understood")
            out["security"] = t.value
        elif allow_deterministic and cur.accept_kw("NOT", "DETERMINISTIC"):
            out["deterministic"] = False
        elif allow_deterministic and cur.accept_kw("DETERMINISTIC"):
            out["deterministic"] = True
        else:
            return out


def _alter_routine(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    name = cur.object_name(head.kind.lower())
    chars = _characteristics(cur, allow_deterministic=False)
    end_statement(cur)
    key = (head.kind, name.lower())
    if key not in state.routines:
        raise OfflineError(f"{head.kind} {name} does not exist")
    changes = {k: v for k, v in chars.items() if k in ("comment", "data_access", "security")}
    state.routines[key] = replace(state.routines[key], **changes)


def _drop_routine(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    if_exists = accept_if_exists(cur)
    name = cur.object_name(head.kind.lower())
    end_statement(cur)
    key = (head.kind, name.lower())
    if key not in state.routines:
        if if_exists:
            return
        raise OfflineError(f"{head.kind} {name} does not exist")
    del state.routines[key]


# =======================================================================================
# Data types of parameters and RETURNS


_SIMPLE_TYPES = {  # as written: the type
    "DATE": "date", "TINYBLOB": "tinyblob", "MEDIUMBLOB": "mediumblob", "LONGBLOB": "longblob",
    **{name.upper(): name for name in (*SPATIAL_TYPES, *PLUGIN_TYPES)},
}


@overload
def _length(cur: Cursor, *, required: Literal[True]) -> int: ...
@overload
def _length(cur: Cursor, *, required: bool = False) -> int | None: ...


def _length(cur: Cursor, *, required: bool = False) -> int | None:
    if not cur.accept_op("("):
        if required:
            raise OfflineError(f"a length is required {cur.near()}")
        return None
    t = cur.next()
    if t.kind != "number" or not t.text.isdigit():
        raise OfflineError(f"type length not understood {cur.near()}")
    cur.expect_op(")")
    return int(t.text)


def _precision(cur: Cursor) -> tuple[int | None, int | None]:
    if not cur.accept_op("("):
        return None, None
    t = cur.next()
    if t.kind != "number" or not t.text.isdigit():
        raise OfflineError(f"type precision not understood {cur.near()}")
    m, d = int(t.text), None
    if cur.accept_op(","):
        t = cur.next()
        if t.kind != "number" or not t.text.isdigit():
            raise OfflineError(f"type scale not understood {cur.near()}")
        d = int(t.text)
    cur.expect_op(")")
    return m, d


def _num_attrs(cur: Cursor) -> tuple[bool, bool]:
    """SIGNED | UNSIGNED | ZEROFILL | UNSIGNED ZEROFILL | ZEROFILL UNSIGNED (or nothing)."""
    if cur.accept_kw("SIGNED"):
        return False, False
    if cur.accept_kw("UNSIGNED"):
        return True, cur.accept_kw("ZEROFILL")
    if cur.accept_kw("ZEROFILL"):
        cur.accept_kw("UNSIGNED")
        return True, True
    return False, False


def _num_suffix(unsigned: bool, zerofill: bool) -> str:
    return (" unsigned" if unsigned else "") + (" zerofill" if zerofill else "")


def _charset_name(cur: Cursor) -> str:
    t = cur.next()
    if t.kind in ("word", "qident", "string"):
        name = (t.text if t.kind == "word" else t.value).lower()
        if t.kind == "word" and t.value == "BINARY":
            return "binary"
        return charset_alias(name)
    raise OfflineError(f"character set name expected {cur.near()}")


def _bin_collation(cs: str) -> str:
    if cs == "binary":
        raise OfflineError("BINARY attribute with the binary character set")
    coll = f"{cs}_bin"
    if coll not in charset_data()["collations"]:
        raise OfflineError(f"character set {cs} has no binary collation")
    return coll


def _known_charset(cs: str) -> str:
    if cs not in charset_data()["charsets"]:
        raise OfflineError(f"Unknown character set: '{cs}'")
    return cs


def _string_attrs(  # noqa: C901 - the CHARSET/COLLATE/BINARY/ASCII/UNICODE grammar in one loop
        cur: Cursor, session: Session, national: bool) -> tuple[str, str]:
    """The character set and collation a string type gets (MariaDB 10.11 grammar)."""
    binary = False
    cs: str | None = "utf8mb3" if national else None
    coll: str | None = None
    if national:                       # NATIONAL types take BINARY and nothing else
        assert cs is not None, "utf8mb3, set above"
        return cs, (_bin_collation(cs) if cur.accept_kw("BINARY") else default_collation(cs))

    def charset_clause() -> bool:
        nonlocal cs
        if cur.accept_kw("CHARACTER", "SET") or cur.accept_kw("CHARSET") or cur.accept_kw("CHAR", "SET"):
            if national:
                raise OfflineError("NATIONAL types take no CHARACTER SET")
            cs = _known_charset(_charset_name(cur))
            return True
        return False

    if cur.accept_kw("BINARY"):
        binary = True
        if not charset_clause():
            if cur.accept_kw("ASCII"):
                cs = "latin1"
            elif cur.accept_kw("UNICODE"):
                cs = "ucs2"
    elif charset_clause():
        if cur.accept_kw("BINARY"):
            binary = True
        elif cur.accept_kw("COLLATE"):
            coll = _collation_name(cur, session)
    elif cur.accept_kw("ASCII"):
        cs = "latin1"
        binary = cur.accept_kw("BINARY")
    elif cur.accept_kw("UNICODE"):
        cs = "ucs2"
        binary = cur.accept_kw("BINARY")
    elif cur.accept_kw("BYTE"):
        cs = "binary"
    elif cur.accept_kw("COLLATE"):
        coll = _collation_name(cur, session)
    if coll == "":              # COLLATE DEFAULT: the default collation of the charset
        cs = cs or session.db_charset
        coll = default_collation(cs)
    if coll:
        coll = collation_alias(coll)
        owner = charset_data()["collations"].get(coll)
        if owner is None:
            raise OfflineError(f"Unknown collation: '{coll}'")
        if cs is not None and owner != cs:
            raise OfflineError(f"COLLATION '{coll}' is not valid for CHARACTER SET '{cs}'")
        return owner, coll
    if cs is None:
        cs = session.db_charset
        if binary:
            return cs, _bin_collation(cs)
        return cs, session.db_collation
    if binary:
        return cs, _bin_collation(cs)
    return cs, default_collation(cs)


def _collation_name(cur: Cursor, session: Session) -> str:
    t = cur.next()
    if t.is_kw("DEFAULT"):
        return ""
    if t.kind in ("word", "qident", "string"):
        return (t.text if t.kind == "word" else t.value).lower()
    raise OfflineError(f"collation name expected {cur.near()}")


def _quote_value(value: str) -> str:
    """An ENUM/SET value as SHOW and information_schema print it (append_unescaped)."""
    out = value.replace("\\", "\\\\").replace("'", "''")
    out = out.replace("\0", "\\0").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{out}'"


def _values(cur: Cursor) -> list[str]:
    cur.expect_op("(")
    values = []
    while True:
        t = cur.next()
        if t.kind != "string":
            raise OfflineError(f"ENUM/SET value not understood {cur.near()}")
        values.append(t.value)
        if cur.accept_op(")"):
            return values
        cur.expect_op(",")


def parse_type(  # noqa: C901 - the data type grammar of routines, one branch per type family
        cur: Cursor, session: Session, modes: Modes) -> str:
    """A data type, spelled as information_schema's DTD_IDENTIFIER plus
    `` CHARSET x COLLATE y`` for string types (what introspection records).

    Column types are read by :func:`~.types.resolve_type`, with the same tables
    (:mod:`schema_tools.dialect.types`); its module docstring says why the two stay
    separate parsers."""
    t = cur.next()
    if t.kind != "word":
        raise OfflineError(f"data type expected {cur.near()}")
    w = t.value

    def string_type(base: str, length: int | None, national: bool = False) -> str:
        cs, coll = _string_attrs(cur, session, national)
        maxlen = charset_maxlen(cs)
        if base in ("char", "varchar"):
            if base == "char" and length is not None and length > CHAR_MAX_LENGTH:
                raise OfflineError(f"Column length too big (max = {CHAR_MAX_LENGTH}); "
                                   f"use BLOB or TEXT instead")
            if base == "varchar" and (length or 0) * maxlen > VARCHAR_MAX_BYTES:
                raise OfflineError(f"Column length too big (max = {VARCHAR_MAX_BYTES // maxlen});"
                                   f" use BLOB or TEXT instead")
            if cs == "binary":
                return f"{'binary' if base == 'char' else 'varbinary'}({length})"
            return f"{base}({length}) CHARSET {cs} COLLATE {coll}"
        if base == "text" and length:            # TEXT(n): the smallest type that fits
            base = sized_lob(length * maxlen, TEXT_TYPES)
        if base in TEXT_TO_BLOB:
            if cs == "binary":
                return TEXT_TO_BLOB[base]
            return f"{base} CHARSET {cs} COLLATE {coll}"
        raise AssertionError(base)

    if w in ("BOOL", "BOOLEAN"):
        return "tinyint(1)"
    if w.lower() in INTEGER_TYPES:
        name = INTEGER_TYPES[w.lower()]
        length = _length(cur)
        unsigned, zerofill = _num_attrs(cur)
        if length is not None and length > MAX_DISPLAY_WIDTH:
            raise OfflineError(f"Display width out of range (max = {MAX_DISPLAY_WIDTH})")
        width = length or DISPLAY_WIDTH[name][unsigned]
        return f"{name}({width}){_num_suffix(unsigned, zerofill)}"
    if w == "BIT":
        length = _length(cur)
        if length is not None and length > BIT_MAX_LENGTH:
            raise OfflineError(f"Display width out of range (max = {BIT_MAX_LENGTH})")
        return f"bit({length or 1})"
    if w in ("FLOAT", "DOUBLE", "REAL"):
        if w == "DOUBLE":
            cur.accept_kw("PRECISION")
        m, d = _precision(cur)
        unsigned, zerofill = _num_attrs(cur)
        suffix = _num_suffix(unsigned, zerofill)
        name = "float" if w == "FLOAT" or (w == "REAL" and modes.real_as_float) else "double"
        if d is None:
            if m is not None and w == "FLOAT":
                if m > FLOAT_MAX_PRECISION:
                    raise OfflineError("Incorrect column specifier")
                name = "float" if m <= FLOAT_SINGLE_MAX_PRECISION else "double"
            elif m is not None:
                raise OfflineError(f"{w}({m}) not understood")
            return name + suffix
        assert m is not None, "a scale comes with a precision"
        if m > MAX_DISPLAY_WIDTH or d > FLOAT_MAX_SCALE:
            raise OfflineError("Too big precision or scale")
        if m < d:
            raise OfflineError("For float(M,D), double(M,D) or decimal(M,D), M must be >= D")
        if m == 0:                        # (0,0): as if no precision was given
            return name + suffix
        return f"{name}({m},{d}){suffix}"
    if w.lower() in DECIMAL_TYPES:
        m, d = _precision(cur)
        unsigned, zerofill = _num_attrs(cur)
        m = 10 if m is None else m
        d = 0 if d is None else d
        if m > DECIMAL_MAX_PRECISION:
            raise OfflineError(f"Too big precision specified. Maximum is {DECIMAL_MAX_PRECISION}")
        if d > DECIMAL_MAX_SCALE:
            raise OfflineError(f"Too big scale specified. Maximum is {DECIMAL_MAX_SCALE}")
        if m < d:
            raise OfflineError("For float(M,D), double(M,D) or decimal(M,D), M must be >= D")
        return f"decimal({m or 10},{d}){_num_suffix(unsigned, zerofill)}"
    if w.lower() in TEMPORAL_FSP:
        fsp = _length(cur)
        if fsp is not None and fsp > MAX_FSP:
            raise OfflineError(f"Too big precision specified. Maximum is {MAX_FSP}")
        return w.lower() + (f"({fsp})" if fsp else "")
    if w == "YEAR":
        length = _length(cur)
        _num_attrs(cur)
        return "year(2)" if length == 2 else "year(4)"
    if w.lower() in PLUGIN_TYPES or w.lower() in SPATIAL_TYPES:
        _length(cur)                      # accepted and ignored by the server
        return _SIMPLE_TYPES[w]
    if w in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[w]
    if w == "JSON":
        return "longtext CHARSET utf8mb4 COLLATE utf8mb4_bin"
    if w == "BLOB":
        length = _length(cur)
        if length:
            return sized_lob(length, BLOB_TYPES)
        return "blob"
    if w == "BINARY":
        length = _default1(_length(cur))
        if length > CHAR_MAX_LENGTH:
            raise OfflineError(f"Column length too big (max = {CHAR_MAX_LENGTH}); "
                               f"use BLOB or TEXT instead")
        return f"binary({length})"
    if w == "VARBINARY":
        length = _length(cur, required=True)
        if length > VARCHAR_MAX_BYTES:
            raise OfflineError(f"Column length too big (max = {VARCHAR_MAX_BYTES}); "
                               f"use BLOB or TEXT instead")
        return f"varbinary({length})"
    if w == "LONG":
        if cur.accept_kw("VARBINARY"):
            return "mediumblob"
        # LONG, LONG VARCHAR, LONG CHAR VARYING, LONG CHARACTER VARYING: all mediumtext
        cur.accept_kw("VARCHAR") or cur.accept_kw("CHAR", "VARYING") or cur.accept_kw("CHARACTER", "VARYING")
        return string_type("mediumtext", None)
    if w.lower() in TEXT_TYPES:
        length = _length(cur) if w == "TEXT" else None
        return string_type(w.lower(), length)
    if w in ("NCHAR", "NATIONAL", "NVARCHAR"):
        if w == "NATIONAL":
            if not (cur.accept_kw("CHAR") or cur.accept_kw("CHARACTER") or cur.accept_kw("VARCHAR")):
                raise OfflineError(f"NATIONAL type not understood {cur.near()}")
            w2 = cur.toks[cur.i - 1].value
        else:
            w2 = w
        varying = w2 in ("NVARCHAR", "VARCHAR") or cur.accept_kw("VARYING") or cur.accept_kw("VARCHAR")
        length = _length(cur, required=varying)
        return string_type("varchar" if varying else "char",
                           length if varying else _default1(length), national=True)
    if w in ("CHAR", "CHARACTER", "VARCHAR", "VARCHARACTER"):
        varying = w in ("VARCHAR", "VARCHARACTER") or cur.accept_kw("VARYING")
        length = _length(cur, required=varying)
        return string_type("varchar" if varying else "char",
                           length if varying else _default1(length))
    if w in ("ENUM", "SET"):
        values = _values(cur)
        cs, coll = _string_attrs(cur, session, False)
        if cs != "binary":                # trailing spaces go, except for binary strings
            values = [v.rstrip(" ") for v in values]
        folded = [v if coll.endswith("_bin") else v.lower() for v in values]
        if len(set(folded)) != len(folded):
            raise OfflineError(f"{w} has duplicated values")
        return (f"{w.lower()}(" + ",".join(_quote_value(v) for v in values)
                + f") CHARSET {cs} COLLATE {coll}")
    raise OfflineError(f"data type {t.text} is not supported offline")


# words that can only continue a data type, never start a characteristic or a body
_TYPE_TAIL = ("CHARACTER", "CHARSET", "CHAR", "COLLATE", "BINARY", "ASCII", "UNICODE", "BYTE",
              "SIGNED", "UNSIGNED", "ZEROFILL", "PRECISION", "VARYING")


def _default1(length: int | None) -> int:
    return 1 if length is None else length


_HANDLERS: dict[tuple[str, str], Callable] = {
    ("CREATE", "PROCEDURE"): _create_routine, ("CREATE", "FUNCTION"): _create_routine,
    ("ALTER", "PROCEDURE"): _alter_routine, ("ALTER", "FUNCTION"): _alter_routine,
    ("DROP", "PROCEDURE"): _drop_routine, ("DROP", "FUNCTION"): _drop_routine,
    ("CREATE", "TRIGGER"): create_trigger, ("DROP", "TRIGGER"): drop_trigger,
    ("CREATE", "EVENT"): create_event, ("ALTER", "EVENT"): alter_event,
    ("DROP", "EVENT"): drop_event,
    ("CREATE", "VIEW"): create_view, ("ALTER", "VIEW"): create_view, ("DROP", "VIEW"): drop_view,
}
