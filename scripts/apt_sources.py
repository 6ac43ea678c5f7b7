#!/usr/bin/env python3
"""Print the Debian suite and archive lines this machine's apt uses, for mmdebstrap.

Reads ``/etc/apt/sources.list.d/*.sources`` (deb822), ``/etc/apt/sources.list`` and
``/etc/apt/sources.list.d/*.list`` (one-line style).  The first line printed is the base
suite (the first enabled ``deb`` suite that is not ``-updates``/``-security``/
``-backports``...); each following line is a one-line ``deb [signed-by=...] URI SUITE
COMPONENTS`` entry for that suite and its ``-updates`` and ``-security`` suites, so an
image built from them gets the same packages, from the same mirror, as the machine.

Standard library only: it runs with the system's ``python3`` before any virtualenv exists.
Exit status 1 (with a message on stderr) when no usable entry is found.
"""

from __future__ import annotations

import glob
import os
import re
import sys
from dataclasses import dataclass

APT_DIR = "/etc/apt"
_DERIVED = re.compile(r"[-/](updates|security|backports|backports-sloppy|proposed-updates)$")


@dataclass(frozen=True)
class Entry:
    """One apt source: several URIs and suites, like a deb822 stanza."""

    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None


def parse_deb822(text: str) -> list[Entry]:
    """Entries of a deb822 ``.sources`` file (disabled and non-``deb`` stanzas skipped)."""
    entries = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in stanza.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and key is not None:  # continuation line
                fields[key] += "\n" + line.strip()
                continue
            name, sep, value = line.partition(":")
            if not sep:
                continue
            key = name.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").strip().lower() in ("no", "false", "0"):
            continue
        uris, suites = fields.get("uris", "").split(), fields.get("suites", "").split()
        if not uris or not suites:
            continue
        signed_by = fields.get("signed-by")
        if signed_by and ("\n" in signed_by or signed_by.startswith("-----")):
            signed_by = None  # an embedded key cannot go on a one-line entry
        entries.append(Entry(tuple(uris), tuple(suites),
                             tuple(fields.get("components", "").split()), signed_by))
    return entries


def parse_one_line(text: str) -> list[Entry]:
    """Entries of a one-line style ``sources.list`` (``deb-src`` lines skipped)."""
    entries = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb ") and not line.startswith("deb\t"):
            continue
        rest = line[3:].strip()
        options: dict[str, str] = {}
        if rest.startswith("["):
            inside, _, rest = rest[1:].partition("]")
            for item in inside.split():
                name, _, value = item.partition("=")
                options[name.lower()] = value
        words = rest.split()
        if len(words) < 2:
            continue
        entries.append(Entry((words[0],), (words[1],), tuple(words[2:]),
                             options.get("signed-by")))
    return entries


def read_entries(apt_dir: str = APT_DIR) -> list[Entry]:
    """All enabled ``deb`` entries of the machine, in the order apt reads them."""
    entries: list[Entry] = []
    main_list = os.path.join(apt_dir, "sources.list")
    if os.path.isfile(main_list):
        entries += parse_one_line(_read(main_list))
    for path in sorted(glob.glob(os.path.join(apt_dir, "sources.list.d", "*"))):
        if path.endswith(".sources"):
            entries += parse_deb822(_read(path))
        elif path.endswith(".list"):
            entries += parse_one_line(_read(path))
    return entries


def base_suite(entries: list[Entry]) -> str | None:
    """The first suite that is a release itself (not its -updates, -security...)."""
    for entry in entries:
        for suite in entry.suites:
            if not _DERIVED.search(suite) and "/" not in suite:
                return suite
    return None


def archive_lines(entries: list[Entry], suite: str) -> list[str]:
    """One-line entries for ``suite`` and its -updates/-security suites, deduplicated."""
    wanted = {suite, f"{suite}-updates", f"{suite}-security", f"{suite}/updates"}
    lines: list[str] = []
    for entry in entries:
        components = " ".join(entry.components) or "main"
        option = f"[signed-by={entry.signed_by}] " if entry.signed_by else ""
        for uri in entry.uris:
            for name in entry.suites:
                line = f"deb {option}{uri} {name} {components}"
                if name in wanted and line not in lines:
                    lines.append(line)
    return lines


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def main(argv: list[str]) -> int:
    apt_dir = argv[1] if len(argv) > 1 else APT_DIR
    entries = read_entries(apt_dir)
    suite = base_suite(entries)
    if suite is None:
        print(f"no enabled 'deb' entry in {apt_dir}/sources.list or sources.list.d/",
              file=sys.stderr)
        return 1
    print(suite)
    for line in archive_lines(entries, suite):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
