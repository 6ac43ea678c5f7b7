"""MariaDB 10.11 column types and literal defaults, reproduced without a server.

``resolve_type`` turns a type as written (:class:`~.ddl_objects.TypeSpec`) into the model's
:class:`DataType` plus the column's character set and collation, with the server's
aliases, default display widths, length limits and error messages.  ``literal_default``
converts a constant DEFAULT into the text information_schema reports for it.

The type tables (names, aliases, widths, limits) are :mod:`schema_tools.dialect.types`.
:func:`~.routines.parse_type` reads the same types in a routine's parameters and RETURNS
with those tables, but is a parser of its own: it reads the routine's tokens (not a
:class:`~.ddl_objects.TypeSpec`), returns the text ``information_schema.PARAMETERS`` shows
(``int(11)``, ``varchar(10) CHARSET x COLLATE y``) rather than a :class:`DataType`, takes
its character set defaults from the database (not a table), and raises the server's
messages for stored programs, which name no column.

The rules were read off a MariaDB 10.11 server; they are checked against one by
tests/test_offline_tables.py.  Values the module cannot convert exactly raise
:class:`OfflineError` saying so.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlglot import exp

from ..dialect.types import (
    BIT_MAX_LENGTH, BLOB_TYPES, CHAR_MAX_LENGTH, CHAR_TYPES, DECIMAL_MAX_PRECISION,
    DECIMAL_MAX_SCALE, DECIMAL_TYPES, DISPLAY_WIDTH, FLOAT_MAX_PRECISION, FLOAT_MAX_SCALE,
    FLOAT_SINGLE_MAX_PRECISION, FLOAT_TYPES, INTEGER_TYPES, MAX_DISPLAY_WIDTH, MAX_FSP,
    PLUGIN_TYPES, SET_MAX_MEMBERS, SPATIAL_TYPES, TEMPORAL_TYPES, TEXT_TYPES,
    VARCHAR_MAX_BYTES, format_real, integer_range, sized_lob, type_kind,
)
from ..model.objects import DataType, quote_string
from .ddl_objects import TypeSpec
from .state import (
    OfflineError, charset_alias, charset_maxlen, charset_of, collation_alias, default_collation,
)

@dataclass
class ResolvedType:
    type: DataType
    charset: str | None = None
    collation: str | None = None
    json: bool = False  # MariaDB's json alias: add CHECK (json_valid(col)) if none given
    serial: bool = False

    @property
    def kind(self) -> str:
        return type_kind(self.type.name)


def _int_arg(text: str, col: str, maximum: int, code_msg: str) -> int:
    n = int(text)
    if n > maximum:
        raise OfflineError(code_msg.format(col=col, max=maximum))
    return n


def _bin_collation(charset: str) -> str:
    """The binary collation of a character set (``utf8mb4_bin``; ``binary`` for binary)."""
    if charset == "binary":
        return "binary"
    candidate = f"{charset}_bin"
    try:
        charset_of(candidate)
    except OfflineError:
        raise OfflineError(f"character set {charset} has no binary collation") from None
    return candidate


def resolve_charset_pair(spec: TypeSpec, table_charset: str, table_collation: str,
                         col: str) -> tuple[str, str]:
    """The (charset, collation) of a character column."""
    charset = spec.charset
    collate = spec.collate
    if "ASCII" in spec.attributes:
        charset = charset or "latin1"
    if "UNICODE" in spec.attributes:
        charset = charset or "ucs2"
    if charset is not None and charset.upper() == "DEFAULT":
        charset = table_charset
    if collate is not None and collate.upper() == "DEFAULT":
        collate = None
    if charset is not None:
        cs = charset_alias(charset)
        if cs != "binary":
            default_collation(cs)  # raises for an unknown charset
    else:
        cs = None
    if collate is not None:
        coll = collation_alias(collate)
        coll_cs = charset_of(coll) if coll != "binary" else "binary"
        if cs is not None and coll_cs != cs:
            raise OfflineError(f"COLLATION '{coll}' is not valid for CHARACTER SET '{cs}'")
        if "BINARY" in spec.attributes:
            raise OfflineError("syntax error: BINARY with COLLATE")
        return coll_cs, coll
    if cs is None:
        cs = table_charset
        if "BINARY" in spec.attributes:
            return cs, _bin_collation(cs)
        return cs, table_collation
    if "BINARY" in spec.attributes:
        return cs, _bin_collation(cs)
    if cs == "binary":
        return cs, "binary"
    return cs, default_collation(cs)


def resolve_type(  # noqa: C901 - the server's type table, one branch per type
        spec: TypeSpec, col: str, table_charset: str, table_collation: str,
        sql_mode: str = "") -> ResolvedType:
    """The server's column type for ``spec`` in a table with the given defaults."""
    name = spec.name
    args = spec.args
    zerofill = "ZEROFILL" in spec.attributes
    unsigned = zerofill or "UNSIGNED" in spec.attributes

    def no_charset():
        if spec.charset is not None or spec.collate is not None \
                or spec.attributes & {"BINARY", "ASCII", "UNICODE", "BYTE"}:
            raise OfflineError(f"syntax error: character set on non-character column '{col}'")

    def no_sign():
        if spec.attributes & {"UNSIGNED", "ZEROFILL", "SIGNED"}:
            raise OfflineError(f"syntax error: UNSIGNED/ZEROFILL on column '{col}' of type {name}")

    if "COMPRESSED" in spec.attributes and name not in (
            *TEXT_TYPES, *BLOB_TYPES, "varchar", "varbinary", "long", "long varchar", "long varbinary",
            "json", "varchar2", "nvarchar", "national varchar"):
        raise OfflineError(f"Incorrect column specifier for column '{col}'")

    if name == "serial":
        return ResolvedType(DataType("bigint", 20, unsigned=True), serial=True)

    if name in INTEGER_TYPES:
        no_charset()
        base = INTEGER_TYPES[name]
        if name in ("bool", "boolean"):
            if args is not None or unsigned:
                raise OfflineError(f"syntax error near '{name}'")
            return ResolvedType(DataType("tinyint", 1))
        if args is not None and len(args) != 1:
            raise OfflineError(f"syntax error: {name}({','.join(args)})")
        width = int(args[0]) if args else 0
        if width > MAX_DISPLAY_WIDTH:
            raise OfflineError(f"Display width out of range for '{col}' (max = {MAX_DISPLAY_WIDTH})")
        if width == 0:
            width = DISPLAY_WIDTH[base][1 if unsigned else 0]
        return ResolvedType(DataType(base, width, unsigned=unsigned, zerofill=zerofill))

    if name in DECIMAL_TYPES:
        no_charset()
        precision, scale = 10, 0
        if args:
            if len(args) > 2:
                raise OfflineError(f"syntax error: {name}({','.join(args)})")
            precision = int(args[0])
            scale = int(args[1]) if len(args) > 1 else 0
            if precision > DECIMAL_MAX_PRECISION:
                raise OfflineError(f"Too big precision specified for '{col}'. "
                                   f"Maximum is {DECIMAL_MAX_PRECISION}")
            if scale > DECIMAL_MAX_SCALE:
                raise OfflineError(f"Too big scale specified for '{col}'. Maximum is {DECIMAL_MAX_SCALE}")
            if precision == 0:
                precision = 10
            if precision < scale:
                raise OfflineError(f"For float(M,D), double(M,D) or decimal(M,D), M must be >= D "
                                   f"(column '{col}')")
        return ResolvedType(DataType("decimal", precision, scale, unsigned=unsigned,
                                     zerofill=zerofill))

    if name in FLOAT_TYPES:
        no_charset()
        base = FLOAT_TYPES[name]
        if name == "real" and "REAL_AS_FLOAT" in sql_mode:
            base = "float"
        if args is None:
            return ResolvedType(DataType(base, unsigned=unsigned, zerofill=zerofill))
        if len(args) == 1:
            if name != "float":
                raise OfflineError(f"syntax error: {name}({args[0]})")
            p = int(args[0])
            if p > FLOAT_MAX_PRECISION:
                raise OfflineError(f"Incorrect column specifier for column '{col}'")
            return ResolvedType(DataType("float" if p <= FLOAT_SINGLE_MAX_PRECISION else "double", unsigned=unsigned,
                                         zerofill=zerofill))
        if len(args) != 2:
            raise OfflineError(f"syntax error: {name}({','.join(args)})")
        m, d = int(args[0]), int(args[1])
        if m > MAX_DISPLAY_WIDTH:
            raise OfflineError(f"Display width out of range for '{col}' (max = {MAX_DISPLAY_WIDTH})")
        if d > FLOAT_MAX_SCALE:
            raise OfflineError(f"Too big scale specified for '{col}'. Maximum is {FLOAT_MAX_SCALE}")
        if m < d:
            raise OfflineError(f"For float(M,D), double(M,D) or decimal(M,D), M must be >= D "
                               f"(column '{col}')")
        if m == 0 and d == 0:
            return ResolvedType(DataType(base, unsigned=unsigned, zerofill=zerofill))
        return ResolvedType(DataType(base, m, d, unsigned=unsigned, zerofill=zerofill))

    if name == "bit":
        no_charset()
        no_sign()
        n = int(args[0]) if args else 1
        if args is not None and len(args) != 1:
            raise OfflineError("syntax error: bit(M,D)")
        if n > BIT_MAX_LENGTH:
            raise OfflineError(f"Display width out of range for '{col}' (max = {BIT_MAX_LENGTH})")
        return ResolvedType(DataType("bit", n or 1))

    if name in TEMPORAL_TYPES:
        no_charset()
        no_sign()
        if name == "date":
            if args is not None:
                raise OfflineError("syntax error: date(N)")
            return ResolvedType(DataType("date"))
        if name == "year":
            n = int(args[0]) if args else 4
            if args is not None and len(args) != 1:
                raise OfflineError("syntax error: year(M,D)")
            if n not in (2, 4):
                raise OfflineError(f"year({n}) is not supported offline")
            return ResolvedType(DataType("year", n))
        if args is not None and len(args) != 1:
            raise OfflineError(f"syntax error: {name}(M,D)")
        fsp = int(args[0]) if args else 0
        if fsp > MAX_FSP:
            raise OfflineError(f"Too big precision specified for '{col}'. Maximum is {MAX_FSP}")
        return ResolvedType(DataType(name, fsp or None))

    if name in SPATIAL_TYPES or name in PLUGIN_TYPES:
        no_charset()
        no_sign()
        if args is not None:
            raise OfflineError(f"syntax error: {name}(N)")
        return ResolvedType(DataType(name))

    if name in ("binary", "varbinary", "long varbinary") or name in BLOB_TYPES:
        no_sign()
        if spec.charset is not None or spec.collate is not None:
            raise OfflineError(f"syntax error: character set on binary column '{col}'")
        return ResolvedType(_binary_type(name, args, col))

    if name == "json":
        no_sign()
        if args is not None or spec.charset or spec.collate or "BINARY" in spec.attributes:
            if spec.collate and charset_alias(spec.collate) == "utf8mb4_bin" and not spec.charset:
                pass
            elif spec.collate:
                raise OfflineError(f"COLLATION '{spec.collate}' is not valid for column '{col}' "
                                   f"of type json (offline)")
            else:
                raise OfflineError(f"syntax error: json with a length or character set ('{col}')")
        return ResolvedType(DataType("longtext"), "utf8mb4", "utf8mb4_bin", json=True)

    if name in CHAR_TYPES:
        no_sign()
        if name in ("national char", "nchar", "national varchar", "nvarchar"):
            if spec.charset is not None:
                raise OfflineError(f"syntax error: NATIONAL with CHARACTER SET ('{col}')")
            spec = replace(spec, charset="utf8mb3")
            name = "char" if name in ("national char", "nchar") else "varchar"
        if "BYTE" in spec.attributes:
            if name not in ("char", "character"):
                raise OfflineError("syntax error: BYTE")
            n = int(args[0]) if args else 1
            if n > CHAR_MAX_LENGTH:
                raise OfflineError(f"Column length too big for column '{col}' (max = {CHAR_MAX_LENGTH}); "
                                   f"use BLOB or TEXT instead")
            return ResolvedType(DataType("binary", n))
        cs, coll = resolve_charset_pair(spec, table_charset, table_collation, col)
        binary = cs == "binary"
        if name in ("enum", "set"):
            if args is not None:
                raise OfflineError("syntax error")
            values = spec.values
            if name == "set" and len(values) > SET_MAX_MEMBERS:
                raise OfflineError(f"Too many strings for column {col} and SET")
            return ResolvedType(DataType(name, values=values), cs, coll)
        maxlen = 1 if binary else charset_maxlen(cs)
        if name in ("char", "character", "varchar", "varchar2"):
            varying = name.startswith("varchar")
            if varying and (args is None or len(args) != 1):
                raise OfflineError(f"syntax error: varchar needs a length ('{col}')")
            if args is not None and len(args) != 1:
                raise OfflineError("syntax error")
            n = int(args[0]) if args else 1
            limit = VARCHAR_MAX_BYTES // maxlen if varying else CHAR_MAX_LENGTH
            if n > limit:
                raise OfflineError(f"Column length too big for column '{col}' (max = {limit}); "
                                   f"use BLOB or TEXT instead")
            if binary:
                return ResolvedType(DataType("varbinary" if varying else "binary", n))
            return ResolvedType(DataType("varchar" if varying else "char", n), cs, coll)
        # text types
        if name in ("long", "long varchar"):
            base = "mediumtext"
        elif name == "text" and args:
            if len(args) != 1:
                raise OfflineError("syntax error")
            base = sized_lob(int(args[0]) * maxlen, TEXT_TYPES)
        else:
            if args is not None:
                raise OfflineError(f"syntax error: {name}(N)")
            base = name
        if binary:
            return ResolvedType(DataType(BLOB_TYPES[TEXT_TYPES.index(base)]))
        return ResolvedType(DataType(base), cs, coll)

    raise OfflineError(f"data type {name} is not supported offline")


def _binary_type(name: str, args: tuple[str, ...] | None, col: str) -> DataType:
    if name == "binary":
        n = int(args[0]) if args else 1
        if n > CHAR_MAX_LENGTH:
            raise OfflineError(f"Column length too big for column '{col}' (max = {CHAR_MAX_LENGTH}); "
                               f"use BLOB or TEXT instead")
        return DataType("binary", n)
    if name == "varbinary":
        if not args:
            raise OfflineError(f"syntax error: varbinary needs a length ('{col}')")
        n = int(args[0])
        if n > VARCHAR_MAX_BYTES:
            raise OfflineError(f"Column length too big for column '{col}' "
                               f"(max = {VARCHAR_MAX_BYTES}); use BLOB or TEXT instead")
        return DataType("varbinary", n)
    if name == "long varbinary":
        return DataType("mediumblob")
    if name == "blob" and args:
        return DataType(sized_lob(int(args[0]), BLOB_TYPES))
    if args is not None:
        raise OfflineError(f"syntax error: {name}(N)")
    return DataType(name)


# ---------------------------------------------------------------------------------------
# Literal defaults


class InvalidDefault(OfflineError):
    """The server's ``Invalid default value for 'col'``."""


@dataclass
class Literal:
    """A constant as written: ``kind`` is int / decimal / float / string / hex / bit /
    bool / null; ``text`` the digits or the (unescaped) string; ``charset`` an introducer."""

    kind: str
    text: str
    charset: str | None = None


def constant_of(e: exp.Expr) -> Literal | None:
    """The constant a DEFAULT expression is, or None when it is an expression default
    (MariaDB's "basic constants": literals, signed numbers, NULL, TRUE/FALSE, hex/bit
    strings, possibly in parentheses)."""
    while isinstance(e, exp.Paren):
        e = e.this
    neg = False
    while isinstance(e, exp.Neg):
        inner = e.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if not (isinstance(inner, (exp.Neg,)) or (isinstance(inner, exp.Literal)
                                                   and not inner.is_string)):
            return None
        neg = not neg
        e = inner
    if isinstance(e, exp.Literal):
        if e.is_string:
            if neg:
                return None
            return Literal("string", e.this)
        t = e.this
        kind = "float" if "e" in t.lower() else ("decimal" if "." in t else "int")
        if neg:
            t = t[1:] if t.startswith("-") else "-" + t
        return Literal(kind, t)
    if neg:
        return None
    if isinstance(e, exp.Null):
        return Literal("null", "")
    if isinstance(e, exp.Boolean):
        return Literal("int", "1" if e.this else "0")
    if isinstance(e, exp.HexString):
        return Literal("hex", e.this)
    if isinstance(e, exp.BitString):
        return Literal("bit", e.this)
    if isinstance(e, exp.National):
        return Literal("string", e.this)
    if isinstance(e, exp.Introducer) and isinstance(e.expression, exp.Literal) \
            and e.expression.is_string:
        return Literal("string", e.expression.this, e.name.lower())
    if isinstance(e, exp.Concat) and all(isinstance(x, exp.Literal) and x.is_string
                                         for x in e.expressions):
        return Literal("string", "".join(x.this for x in e.expressions))
    return None


_NUM_PREFIX = re.compile(r"^[ \t\n\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(.*)$", re.S)


def _number_of(lit: Literal, col: str, *, allow_trailing_space: bool = True) -> Decimal:
    """The numeric value of a literal in a numeric context."""
    try:
        if lit.kind in ("int", "decimal", "float"):
            return Decimal(lit.text)
        if lit.kind == "hex":
            return Decimal(int(lit.text, 16)) if lit.text else Decimal(0)
        if lit.kind == "bit":
            return Decimal(int(lit.text, 2)) if lit.text else Decimal(0)
    except InvalidOperation:
        raise OfflineError(f"cannot read number {lit.text!r}") from None
    if lit.kind == "string":
        m = _NUM_PREFIX.match(lit.text)
        if not m:
            raise InvalidDefault(f"Invalid default value for '{col}'")
        rest = m.group(2)
        if rest.strip(" "):
            raise InvalidDefault(f"Invalid default value for '{col}'")
        return Decimal(m.group(1))
    raise InvalidDefault(f"Invalid default value for '{col}'")


def _round_half_up(value: Decimal, places: int) -> Decimal:
    q = Decimal(1).scaleb(-places)
    return value.quantize(q, rounding=ROUND_HALF_UP)


def format_double(x: float, is_float: bool) -> str:
    """:func:`~schema_tools.dialect.types.format_real`, refusing what it cannot print."""
    try:
        return format_real(x, is_float)
    except ValueError as exc:
        raise OfflineError(str(exc)) from None


def _float_value(lit: Literal, col: str) -> float:
    return float(_number_of(lit, col))


def _to_float32(x: float) -> float:
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        raise OfflineError("float value out of range") from None


_DATE_RE = re.compile(r"^(\d{2}|\d{4})[^\w\s](\d{1,2})[^\w\s](\d{1,2})$")
_DATETIME_RE = re.compile(
    r"^(\d{2}|\d{4})[^\w\s](\d{1,2})[^\w\s](\d{1,2})(?:[ T]+)(\d{1,2})"
    r"(?:[^\w\s](\d{1,2})(?:[^\w\s](\d{1,2})(?:\.(\d+))?)?)?$")
_DATE_DIGITS_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_RE = re.compile(r"^(-?)(?:(\d+) +)?(\d{1,3}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?$")


def _year(text: str) -> int:
    """Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999."""
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _valid_date(y: int, m: int, d: int) -> bool:
    if (y, m, d) == (0, 0, 0):
        return True
    if not (1 <= m <= 12) or d < 1:
        return False
    days = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][m - 1]
    return d <= days


def _fraction(frac: str | None, fsp: int) -> str:
    if not fsp:
        return ""
    digits = (frac or "")[:fsp].ljust(fsp, "0")
    return "." + digits


def literal_default(lit: Literal, dtype: DataType, charset: str | None, col: str,
                    nullable: bool, collation: str | None = None) -> str:
    """The COLUMN_DEFAULT information_schema reports for a constant DEFAULT."""
    text = _literal_default(lit, dtype, charset, col, nullable, collation)
    if dtype.zerofill and text != "NULL":
        # ZEROFILL pads to the field length: the display width, M(+1 for the point) of
        # decimal(M,D), M of float(M,D), else 12 for float and 22 for double
        if dtype.name == "decimal":
            width = (dtype.length or 10) + (1 if dtype.scale else 0)
        elif dtype.name in ("float", "double"):
            width = dtype.length or (12 if dtype.name == "float" else 22)
        else:
            width = dtype.length or 0
        text = text.rjust(width, "0")
    return text


def _literal_default(  # noqa: C901 - one branch per literal kind and type family
        lit: Literal, dtype: DataType, charset: str | None, col: str,
        nullable: bool, collation: str | None = None) -> str:
    invalid = InvalidDefault(f"Invalid default value for '{col}'")
    if lit.kind == "null":
        if not nullable:
            raise invalid
        return "NULL"
    kind = type_kind(dtype.name)
    if kind == "int":
        value = _round_half_up(_number_of(lit, col), 0)
        lo, hi = integer_range(dtype.name, dtype.unsigned)
        if not lo <= value <= hi:
            raise invalid
        return str(int(value))
    if kind == "decimal":
        value = _round_half_up(_number_of(lit, col), dtype.scale or 0)
        if dtype.unsigned and value < 0:
            raise invalid
        if value == 0:
            value = abs(value)
        int_digits = (dtype.length or 10) - (dtype.scale or 0)
        if abs(value) >= Decimal(10) ** int_digits:
            raise invalid
        return f"{value:f}"
    if kind == "float":
        is_float = dtype.name == "float"
        fvalue = _float_value(lit, col)
        if dtype.unsigned and fvalue < 0:
            raise invalid
        if dtype.length is not None and dtype.scale is not None:
            # Field_real::truncate_double: the fraction is rounded with rint() (half to
            # even on the binary fvalue), then the range 10^(M-D) - 10^-D is checked
            d, m = dtype.scale, dtype.length
            scale = 10.0 ** d
            if not math.isinf(fvalue):
                fvalue = math.floor(fvalue) + round((fvalue - math.floor(fvalue)) * scale) / scale
            limit = 10.0 ** (m - d) - 1.0 / scale
            if fvalue > limit or fvalue < -limit:
                raise invalid
            if is_float:
                fvalue = _to_float32(fvalue)
            out = f"{fvalue:.{d}f}"
            if out.startswith("-") and float(out) == 0:
                out = out[1:]
            return out
        if is_float:
            if abs(fvalue) > 3.4028234663852886e38:
                raise invalid
            fvalue = _to_float32(fvalue)
        if fvalue == 0:
            return "0"
        return format_double(fvalue, is_float)
    if kind == "bit":
        if lit.kind == "string":
            raise OfflineError(f"a string default for bit column '{col}' is not supported offline")
        bits_or_none = int(_number_of(lit, col)) if lit.kind != "decimal" else None
        if bits_or_none is None or lit.kind == "float":
            raise OfflineError(f"a non-integer default for bit column '{col}' is not supported offline")
        bits = bits_or_none
        if bits < 0 or bits >= 2 ** (dtype.length or 1):
            raise invalid
        return f"b'{bits:b}'"
    if kind == "year":
        if lit.kind == "string":
            ym = re.fullmatch(r"\s*(\d{1,4})\s*", lit.text)
            if not ym:
                raise invalid
            n = int(ym.group(1))
            if len(ym.group(1)) <= 2:
                n = 2000 + n if n < 70 else 1900 + n
        elif lit.kind in ("int",):
            n = int(lit.text)
            if n == 0:
                return "0000" if dtype.length != 2 else "00"
            if 1 <= n <= 69:
                n += 2000
            elif 70 <= n <= 99:
                n += 1900
        else:
            raise OfflineError(f"this default for year column '{col}' is not supported offline")
        if not (1901 <= n <= 2155):
            raise invalid
        if dtype.length == 2:
            return f"{n % 100:02d}"
        return str(n)
    if kind in ("date", "datetime", "timestamp", "time"):
        return _temporal_default(lit, dtype, col, invalid)
    if kind in ("string", "binary", "enum", "set"):
        return _string_default(lit, dtype, charset, col, invalid, collation)
    raise OfflineError(f"a default for a {dtype.name} column is not supported offline")


def _temporal_default(lit: Literal, dtype: DataType, col: str, invalid: OfflineError) -> str:
    kind = dtype.name
    fsp = dtype.length or 0
    if lit.kind == "int" and lit.text == "0":
        if kind == "time":
            return "'00:00:00" + _fraction(None, fsp) + "'"
        if kind == "date":
            return "'0000-00-00'"
        return "'0000-00-00 00:00:00" + _fraction(None, fsp) + "'"
    if lit.kind == "int" and lit.text.isdigit():
        digits = lit.text
        if kind == "time" and len(digits) <= 6:
            digits = digits.rjust(6, "0")
            text = f"{digits[:-4] or '0'}:{digits[-4:-2]}:{digits[-2:]}"
        elif kind != "time" and len(digits) == 8:
            text = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
        elif kind != "time" and len(digits) == 14:
            text = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]} {digits[8:10]}:{digits[10:12]}:{digits[12:]}"
        else:
            raise OfflineError(f"this default for {kind} column '{col}' is not supported offline")
        lit = Literal("string", text)
    if lit.kind != "string":
        raise OfflineError(f"this default for {kind} column '{col}' is not supported offline")
    text = lit.text.strip()
    if kind == "time":
        m = _TIME_RE.match(text)
        if not m:
            raise OfflineError(f"time default {lit.text!r} for '{col}' is not supported offline")
        sign, days, h, mi, s, frac = m.groups()
        h, mi, s = int(h) + 24 * int(days or 0), int(mi), int(s or 0)
        if mi > 59 or s > 59 or h > 838:
            raise invalid
        return f"'{sign}{h:02d}:{mi:02d}:{s:02d}{_fraction(frac, fsp)}'"
    m = _DATE_RE.match(text) or _DATE_DIGITS_RE.match(text)
    if m:
        y, mo, d = _year(m.group(1)), int(m.group(2)), int(m.group(3))
        hh = mi = ss = 0
        frac = None
    else:
        m = _DATETIME_RE.match(text)
        if not m:
            raise OfflineError(f"{kind} default {lit.text!r} for '{col}' is not supported offline")
        y = _year(m.group(1))
        mo, d, hh = int(m.group(2)), int(m.group(3)), int(m.group(4))
        mi = int(m.group(5) or 0)
        ss = int(m.group(6) or 0)
        frac = m.group(7)
        if hh > 23 or mi > 59 or ss > 59:
            raise invalid
    if not _valid_date(y, mo, d):
        raise invalid
    if kind == "date":
        # the time part is truncated (a note)
        return f"'{y:04d}-{mo:02d}-{d:02d}'"
    if kind == "timestamp" and (y, mo, d) != (0, 0, 0) and not (1971 <= y <= 2037):
        raise OfflineError(f"timestamp default {lit.text!r} for '{col}' is not supported offline "
                           f"(time zone dependent range)")
    if (y, mo, d) == (0, 0, 0) and (hh, mi, ss) != (0, 0, 0):
        raise OfflineError(f"default {lit.text!r} for '{col}' is not supported offline")
    return f"'{y:04d}-{mo:02d}-{d:02d} {hh:02d}:{mi:02d}:{ss:02d}{_fraction(frac, fsp)}'"


def _encodable(value: str, charset: str | None) -> bool:
    if charset in (None, "utf8mb4", "binary"):
        return True
    if charset in ("utf8mb3",):
        return all(ord(c) <= 0xFFFF for c in value)
    if charset in ("latin1",):
        try:
            value.encode("cp1252")
            return True
        except UnicodeEncodeError:
            return False
    if charset == "ascii":
        return value.isascii()
    return value.isascii()


def _string_default(lit: Literal, dtype: DataType, charset: str | None, col: str,
                    invalid: OfflineError, collation: str | None = None) -> str:
    if lit.kind == "string":
        value = lit.text
        if lit.charset not in (None, "_utf8mb4", "_utf8mb3", "_utf8", "_latin1", "_binary"):
            raise OfflineError(f"introducer {lit.charset} is not supported offline")
    elif lit.kind in ("int", "decimal"):
        value = lit.text
        if lit.kind == "int":
            value = str(int(value))
        elif value.startswith(".") or value.startswith("-."):
            value = value.replace(".", "0.", 1)
    elif lit.kind == "float":
        value = format_double(float(lit.text), False)
    elif lit.kind == "hex":
        try:
            value = bytes.fromhex(lit.text).decode("utf-8") if lit.text else ""
        except (ValueError, UnicodeDecodeError):
            raise OfflineError(f"hex default for '{col}' is not supported offline") from None
    else:
        raise OfflineError(f"this default for '{col}' is not supported offline")
    name = dtype.name
    if any(ord(c) > 0x7F for c in value) and charset not in ("utf8mb4", "utf8mb3"):
        raise OfflineError(f"non-ASCII default for '{col}' in {charset or 'binary'} "
                           f"is not supported offline")
    if not _encodable(value, charset):
        raise invalid
    if name in ("enum", "set"):
        return quote_string(_enum_set_value(value, dtype, charset, invalid, collation))
    if name in ("char", "varchar", "binary", "varbinary"):
        size = len(value.encode("utf-8")) if name in ("binary", "varbinary") else len(value)
        if size > (dtype.length or 0):
            if value[dtype.length:].strip(" ") == "" and name in ("char", "varchar"):
                value = value[:dtype.length]
            else:
                raise invalid
        if name == "char":
            value = value.rstrip(" ")
        elif name == "binary":
            value = value + "\0" * ((dtype.length or 0) - len(value.encode("utf-8")))
        return quote_string(value)
    # text/blob
    limit = {"tinytext": 255, "tinyblob": 255, "text": 65535, "blob": 65535}.get(name)
    if limit is not None and len(value.encode("utf-8")) > limit:
        raise invalid
    return quote_string(value)


def _enum_set_value(value: str, dtype: DataType, charset: str | None,
                    invalid: OfflineError, collation: str | None = None) -> str:
    values = dtype.values

    insensitive = not (collation or "").endswith(("_bin", "_cs")) and collation != "binary"

    def find(v: str) -> str | None:
        v2 = v.rstrip(" ")
        for cand in values:
            if cand.rstrip(" ") == v2 or (insensitive and cand.rstrip(" ").lower() == v2.lower()):
                return cand
        return None

    if dtype.name == "enum":
        found = find(value)
        if found is None:
            raise invalid
        if any(c.lower() == found.lower() and c != found for c in values):
            raise OfflineError("enum values differing only in case are not supported offline")
        return found
    if value == "":
        return ""
    chosen = set()
    for part in value.split(","):
        found = find(part)
        if found is None:
            raise invalid
        chosen.add(found)
    return ",".join(v for v in values if v in chosen)


__all__ = ["ResolvedType", "resolve_type", "resolve_charset_pair", "literal_default",
           "constant_of", "Literal", "InvalidDefault", "format_double"]
