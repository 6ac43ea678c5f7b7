"""The decisions file: how conflicts of the core are settled.

A TOML file with one ``[[decision]]`` table per conflict::

    [[decision]]
    object = "column:Proposal.code"   # the conflict's address, as the plan prints it
    action = "take"                   # take | site-specific | exclude
    site = "ESRF"                     # with take: whose definition enters the core
    rename = { DLS = "code_dls" }     # optional: rename the object at these sites first

``take``: the core holds ``site``'s definition; ``site-specific``: the object stays out
of the core, each site keeps its own; ``exclude``: it stays out of the core too, and
``rename`` (optional) renames it at the named sites, its data kept, so that the name is
free.  With ``take``, a site named in ``rename`` keeps its own object under the new name
and gets the core's under the old one.  ``rename`` applies to tables, columns and indexes.

A decision that names no current conflict (stale), an unknown site or an unknown action is
a :class:`DecisionError` (exit code 2), one line naming the file and the decision.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

ACTIONS = ("take", "site-specific", "exclude")
RENAMABLE = ("table", "column", "index")
_KEYS = frozenset({"object", "action", "site", "rename", "note"})


class DecisionError(InputError):
    """The decisions file does not fit the sites: malformed, stale or naming an unknown site."""


@dataclass(frozen=True)
class Decision:
    """One settled conflict; ``number`` is its place in the file (1-based)."""

    object: str
    action: str
    site: str | None = None
    rename: tuple[tuple[str, str], ...] = ()
    note: str = ""
    number: int = 0
    file: str = ""

    def where(self) -> str:
        return f"{self.file}: decision {self.number} ({self.object})"

    def describe(self) -> str:
        out = f"take {self.site}'s definition" if self.action == "take" else self.action
        if self.rename:
            out += "; renamed at " + ", ".join(f"{s} to {n}" for s, n in self.rename)
        return out


def read_decisions(path: str | Path) -> list[Decision]:
    """The decisions of ``path``, checked for form (not yet against the sites)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DecisionError(f"{path}: no such decisions file") from None
    except tomllib.TOMLDecodeError as exc:
        raise DecisionError(f"{path}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"decision"})
    if extra:
        raise DecisionError(f"{path}: unknown top-level key(s) {', '.join(extra)}; "
                            f"write each decision as a [[decision]] table")
    items = data.get("decision", [])
    if not isinstance(items, list):
        raise DecisionError(f"{path}: write each decision as a [[decision]] table")
    out: list[Decision] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items, 1):
        where = f"{path}: decision {i}"
        unknown = sorted(set(item) - _KEYS)
        if unknown:
            raise DecisionError(f"{where}: unknown key(s) {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(_KEYS))})")
        obj, action = item.get("object"), item.get("action")
        if not isinstance(obj, str) or ":" not in obj:
            raise DecisionError(f"{where}: `object` must be an address such as \"column:Table.name\"")
        if action not in ACTIONS:
            raise DecisionError(f"{where} ({obj}): unknown action {action!r}; use {', '.join(ACTIONS)}")
        site = item.get("site")
        if action == "take" and not isinstance(site, str):
            raise DecisionError(f"{where} ({obj}): take needs `site`, the site whose definition enters the core")
        if action != "take" and site is not None:
            raise DecisionError(f"{where} ({obj}): `site` goes with take only")
        rename = item.get("rename", {})
        if not isinstance(rename, dict) or not all(isinstance(v, str) and v for v in rename.values()):
            raise DecisionError(f"{where} ({obj}): `rename` maps site names to new names")
        if rename and obj.split(":", 1)[0] not in RENAMABLE:
            raise DecisionError(f"{where} ({obj}): rename applies to {', '.join(RENAMABLE)} only")
        if action == "site-specific" and rename:
            raise DecisionError(f"{where} ({obj}): rename goes with take or exclude")
        if action == "take" and site in rename:
            raise DecisionError(f"{where} ({obj}): {site} gives the core its definition; it cannot "
                                f"rename its own")
        key = obj.lower()
        if key in seen:
            raise DecisionError(f"{where} ({obj}): decided already by decision {seen[key]}")
        seen[key] = i
        out.append(Decision(obj, action, site, tuple(sorted(rename.items())),
                            str(item.get("note", "")), i, str(path)))
    return out


__all__ = ["ACTIONS", "Decision", "DecisionError", "read_decisions"]
