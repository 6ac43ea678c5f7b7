"""The values of tracked rows: ``QUOTE()`` texts to Python values and back, as the
server converts and formats them (:func:`to_text`, :func:`default_text`), and the
comparisons, truth and collation keys an expression over them needs (see :mod:`.data`).
"""

from __future__ import annotations

import calendar
import math
import re
import struct
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..dialect.types import BLOB_BYTES, INTEGER_BITS, TEXT_BYTES, format_real
from ..model.objects import Column
from .state import OfflineError


# ---------------------------------------------------------------------------------------
# Comparing values


def _pick(ca: str | None, cb: str | None, ea: tuple, eb: tuple) -> str | None:
    """The collation of a comparison: a column's wins over a literal's."""
    if ea[0] == "col" or ea[0] == "trim" and ea[3][0] == "col":
        return ca
    if eb[0] == "col" or eb[0] == "trim" and eb[3][0] == "col":
        return cb
    return ca or cb


def _truth(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, (int, Decimal, float)):
        return v != 0
    if isinstance(v, str):
        return _num_prefix(v) != 0
    if isinstance(v, bytes):
        return _num_prefix(v.decode("latin-1")) != 0
    return bool(v)


def _as_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, int):  # a bool too: TRUE is 1
        return str(int(v))
    if isinstance(v, Decimal):
        return _decimal_text(v)
    if isinstance(v, float):
        return format_double(v)
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise OfflineError("binary strings in text expressions are not computed offline") from None
    raise OfflineError("value not computed offline")


def _num_prefix(s: str) -> float:
    m = re.match(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", s)
    return float(m.group(1)) if m else 0.0


def _compare(op: str, a: Any, b: Any, coll: str | None) -> int | None:
    if op == "<=>":
        if a is None or b is None:
            return int(a is None and b is None)
        op = "="
    if a is None or b is None:
        return None
    x: Any
    y: Any
    if isinstance(a, bytes) or isinstance(b, bytes):
        if isinstance(a, bytes) and isinstance(b, bytes):
            x, y = a, b
        else:
            raise OfflineError("comparing binary strings is not computed offline")
    elif isinstance(a, str) and isinstance(b, str):
        x, y = _coll_key(a, coll), _coll_key(b, coll)
    else:
        x, y = _number(a), _number(b)
        if isinstance(x, float) or isinstance(y, float):
            x, y = float(x), float(y)
    if op == "=":
        return int(x == y)
    if op in ("<>", "!="):
        return int(x != y)
    if op == "<":
        return int(x < y)
    if op == ">":
        return int(x > y)
    if op == "<=":
        return int(x <= y)
    return int(x >= y)


def _number(v: Any) -> int | Decimal | float:
    if isinstance(v, str):
        if re.fullmatch(r"\s*[+-]?\d+\s*", v):
            return int(v)
        if re.fullmatch(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*", v):
            return Decimal(v.strip())
        return _num_prefix(v)
    return v


def _equal(a: Any, b: Any, coll: str | None) -> bool:
    return _compare("=", a, b, coll) == 1


def _coll_key(s: str, coll: str | None) -> str:
    """The comparison key of ``s`` under ``coll``: exact for binary collations and for
    ASCII text under the case-insensitive ones; other text is not compared offline."""
    coll = (coll or "").lower()
    pad = "nopad" not in coll
    if pad:
        s = s.rstrip(" ")
    if coll.endswith("_bin") or coll == "binary" or not coll:
        return s
    if not coll.endswith("_ci"):
        raise OfflineError(f"comparing text under collation {coll} is not computed offline")
    if not s.isascii():
        raise OfflineError(f"comparing non-ASCII text under collation {coll} is not computed offline")
    return s.upper()


def _like(s: str, pat: str, esc: str, coll: str | None) -> bool:
    rx = []
    i = 0
    while i < len(pat):
        ch = pat[i]
        if ch == esc and i + 1 < len(pat):
            rx.append(re.escape(pat[i + 1]))
            i += 2
            continue
        rx.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    c = (coll or "").lower()
    if c.endswith("_ci"):
        if not (s.isascii() and pat.isascii()):
            raise OfflineError(f"LIKE on non-ASCII text under {c} is not computed offline")
        return re.fullmatch("".join(rx), s, re.S | re.I) is not None
    return re.fullmatch("".join(rx), s, re.S) is not None


# ---------------------------------------------------------------------------------------
# Values: QUOTE() texts to Python values and back

_INT_BITS = {**INTEGER_BITS, "integer": INTEGER_BITS["int"]}
_CODECS = {"latin1": "cp1252", "utf8mb4": "utf-8", "utf8mb3": "utf-8", "utf8": "utf-8",
           "ascii": "ascii"}


def quote(s: str) -> str:
    """MariaDB's QUOTE(): backslash, quote, NUL and Ctrl-Z escaped."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\0", "\\0").replace(
        "\x1a", "\\Z") + "'"


_QUOTED_ESCAPES = {"0": "\0", "Z": "\x1a"}
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)  # a backslash and the character it escapes


def _unquote_text(text: str) -> str:
    return _ESCAPED.sub(lambda m: _QUOTED_ESCAPES.get(m[1], m[1]), text[1:-1])


def _plain(text: str) -> str:
    if text == "NULL":
        return "NULL"
    if text.startswith("x'"):
        return text[2:-1]
    return _unquote_text(text)


def _typed(col: Column, text: str) -> Any:
    """The Python value of a stored QUOTE() text in column ``col``."""
    if text == "NULL":
        return None
    name = col.type.name
    if text.startswith("x'") or text.startswith("X'"):
        return bytes.fromhex(text[2:-1])
    s = _unquote_text(text)
    if name in _INT_BITS:
        return int(s)
    if name in ("decimal", "numeric"):
        return Decimal(s)
    if name in ("float", "double", "real"):
        return float(s)
    return s


def to_text(col: Column, v: Any, strict: bool) -> str:  # noqa: C901 - one branch per column type family
    """The QUOTE() text the server stores for value ``v`` in column ``col``."""
    if v is None:
        return "NULL"
    t = col.type
    name = t.name
    adjusted = ("" if strict else " (the server would adjust it silently; not computed offline)")

    def out_of_range() -> OfflineError:
        return OfflineError(f"Out of range value for column '{col.name}' at row 1{adjusted}")

    def incorrect(kind: str) -> OfflineError:
        shown = v.hex() if isinstance(v, bytes) else _as_text(v)
        return OfflineError(f"Incorrect {kind} value: '{shown}' "
                            f"for column `{col.name}` at row 1{adjusted}")

    if name in _INT_BITS:
        n = _to_int(v, incorrect("integer"))
        bits = _INT_BITS[name]
        lo, hi = (0, 2 ** bits - 1) if t.unsigned else (-2 ** (bits - 1), 2 ** (bits - 1) - 1)
        if not lo <= n <= hi:
            raise out_of_range()
        text = str(n)
        if t.zerofill and t.length:
            text = text.zfill(t.length)
        return quote(text)
    if name in ("decimal", "numeric"):
        d = _to_decimal(v, incorrect("decimal"))
        p, s = t.length or 10, t.scale or 0
        q = d.quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
        if abs(q) >= Decimal(10) ** (p - s) or (t.unsigned and q < 0):
            raise out_of_range()
        if q == 0:
            q = abs(q)
        text = f"{q:f}"
        if t.zerofill and t.length:
            raise OfflineError("ZEROFILL decimals are not computed offline")
        return quote(text)
    if name in ("float", "double", "real"):
        f = float(_to_decimal(v, incorrect("double"))) if not isinstance(v, float) else v
        if t.unsigned and f < 0:
            raise out_of_range()
        if t.zerofill:
            raise OfflineError("ZEROFILL floating-point columns are not computed offline")
        if t.scale is not None:
            if name == "float":
                f = _float32(f, out_of_range)
            d = Decimal(repr(f)).quantize(Decimal(1).scaleb(-t.scale), rounding=ROUND_HALF_UP)
            if abs(d) >= Decimal(10) ** ((t.length or 0) - t.scale):
                raise out_of_range()
            return quote(f"{abs(d) if d == 0 else d:f}")
        if name == "float":
            return quote(format_float(_float32(f, out_of_range)))
        if f in (float("inf"), float("-inf")) or f != f:
            raise out_of_range()
        return quote(format_double(f))
    if name in ("char", "varchar") or name in TEXT_BYTES:
        text = _to_str(v, col)
        if name in ("char", "varchar"):
            if len(text) > (t.length or 0):
                raise OfflineError(f"Data too long for column '{col.name}' at row 1{adjusted}")
        elif len(text.encode("utf-8")) > TEXT_BYTES[name]:
            raise OfflineError(f"Data too long for column '{col.name}' at row 1{adjusted}")
        if name == "char":
            text = text.rstrip(" ")
        return quote(text)
    if name == "enum":
        if isinstance(v, str):
            for member in t.values:
                if _coll_key(member, col.collation) == _coll_key(v, col.collation):
                    return quote(member)
            raise OfflineError(f"Data truncated for column '{col.name}' at row 1{adjusted}")
        n = _to_int(v, incorrect("enum"))
        if 1 <= n <= len(t.values):
            return quote(t.values[n - 1])
        raise OfflineError(f"Data truncated for column '{col.name}' at row 1{adjusted}")
    if name == "set":
        if not isinstance(v, str):
            raise OfflineError("numeric SET values are not computed offline")
        wanted = {_coll_key(p, col.collation) for p in v.split(",")} if v else set()
        chosen = [m for m in t.values if _coll_key(m, col.collation) in wanted]
        if len(chosen) != len(wanted):
            raise OfflineError(f"Data truncated for column '{col.name}' at row 1{adjusted}")
        return quote(",".join(chosen))
    if name in ("binary", "varbinary") or name in BLOB_BYTES:
        b = v if isinstance(v, bytes) else _as_text(v).encode("utf-8")
        limit = BLOB_BYTES.get(name, t.length or 0)
        if len(b) > limit:
            raise OfflineError(f"Data too long for column '{col.name}' at row 1{adjusted}")
        if name == "binary":
            b = b.ljust(t.length or 0, b"\0")
        return "x'" + b.hex().upper() + "'"
    if name in ("date", "datetime", "timestamp", "time", "year"):
        return quote(_temporal(col, v, adjusted))
    raise OfflineError(f"values of {name} columns are not computed offline")


def _to_int(v: Any, err: OfflineError) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, Decimal):
        return int(v.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise err
        return int(round(v))
    if isinstance(v, str) and re.fullmatch(r"[+-]?\d+", v):
        return int(v)
    if isinstance(v, str):
        raise OfflineError(f"{err} (text that is not a plain integer is not computed offline)")
    raise err


def _to_decimal(v: Any, err: OfflineError) -> Decimal:
    if isinstance(v, bool):
        return Decimal(int(v))
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str) and re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", v):
        return Decimal(v)
    raise err


def _to_str(v: Any, col: Column) -> str:
    s = v.decode(_codec(col)) if isinstance(v, bytes) else _as_text(v)
    try:
        s.encode(_codec(col))
    except UnicodeEncodeError:
        raise OfflineError(f"Incorrect string value for column '{col.name}'") from None
    if col.charset in ("utf8mb3", "utf8") and any(ord(ch) > 0xFFFF for ch in s):
        raise OfflineError(f"Incorrect string value for column '{col.name}'")
    return s


def _codec(col: Column) -> str:
    codec = _CODECS.get((col.charset or "").lower())
    if codec is None:
        raise OfflineError(f"text in character set {col.charset} is not computed offline")
    return codec


def _float32(f: float, err: Callable[[], OfflineError]) -> float:
    try:
        return struct.unpack("f", struct.pack("f", f))[0]
    except OverflowError:
        raise err() from None


def format_double(f: float) -> str:
    """A DOUBLE as the server prints it (:func:`~schema_tools.dialect.types.format_real`);
    an infinity or a NaN is refused, as the server refuses the value."""
    if math.isinf(f) or math.isnan(f):
        raise OfflineError(f"the value {Decimal(repr(f))} is out of the DOUBLE range: not computed offline")
    return format_real(f)


def format_float(f: float) -> str:
    """A FLOAT as the server prints it: six significant digits."""
    if math.isinf(f) or math.isnan(f):
        raise OfflineError(f"the value {Decimal(repr(f))} is out of the DOUBLE range: not computed offline")
    return format_real(f, single=True)


def _decimal_text(d: Decimal) -> str:
    return f"{d:f}"


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?")


def _temporal(col: Column, v: Any, adjusted: str) -> str:
    name = col.type.name
    if name == "year":
        n = _to_int(v, OfflineError(f"Incorrect year value for column '{col.name}'"))
        if isinstance(v, str) and len(v) != 4:
            raise OfflineError("two-digit years are not computed offline")
        if n == 0 or 1901 <= n <= 2155:
            return f"{n:04d}"
        raise OfflineError(f"Out of range value for column '{col.name}' at row 1{adjusted}")
    if not isinstance(v, str):
        raise OfflineError(f"numbers as {name} values are not computed offline")
    s = v.strip()
    fsp = col.type.length or 0
    bad = OfflineError(f"Incorrect {name} value: '{v}' for column `{col.name}` at row 1{adjusted}")
    if name == "time":
        m = re.fullmatch(r"(-?)(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?", s)
        if m is None or int(m.group(3)) > 59 or int(m.group(4)) > 59 or int(m.group(2)) > 838:
            raise bad
        frac = m.group(5) or ""
        if len(frac.rstrip("0")) > fsp:
            raise OfflineError("fractional seconds beyond the column's precision are not computed offline")
        text = f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3)}:{m.group(4)}"
        return text + ("." + frac.ljust(fsp, "0")[:fsp] if fsp else "")
    m = re.fullmatch(rf"{_DATE.pattern}(?:[ T]{_TIME.pattern})?", s)
    if m is None:
        raise bad
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if (y, mo, d) == (0, 0, 0) or mo == 0 or d == 0:
        raise OfflineError("zero dates are not computed offline")
    if mo > 12 or d > calendar.monthrange(y or 2000, mo)[1]:
        raise bad
    date = f"{y:04d}-{mo:02d}-{d:02d}"
    if name == "date":
        if m.group(4) is not None:
            raise OfflineError("a time in a DATE value is not computed offline")
        return date
    hh, mi, ss = (int(m.group(i)) if m.group(i) else 0 for i in (4, 5, 6))
    if hh > 23 or mi > 59 or ss > 59:
        raise bad
    frac = m.group(7) or ""
    if len(frac.rstrip("0")) > fsp:
        raise OfflineError("fractional seconds beyond the column's precision are not computed offline")
    text = f"{date} {hh:02d}:{mi:02d}:{ss:02d}" + ("." + frac.ljust(fsp, "0")[:fsp] if fsp else "")
    if name == "timestamp" and not ("1970-01-01 00:00:01" <= text[:19] <= "2038-01-19 03:14:07"):
        raise OfflineError("TIMESTAMP values near or outside the range depend on the time "
                           "zone: not computed offline")
    return text


def default_text(col: Column) -> str:
    """The QUOTE() text of a column's DEFAULT (the model's spelling of it)."""
    d = col.default
    if d is None or d == "NULL":
        return "NULL"
    if d.startswith("'") and d.endswith("'"):
        body = d[1:-1]
        out, i = [], 0
        while i < len(body):  # the model's quote_string(): '' and backslash escapes
            ch = body[i]
            if ch == "'" and body[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
            elif ch == "\\" and i + 1 < len(body):
                out.append({"0": "\0", "n": "\n", "r": "\r", "Z": "\x1a"}.get(body[i + 1], body[i + 1]))
                i += 2
            else:
                out.append(ch)
                i += 1
        value: Any = "".join(out)
        if col.type.name in ("binary", "varbinary") or col.type.name in BLOB_BYTES:
            value = value.encode("utf-8")
        return to_text(col, value, True)
    if re.fullmatch(r"-?\d+", d):
        return to_text(col, int(d), True)
    if re.fullmatch(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", d):
        return to_text(col, Decimal(d) if "e" not in d.lower() else float(d), True)
    raise OfflineError(f"the default of column '{col.name}' ({d}) is not computed offline")


def implicit_default(col: Column) -> str:
    """The value the server gives a NOT NULL column without DEFAULT outside strict mode."""
    name = col.type.name
    if name in _INT_BITS or name in ("decimal", "numeric", "float", "double", "real"):
        return to_text(col, 0, True)
    if name in ("char", "varchar") or name in TEXT_BYTES:
        return "''"
    if name == "enum":
        return quote(col.type.values[0]) if col.type.values else "''"
    if name == "set":
        return "''"
    if name in ("binary", "varbinary") or name in BLOB_BYTES:
        return to_text(col, b"", True)
    raise OfflineError(f"the implicit default of column '{col.name}' is not computed offline")
