"""Every MariaDB/MySQL difference the tool knows about, in one place.

The canonical model uses the spelling of the flavour that produced it.  Supported and
tested: MariaDB 10.11.  MySQL 8 code paths exist where they are cheap but are not
tested here; where MySQL behaves differently and the tool does not handle it yet, the
self-check of introspection reports the table as unsupported rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Flavour:
    name: str  # "mariadb" or "mysql"
    version: tuple[int, int, int] = (0, 0, 0)

    @property
    def is_mariadb(self) -> bool:
        return self.name == "mariadb"

    @property
    def client_binary(self) -> str:
        return "mariadb" if self.is_mariadb else "mysql"

    @property
    def dump_binary(self) -> str:
        return "mariadb-dump" if self.is_mariadb else "mysqldump"

    @property
    def reports_display_width(self) -> bool:
        """MariaDB always shows int display widths; MySQL 8.0.19+ drops them."""
        return self.is_mariadb or self.version < (8, 0, 19)

    @property
    def has_check_level(self) -> bool:
        """MariaDB 10.5.10+ says in CHECK_CONSTRAINTS.LEVEL whether a check is per column."""
        return self.is_mariadb and self.version >= (10, 5, 10)

    @property
    def has_index_ignored(self) -> bool:
        return self.is_mariadb and self.version >= (10, 6, 0)

    @property
    def has_view_algorithm_column(self) -> bool:
        return self.is_mariadb

    def normalize_default(self, default: str | None, extra: str, data_type: str) -> str | None:
        """The COLUMN_DEFAULT of information_schema, in the model's spelling.

        MariaDB 10.2.7+ already reports SQL text (quoted literals, ``NULL``, expressions).
        MySQL reports the bare value and flags expressions with DEFAULT_GENERATED.
        """
        if self.is_mariadb:
            return default
        if default is None:
            return None
        if "DEFAULT_GENERATED" in extra.upper():
            return default if default.endswith(")") else f"{default.lower()}()"
        if re.fullmatch(r"-?[0-9.]+", default) and data_type not in ("char", "varchar", "text",
                                                                    "enum", "set"):
            return default
        return "'" + default.replace("\\", "\\\\").replace("'", "''") + "'"


def detect(version_string: str) -> Flavour:
    """Flavour and version from ``SELECT VERSION()``, e.g. ``10.11.19-MariaDB-0+deb12u1``."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", version_string)
    version = tuple(int(x) for x in m.groups()) if m else (0, 0, 0)
    name = "mariadb" if "mariadb" in version_string.lower() else "mysql"
    return Flavour(name, version)  # type: ignore[arg-type]


MARIADB = Flavour("mariadb", (10, 11, 0))


def parse_flavour(text: str) -> Flavour:
    """``mariadb``, ``mariadb:10.11``, ``mysql:8.0.36`` -> :class:`Flavour`."""
    from .errors import InputError

    name, _, version = text.partition(":")
    name = name.strip().lower()
    if name not in ("mariadb", "mysql"):
        raise InputError(f"unknown flavour {text!r}: use mariadb[:VERSION] or mysql[:VERSION]")
    parts = version.split(".") if version else (["10", "11", "0"] if name == "mariadb" else ["8", "0", "0"])
    try:
        nums = tuple(int(p) for p in parts) + (0, 0, 0)
    except ValueError:
        raise InputError(f"bad flavour version in {text!r}") from None
    return Flavour(name, nums[:3])  # type: ignore[arg-type]
