"""Which column type changes can lose or reject existing values."""

from __future__ import annotations

from ..dialect.types import BLOB_BYTES, BLOB_TYPES, INTEGER_BITS, TEXT_BYTES as _TEXT_BYTES, TEXT_TYPES
from ..model.objects import DataType

INT_BITS = {**INTEGER_BITS, "integer": INTEGER_BITS["int"]}
TEXT_BYTES = {**_TEXT_BYTES, **BLOB_BYTES}  # of text and blob types
_CHAR = ("char", "varchar")
_BINARY = ("binary", "varbinary")
_TEXTS = TEXT_TYPES
_BLOBS = BLOB_TYPES
_TEMPORAL_ORDER = {"year": 0, "date": 1, "datetime": 2}

# how much of Unicode a character set can store: a conversion to a smaller one loses data
REPERTOIRE = {"ascii": 1, "binary": 4, "latin1": 2, "latin2": 2, "cp1250": 2, "cp1251": 2,
              "cp1256": 2, "cp1257": 2, "greek": 2, "hebrew": 2, "koi8r": 2, "koi8u": 2,
              "utf8mb3": 3, "utf8": 3, "ucs2": 3, "utf8mb4": 4, "utf16": 4, "utf16le": 4,
              "utf32": 4}


def int_range(t: DataType) -> tuple[int, int]:
    bits = INT_BITS[t.name]
    return (0, 2 ** bits - 1) if t.unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def _decimal_digits(t: DataType) -> tuple[int, int]:
    """(integer digits, fractional digits)."""
    length = t.length if t.length is not None else 10
    scale = t.scale or 0
    return length - scale, scale


def sign_loses(old: DataType, new: DataType) -> bool:
    """A change of sign where existing values can fall out of the new range."""
    if old.unsigned == new.unsigned:
        return False
    if old.name in INT_BITS and new.name in INT_BITS:
        lo, hi = int_range(old)
        nlo, nhi = int_range(new)
        return lo < nlo or hi > nhi
    return new.unsigned  # decimal, float, double: negative values are refused


def narrows(old: DataType, new: DataType) -> str | None:  # noqa: C901 - one branch per pair of type families
    """Why ``new`` cannot hold every value of ``old`` (sign aside; enum/set values
    aside), or ``None`` when it can."""
    a, b = old.name, new.name
    if a in INT_BITS and b in INT_BITS:
        if INT_BITS[b] < INT_BITS[a] and old.unsigned == new.unsigned:
            return f"{old} -> {new}: smaller integer type"
        return None
    if a in INT_BITS and b in ("decimal", "double", "float"):
        if b == "decimal" and _decimal_digits(new)[0] < len(str(2 ** INT_BITS[a])):
            return f"{old} -> {new}: too few integer digits"
        if b == "float" and INT_BITS[a] > 24:
            return f"{old} -> {new}: float keeps 24 bits of precision"
        return None
    if a == "decimal" and b == "decimal":
        (ia, fa), (ib, fb) = _decimal_digits(old), _decimal_digits(new)
        if ib < ia:
            return f"{old} -> {new}: fewer integer digits"
        if fb < fa:
            return f"{old} -> {new}: fewer decimal places (values are rounded)"
        return None
    if a == "double" and b == "float":
        return f"{old} -> {new}: single precision"
    if a in ("float", "double") and b in ("float", "double"):
        return None
    for sized, lobs in ((_CHAR, _TEXTS), (_BINARY, _BLOBS)):
        if a in (sized + lobs) and b in (sized + lobs):
            la = old.length if a in sized else TEXT_BYTES[a]
            lb = new.length if b in sized else TEXT_BYTES[b]
            if la is not None and lb is not None and lb < la:
                return f"{old} -> {new}: shorter"
            return None
    if a in ("enum", "set") and b == a:
        return None
    if a in ("enum", "set") and b in (_CHAR + _TEXTS):
        longest = max((len(v) for v in old.values), default=0)
        lb = new.length if b in _CHAR else TEXT_BYTES[b]
        return f"{old.name} -> {new}: values longer than {lb}" if lb is not None and lb < longest else None
    if a in _TEMPORAL_ORDER and b in _TEMPORAL_ORDER:
        if _TEMPORAL_ORDER[b] < _TEMPORAL_ORDER[a]:
            return f"{old} -> {new}: loses the time of day" if a == "datetime" else f"{old} -> {new}"
        return None
    if a in ("datetime", "timestamp", "time") and b == a:
        if (new.length or 0) < (old.length or 0):
            return f"{old} -> {new}: fewer fractional seconds"
        return None
    if a == "timestamp" and b == "datetime":
        return None
    if a == "datetime" and b == "timestamp":
        return f"{old} -> {new}: timestamp holds 1970-2038 only"
    if a == "bit" and b == "bit":
        return f"{old} -> {new}: fewer bits" if (new.length or 1) < (old.length or 1) else None
    if a == b:
        return None
    return f"{old} -> {new}: a different kind of value"


def enum_removed(old: DataType, new: DataType) -> tuple[str, ...]:
    if old.name in ("enum", "set") and new.name == old.name:
        return tuple(v for v in old.values if v not in new.values)
    return ()


def charset_loses(old: str | None, new: str | None) -> bool:
    """A conversion from ``old`` to ``new`` can turn characters into ``?``."""
    if not old or not new or old == new:
        return False
    ra, rb = REPERTOIRE.get(old, 2), REPERTOIRE.get(new, 2)
    if old == "ascii":
        return False
    if rb < ra:
        return True
    return ra == rb == 2  # two different single-byte character sets
