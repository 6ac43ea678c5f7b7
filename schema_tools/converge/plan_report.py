"""The convergence plan, for people: Markdown or a self-contained HTML page.

The plan is built once as a list of blocks (headings, paragraphs, tables, lists) and
rendered by one function per format, so both formats say the same.  It holds no time of
day and no absolute path: the same sites, decisions and revisions give a byte-identical
plan.
"""

from __future__ import annotations

import html
from pathlib import Path
from collections.abc import Sequence

from ..render.change_lines import clean
from .core import KINDS, Core
from .paths import SitePath

_KIND_NAMES = {"table": "tables", "column": "columns", "index": "indexes", "foreign_key": "foreign keys",
               "check": "checks", "view": "views", "routine": "routines", "trigger": "triggers",
               "event": "events"}
FORMATS = ("markdown", "html")


def _blocks(core: Core, paths: Sequence[SitePath]) -> list[tuple]:
    b: list[tuple] = [("h1", "Convergence plan")]
    n = len(core.sites)
    b.append(("p", f"{n} site(s): {', '.join(core.sites)}. Reference (defaults, comments, "
                   f"spelling): {core.reference}. An object enters the core when at least "
                   f"{core.quorum} of the {n} sites hold it."))
    counts, everywhere = core.counts(), core.everywhere()
    b.append(("h2", "Core"))
    b.append(("table", ("kind", "in the core", "held by every site", "added to some sites by the quorum"),
              [(_KIND_NAMES[k], str(counts[k]), str(everywhere[k]), str(counts[k] - everywhere[k]))
               for k in KINDS]))
    written = any(p.written for p in paths)
    b.append(("h2", "Distance to the core"))
    b.append(("p", "Differences between each site and the site plus the core (order and integer "
                   "display widths aside): before its path, and after it"
                   + ("" if written else " (predicted: the differences the additive policy leaves out)")
                   + ". What is left after is for the site to decide; nothing of the site's own is dropped."))
    b.append(("table", ("site", "branch", "before", "after", "changes made", "left out by the additive policy"),
              [(p.site, p.branch, str(p.before), str(p.after), str(p.changes), str(len(p.left)))
               for p in paths]))
    settled = [c for c in core.conflicts if c.decision is not None]
    b.append(("h2", f"Conflicts ({len(core.conflicts)}, {len(settled)} settled)"))
    if not core.conflicts:
        b.append(("p", "None: every object enough sites hold has a definition they can all adopt."))
    else:
        b.append(("p", "No definition of these objects can be adopted by every site holding them "
                       "without losing data. Each stays out of the core until a decision settles it "
                       "(the decisions file, docs/converge.md)."))
    for c in core.conflicts:
        b.append(("h3", c.address))
        b.append(("p", f"Why: {c.reason}. Decision: "
                       + (c.decision.describe() if c.decision else "none yet (left out of the core)") + "."))
        b.append(("table", ("site", "definition"), [(s, d) for s, d in c.definitions]))
    b.append(("h2", "Decisions applied"))
    if core.decisions:
        b.append(("table", ("#", "object", "decision", "note"),
                  [(str(d.number), d.object, d.describe(), d.note) for d in core.decisions]))
    else:
        b.append(("p", "None."))
    if core.left_out:
        b.append(("h2", f"Left out of the core ({len(core.left_out)})"))
        b.append(("p", "Held by enough sites, but what they need is not in the core."))
        b.append(("table", ("object", "why"), list(core.left_out.items())))
    b.append(("h2", "Paths"))
    for p in paths:
        b.append(("h3", f"{p.site} (branch {p.branch})"))
        if p.revisions:
            b.append(("list", [f"revision {r.rev_id}: versions/{Path(r.path).name}" for r in p.revisions]))
        if p.renames:
            b.append(("list", [f"renamed first: {kind} {(t + '.') if t and kind != 'table' else ''}{old} "
                               f"to {new}" for kind, t, old, new in p.renames]))
        b.append(("p", f"Left out by the additive policy ({len(p.left)}): the site keeps its own."))
        if p.left:
            b.append(("table", ("object", "left out"), [(f"{d.kind} {d.path}", d.what) for d in p.left]))
        if p.written:
            b.append(("p", f"Review findings ({len(p.findings)})" + (":" if p.findings else ".")))
            if p.findings:
                b.append(("table", ("code", "severity", "subject", "why"),
                          [(f.code, f.severity, f.subject, f.why) for f in p.findings]))
    return b


def render_plan(core: Core, paths: Sequence[SitePath], fmt: str = "markdown") -> str:
    """The plan as Markdown (``markdown``) or a self-contained HTML page (``html``)."""
    blocks = _blocks(core, paths)
    return _html(blocks) if fmt == "html" else _markdown(blocks)


def _cell(text: str) -> str:
    return clean(text).replace("|", "\\|").replace("\n", " ")


def _markdown(blocks: list[tuple]) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + clean(block[1]), ""]
        elif kind == "p":
            out += [clean(block[1]), ""]
        elif kind == "list":
            out += [f"- {clean(item)}" for item in block[1]] + [""]
        else:
            head, rows = block[1], block[2]
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "|".join("---" for _ in head) + "|")
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}"
          "table{border-collapse:collapse;margin:.5em 0 1em}"
          "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
          "th{background:#f3f3f3}td{font-family:ui-monospace,monospace;font-size:.9em}"
          "h3{margin-top:1.5em}")


def _html(blocks: list[tuple]) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>Convergence plan</title>", f"<style>{_STYLE}</style></head><body>"]
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{e(block[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{e(block[1])}</p>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block[1]) + "</ul>")
        else:
            head, rows = block[1], block[2]
            out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


__all__ = ["FORMATS", "render_plan"]
