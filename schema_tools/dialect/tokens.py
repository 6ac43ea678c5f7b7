"""A lenient SQL tokenizer for reading routine bodies, view definitions and revision
statements.

It never fails: unterminated quotes or comments end at the end of the text.  Comments
are dropped (executable comments ``/*! ... */`` and ``/*M! ... */`` keep their
content, as a server that runs them would); string literals are one token, so names
inside them are never mistaken for references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WS = " \t\r\n\f\v"
_WORD = re.compile(r"[0-9A-Za-z_$\u0080-\U0010ffff]+")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?(?![A-Za-z_$])")
_EXEC = re.compile(r"/\*M?!(?:[0-9]{5,6})?")
_OPS = ("<=>", ":=", "<=", ">=", "<>", "!=", "||", "&&", "->>", "->")


@dataclass(frozen=True)
class Token:
    """``kind``: ``word`` (a bare word), ``qident`` (a back-quoted name), ``string``,
    ``number``, ``var`` (``@x``, ``@@x``) or ``op``.  ``value`` is the name without its
    quotes (words keep their spelling), or the text of other tokens."""

    kind: str
    value: str
    pos: int

    @property
    def is_name(self) -> bool:
        return self.kind in ("word", "qident")

    def is_kw(self, *words: str) -> bool:
        return self.kind == "word" and self.value.upper() in words


def _quoted_end(text: str, i: int, escapes: bool) -> tuple[str, int]:
    q, n, j, out = text[i], len(text), i + 1, []
    while j < n:
        c = text[j]
        if c == "\\" and escapes and j + 1 < n:
            out.append(text[j + 1])
            j += 2
            continue
        if c == q:
            if j + 1 < n and text[j + 1] == q:
                out.append(q)
                j += 2
                continue
            return "".join(out), j + 1
        out.append(c)
        j += 1
    return "".join(out), n


def tokenize(text: str, *, ansi_quotes: bool = False) -> list[Token]:
    """The tokens of ``text`` (any number of statements)."""
    toks: list[Token] = []
    n, i = len(text), 0
    while i < n:
        c = text[i]
        if c in _WS:
            i += 1
            continue
        if c == "#" or (text.startswith("--", i) and (i + 2 >= n or text[i + 2] in _WS)):
            e = text.find("\n", i)
            i = n if e < 0 else e + 1
            continue
        if text.startswith("/*", i):
            m = _EXEC.match(text, i)
            if m:  # an executable comment: its content counts, its end marker does not
                i = m.end()
                continue
            e = text.find("*/", i + 2)
            i = n if e < 0 else e + 2
            continue
        if text.startswith("*/", i):
            i += 2
            continue
        if c == "`" or (c == '"' and ansi_quotes):
            value, e = _quoted_end(text, i, escapes=False)
            toks.append(Token("qident", value, i))
            i = e
            continue
        if c in "'\"":
            value, e = _quoted_end(text, i, escapes=True)
            toks.append(Token("string", value, i))
            i = e
            continue
        if c == "@":
            m = _WORD.match(text, i + 2 if text.startswith("@@", i) else i + 1)
            end = m.end() if m else i + 1
            toks.append(Token("var", text[i:end], i))
            i = end
            continue
        m = _NUMBER.match(text, i)
        if m and m.end() > i:
            toks.append(Token("number", m.group(0), i))
            i = m.end()
            continue
        m = _WORD.match(text, i)
        if m:
            toks.append(Token("word", m.group(0), i))
            i = m.end()
            continue
        for op in _OPS:
            if text.startswith(op, i):
                toks.append(Token("op", op, i))
                i += len(op)
                break
        else:
            toks.append(Token("op", c, i))
            i += 1
    return toks


def split_statements(tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped by ``;`` (for text that holds several plain statements)."""
    out: list[list[Token]] = [[]]
    for t in tokens:
        if t.kind == "op" and t.value == ";":
            out.append([])
        else:
            out[-1].append(t)
    return [s for s in out if s]
