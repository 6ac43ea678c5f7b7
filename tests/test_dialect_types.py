"""The MariaDB type facts of :mod:`schema_tools.dialect.types`."""

from __future__ import annotations

import struct

import pytest

from schema_tools.dialect.types import (
    BLOB_TYPES, TEXT_TYPES, format_real, integer_range, sized_lob, type_kind,
)


def _single(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


@pytest.mark.parametrize(("value", "printed"), [
    (0.0, "0"), (-0.0, "0"), (0.1, "0.1"), (-1.5, "-1.5"), (999999999999999.0, "999999999999999"),
    (1e15, "1e15"), (1234567890123456.8, "1234567890123456.8"), (0.000001, "0.000001"),
    (1e-15, "0.000000000000001"), (1e-16, "1e-16"), (1.7976931348623157e308, "1.7976931348623157e308"),
    (2686181136164321.5, "2686181136164321.5"), (2.550690257394217e-24, "2.550690257394217e-24"),
])
def test_a_double_prints_as_my_gcvt_does(value, printed):
    """The printed values are QUOTE() of a DOUBLE column on MariaDB 10.11."""
    assert format_real(value) == printed


@pytest.mark.parametrize(("value", "printed"), [
    (0.1, "0.1"), (1.23456789, "1.23457"), (1234567.0, "1234570"), (16777217.0, "16777200"),
    (1e-45, "1.4013e-45"), (3.4e38, "3.4e38"),
])
def test_a_float_prints_six_significant_digits(value, printed):
    """The printed values are QUOTE() of a FLOAT column on MariaDB 10.11."""
    assert format_real(_single(value), single=True) == printed


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_no_infinity_is_printed(value):
    with pytest.raises(ValueError, match="infinite"):
        format_real(value)


def test_integer_ranges():
    assert integer_range("tinyint", False) == (-128, 127)
    assert integer_range("mediumint", True) == (0, 16777215)
    assert integer_range("bigint", False) == (-(2 ** 63), 2 ** 63 - 1)


def test_sized_lobs_take_the_smallest_type_that_holds_the_bytes():
    assert [sized_lob(n, TEXT_TYPES) for n in (0, 1, 255, 256, 65535, 65536, 16777216)] == [
        "text", "tinytext", "tinytext", "text", "text", "mediumtext", "longtext"]
    assert sized_lob(300, BLOB_TYPES) == "blob"


def test_type_kinds():
    assert [type_kind(n) for n in ("mediumint", "decimal", "double", "bit", "year", "varchar",
                                   "longblob", "set", "point", "json")] == [
        "int", "decimal", "float", "bit", "year", "string", "binary", "set", "spatial", "other"]
