"""Shared by the portability rules: the objects a change creates or alters, and the
keyword sequences of the revision's statements."""

from ...diff.changes import Add, Alter
from ..context import excerpt


def new_objects(ctx):
    """(change, kind, table, object, old object or None) for every column, index and
    check a change adds or alters (those of added tables included)."""
    for c in ctx.changes:
        if c.kind == "table" and isinstance(c, Add):
            t = c.after
            for col in t.columns:
                yield c, "column", t.name, col, None
            for idx in ([t.primary_key] if t.primary_key else []) + list(t.indexes):
                yield c, "index", t.name, idx, None
            for chk in t.checks:
                yield c, "check", t.name, chk, None
        elif c.kind in ("column", "index", "check") and isinstance(c, (Add, Alter)):
            yield c, c.kind, c.table, c.after, c.before


def _words(tokens, i, n):
    return [t.value for t in tokens[i:i + n]]


def statement_matches(ctx, patterns):
    """(call, pattern) for each statement of the revision holding one of ``patterns``
    (tuples of upper-case words, ``*`` matching any one token)."""
    for call, tokens in ctx.statement_tokens:
        for i in range(len(tokens)):
            for pat in patterns:
                words = _words(tokens, i, len(pat))
                if len(words) == len(pat) and all(p == "*" or p == w for p, w in zip(pat, words, strict=True)):
                    yield call, pat
                    break
            else:
                continue
            break


def statement_text(call) -> str:
    return f"line {call.line}: {excerpt(call.sql or '')}"
