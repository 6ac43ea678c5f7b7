"""Reports of an N-way :class:`~schema_tools.diff.matrix.Matrix`.

Formats: ``text`` (summary and one line per object that is not core), ``markdown``
(the same as tables), ``json`` (everything, the stable structure documented in
``docs/matrix-json.md``) and ``html`` (a self-contained page: summary on top, then a
site x object grid that can be filtered by name, kind, class and site; no network asset).

Every name from a schema is treated as hostile: escaped for HTML (attributes and text),
for JSON embedded in the page (``<``, ``>``, ``&`` as ``\\u`` escapes) and, in text and
markdown, with control characters shown as escapes.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..diff.matrix import CATEGORIES, CLASSES, KINDS, DISTANCE_KINDS, Matrix, MatrixObject
from ..errors import InputError

FORMATS = ("text", "json", "markdown", "html")
FORMAT = "schema-tools-matrix"
VERSION = 1


def render_matrix(matrix: Matrix, fmt: str = "text") -> str:
    """The matrix as ``text``, ``json``, ``markdown`` or ``html``."""
    renderers = {"text": _text, "json": _json, "markdown": _markdown, "html": _html}
    if fmt not in renderers:
        raise InputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return renderers[fmt](matrix)


# ---------------------------------------------------------------------------------------
# JSON


def _object_dict(o: MatrixObject, sites: tuple[str, ...]) -> dict[str, Any]:
    return {
        "address": o.address,
        "kind": o.kind,
        "table": o.table,
        "name": o.name,
        "class": o.cls,
        "sites": list(o.sites),
        "cells": {s: o.cell(s) for s in sites},
        "groups": [{"label": g.label, "sites": list(g.sites), "digest": g.digest, "name": g.name,
                    "definition": dict(g.definition), "sql": g.sql} for g in o.groups],
        "differs": list(o.differs),
        "names": {n: list(ss) for n, ss in o.names.items()},
        "parts": list(o.parts),
        "unstated": list(o.unstated),
    }


def matrix_to_dict(m: Matrix) -> dict[str, Any]:
    """The documented JSON structure (``docs/matrix-json.md``)."""
    present = m.present_counts()
    sites = []
    for s in m.sites:
        d = m.distances[s]
        sites.append({
            "name": s,
            "reference": s == m.reference,
            "present": present[s],
            "counts": dict(m.site_counts[s]),
            "distance": {"total": d.total, **d.by_category(),
                         "by_kind": {k: dict(d.counts[k]) for k in DISTANCE_KINDS}},
        })
    return {
        "format": FORMAT,
        "version": VERSION,
        "reference": m.reference,
        "identical": m.identical,
        "options": {"ignore": sorted(m.options.ignore), "tables": list(m.options.tables),
                    "unstated": "any" if m.options.unstated_any else "exact"},
        "sites": sites,
        "summary": {
            "sites": len(m.sites),
            "objects": len(m.objects),
            "classes": m.class_counts(),
            "kinds": m.kind_counts(),
            "conflicts": m.conflict_reasons(),
            "unstated": m.unstated_counts(),
        },
        "objects": [_object_dict(o, m.sites) for o in m.objects],
    }


def _json(m: Matrix) -> str:
    return json.dumps(matrix_to_dict(m), indent=1, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------
# Text and markdown

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(s: str) -> str:
    """Control characters (newlines included) as visible escapes, for one-line output."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", s)


def _distance_text(m: Matrix, site: str) -> str:
    d = m.distances[site]
    if site == m.reference:
        return "reference"
    if d.total == 0:
        return "identical"
    parts = []
    for kind in DISTANCE_KINDS:
        c = d.counts[kind]
        bits = [f"{c[cat]} {cat}" for cat in CATEGORIES if c[cat]]
        if bits:
            parts.append(f"{kind}: {', '.join(bits)}")
    return f"{d.total} ({'; '.join(parts)})"


def _class_line(m: Matrix) -> str:
    cc = m.class_counts()
    return f"{len(m.objects)} objects: " + ", ".join(f"{cc[c]} {c}" for c in CLASSES)


def _unstated_words(m: Matrix) -> str:
    attrs = {a for o in m.objects for a in o.unstated}
    words = (["definer"] if "definer" in attrs else []) + (["client charset"] if attrs - {"definer"} else [])
    return " or ".join(words)


def conflict_lines(m: Matrix) -> list[str]:
    """Why objects conflict, one line per kind: ``routine conflicts: 12 (body 9,
    parameters 3)``."""
    out = []
    for kind, r in m.conflict_reasons().items():
        attrs = ", ".join(f"{a} {n}" for a, n in r["attributes"].items())
        out.append(f"{kind.replace('_', ' ')} conflicts: {r['conflicts']}" + (f" ({attrs})" if attrs else ""))
    return out


def unstated_line(m: Matrix) -> str:
    """How many objects were set apart for a definer or client charset some sites leave
    unstated; empty when none."""
    unstated = m.unstated_counts()
    if not unstated:
        return ""
    n = sum(unstated.values())
    kinds = ", ".join(f"{k} {c}" for k, c in unstated.items())
    return (f"set apart: {n} object{'s' * (n != 1)} ({kinds}) agree but for a {_unstated_words(m)} "
            f"that some sites leave unstated (--strict-unstated counts them)")


def _text(m: Matrix) -> str:
    out = [f"schema matrix: {len(m.sites)} site(s), reference {_clean(m.reference)}",
           _class_line(m), ""]
    width = max(len(_clean(s)) for s in m.sites)
    present = m.present_counts()
    out.append("distance to the reference:")
    for s in m.sites:
        out.append(f"  {_clean(s):<{width}}  {present[s]:>5} objects  {_distance_text(m, s)}")
    out.append("")
    out.append("by kind:")
    kc = m.kind_counts()
    out.append(f"  {'kind':<12}" + "".join(f"{c:>14}" for c in CLASSES))
    for k in KINDS:
        if any(kc[k].values()):
            out.append(f"  {k:<12}" + "".join(f"{kc[k][c]:>14}" for c in CLASSES))
    reasons = conflict_lines(m)
    if reasons:
        out += ["", "why objects conflict (objects whose definitions differ in each attribute):"]
        out += [f"  {line}" for line in reasons]
    if unstated_line(m):
        out += ["", unstated_line(m)]
    rest = [o for o in m.objects if o.cls != "core"]
    if not rest:
        out.append("")
        out.append("all sites identical" if m.identical else "every object is core")
        return "\n".join(out) + "\n"
    out.append("")
    cols = [max(len(_clean(s)), 3) for s in m.sites]
    out.append(f"{'class':<14}"
               + "".join(f"{_clean(s):<{w + 2}}" for s, w in zip(m.sites, cols, strict=True)) + "object")
    for o in rest:
        cells = "".join(f"{(o.cell(s) or '-'):<{w + 2}}" for s, w in zip(m.sites, cols, strict=True))
        note = []
        if o.differs:
            note.append("differs: " + ", ".join(o.differs))
        if o.naming_conflict:
            note.append("names: " + ", ".join(_clean(n) for n in o.names))
        out.append(f"{o.cls:<14}{cells}{_clean(o.address)}" + (f"  ({'; '.join(note)})" if note else ""))
    return "\n".join(out) + "\n"


def _md(s: str) -> str:
    s = _clean(s)
    s = html.escape(s, quote=False)
    return re.sub(r"([\\`*_{}\[\]|#!~])", r"\\\1", s)


def _markdown(m: Matrix) -> str:
    out = ["# Schema matrix", "",
           f"{len(m.sites)} site(s), reference **{_md(m.reference)}**. {_class_line(m)}.", ""]
    present = m.present_counts()
    out += ["| site | objects | tables | columns | routines | distance | missing | extra | "
            "different | renamed |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in m.sites:
        d, c = m.distances[s], m.site_counts[s]
        by = d.by_category()
        name = _md(s) + (" (reference)" if s == m.reference else "")
        out.append(f"| {name} | {present[s]} | {c['tables']} | {c['columns']} | "
                   f"{c['procedures'] + c['functions']} | {d.total} | "
                   + " | ".join(str(by[cat]) for cat in CATEGORIES) + " |")
    out += ["", "| kind | " + " | ".join(CLASSES) + " |", "|---|" + "---:|" * len(CLASSES)]
    kc = m.kind_counts()
    for k in KINDS:
        if any(kc[k].values()):
            out.append(f"| {k} | " + " | ".join(str(kc[k][c]) for c in CLASSES) + " |")
    reasons = conflict_lines(m)
    if reasons:
        out += ["", "Why objects conflict (objects whose definitions differ in each attribute):", ""]
        out += [f"- {_md(line)}" for line in reasons]
    if unstated_line(m):
        out += ["", _md(unstated_line(m))]
    rest = [o for o in m.objects if o.cls != "core"]
    if rest:
        out += ["", "## Objects that are not core", "",
                "| object | class | " + " | ".join(_md(s) for s in m.sites) + " | differs |",
                "|---|---|" + ":---:|" * len(m.sites) + "---|"]
        for o in rest:
            cells = " | ".join(o.cell(s) or "–" for s in m.sites)
            out.append(f"| {_md(o.address)} | {o.cls} | {cells} | {_md(', '.join(o.differs))} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# HTML

_E = html.escape


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no ``<``, ``>`` or ``&`` left raw."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def _group_text(o: MatrixObject, label: str | None) -> str:
    for g in o.groups:
        if g.label == label:
            head = f"{g.label}: {', '.join(g.sites)}"
            if g.sql:
                return f"{head}\n{_short(g.sql)}"
            body = "\n".join(f"{k} = {_short(v)}" for k, v in g.definition.items())
            if not body and o.differs:
                body = "differs: " + ", ".join(o.differs)
            return f"{head}\n{body}" if body else head
    return ""


def _details(o: MatrixObject) -> dict[str, Any] | None:
    if len(o.groups) < 2 and not o.names and not o.parts:
        return None
    return {
        "d": list(o.differs),
        "g": [{"l": g.label, "s": list(g.sites), "q": _short(g.sql, 2000) if g.sql else None,
               "v": {k: _short(v, 4000) for k, v in g.definition.items()}} for g in o.groups],
        "n": {n: list(ss) for n, ss in o.names.items()},
        "p": list(o.parts[:200]) + ([f"… {len(o.parts) - 200} more"] if len(o.parts) > 200 else []),
    }


_CSS = """
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:10px 18px}
header h1{font-size:18px;margin:0}
header p{margin:2px 0 0;color:#b0bec5;font-size:12px}
main{padding:12px 18px}
#summary{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
#summary .box{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px}
#summary h2{font-size:13px;margin:0 0 6px;text-transform:uppercase;color:#555;letter-spacing:.04em}
table.s{border-collapse:collapse}
table.s th,table.s td{padding:2px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
table.s th:first-child,table.s td:first-child{text-align:left}
.ref{font-weight:bold}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;margin:0 4px 4px 0;font-size:13px}
.k-core{background:#e8f5e9}.k-shared{background:#e3f2fd}.k-conflict{background:#ffebee}.k-site-specific{background:#fff8e1}
#controls{position:sticky;top:0;z-index:3;background:#fafafa;padding:10px 0;border-bottom:1px solid #ddd;margin-top:12px;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
#controls fieldset{border:1px solid #ccc;border-radius:4px;padding:2px 8px;margin:0}
#controls legend{font-size:11px;color:#666}
#controls label{margin-right:8px;white-space:nowrap}
#filter{width:260px;padding:4px 6px;font-size:14px}
#shown{color:#555}
#grid{border-collapse:collapse;margin-top:8px;background:#fff}
#grid th{position:sticky;top:var(--ctl,56px);background:#eceff1;z-index:2;padding:4px 8px;text-align:left;border-bottom:1px solid #ccc}
#grid td{padding:1px 8px;border-bottom:1px solid #f0f0f0;white-space:nowrap}
#grid td:nth-child(n+4){text-align:center;font-family:ui-monospace,Menlo,Consolas,monospace;min-width:60px}
#grid td:nth-child(3){font-size:12px}
#grid tbody tr:hover td:nth-child(-n+3){background:#e3f2fd}
#grid tr.x{cursor:pointer}
#grid tr.x td.o:before{content:"▸ ";color:#888}
#grid tr.x.open td.o:before{content:"▾ "}
#grid tr.t td.o{font-weight:600}
#grid td.o .p{color:#999}
.gA{background:#c8e6c9}.gB{background:#ffcc80}.gC{background:#90caf9}.gD{background:#ce93d8}.gE{background:#fff59d}.gZ{background:#bcaaa4}
td.n{color:#bbb}
tr.detail td{background:#fffde7;white-space:normal;padding:6px 12px 10px 32px;font-size:13px}
tr.detail pre{margin:2px 0 6px;white-space:pre-wrap;word-break:break-word;font-size:12px;background:#fff;border:1px solid #eee;padding:4px}
"""  # noqa: E501 - the page's style sheet, one rule a line

_JS = """
(function(){
var grid=document.getElementById('grid'),body=grid.tBodies[0];
var rows=Array.prototype.slice.call(body.rows);
var info=rows.map(function(r){var k=r.cells[1].textContent;
 return {k:k,c:r.cells[2].textContent,n:(k+':'+r.cells[0].textContent).toLowerCase()};});
var det=JSON.parse(document.getElementById('matrix-details').textContent);
var sites=JSON.parse(document.getElementById('matrix-sites').textContent);
var ref=sites.indexOf(document.body.getAttribute('data-reference'));
var f=document.getElementById('filter'),sel=document.getElementById('site'),shown=document.getElementById('shown');
var ctl=document.getElementById('controls');
function setTop(){document.documentElement.style.setProperty('--ctl',ctl.offsetHeight+'px');}
setTop();window.addEventListener('resize',setTop);
function on(name){var s={};var cs=document.querySelectorAll('input[name="'+name+'"]');
 for(var i=0;i<cs.length;i++){if(cs[i].checked)s[cs[i].value]=1;}return s;}
function cell(r,j){return r.cells[3+j].textContent;}
document.body.setAttribute('data-rows',rows.length);
function apply(){
 var q=f.value.trim().toLowerCase(),ks=on('kind'),cs=on('class'),sv=sel.value,n=0;
 var mode=sv?sv.split(':')[0]:'',j=sv?+sv.split(':')[1]:-1;
 for(var i=0;i<rows.length;i++){var r=rows[i],o=info[i];
  var ok=ks[o.k]&&cs[o.c]&&(!q||o.n.indexOf(q)>=0);
  if(ok&&mode==='absent')ok=cell(r,j)==='·';
  if(ok&&mode==='present')ok=cell(r,j)!=='·';
  if(ok&&mode==='differs')ok=cell(r,j)!==cell(r,ref);
  r.hidden=!ok;if(ok)n++;
  var d=r.nextElementSibling;if(d&&d.className==='detail')d.hidden=!ok;}
 shown.textContent=n+' of '+rows.length+' objects shown';
}
var t=null;f.addEventListener('input',function(){clearTimeout(t);t=setTimeout(apply,80);});
sel.addEventListener('change',apply);
var boxes=document.querySelectorAll('#controls input[type=checkbox]');
for(var i=0;i<boxes.length;i++)boxes[i].addEventListener('change',apply);
function el(tag,text,cls){var e=document.createElement(tag);if(text!=null)e.textContent=text;if(cls)e.className=cls;return e;}
body.addEventListener('click',function(ev){
 var r=ev.target.closest('tr.x');if(!r)return;
 var d=r.nextElementSibling;
 if(d&&d.className==='detail'){d.parentNode.removeChild(d);r.classList.remove('open');return;}
 var x=det[r.getAttribute('data-i')];if(!x)return;
 var tr=el('tr',null,'detail'),td=el('td');td.colSpan=r.cells.length;tr.appendChild(td);
 if(x.d.length)td.appendChild(el('div','differs: '+x.d.join(', ')));
 for(var g=0;g<x.g.length;g++){var G=x.g[g];
  td.appendChild(el('div',G.l+' — '+G.s.join(', '),'g'+(G.l.length==1&&G.l<'F'?G.l:'Z')));
  var lines=[];if(G.q)lines.push(G.q);
  for(var k in G.v){if(Object.prototype.hasOwnProperty.call(G.v,k))lines.push(k+' = '+G.v[k]);}
  if(lines.length)td.appendChild(el('pre',lines.join('\\n')));}
 var names=Object.keys(x.n);
 if(names.length)td.appendChild(el('div','naming conflict: '+names.map(function(n){return n+' ('+x.n[n].join(', ')+')';}).join('; ')));
 if(x.p.length)td.appendChild(el('div','differing parts: '+x.p.join(', ')));
 r.parentNode.insertBefore(tr,r.nextSibling);r.classList.add('open');
});
apply();
})();
"""  # noqa: E501 - the page's script, one statement a line


def _gclass(label: str | None) -> str:
    if label is None:
        return "n"
    return "g" + (label if len(label) == 1 and label < "F" else "Z")


def _html(m: Matrix) -> str:
    cc, kc, present = m.class_counts(), m.kind_counts(), m.present_counts()
    title = f"Schema matrix: {', '.join(m.sites)}"
    p: list[str] = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_E(title)}</title>", f"<style>{_CSS}</style>", "</head>",
        f'<body data-reference="{_E(m.reference)}">',
        "<header><h1>Schema matrix</h1>",
        f"<p>{len(m.sites)} sites · reference {_E(m.reference)} · {len(m.objects)} objects"
        + (" · all sites identical" if m.identical else "") + "</p></header>",
        "<main>",
        '<section id="summary">',
        '<div class="box"><h2>Sites and distance to the reference</h2><table class="s" id="sites">',
        "<tr><th>site</th><th>objects</th><th>tables</th><th>columns</th><th>routines</th>"
        "<th>distance</th>" + "".join(f"<th>{c}</th>" for c in CATEGORIES) + "</tr>",
    ]
    for s in m.sites:
        d, c = m.distances[s], m.site_counts[s]
        by = d.by_category()
        is_ref = s == m.reference
        p.append(f'<tr class="site{" ref" if is_ref else ""}"><td>{_E(s)}'
                 + (" ★ reference" if is_ref else "") + f"</td><td>{present[s]}</td>"
                 f"<td>{c['tables']}</td><td>{c['columns']}</td>"
                 f"<td>{c['procedures'] + c['functions']}</td>"
                 f'<td title="{_E(_distance_text(m, s))}">{d.total}</td>'
                 + "".join(f"<td>{by[cat]}</td>" for cat in CATEGORIES) + "</tr>")
    p.append("</table></div>")
    p.append('<div class="box"><h2>Objects by class</h2><div id="classes">')
    for cls in CLASSES:
        p.append(f'<span class="chip k-{cls}">{cls}: <b>{cc[cls]}</b></span>')
    p.append("</div><table class=\"s\"><tr><th>kind</th>"
             + "".join(f"<th>{c}</th>" for c in CLASSES) + "</tr>")
    for k in KINDS:
        if any(kc[k].values()):
            p.append(f"<tr><td>{k}</td>" + "".join(f"<td>{kc[k][c]}</td>" for c in CLASSES)
                     + "</tr>")
    p.append("</table></div>")
    reasons = conflict_lines(m)
    if reasons:
        p.append('<div class="box" id="conflicts"><h2>Why objects conflict</h2>'
                 + "".join(f"<div>{_E(line)}</div>" for line in reasons) + "</div>")
    if unstated_line(m):
        p.append(f'<div class="box" id="unstated"><h2>Set apart</h2><div>{_E(unstated_line(m))}</div></div>')
    p.append('<div class="box"><h2>Legend</h2><div>cell letter = definition group '
             '(A = most sites)</div><div><span class="chip gA">A</span><span class="chip gB">B'
             '</span><span class="chip gC">C</span><span class="chip gD">D</span>'
             '<span class="chip" style="background:#f0f0f0;color:#999">· absent</span></div>'
             "<div>click a ▸ row for the differing definitions</div></div>")
    p.append("</section>")

    # controls
    p.append('<section id="controls">')
    p.append('<input id="filter" type="search" placeholder="Filter by name…" '
             'aria-label="Filter by name" autocomplete="off">')
    p.append("<fieldset><legend>kind</legend>")
    for k in KINDS:
        n = sum(kc[k].values())
        if n:
            p.append(f'<label><input type="checkbox" name="kind" value="{k}" checked> {k} ({n})'
                     "</label>")
    p.append("</fieldset><fieldset><legend>class</legend>")
    for cls in CLASSES:
        p.append(f'<label><input type="checkbox" name="class" value="{cls}" checked> {cls} ({cc[cls]})'
                 "</label>")
    p.append('</fieldset><label>site <select id="site"><option value="">any</option>')
    for j, s in enumerate(m.sites):
        p.append(f'<option value="absent:{j}">absent at {_E(s)}</option>'
                 f'<option value="present:{j}">present at {_E(s)}</option>')
        if s != m.reference:
            p.append(f'<option value="differs:{j}">differs at {_E(s)} from reference</option>')
    p.append(f'</select></label><span id="shown">{len(m.objects)} objects</span></section>')

    # grid
    p.append('<table id="grid"><thead><tr><th>object</th><th>kind</th><th>class</th>'
             + "".join(('<th class="ref">' if s == m.reference else "<th>") + _E(s)
                       + (" ★" if s == m.reference else "") + "</th>" for s in m.sites)
             + "</tr></thead><tbody>")
    details: dict[str, Any] = {}
    for i, o in enumerate(m.objects):
        det = _details(o)
        if det is not None:
            details[str(i)] = det
        classes = " ".join(c for c in ("x" if det is not None else "",
                                         "t" if o.kind == "table" else "") if c)
        if o.table is not None and o.kind != "table":
            label = f'<span class="p">{_E(o.table)}.</span>{_E(o.name)}'
        else:
            label = _E(o.name)
        many = len(o.groups) > 1
        cells = []
        for s in m.sites:
            g = o.cell(s)
            tip = f' title="{_E(_group_text(o, g))}"' if many and g else ""
            cells.append(f'<td class="{_gclass(g)}"{tip}>{_E(g) if g else "·"}</td>')
        attrs = (f' class="{classes}"' if classes else "") + (f' data-i="{i}"' if det else "")
        p.append(f'<tr{attrs}><td class="o">{label}</td><td>{o.kind}</td>'
                 f'<td class="k-{o.cls}">{o.cls}</td>{"".join(cells)}</tr>')
    p.append("</tbody></table></main>")
    p.append(f'<script type="application/json" id="matrix-sites">{_script_json(list(m.sites))}'
             "</script>")
    p.append(f'<script type="application/json" id="matrix-details">{_script_json(details)}'
             "</script>")
    p.append(f"<script>{_JS}</script>")
    p.append("</body></html>")
    return "\n".join(p) + "\n"


__all__ = ["FORMATS", "matrix_to_dict", "render_matrix"]
