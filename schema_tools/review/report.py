"""Review reports: text for a terminal, JSON for scripts, Markdown for a pull-request
comment."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..render.change_lines import clean
from .context import _size
from .engine import Review
from .registry import SEVERITIES, severity_rank


def _counts(reviews: Sequence[Review], *, accepted: bool) -> dict[str, int]:
    out = {s: 0 for s in reversed(SEVERITIES)}
    for r in reviews:
        for f in r.findings:
            if accepted or f.accepted_by is None:
                out[f.severity] += 1
    return out


def _summary(reviews: Sequence[Review]) -> str:
    counts = _counts(reviews, accepted=False)
    accepted = sum(1 for r in reviews for f in r.findings if f.accepted_by)
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items()]
    text = f"{', '.join(parts)} in {len(reviews)} revision{'s' if len(reviews) != 1 else ''}"
    return text + (f" ({accepted} accepted by an approval)" if accepted else "")


def _text(reviews: Sequence[Review], with_tables: bool) -> str:
    out: list[str] = []
    hinted: set[str] = set()
    for r in reviews:
        for f in r.findings:
            mark = f" [accepted by {clean(f.accepted_by)}]" if f.accepted_by else ""
            out.append(f"{f.severity:<7} {f.code} {clean(f.revision)}  {clean(f.subject)}{mark}")
            if f.change:
                out.append(f"        change: {clean(f.change)}")
            out.append(f"        why:    {clean(f.why)}")
            if f.code not in hinted:  # once per code: the hint is the rule's
                out.append(f"        fix:    {f.hint}")
                hinted.add(f.code)
        if with_tables and r.tables:
            out.append(f"tables touched by {clean(r.label)}, riskiest first:")
            for t in r.tables:
                size = "" if t.rows is None else f"  {t.rows:>12,} rows  {_size(t.bytes or 0):>10}"
                out.append(f"  {t.algorithm:<24} {clean(t.table)}{size}")
    out.append(_summary(reviews))
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Table-cell text: one line, pipes and HTML escaped, code spans kept literal."""
    text = clean(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("`", "\\`").replace("*", "\\*").replace("_", "\\_")


def _markdown(reviews: Sequence[Review], with_tables: bool) -> str:
    out = ["### schema-tools review", "", f"**{_summary(reviews)}**", ""]
    findings = [f for r in reviews for f in r.findings]
    if findings:
        out += ["| | Code | Revision | Change | Why |", "|---|---|---|---|---|"]
        icon = {"error": "error", "warning": "warning", "notice": "notice"}
        for f in findings:
            status = icon[f.severity] + (f" (accepted by {_md(f.accepted_by)})" if f.accepted_by else "")
            change = f.change or f.subject
            out.append(f"| {status} | {f.code} | {_md(f.revision)} | {_md(change)} | {_md(f.why)} |")
        out += ["", "**How to fix**", ""]
        hints = {f.code: f.hint for f in findings}
        out += [f"- {code}: {_md(hint)}" for code, hint in sorted(hints.items())]
        out.append("")
    else:
        out += ["No findings.", ""]
    for r in reviews:
        if with_tables and r.tables:
            out += [f"<details><summary>Tables touched by {_md(r.label)}, riskiest first</summary>", "",
                    "| Table | Algorithm | Rows | Size |", "|---|---|---|---|"]
            for t in r.tables:
                rows = "" if t.rows is None else f"{t.rows:,}"
                size = "" if t.bytes is None else _size(t.bytes)
                out.append(f"| {_md(t.table)} | {t.algorithm} | {rows} | {size} |")
            out += ["", "</details>", ""]
    return "\n".join(out)


def _json(reviews: Sequence[Review]) -> str:
    doc = {
        "format": "schema-tools-review", "version": 1,
        "summary": _counts(reviews, accepted=False),
        "revisions": [{"revision": r.label, "path": str(r.path) if r.path else None,
                       "findings": [f.to_dict() for f in r.findings],
                       "tables": [t.to_dict() for t in r.tables]} for r in reviews],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_review(reviews: Sequence[Review], fmt: str = "text", *, with_tables: bool = False) -> str:
    """The findings of ``reviews`` as ``text``, ``json`` or ``markdown``."""
    if fmt == "json":
        return _json(reviews)
    if fmt == "markdown":
        return _markdown(reviews, with_tables)
    return _text(reviews, with_tables)


def worst(reviews: Sequence[Review]) -> int:
    """The highest severity rank of a finding no approval accepted (-1: none)."""
    return max((severity_rank(f.severity) for r in reviews for f in r.findings if not f.accepted_by),
               default=-1)
