"""MariaDB 10.11 column types as facts: names and families, sizes and limits, the
character sets and collations, and how the server prints a floating-point number and
quotes an identifier.

These are the tables the offline reader resolves types with
(:func:`schema_tools.offline.types.resolve_type` for columns,
:func:`schema_tools.offline.routines.parse_type` for routine parameters) and that the
diff, review, migration and verification code classify types by.  Names are the model's
(lower case, as ``information_schema`` spells them) unless a table says it maps the
names as written.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources

# ---------------------------------------------------------------------------------------
# Integers

INTEGER_BYTES = {"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "bigint": 8}
INTEGER_NAMES = tuple(INTEGER_BYTES)  # narrowest first
INTEGER_BITS = {name: 8 * size for name, size in INTEGER_BYTES.items()}
INTEGER_TYPES = {  # written name (and alias): the integer type it is
    "tinyint": "tinyint", "int1": "tinyint", "bool": "tinyint", "boolean": "tinyint",
    "smallint": "smallint", "int2": "smallint",
    "mediumint": "mediumint", "int3": "mediumint", "middleint": "mediumint",
    "int": "int", "integer": "int", "int4": "int",
    "bigint": "bigint", "int8": "bigint",
}
DISPLAY_WIDTH = {  # the default display widths: (signed, unsigned)
    "tinyint": (4, 3), "smallint": (6, 5), "mediumint": (9, 8), "int": (11, 10),
    "bigint": (20, 20),
}
MAX_DISPLAY_WIDTH = 255


def integer_range(name: str, unsigned: bool) -> tuple[int, int]:
    """The smallest and largest value of integer type ``name``."""
    bits = INTEGER_BITS[name]
    return (0, 2 ** bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


# ---------------------------------------------------------------------------------------
# Fixed and floating point

DECIMAL_TYPES = {"decimal", "dec", "numeric", "fixed"}  # as written
DECIMAL_MAX_PRECISION = 65
DECIMAL_MAX_SCALE = 38
FLOAT_TYPES = {"float": "float", "float4": "float", "double": "double", "float8": "double",
               "real": "double", "double precision": "double"}  # as written: the type
FLOAT_MAX_SCALE = 30
FLOAT_SINGLE_MAX_PRECISION = 24  # float(p): float up to 24, double up to 53
FLOAT_MAX_PRECISION = 53

# ---------------------------------------------------------------------------------------
# Temporal

TEMPORAL_TYPES = ("date", "time", "datetime", "timestamp", "year")
TEMPORAL_FSP = {"time", "datetime", "timestamp"}  # the types with fractional seconds
MAX_FSP = 6

# ---------------------------------------------------------------------------------------
# Strings and binary strings

CHAR_MAX_LENGTH = 255  # char(n) and binary(n)
VARCHAR_MAX_BYTES = 65532  # the longest varchar/varbinary, in bytes
TEXT_TYPES = ("tinytext", "text", "mediumtext", "longtext")
BLOB_TYPES = ("tinyblob", "blob", "mediumblob", "longblob")
TEXT_LIMITS = (255, 65535, 16777215)  # byte limits of tiny/normal/medium
LOB_MAX_BYTES = 4294967295  # of longtext/longblob
TEXT_BYTES = dict(zip(TEXT_TYPES, (*TEXT_LIMITS, LOB_MAX_BYTES), strict=True))
BLOB_BYTES = dict(zip(BLOB_TYPES, (*TEXT_LIMITS, LOB_MAX_BYTES), strict=True))
TEXT_TO_BLOB = dict(zip(TEXT_TYPES, BLOB_TYPES, strict=True))
CHAR_TYPES = {"char", "character", "varchar", "varchar2", "nchar", "nvarchar", "national char",
              "national varchar", "long varchar", "tinytext", "text", "mediumtext", "longtext",
              "long", "enum", "set", "json"}  # as written: the types with a character set
SET_MAX_MEMBERS = 64


def sized_lob(nbytes: int, names: tuple[str, ...]) -> str:
    """The smallest of ``names`` (:data:`TEXT_TYPES` or :data:`BLOB_TYPES`) that holds
    ``nbytes`` bytes: what ``TEXT(n)`` and ``BLOB(n)`` become (0 is the plain type)."""
    if nbytes == 0:
        return names[1]
    for limit, name in zip(TEXT_LIMITS, names, strict=False):
        if nbytes <= limit:
            return name
    return names[3]


# ---------------------------------------------------------------------------------------
# Other types

SPATIAL_TYPES = {"geometry", "point", "linestring", "polygon", "multipoint",
                 "multilinestring", "multipolygon", "geometrycollection"}
PLUGIN_TYPES = {"uuid", "inet4", "inet6"}
BIT_MAX_LENGTH = 64


def type_kind(name: str) -> str:
    """The family of type ``name``: int, decimal, float, bit, string, binary, spatial,
    other, or the name itself for date, time, datetime, timestamp, year, enum and set."""
    if name in DISPLAY_WIDTH:
        return "int"
    if name == "decimal":
        return "decimal"
    if name in ("float", "double"):
        return "float"
    if name == "bit":
        return "bit"
    if name in TEMPORAL_TYPES:
        return name
    if name in ("char", "varchar") or name in TEXT_TYPES:
        return "string"
    if name in ("binary", "varbinary") or name in BLOB_TYPES:
        return "binary"
    if name in ("enum", "set"):
        return name
    if name in SPATIAL_TYPES:
        return "spatial"
    return "other"


# ---------------------------------------------------------------------------------------
# Printing


def quote_ident(name: str) -> str:
    """An identifier in backquotes, as SHOW CREATE prints one."""
    return "`" + name.replace("`", "``") + "`"


_REPR = re.compile(r"^(\d+)(?:\.(\d*))?(?:e([+-]\d+))?$")
MAX_DECPT_FOR_F_FORMAT = 15  # DBL_DIG: beyond it an integral value prints as 1e16


def format_real(x: float, single: bool = False) -> str:
    """A DOUBLE (a FLOAT when ``single``) as the server prints it: ``my_gcvt`` with the
    widths Field_double/Field_float::val_str give it.  A double keeps the shortest digits
    that read back the same, a float six significant digits; the fixed-point form is used
    unless the number needs more than 15 digits before the point and has none after it,
    or starts more than 14 zeros after it.  ValueError for an infinity or a NaN, which the
    server never stores."""
    if x == 0:
        return "0"
    if math.isinf(x) or math.isnan(x):
        raise ValueError("cannot print an infinite number")
    neg = x < 0
    ax = -x if neg else x
    if single:
        mant, exponent = format(ax, ".5e").split("e")  # 6 significant digits
        digits = mant.replace(".", "").rstrip("0") or "0"
        decpt = int(exponent) + 1
    else:
        m = _REPR.match(repr(ax))
        if not m:
            raise ValueError(f"cannot print number {ax!r}")
        ip, fp, ex = m.group(1), m.group(2) or "", int(m.group(3) or 0)
        lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
        decpt = len(ip) + ex - lead_zeros
        digits = (ip + fp).lstrip("0").rstrip("0") or "0"
    width = (68 if single else 329) - neg
    n = len(digits)
    if decpt <= 0:
        flen = n - decpt + 2
    elif decpt < n:
        flen = n + 1
    else:
        flen = decpt
    have_space = flen <= width
    if have_space and decpt >= 1 - MAX_DECPT_FOR_F_FORMAT and (
            decpt <= MAX_DECPT_FOR_F_FORMAT or n > decpt):
        if decpt <= 0:
            out = "0." + "0" * (-decpt) + digits
        elif decpt < n:
            out = digits[:decpt] + "." + digits[decpt:]
        else:
            out = digits + "0" * (decpt - n)
    elif have_space or decpt > width:
        e = decpt - 1
        out = digits[0] + ("." + digits[1:] if n > 1 else "") + "e" + ("-" if e < 0 else "") + str(abs(e))
    else:
        raise ValueError("cannot print this floating-point value offline")
    return ("-" if neg else "") + out


# ---------------------------------------------------------------------------------------
# Character sets and collations


@cache
def charset_data() -> dict:
    """MariaDB 10.11's character sets (``charsets``: name -> facts, ``maxlen`` among them)
    and collations (``collations``: name -> its character set)."""
    text = resources.files("schema_tools.data").joinpath("mariadb-10.11-charsets.json").read_text()
    return json.loads(text)
