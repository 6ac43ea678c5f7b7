"""Diff reports: a list of typed changes as text, JSON, Markdown or HTML.

``render_diff(changes, a_label=..., b_label=..., fmt=...)`` is the one entry point; the
per-change lines, ordering and summary it builds on are in :mod:`.change_lines`.

Every format shows the same changes in the same order: first a database-level change
(default charset/collation), then one group per table (by name, case-insensitively), then
the database-level objects (views, routines, triggers, events).  Inside a group, changes
are ordered by kind, name and action, so the output is byte-identical across runs and
does not depend on the order of ``changes``.

Names come from schemas and are treated as hostile: control and invisible formatting
characters (newlines, bidi overrides, zero-width spaces) are shown as ``\\uXXXX`` escapes
in text, Markdown and HTML, Markdown puts names in code spans or fenced blocks, and HTML
escapes everything and forbids every network fetch and every script but its own through
a Content-Security-Policy.  The JSON format (documented in ``docs/diff-json.md``) keeps
the values exactly.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..dialect.ddl import create_event, create_routine, create_table, create_trigger, create_view
from ..diff.changes import Add, Alter, Change, Drop, Rename
from ..model.snapshot import encode_value, to_dict
from .change_lines import (
    ACTIONS, apart_line, change_object, clean, count_word, display_name, group_changes,
    kind_label, lone_table_change, long_diffs, order_changes, raw_line, side_values, summarize,
    summarize_apart, summary_line, unwrap,
)

FORMATS = ("text", "json", "markdown", "html")
JSON_FORMAT = "schema-tools-diff"
JSON_VERSION = 1
_ACTION_WORDS = {"add": "added", "drop": "dropped", "alter": "altered", "rename": "renamed"}
_COLLAPSE = 10  # Markdown: lists longer than this go into <details>
_DB_OBJECT_TITLES = {"view": "Views", "routine": "Routines", "trigger": "Triggers",
                     "event": "Events", "data": "Lookup data"}


# ---------------------------------------------------------------------------------------
# Text


def _render_text(changes: list[Change], a_label: str, b_label: str,
                 apart: Sequence[Alter] | None = None) -> str:
    out = [f"--- a: {clean(a_label)}", f"+++ b: {clean(b_label)}", ""]
    if not changes:
        out += ["no differences", ""]
    headed = False
    for (section, _, name), items in group_changes(changes):
        if section == 0 or (section == 1 and lone_table_change(items)):
            # added/dropped tables (and the database defaults) one per line, no heading
            if headed:
                out.append("")
            out += [clean(raw_line(c)) for c in items]
            headed = False
        else:
            if out[-1] != "":
                out.append("")
            title = f"table {name}" if section == 1 else _DB_OBJECT_TITLES.get(name, name).lower()
            out.append(clean(title))
            out += ["  " + clean(raw_line(c)) for c in items]
            out.append("")
            headed = True
    if out[-1] != "":
        out.append("")
    if apart:
        out.append(apart_line(apart))
    out.append(summary_line(summarize(changes)))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# JSON


def _json_object(obj: Any) -> dict[str, Any]:
    return to_dict(unwrap(obj))


def _json_change(change: Change) -> dict[str, Any]:
    table = change.name if change.kind == "table" else (change.table or None)
    out: dict[str, Any] = {"action": change.action, "kind": change.kind, "table": table,
                           "name": change.name, "path": change.path}
    if isinstance(change, Rename):
        out["old_name"] = change.old_name
        out["confirmed"] = change.confirmed
        out["reason"] = change.reason
    elif isinstance(change, Alter):
        out["changed"] = list(change.changed)
        out["old"] = {k: encode_value(k, v) for k, v in side_values(change, "old").items()}
        out["new"] = {k: encode_value(k, v) for k, v in side_values(change, "new").items()}
    else:
        assert isinstance(change, (Add, Drop)), type(change).__name__
        if change.kind == "column":
            out["after"] = change.place
        out["old" if change.action == "drop" else "new"] = _json_object(change_object(change))
    return out


def _render_json(changes: list[Change], a_label: str, b_label: str,
                 apart: Sequence[Alter] | None = None) -> str:
    doc = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "a": a_label,
        "b": b_label,
        "identical": not changes,
        "summary": dict(summarize(changes), unstated=summarize_apart(apart)),
        "changes": [_json_change(c) for c in changes],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------
# Markdown


def _md_code(text: str) -> str:
    """An inline code span that holds ``text`` whatever backticks it contains."""
    text = clean(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_block(lines: list[str], lang: str = "diff") -> list[str]:
    """A fenced block.  Lines are escaped (one name stays on one line) and the fence is
    longer than any run of backticks inside, so no line can close it early."""
    body = [clean(line, keep="\t") for line in lines]
    longest = max((len(m) for line in body for m in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + lang, *body, fence]


def _md_collapsible(summary_html: str, block: list[str], collapse: bool) -> list[str]:
    if not collapse:
        return block + [""]
    return [f"<details><summary>{summary_html}</summary>", "", *block, "", "</details>", ""]


def _md_long_diffs(items: Sequence[Change]) -> list[str]:
    out = []
    for c in items:
        if not isinstance(c, Alter):
            continue
        for attr, lines in long_diffs(c):
            title = html.escape(clean(f"{attr} of {kind_label(c)} {display_name(c)}"))
            out += _md_collapsible(title, _md_block(lines), True)
    return out


def _render_markdown(changes: list[Change], a_label: str, b_label: str,
                     apart: Sequence[Alter] | None = None) -> str:
    summary = summarize(changes)
    out = [f"## Schema diff: {_md_code(a_label)} -> {_md_code(b_label)}", ""]
    note = [html.escape(apart_line(apart), quote=False), ""] if apart else []
    if not changes:
        out += ["No differences.", ""] + note
        return "\n".join(out)
    head = f"**{count_word(summary['changes'], 'change')}**: " + ", ".join(
        f"{summary[a]} {_ACTION_WORDS[a]}" for a in ACTIONS)
    if summary["unconfirmed_renames"]:
        head += f"; **{summary['unconfirmed_renames']} likely rename(s) to confirm**"
    out += [head + ".", ""] + note
    out += ["| kind | added | dropped | altered | renamed |", "|:--|--:|--:|--:|--:|"]
    for kind, counts in summary["by_kind"].items():
        out.append(f"| {kind.replace('_', ' ')} | " + " | ".join(str(counts[a]) for a in ACTIONS) + " |")
    out.append("| **total** | " + " | ".join(f"**{summary[a]}**" for a in ACTIONS) + " |")
    out.append("")

    likely = [c for c in changes if isinstance(c, Rename) and not c.confirmed]
    if likely:
        out += [f"### Likely renames to confirm ({len(likely)})", ""]
        out += _md_block([raw_line(c) for c in likely]) + [""]

    groups = group_changes(changes)
    database = [c for (s, _, _), items in groups if s == 0 for c in items]
    if database:
        out += ["### Database", ""] + _md_block([raw_line(c) for c in database]) + [""]

    lone = [items[0] for (s, _, _), items in groups if s == 1 and lone_table_change(items)]
    for action, label in (("add", b_label), ("drop", a_label)):
        tables = [c for c in lone if c.action == action]
        if tables:
            out += [f"### Tables only in {_md_code(label)} ({len(tables)})", ""]
            out += _md_collapsible(count_word(len(tables), "table"),
                                   _md_block([raw_line(c) for c in tables]), len(tables) > _COLLAPSE)

    changed = [(name, items) for (s, _, name), items in groups if s == 1 and not lone_table_change(items)]
    if changed:
        out += [f"### Changed tables ({len(changed)})", ""]
        for name, items in changed:
            out += [f"#### {_md_code(name)} ({count_word(len(items), 'change')})", ""]
            out += _md_collapsible(count_word(len(items), "change"),
                                   _md_block([raw_line(c) for c in items]), len(items) > _COLLAPSE)
            out += _md_long_diffs(items)

    objects = [(kind, items) for (s, _, kind), items in groups if s == 2]
    if objects:
        out += ["### Database objects", ""]
        for kind, items in objects:
            out += [f"#### {_DB_OBJECT_TITLES.get(kind, kind)} ({count_word(len(items), 'change')})", ""]
            out += _md_collapsible(count_word(len(items), "change"),
                                   _md_block([raw_line(c) for c in items]), len(items) > _COLLAPSE)
            out += _md_long_diffs(items)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# HTML

_CSS = """
:root { color-scheme: light dark; --add: #1a7f37; --drop: #cf222e; --alter: #9a6700;
  --rename: #0969da; --likely: #8250df; --muted: #6e7781; --line: #d0d7de; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
  max-width: 78rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; word-break: break-all; margin: .25rem 0 .5rem 1.5rem; padding: .5rem;
  border: 1px solid var(--line); border-radius: 4px; }
table.summary { border-collapse: collapse; margin: 1rem 0; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: .2rem .6rem; }
table.summary td { text-align: right; }
table.summary th[scope=row] { text-align: left; font-weight: normal; }
#controls { position: sticky; top: 0; padding: .5rem 0; background: Canvas;
  border-bottom: 1px solid var(--line); }
#controls input[type=search] { width: 20rem; max-width: 100%; }
#controls label { margin-left: 1rem; }
details.group { margin: .4rem 0; }
details.group > summary { cursor: pointer; font-weight: 600; }
.count { color: var(--muted); font-weight: normal; }
ul.changes { list-style: none; margin: .2rem 0; padding-left: 1.2rem; }
ul.changes li { margin: .1rem 0; word-break: break-word; }
.mark { display: inline-block; width: 1.2em; font-weight: bold; font-family: monospace; }
li.add .mark { color: var(--add); } li.drop .mark { color: var(--drop); }
li.alter .mark { color: var(--alter); } li.rename .mark { color: var(--rename); }
li.likely .mark { color: var(--likely); }
li.likely { background: color-mix(in srgb, var(--likely) 10%, transparent); }
pre .ins { color: var(--add); } pre .del { color: var(--drop); } pre .hunk { color: var(--muted); }
.muted { color: var(--muted); }
"""

_JS = """
(function () {
  "use strict";
  var input = document.getElementById("filter");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#controls input[type=checkbox]"));
  var items = Array.prototype.slice.call(document.querySelectorAll("li.change"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group"));
  var none = document.getElementById("nomatch");
  function apply() {
    var q = input.value.toLowerCase();
    var on = {};
    boxes.forEach(function (b) { on[b.getAttribute("data-action")] = b.checked; });
    items.forEach(function (li) {
      var text = li.getAttribute("data-text");
      li.hidden = !(on[li.getAttribute("data-action")] && text.indexOf(q) !== -1);
    });
    var shown = 0;
    groups.forEach(function (g) {
      var any = g.querySelector("li.change:not([hidden])") !== null;
      g.hidden = !any;
      if (any) { shown += 1; if (q) { g.open = true; } }
    });
    none.hidden = shown > 0;
  }
  input.addEventListener("input", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _h(text: str, *, keep: str = "") -> str:
    """Escape hostile text for HTML content and attribute values.  ``://`` is written as
    ``&#58;//`` so that no text taken from a schema reads as a link to anything."""
    return html.escape(clean(text, keep=keep), quote=True).replace("://", "&#58;//")


def _html_line(change: Change) -> str:
    line = raw_line(change)
    mark, rest = line[:1], line[2:]
    return f'<span class="mark">{_h(mark)}</span><code>{_h(rest)}</code>'


def _html_details(change: Change) -> list[str]:
    """Extra detail under a change: unified diffs of long text, full added/dropped DDL."""
    out = []
    if isinstance(change, Alter):
        for attr, lines in long_diffs(change):
            cls = {"+": "ins", "-": "del", "@": "hunk"}
            body = "\n".join(f'<span class="{cls[line[:1]]}">{_h(line, keep=chr(9))}</span>'
                              if line[:1] in cls else _h(line, keep=chr(9)) for line in lines)
            out.append(f"<details><summary>{_h(attr)} diff</summary><pre>{body}</pre></details>")
    elif isinstance(change, (Add, Drop)):
        ddl = _full_ddl(change_object(change))
        if ddl:
            out.append(f"<details><summary>definition</summary><pre>{_h(ddl, keep=chr(9) + chr(10))}</pre>"
                       "</details>")
    return out


# the CREATE statement of each kind of object a report shows whole, by class name
_CREATE: dict[str, Callable[[Any], str]] = {
    "Table": create_table, "View": create_view, "Routine": create_routine, "Trigger": create_trigger,
    "Event": create_event,
}


def _full_ddl(obj: Any) -> str:
    create = _CREATE.get(type(obj).__name__)
    if create is None:
        return ""
    try:
        return create(obj)
    except Exception:  # noqa: BLE001 - a report must not fail on an odd object
        return ""


def _html_item(change: Change) -> str:
    likely = isinstance(change, Rename) and not change.confirmed
    classes = f"change {change.action}" + (" likely" if likely else "")
    search = _h(raw_line(change).lower())
    extra = "".join(_html_details(change))
    return (f'<li class="{classes}" data-action="{change.action}" data-kind="{_h(change.kind)}" '
            f'data-text="{search}">{_html_line(change)}{extra}</li>')


def _html_group(title: str, items: Sequence[Change], open_: bool, *, count: bool = True) -> list[str]:
    """A collapsible group of changes; ``title`` is HTML, already escaped."""
    counter = f' <span class="count">({count_word(len(items), "change")})</span>' if count else ""
    return [f'<details class="group"{" open" if open_ else ""}><summary>{title}{counter}</summary>',
            '<ul class="changes">', *(_html_item(c) for c in items), "</ul></details>"]


def _render_html(changes: list[Change], a_label: str, b_label: str,
                 apart: Sequence[Alter] | None = None) -> str:
    summary = summarize(changes)
    csp = (f"default-src 'none'; style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_JS)}; "
           "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    title = f"Schema diff: {a_label} -> {b_label}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Schema diff</h1>",
        f'<p>a: <code>{_h(a_label)}</code> &rarr; b: <code>{_h(b_label)}</code></p>',
    ]
    note = [f'<p class="muted" id="set-apart">{_h(apart_line(apart))}</p>'] if apart else []
    if not changes:
        out += ["<p>No differences.</p>", *note, "</body>", "</html>", ""]
        return "\n".join(out)
    line = f"<p><strong>{count_word(summary['changes'], 'change')}</strong>: " + ", ".join(
        f"{summary[a]} {_ACTION_WORDS[a]}" for a in ACTIONS)
    if summary["unconfirmed_renames"]:
        line += f"; <strong>{summary['unconfirmed_renames']} likely rename(s) to confirm</strong>"
    out.append(line + ".</p>")
    out += note
    out += ['<table class="summary">',
            "<thead><tr><th>kind</th>" + "".join(f"<th>{_ACTION_WORDS[a]}</th>" for a in ACTIONS)
            + "</tr></thead>", "<tbody>"]
    for kind, counts in summary["by_kind"].items():
        out.append(f'<tr><th scope="row">{_h(kind.replace("_", " "))}</th>'
                   + "".join(f"<td>{counts[a]}</td>" for a in ACTIONS) + "</tr>")
    out.append('<tr><th scope="row"><strong>total</strong></th>'
               + "".join(f"<td><strong>{summary[a]}</strong></td>" for a in ACTIONS) + "</tr>")
    out += ["</tbody>", "</table>"]
    out += ['<div id="controls">',
            '<input id="filter" type="search" placeholder="filter by name or text" '
            'aria-label="filter changes">']
    out += [f'<label><input type="checkbox" data-action="{a}" checked> {_ACTION_WORDS[a]}</label>'
            for a in ACTIONS]
    out += ["</div>", '<p id="nomatch" class="muted" hidden>No change matches the filter.</p>']

    groups = group_changes(changes)
    sections: list[tuple[str, list[str]]] = []
    database = [c for (s, _, _), items in groups if s == 0 for c in items]
    if database:
        sections.append(("Database", _html_group("database defaults", database, True)))
    lone = [items[0] for (s, _, _), items in groups if s == 1 and lone_table_change(items)]
    for action, label in (("add", b_label), ("drop", a_label)):
        tables = [c for c in lone if c.action == action]
        if tables:
            sections.append((f"Tables only in <code>{_h(label)}</code> ({len(tables)})",
                             _html_group(count_word(len(tables), "table"), tables,
                                         len(tables) <= _COLLAPSE, count=False)))
    changed = [(name, items) for (s, _, name), items in groups if s == 1 and not lone_table_change(items)]
    if changed:
        body: list[str] = []
        for name, items in changed:
            body += _html_group(f"<code>{_h(name)}</code>", items, len(items) <= _COLLAPSE)
        sections.append((f"Changed tables ({len(changed)})", body))
    objects = [(kind, items) for (s, _, kind), items in groups if s == 2]
    if objects:
        body = []
        for kind, items in objects:
            body += _html_group(_h(_DB_OBJECT_TITLES.get(kind, kind)), items, len(items) <= _COLLAPSE)
        sections.append(("Database objects", body))
    for head, body in sections:
        out += ["<section>", f"<h2>{head}</h2>", *body, "</section>"]
    out += [f'<p class="muted">{_h(summary_line(summary))}</p>',
            f"<script>{_JS}</script>", "</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------

_RENDERERS: dict[str, Callable[[list[Change], str, str, Sequence[Alter] | None], str]] = {
    "text": _render_text,
    "json": _render_json,
    "markdown": _render_markdown,
    "html": _render_html,
}


def render_diff(changes: Iterable[Change], *, a_label: str, b_label: str, fmt: str = "text",
                apart: Sequence[Alter] | None = None) -> str:
    """The changes that turn ``a`` into ``b`` as a report in ``fmt`` (see :data:`FORMATS`).

    ``apart``: the objects an "unstated = any" comparison set apart
    (:func:`~schema_tools.diff.compare.diff_apart`), counted in one line; None for an exact
    comparison.  Deterministic: the same set of changes gives byte-identical output
    whatever its order.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        from ..errors import InputError

        raise InputError(f"unknown diff format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    return renderer(order_changes(changes), a_label, b_label,
                    None if apart is None else order_changes(apart))


__all__ = ["FORMATS", "JSON_FORMAT", "JSON_VERSION", "render_diff"]
