"""Parse MariaDB table DDL with sqlglot, into small statement objects.

sqlglot's MySQL dialect reads most of MariaDB's expression syntax, but its DDL grammar is
lossy for what a schema model needs (``float unsigned`` and ``mediumtext COMPRESSED`` are
rejected, ``timestamp`` becomes ``TIMESTAMPTZ``, most ALTER actions fall back to a
``Command``, functions are rewritten into other dialects' spellings).  So this module
extends the dialect: :class:`MariaDB` keeps sqlglot's tokenizer and expression parser, but
parses the table-level statements itself, straight from the token stream, into the
dataclasses below.  Expressions (defaults, generated columns, checks) stay sqlglot trees,
with functions kept as written (``exp.Anonymous``) so that :mod:`.exprs` can print them the
way the server does.

Statements: CREATE [OR REPLACE] [TEMPORARY] TABLE [IF NOT EXISTS] (definitions | LIKE),
CREATE [OR REPLACE] [UNIQUE|FULLTEXT|SPATIAL] INDEX, DROP TABLE, DROP INDEX, RENAME TABLE,
TRUNCATE [TABLE], ALTER [ONLINE] [IGNORE] TABLE.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NoReturn

import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.parsers.mysql import MySQLParser
from sqlglot.tokens import Token, TokenType

from .reserved import RESERVED
from .state import OfflineError

# ---------------------------------------------------------------------------------------
# Statement objects


@dataclass
class TypeSpec:
    """A column type as written: ``name`` lower case, words joined by one space."""

    name: str
    args: tuple[str, ...] | None = None  # numeric arguments as written, None without parens
    values: tuple[str, ...] = ()  # enum/set values, unescaped
    unsigned: bool = False
    signed: bool = False
    zerofill: bool = False
    charset: str | None = None
    collate: str | None = None
    binary: bool = False  # the BINARY attribute of a character type (``varchar(5) binary``)
    ascii: bool = False
    unicode: bool = False
    byte: bool = False
    compressed: bool = False
    serial: bool = False


@dataclass
class ColumnSpec:
    name: str
    type: TypeSpec
    null: bool | None = None  # True: NULL, False: NOT NULL, None: unspecified
    default: exp.Expr | None = None  # None: no DEFAULT clause
    on_update: exp.Expr | None = None
    auto_increment: bool = False
    comment: str | None = None
    generated: exp.Expr | None = None
    stored: bool = False
    invisible: bool = False
    compressed: bool = False
    check: exp.Expr | None = None
    key: str | None = None  # primary / unique (inline PRIMARY KEY, KEY, UNIQUE [KEY])
    unique_key: bool = False
    references: ForeignKeySpec | None = None
    serial_default_value: bool = False
    position: tuple[str, str | None] | None = None  # ("FIRST", None) / ("AFTER", col)


@dataclass
class KeyPart:
    column: str
    length: int | None = None
    descending: bool = False


@dataclass
class KeySpec:
    kind: str  # primary / unique / index / fulltext / spatial
    name: str | None
    parts: list[KeyPart]
    using: str | None = None
    comment: str | None = None
    if_not_exists: bool = False
    ignored: bool = False
    constraint: str | None = None  # CONSTRAINT name written before PRIMARY KEY / UNIQUE


@dataclass
class ForeignKeySpec:
    constraint: str | None
    index_name: str | None
    columns: list[str]
    ref_schema: str | None
    ref_table: str
    ref_columns: list[str]
    on_delete: str | None = None
    on_update: str | None = None
    if_not_exists: bool = False


@dataclass
class CheckSpec:
    name: str | None
    expr: exp.Expr
    if_not_exists: bool = False


@dataclass
class CreateTable:
    name: str
    schema: str | None
    or_replace: bool = False
    if_not_exists: bool = False
    temporary: bool = False
    elements: list[Any] = field(default_factory=list)  # ColumnSpec/KeySpec/ForeignKeySpec/CheckSpec
    options: list[tuple[str, Any]] = field(default_factory=list)
    like: tuple[str | None, str] | None = None
    select: bool = False
    partition: bool = False


@dataclass
class CreateIndex:
    key: KeySpec
    table: str
    schema: str | None
    or_replace: bool = False
    options: list = field(default_factory=list)  # ALGORITHM= / LOCK= (NoOp)


@dataclass
class DropTable:
    tables: list[tuple[str | None, str]]
    if_exists: bool = False
    temporary: bool = False


@dataclass
class DropIndex:
    name: str
    table: str
    schema: str | None
    if_exists: bool = False
    options: list = field(default_factory=list)  # ALGORITHM= / LOCK= (NoOp)


@dataclass
class RenameTable:
    pairs: list[tuple[tuple[str | None, str], tuple[str | None, str]]]


@dataclass
class Truncate:
    table: str
    schema: str | None


@dataclass
class AlterTable:
    name: str
    schema: str | None
    actions: list[Any] = field(default_factory=list)
    ignore: bool = False
    partition: bool = False
    online: bool = False


# ALTER TABLE actions


@dataclass
class AddColumn:
    column: ColumnSpec
    if_not_exists: bool = False


@dataclass
class ChangeColumn:
    old: str
    column: ColumnSpec
    if_exists: bool = False
    modify: bool = False


@dataclass
class DropColumn:
    name: str
    if_exists: bool = False


@dataclass
class RenameColumn:
    old: str
    new: str
    if_exists: bool = False


@dataclass
class AlterColumnDefault:
    name: str
    default: exp.Expr | None  # None: DROP DEFAULT
    if_exists: bool = False


@dataclass
class AddKey:
    key: KeySpec


@dataclass
class AddForeignKey:
    fk: ForeignKeySpec


@dataclass
class AddCheck:
    check: CheckSpec


@dataclass
class DropPrimaryKey:
    pass


@dataclass
class DropKey:
    name: str
    if_exists: bool = False


@dataclass
class DropForeignKey:
    name: str
    if_exists: bool = False


@dataclass
class DropConstraint:
    name: str
    if_exists: bool = False


@dataclass
class RenameKey:
    old: str
    new: str
    if_exists: bool = False


@dataclass
class AlterKeyIgnored:
    name: str
    ignored: bool


@dataclass
class RenameTo:
    schema: str | None
    name: str


@dataclass
class ConvertCharset:
    charset: str | None  # None: DEFAULT
    collate: str | None


@dataclass
class TableOption:
    key: str
    value: Any


@dataclass
class NoOp:
    what: str


# ---------------------------------------------------------------------------------------
# The dialect


class TableDDL(exp.Expression):
    """A parsed table statement; ``this`` holds the statement object."""

    arg_types = {"this": True}


_WORD = re.compile(r"^[A-Za-z0-9_$\u0080-\uffff]+$")

# MariaDB type names, one or two words (lower case, as the parser joins them)
_TYPE_NAMES = {
    "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "int1", "int2", "int3",
    "int4", "int8", "middleint", "bool", "boolean", "bit", "serial",
    "decimal", "dec", "numeric", "fixed", "number",
    "float", "double", "real", "float4", "float8",
    "date", "time", "datetime", "timestamp", "year",
    "char", "character", "varchar", "varchar2", "nchar", "nvarchar", "binary", "varbinary",
    "tinytext", "text", "mediumtext", "longtext", "long", "tinyblob", "blob", "mediumblob",
    "longblob", "enum", "set", "json",
    "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
    "multipolygon", "geometrycollection", "uuid", "inet4", "inet6",
}
_TWO_WORD_TYPES = {
    ("double", "precision"): "double precision",
    ("long", "varchar"): "long varchar",
    ("long", "varbinary"): "long varbinary",
    ("long", "char"): "long varchar",
    ("national", "char"): "national char",
    ("national", "character"): "national char",
    ("national", "varchar"): "national varchar",
    ("char", "varying"): "varchar",
    ("character", "varying"): "varchar",
    ("nchar", "varchar"): "national varchar",
    ("nchar", "varying"): "national varchar",
    ("national", "char", "varying"): "national varchar",
    ("national", "character", "varying"): "national varchar",
}

_TABLE_OPTION_WORDS = {
    "ENGINE", "TYPE", "AUTO_INCREMENT", "AVG_ROW_LENGTH", "CHECKSUM", "TABLE_CHECKSUM",
    "COMMENT", "COMPRESSION", "CONNECTION", "DATA", "INDEX", "DELAY_KEY_WRITE", "ENCRYPTED",
    "ENCRYPTION_KEY_ID", "IETF_QUOTES", "INSERT_METHOD", "KEY_BLOCK_SIZE", "MAX_ROWS",
    "MIN_ROWS", "PACK_KEYS", "PAGE_CHECKSUM", "PAGE_COMPRESSED", "PAGE_COMPRESSION_LEVEL",
    "PASSWORD", "ROW_FORMAT", "SEQUENCE", "STATS_AUTO_RECALC", "STATS_PERSISTENT",
    "STATS_SAMPLE_PAGES", "TABLESPACE", "TRANSACTIONAL", "UNION", "WITH",
    "DEFAULT", "CHARACTER", "CHARSET", "COLLATE", "STORAGE",
}

_REF_ACTIONS = ("RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT")


_NOT_WORDS = frozenset({TokenType.STRING, TokenType.IDENTIFIER, TokenType.NATIONAL_STRING})


class _Fail(Exception):
    """A syntax error inside the DDL parser (turned into OfflineError)."""


class MariaDBTokenizer(MySQL.Tokenizer):
    """MySQL's tokenizer, plus ``.5`` read as one number (sqlglot splits it), and RENAME
    tokenized normally (sqlglot swallows the rest of a RENAME statement as one string)."""

    COMMANDS = MySQL.Tokenizer.COMMANDS - {TokenType.RENAME}

    def tokenize(self, sql: str) -> list[Token]:
        tokens = _fast_tokens(sql)
        if tokens is None:
            tokens = super().tokenize(sql)
        if "." not in sql:
            return tokens  # no '.5' to join
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            prev = out[-1] if out else None
            if (tok.token_type == TokenType.DOT and nxt is not None
                    and nxt.token_type == TokenType.NUMBER and nxt.start == tok.end + 1
                    and nxt.text[:1].isdigit()
                    and not (prev is not None and prev.end + 1 == tok.start
                             and prev.token_type not in (TokenType.L_PAREN, TokenType.COMMA))):
                out.append(Token(TokenType.NUMBER, "." + nxt.text, tok.line, tok.col,
                                 tok.start, nxt.end, tok.comments))
                i += 2
                continue
            out.append(tok)
            i += 1
        return out


# ---------------------------------------------------------------------------------------
# A fast path for the tokenizer: the plain text of a dump's CREATE TABLE (words, `names`,
# 'strings' without escapes, integers and decimals, punctuation) gives exactly the tokens
# of sqlglot's tokenizer (type, text, line, col, start, end), several times faster.  Any
# other text returns None and goes to sqlglot's tokenizer.

_FAST_PIECE = re.compile(
    r"(?P<ws>[ \t\n]+)"
    r"|(?P<word>[A-Za-z_$\u0080-\uffff][0-9A-Za-z_$\u0080-\uffff]*)"
    r"|`(?P<ident>(?:[^`\\\n\r]|``)*)`(?!`)"
    r"|'(?P<string>(?:[^'\"\\\n\r]|'')*)'(?!')"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<punct>[(),.;=+\-*/<>!%&|^~:\[\]{}?])"
)
_FAST_DELIM = frozenset(" \t\n(),;=")


def _fast_setup():
    tok = MariaDBTokenizer
    keywords = tok.KEYWORDS
    single = tok.SINGLE_TOKENS
    trie = tok._KEYWORD_TRIE
    quotes = set(tok._QUOTES) | set(tok._FORMAT_STRINGS) | set(tok._COMMENTS)
    # the words whose letters all follow a path of the trie: only these can start a
    # keyword the trie finds (PRIMARY KEY); any other word ends the walk inside itself
    paths: set[str] = set()

    def collect(node: dict, prefix: str) -> None:
        for ch, sub in node.items():
            if isinstance(ch, str) and (ch.isalnum() or ch in "_$"):
                paths.add(prefix + ch)
                collect(sub, prefix + ch)
    collect(trie, "")
    return keywords, single, trie, quotes, tok.COMMANDS, tok.COMMAND_PREFIX_TOKENS, paths


_FAST: tuple | None = None
_UPPER = {chr(i): chr(i).upper() for i in range(97, 123)}


def _walk_keyword(sql: str, start: int, trie: dict, single_tokens: dict) -> tuple:
    """sqlglot's keyword trie walk from ``start`` (TokenizerCore._scan_keywords):
    (longest keyword, chars read, ended on a space, saw a single token, last char)."""
    size = 0
    word = None
    chars = sql[start]
    char = chars
    prev_space = False
    skip = False
    single_token = char in single_tokens
    n = len(sql)
    current = start + 1
    while chars:
        if not skip:
            sub = trie.get(_UPPER.get(char, char))
            if sub is None:
                break
            trie = sub
            if 0 in trie:
                word = chars
        end = current + size
        size += 1
        if end < n:
            char = sql[end]
            single_token = single_token or char in single_tokens
            is_space = char.isspace()
            if not is_space or not prev_space:
                if is_space:
                    char = " "
                chars += char
                prev_space = is_space
                skip = False
            else:
                skip = True
        else:
            char = ""
            break
    return word, size, prev_space, single_token, char


def _fast_tokens(sql: str) -> list[Token] | None:  # noqa: C901 - one regex pass, one branch per token kind
    global _FAST
    if _FAST is None:
        _FAST = _fast_setup()
    keywords, single, trie, quotes, commands, prefixes, paths = _FAST
    if "\r" in sql:
        return None
    out: list[Token] = []
    n = len(sql)
    pos = 0
    line = 1
    line_start = -1  # index of the last newline before pos
    match = _FAST_PIECE.match
    var = TokenType.VAR
    while pos < n:
        m = match(sql, pos)
        if m is None:
            return None
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            nl = sql.count("\n", pos, end)
            if nl:
                line += nl
                line_start = sql.rindex("\n", pos, end)
            pos = end
            continue
        last = end - 1
        if kind == "word":
            if end < n and sql[end] not in _FAST_DELIM:
                return None
            if m.group("word").upper() in paths:
                word, size, prev_space, single_token, char = _walk_keyword(sql, pos, trie, single)
                if word:
                    if word in quotes or word.upper() in quotes:
                        return None
                    if prev_space or single_token or not char:
                        upper = word.upper()
                        if upper in keywords:
                            # one keyword, maybe of several words (PRIMARY KEY)
                            kw_last = pos + size - 1
                            if kw_last < last or "\n" in sql[pos:kw_last + 1]:
                                return None
                            out.append(Token(keywords[upper], upper, line, kw_last - line_start,
                                             pos, kw_last, []))
                            pos = kw_last + 1
                            continue
            text = m.group("word")
            ttype = keywords.get(text.upper(), var)
            if ttype in commands and (not out or out[-1].token_type in prefixes):
                return None
            out.append(Token(ttype, text, line, last - line_start, pos, last, []))
        elif kind == "ident":
            out.append(Token(TokenType.IDENTIFIER, m.group("ident").replace("``", "`"), line,
                             last - line_start, pos, last, []))
        elif kind == "string":
            out.append(Token(TokenType.STRING, m.group("string").replace("''", "'"), line,
                             last - line_start, pos, last, []))
        elif kind == "number":
            if end < n and sql[end] not in _FAST_DELIM:
                return None
            out.append(Token(TokenType.NUMBER, m.group("number"), line, last - line_start,
                             pos, last, []))
        else:
            c = m.group("punct")
            sub = trie.get(c)
            if sub is not None:
                nxt = sql[end] if end < n else ""
                if 0 in sub or (" " if nxt.isspace() else _UPPER.get(nxt, nxt)) in sub:
                    return None
            ttype = single.get(c)
            if ttype is None:
                return None
            out.append(Token(ttype, c, line, last - line_start, pos, last, []))
        pos = end
    return out


class MariaDBParser(MySQLParser):
    """MySQL's parser with MariaDB table DDL parsed into the statement objects above.

    Functions are not rewritten: ``FUNCTIONS`` is emptied, so a call is kept as
    ``exp.Anonymous`` with its name as written (syntax-special functions such as CAST,
    TRIM or EXTRACT keep their own nodes).
    """

    FUNCTIONS: ClassVar[dict[str, Callable[..., Any]]] = {}
    FUNCTION_PARSERS = {k: v for k, v in MySQLParser.FUNCTION_PARSERS.items()
                        if k in ("CAST", "CHAR", "CONVERT", "EXTRACT", "POSITION", "SUBSTR",
                                 "SUBSTRING", "TRIM", "MATCH", "GROUP_CONCAT")}

    # ---- entry

    def _parse_statement(self) -> exp.Expr | None:
        if self._curr is None or not self._curr:
            return None
        start = self._index
        try:
            stmt = self._m_statement()
        except _Fail as exc:
            raise ParseError(str(exc)) from None
        if stmt is None:
            self._retreat(start)
            return super()._parse_statement()
        if self._curr:
            tok = self._curr
            raise ParseError(f"syntax error near '{self.sql[tok.start:tok.start + 40]}'")
        return self.expression(TableDDL(this=stmt))

    # ---- token helpers

    def _m_fail(self, what: str = "") -> NoReturn:
        tok = self._curr
        near = self.sql[tok.start:tok.start + 40] if tok else ""
        raise _Fail(f"syntax error{': ' + what if what else ''} near '{near}'" if near
                    else f"syntax error{': ' + what if what else ''} at end of statement")

    _m_parts_of: list | None = None
    _m_parts: list[tuple[str, ...] | None] = []
    _m_flat: list[tuple[str, int]] = []
    _m_starts: list[int] = []

    def _m_peek(self, offset: int = 0) -> Token | None:
        i = self._index + offset
        return self._tokens[i] if 0 <= i < len(self._tokens) else None

    def _m_words(self, n: int) -> list[tuple[str, int]]:
        """The next ``n`` bare words, upper case, each with the number of tokens consumed
        once it is read (0 when the word ends inside a multi-word token such as
        ``DOUBLE PRECISION``).  Quoted names, strings and punctuation give ''."""
        tokens = self._tokens
        if self._m_parts_of is not tokens:
            self._m_prepare(tokens)
        index = self._index
        starts = self._m_starts
        at = starts[index] if index < len(starts) else len(self._m_flat)
        chunk = self._m_flat[at:at + n]
        out = [(part, end - index if end else 0) for part, end in chunk]
        if len(out) < n:
            out += [("", 0)] * (n - len(out))
        return out

    def _m_prepare(self, tokens: list[Token]) -> None:
        """The words of each token, upper case, once per token list: ``_m_flat`` holds
        (word, index after its token, or 0 inside a multi-word token), ``_m_starts`` each
        token's first entry; quoted names and strings give ('', 0)."""
        flat: list[tuple[str, int]] = []
        starts: list[int] = []
        parts_of: list[tuple[str, ...] | None] = []
        for i, tok in enumerate(tokens):
            starts.append(len(flat))
            if tok.token_type in _NOT_WORDS:
                parts_of.append(None)
                flat.append(("", 0))
                continue
            parts = tuple(tok.text.upper().split()) or ("",)
            parts_of.append(parts)
            last = len(parts) - 1
            for k, part in enumerate(parts):
                flat.append((part, i + 1 if k == last else 0))
        self._m_parts_of = tokens
        self._m_parts = parts_of
        self._m_flat = flat
        self._m_starts = starts

    def _m_word(self, offset: int = 0) -> str:
        """The upper-case text of the bare word at ``offset`` ('' otherwise)."""
        if offset == 0 and self._m_parts_of is self._tokens:
            i = self._index
            if i >= len(self._tokens):
                return ""
            parts = self._m_parts[i]
            return "" if parts is None else parts[0]
        return self._m_words(offset + 1)[offset][0]

    def _m_is(self, *words: str) -> bool:
        got = self._m_words(len(words))
        return all(g[0] == w for g, w in zip(got, words, strict=False)) and got[-1][1] > 0

    def _m_accept(self, *words: str) -> bool:
        if self._m_is(*words):
            self._advance(self._m_words(len(words))[-1][1])
            return True
        return False

    def _m_skip(self, n: int) -> None:
        """Consume ``n`` words (which must end on a token boundary)."""
        consumed = self._m_words(n)[-1][1]
        if consumed <= 0:
            self._m_fail()
        self._advance(consumed)

    def _m_expect(self, *words: str) -> None:
        if not self._m_accept(*words):
            self._m_fail(f"expected {' '.join(words)}")

    def _m_accept_tok(self, token_type: TokenType) -> bool:
        if self._curr and self._curr.token_type == token_type:
            self._advance()
            return True
        return False

    def _m_expect_tok(self, token_type: TokenType, what: str) -> None:
        if not self._m_accept_tok(token_type):
            self._m_fail(f"expected {what}")

    def _m_name(self, what: str = "name", *, reserved_ok: bool = False) -> str:
        """An identifier: backquoted, or a bare word that is not a reserved word (words
        such as charset or engine names pass ``reserved_ok``)."""
        tok = self._curr
        if not tok:
            self._m_fail(f"expected {what}")
        if tok.token_type == TokenType.IDENTIFIER:
            self._advance()
            return tok.text
        if not reserved_ok and tok.text.upper() in RESERVED:
            self._m_fail(f"expected {what}")
        if tok.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING, TokenType.L_PAREN,
                              TokenType.R_PAREN, TokenType.COMMA, TokenType.SEMICOLON,
                              TokenType.EQ, TokenType.DOT):
            self._m_fail(f"expected {what}")
        if not _WORD.match(tok.text):
            self._m_fail(f"expected {what}")
        self._advance()
        return tok.text

    def _m_qualified(self, what: str = "table name") -> tuple[str | None, str]:
        first = self._m_name(what)
        if self._curr and self._curr.token_type == TokenType.DOT:
            self._advance()
            return first, self._m_name(what)
        return None, first

    def _m_string(self, what: str = "string") -> str:
        tok = self._curr
        if not tok or tok.token_type not in (TokenType.STRING, TokenType.NATIONAL_STRING):
            # an introducer: _utf8mb4'text'
            if tok and tok.token_type == TokenType.INTRODUCER:
                self._advance()
                return self._m_string(what)
            self._m_fail(f"expected {what}")
        parts = []
        while self._curr and self._curr.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING):
            parts.append(self._curr.text)
            self._advance()
        return "".join(parts)

    def _m_int(self, what: str = "number") -> int:
        tok = self._curr
        if not tok or tok.token_type != TokenType.NUMBER or not tok.text.isdigit():
            self._m_fail(f"expected {what}")
        self._advance()
        return int(tok.text)

    def _m_if_not_exists(self) -> bool:
        return self._m_accept("IF", "NOT", "EXISTS")

    def _m_if_exists(self) -> bool:
        return self._m_accept("IF", "EXISTS")

    def _m_eq(self) -> None:
        self._m_accept_tok(TokenType.EQ)

    def _m_paren_expr(self) -> exp.Expr:
        self._m_expect_tok(TokenType.L_PAREN, "(")
        e = self._parse_assignment()
        if e is None:
            self._m_fail("expected an expression")
        self._m_expect_tok(TokenType.R_PAREN, ")")
        return e

    def _m_at_end(self) -> bool:
        return not self._curr or self._curr.token_type == TokenType.SEMICOLON

    # ---- statements

    def _m_statement(self) -> Any:  # noqa: C901 - dispatch on the statement's leading words
        w = [self._m_word(i) for i in range(5)]
        if w[0] == "CREATE":
            i = 1
            or_replace = False
            if w[1] == "OR" and w[2] == "REPLACE":
                or_replace, i = True, 3
            temporary = False
            if self._m_word(i) == "TEMPORARY":
                temporary, i = True, i + 1
            if self._m_word(i) == "TABLE":
                self._m_skip(i + 1)
                return self._m_create_table(or_replace, temporary)
            j = i
            if self._m_word(j) in ("ONLINE", "OFFLINE"):
                j += 1
            kind = "index"
            if self._m_word(j) in ("UNIQUE", "FULLTEXT", "SPATIAL"):
                kind = self._m_word(j).lower()
                j += 1
            if self._m_word(j) == "INDEX" and not temporary:
                self._m_skip(j + 1)
                return self._m_create_index(or_replace, kind)
            return None
        if w[0] == "DROP":
            i = 1
            temporary = False
            if w[1] == "TEMPORARY":
                temporary, i = True, 2
            if self._m_word(i) in ("TABLE", "TABLES"):
                self._m_skip(i + 1)
                if_exists = self._m_if_exists()
                tables = [self._m_qualified()]
                while self._m_accept_tok(TokenType.COMMA):
                    tables.append(self._m_qualified())
                self._m_accept("RESTRICT") or self._m_accept("CASCADE")
                return DropTable(tables, if_exists, temporary)
            j = i
            if self._m_word(j) in ("ONLINE", "OFFLINE"):
                j += 1
            if self._m_word(j) == "INDEX" and not temporary:
                self._m_skip(j + 1)
                if_exists = self._m_if_exists()
                name = self._m_name("index name")
                self._m_expect("ON")
                schema, table = self._m_qualified()
                st = DropIndex(name, table, schema, if_exists)
                st.options = self._m_lock_algorithm_options()
                return st
            return None
        if w[0] == "RENAME" and w[1] in ("TABLE", "TABLES"):
            self._m_skip(2)
            pairs = []
            if self._m_if_exists():
                raise OfflineError("RENAME TABLE IF EXISTS is not supported offline")
            while True:
                old = self._m_qualified()
                self._m_lock_algorithm_options()
                self._m_expect("TO")
                new = self._m_qualified()
                pairs.append((old, new))
                if not self._m_accept_tok(TokenType.COMMA):
                    break
            return RenameTable(pairs)
        if w[0] == "TRUNCATE":
            self._m_skip(1)
            self._m_accept("TABLE")
            schema, table = self._m_qualified()
            return Truncate(table, schema)
        if w[0] == "ALTER":
            i = 1
            online = False
            if w[i] in ("ONLINE", "OFFLINE"):
                online = w[i] == "ONLINE"
                i += 1
            ignore = False
            if self._m_word(i) == "IGNORE":
                ignore, i = True, i + 1
            if self._m_word(i) == "TABLE":
                self._m_skip(i + 1)
                alter = self._m_alter_table(ignore)
                alter.online = online
                return alter
            return None
        return None

    def _m_lock_algorithm_options(self) -> list[NoOp]:
        out: list[NoOp] = []
        while True:
            if self._m_word() in ("ALGORITHM", "LOCK"):
                w = self._m_word()
                self._m_skip(1)
                self._m_eq()
                out.append(NoOp(f"{w}={self._m_name('value', reserved_ok=True).upper()}"))
            elif self._m_word() == "WAIT":
                self._m_skip(1)
                self._m_int()
            elif self._m_word() == "NOWAIT":
                self._m_skip(1)
            else:
                return out

    # ---- CREATE TABLE

    def _m_create_table(self, or_replace: bool, temporary: bool) -> CreateTable:
        if_not_exists = self._m_if_not_exists()
        schema, name = self._m_qualified()
        st = CreateTable(name, schema, or_replace, if_not_exists, temporary)
        if self._m_accept("LIKE"):
            st.like = self._m_qualified()
            return st
        if (self._curr and self._curr.token_type == TokenType.L_PAREN
                and self._m_word(1) == "LIKE"):
            self._advance(2)
            st.like = self._m_qualified()
            self._m_expect_tok(TokenType.R_PAREN, ")")
            return st
        if self._curr and self._curr.token_type == TokenType.L_PAREN:
            if self._m_word(1) in ("SELECT", "WITH", "VALUES"):
                st.select = True
                self._m_skip_rest()
                return st
            self._advance()
            while True:
                st.elements.append(self._m_create_element())
                if self._m_accept_tok(TokenType.COMMA):
                    continue
                self._m_expect_tok(TokenType.R_PAREN, ") or ,")
                break
        st.options = self._m_table_options()
        if self._m_is("PARTITION", "BY"):
            st.partition = True
            self._m_skip_rest()
            return st
        if not self._m_at_end():
            self._m_accept("IGNORE") or self._m_accept("REPLACE")
            self._m_accept("AS")
            if self._m_word() in ("SELECT", "WITH", "VALUES") or (
                    self._curr and self._curr.token_type == TokenType.L_PAREN):
                st.select = True
                self._m_skip_rest()
        return st

    def _m_skip_rest(self) -> None:
        while self._curr:
            self._advance()

    def _m_create_element(self, alter: bool = False) -> Any:
        w0 = self._m_word()
        constraint = None
        if w0 == "CONSTRAINT":
            self._m_skip(1)
            # CONSTRAINT IF NOT EXISTS [name] CHECK: only in ALTER TABLE ADD, only for CHECK
            if_not_exists = alter and self._m_if_not_exists()
            if self._m_word() not in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK"):
                constraint = self._m_name("constraint name")
            if if_not_exists and self._m_word() != "CHECK":
                self._m_fail("IF NOT EXISTS here is only for a CHECK constraint")
            return self._m_constraint_body(constraint, if_not_exists)
        if w0 in ("PRIMARY", "UNIQUE", "FOREIGN", "CHECK"):
            return self._m_constraint_body(None, False)
        if w0 in ("KEY", "INDEX", "FULLTEXT", "SPATIAL"):
            return self._m_key_def()
        if w0 == "PERIOD" and self._m_word(1) == "FOR":
            raise OfflineError("PERIOD FOR (system versioning) is not supported offline")
        return self._m_column_def()

    def _m_constraint_body(self, constraint: str | None, if_not_exists: bool) -> Any:
        w = self._m_word()
        if w == "PRIMARY":
            self._m_expect("PRIMARY", "KEY")
            key = self._m_key_rest("primary", None)
            key.constraint = constraint
            key.if_not_exists = if_not_exists
            return key
        if w == "UNIQUE":
            self._m_skip(1)
            self._m_accept("KEY") or self._m_accept("INDEX")
            if_not_exists = self._m_if_not_exists() or if_not_exists
            name = None
            if not self._m_paren_next() and self._m_word() != "USING":
                name = self._m_name("index name")
            key = self._m_key_rest("unique", name if name is not None else constraint)
            key.constraint = constraint
            key.if_not_exists = if_not_exists
            return key
        if w == "FOREIGN":
            self._m_expect("FOREIGN", "KEY")
            if_not_exists = self._m_if_not_exists() or if_not_exists
            index_name = None
            if not self._m_paren_next():
                index_name = self._m_name("index name")
            cols = self._m_name_list()
            ref = self._m_references()
            return ForeignKeySpec(constraint, index_name, cols, ref[0], ref[1], ref[2], ref[3],
                                  ref[4], if_not_exists)
        if w == "CHECK":
            self._m_skip(1)
            return CheckSpec(constraint, self._m_paren_expr(), if_not_exists)
        self._m_fail("expected PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK")

    def _m_paren_next(self) -> bool:
        return bool(self._curr) and self._curr.token_type == TokenType.L_PAREN

    def _m_name_list(self) -> list[str]:
        self._m_expect_tok(TokenType.L_PAREN, "(")
        names = [self._m_name("column name")]
        while self._m_accept_tok(TokenType.COMMA):
            names.append(self._m_name("column name"))
        self._m_expect_tok(TokenType.R_PAREN, ")")
        return names

    def _m_references(self) -> tuple:
        self._m_expect("REFERENCES")
        schema, table = self._m_qualified()
        cols = self._m_name_list() if self._m_paren_next() else []
        on_delete = on_update = None
        while True:
            if self._m_accept("MATCH"):
                if self._m_word() not in ("FULL", "PARTIAL", "SIMPLE"):
                    self._m_fail("expected FULL, PARTIAL or SIMPLE")
                self._m_skip(1)
            elif self._m_accept("ON", "DELETE"):
                on_delete = self._m_ref_action()
            elif self._m_accept("ON", "UPDATE"):
                on_update = self._m_ref_action()
            else:
                break
        return schema, table, cols, on_delete, on_update

    def _m_ref_action(self) -> str:
        for action in _REF_ACTIONS:
            if self._m_accept(*action.split()):
                return action
        self._m_fail("expected a referential action")

    def _m_key_def(self) -> KeySpec:
        w = self._m_word()
        kind = "index"
        if w in ("FULLTEXT", "SPATIAL"):
            kind = w.lower()
            self._m_skip(1)
            self._m_accept("KEY") or self._m_accept("INDEX")
        else:
            self._m_skip(1)
        if_not_exists = self._m_if_not_exists()
        name = None
        if not self._m_paren_next() and self._m_word() != "USING":
            name = self._m_name("index name")
        key = self._m_key_rest(kind, name)
        key.if_not_exists = if_not_exists
        return key

    def _m_key_rest(self, kind: str, name: str | None) -> KeySpec:
        using = None
        if self._m_word() in ("USING", "TYPE"):
            self._m_skip(1)
            using = self._m_name("index type", reserved_ok=True).upper()
        parts = self._m_key_parts()
        key = KeySpec(kind, name, parts, using)
        self._m_key_options(key)
        return key

    def _m_key_parts(self) -> list[KeyPart]:
        self._m_expect_tok(TokenType.L_PAREN, "(")
        parts = []
        while True:
            col = self._m_name("column name")
            length = None
            if self._m_paren_next():
                self._advance()
                length = self._m_int("prefix length")
                self._m_expect_tok(TokenType.R_PAREN, ")")
            desc = False
            if self._m_accept("DESC"):
                desc = True
            else:
                self._m_accept("ASC")
            parts.append(KeyPart(col, length, desc))
            if not self._m_accept_tok(TokenType.COMMA):
                break
        self._m_expect_tok(TokenType.R_PAREN, ")")
        return parts

    def _m_key_options(self, key: KeySpec) -> None:
        while True:
            w = self._m_word()
            if w in ("USING", "TYPE"):
                self._m_skip(1)
                key.using = self._m_name("index type", reserved_ok=True).upper()
            elif w == "COMMENT":
                self._m_skip(1)
                key.comment = self._m_string("comment")
            elif w == "KEY_BLOCK_SIZE":
                self._m_skip(1)
                self._m_eq()
                self._m_int()
                raise OfflineError("index KEY_BLOCK_SIZE is not supported offline")
            elif w == "WITH" and self._m_word(1) == "PARSER":
                raise OfflineError("FULLTEXT WITH PARSER is not supported offline")
            elif w == "IGNORED":
                self._m_skip(1)
                key.ignored = True
            elif w == "NOT" and self._m_word(1) == "IGNORED":
                self._m_skip(2)
                key.ignored = False
            elif w == "CLUSTERING":
                raise OfflineError("CLUSTERING indexes are not supported offline")
            else:
                return

    # ---- columns

    def _m_column_def(self, name: str | None = None) -> ColumnSpec:
        if name is None:
            name = self._m_name("column name")
        ctype = self._m_type()
        col = ColumnSpec(name, ctype)
        if ctype.serial:
            col.null = False
            col.auto_increment = True
            col.unique_key = True
        self._m_column_attributes(col)
        return col

    def _m_type(self) -> TypeSpec:  # noqa: C901 - the data type grammar, one branch per type family
        tok = self._curr
        if not tok or tok.token_type in (TokenType.IDENTIFIER, TokenType.STRING):
            self._m_fail("expected a data type")
        words = [self._m_word(i).lower() for i in range(3)]
        name = None
        for n in (3, 2):
            if tuple(words[:n]) in _TWO_WORD_TYPES:
                name = _TWO_WORD_TYPES[tuple(words[:n])]
                self._m_skip(n)
                break
        if name is None:
            if words[0] not in _TYPE_NAMES:
                self._m_fail(f"unknown data type {tok.text!r}")
            name = words[0]
            self._m_skip(1)
        spec = TypeSpec(name)
        if name == "serial":
            spec.serial = True
            return spec
        if name in ("enum", "set"):
            self._m_expect_tok(TokenType.L_PAREN, "(")
            values = [self._m_string("enum value")]
            while self._m_accept_tok(TokenType.COMMA):
                values.append(self._m_string("enum value"))
            self._m_expect_tok(TokenType.R_PAREN, ")")
            spec.values = tuple(values)
        elif self._m_paren_next():
            self._advance()
            args = []
            while True:
                tok = self._curr
                if not tok or tok.token_type != TokenType.NUMBER or not re.fullmatch(r"\d+", tok.text):
                    self._m_fail("expected a number")
                args.append(tok.text)
                self._advance()
                if not self._m_accept_tok(TokenType.COMMA):
                    break
            self._m_expect_tok(TokenType.R_PAREN, ")")
            spec.args = tuple(args)
        # type attributes
        while True:
            w = self._m_word()
            if w == "UNSIGNED":
                spec.unsigned = True
            elif w == "SIGNED":
                spec.signed = True
            elif w == "ZEROFILL":
                spec.zerofill = True
            elif w == "BINARY":
                spec.binary = True
            elif w == "ASCII":
                spec.ascii = True
            elif w == "UNICODE":
                spec.unicode = True
            elif w == "BYTE":
                spec.byte = True
            elif w == "COMPRESSED":
                spec.compressed = True
                self._m_skip(1)
                if self._curr and self._curr.token_type == TokenType.EQ:
                    self._advance()
                    self._m_name("compression method", reserved_ok=True)
                continue
            elif w in ("CHARACTER", "CHARSET", "CHAR"):
                if w in ("CHARACTER", "CHAR"):
                    if self._m_word(1) != "SET":
                        return spec
                    self._m_skip(1)
                self._m_skip(1)
                spec.charset = self._m_charset_name()
                continue
            elif w == "COLLATE":
                self._m_skip(1)
                spec.collate = self._m_charset_name()
                continue
            else:
                return spec
            self._m_skip(1)

    def _m_charset_name(self) -> str:
        tok = self._curr
        if tok and tok.token_type == TokenType.STRING:
            self._advance()
            return tok.text
        if self._m_word() == "DEFAULT":
            self._m_skip(1)
            return "DEFAULT"
        return self._m_name("character set", reserved_ok=True)

    def _m_default_expr(self) -> exp.Expr:
        if self._m_paren_next():
            start = self._index
            e = self._parse_unary()
            if e is None:
                self._retreat(start)
                self._m_fail("expected a default value")
            return e
        e = self._parse_unary()
        if e is None:
            self._m_fail("expected a default value")
        return e

    def _m_column_attributes(  # noqa: C901 - the column attribute grammar, one branch per attribute
            self, col: ColumnSpec) -> None:
        while True:
            w = self._m_word()
            if w == "NOT" and self._m_word(1) == "NULL":
                self._m_skip(2)
                col.null = False
            elif w == "NULL":
                self._m_skip(1)
                col.null = True
            elif w == "DEFAULT":
                self._m_skip(1)
                col.default = self._m_default_expr()
            elif w == "ON" and self._m_word(1) == "UPDATE":
                self._m_skip(2)
                e = self._parse_unary()
                if e is None:
                    self._m_fail("expected ON UPDATE value")
                col.on_update = e
            elif w == "AUTO_INCREMENT":
                self._m_skip(1)
                col.auto_increment = True
            elif w == "SERIAL" and self._m_word(1) == "DEFAULT" and self._m_word(2) == "VALUE":
                self._m_skip(3)
                col.null = False
                col.auto_increment = True
                col.unique_key = True
                col.serial_default_value = True
            elif w == "PRIMARY" and self._m_word(1) == "KEY":
                self._m_skip(2)
                col.key = "primary"
            elif w == "KEY":
                self._m_skip(1)
                col.key = "primary"
            elif w == "UNIQUE":
                self._m_skip(1)
                self._m_accept("KEY")
                col.unique_key = True
            elif w == "COMMENT":
                self._m_skip(1)
                col.comment = self._m_string("comment")
            elif w == "COLLATE":
                self._m_skip(1)
                col.type.collate = self._m_charset_name()
            elif w in ("CHARACTER", "CHARSET") and (w == "CHARSET" or self._m_word(1) == "SET"):
                self._m_skip(1 if w == "CHARSET" else 2)
                col.type.charset = self._m_charset_name()
            elif w == "BINARY":
                self._m_skip(1)
                col.type.binary = True
            elif w == "INVISIBLE":
                self._m_skip(1)
                col.invisible = True
            elif w == "COMPRESSED":
                self._m_skip(1)
                col.compressed = True
                if self._curr and self._curr.token_type == TokenType.EQ:
                    self._advance()
                    self._m_name("compression method", reserved_ok=True)
            elif w == "GENERATED" and self._m_word(1) == "ALWAYS" and self._m_word(2) == "AS":
                self._m_skip(3)
                self._m_generated(col)
            elif w == "AS":
                self._m_skip(1)
                self._m_generated(col)
            elif w in ("VIRTUAL", "PERSISTENT", "STORED") and col.generated is not None:
                self._m_skip(1)
                col.stored = w != "VIRTUAL"
            elif w == "REFERENCES":
                ref = self._m_references()
                col.references = ForeignKeySpec(None, None, [col.name], ref[0], ref[1], ref[2],
                                                 ref[3], ref[4])
            elif w == "CHECK":
                self._m_skip(1)
                col.check = self._m_paren_expr()
                return  # a column CHECK ends the definition
            elif w == "CONSTRAINT" and self._m_word(2) == "CHECK":
                self._m_fail("CONSTRAINT name is not allowed on a column CHECK")
            elif w in ("COLUMN_FORMAT", "STORAGE"):
                self._m_skip(1)
                self._m_name("value", reserved_ok=True)
            elif w == "WITH" and self._m_word(1) == "SYSTEM":
                raise OfflineError("system versioning is not supported offline")
            elif w == "WITHOUT" and self._m_word(1) == "SYSTEM":
                self._m_skip(3)
            elif w and self._m_word(1) == "=" and w not in ("NOT",) and _WORD.match(w) \
                    and w not in ("FIRST", "AFTER"):
                raise OfflineError(f"column option {w} is not supported offline")
            else:
                return

    def _m_generated(self, col: ColumnSpec) -> None:
        if self._m_is("ROW", "START") or self._m_is("ROW", "END"):
            raise OfflineError("system versioning is not supported offline")
        col.generated = self._m_paren_expr()

    def _m_position(self) -> tuple[str, str | None] | None:
        if self._m_accept("FIRST"):
            return ("FIRST", None)
        if self._m_accept("AFTER"):
            return ("AFTER", self._m_name("column name"))
        return None

    # ---- table options

    def _m_table_options(  # noqa: C901 - the table option grammar, one branch per option form
            self, alter: bool = False) -> list[tuple[str, Any]]:
        opts: list[tuple[str, Any]] = []
        while True:
            if (opts and self._curr and self._curr.token_type == TokenType.COMMA
                    and self._m_word(1) in _TABLE_OPTION_WORDS):
                self._advance()
            w = self._m_word()
            if not w or w not in _TABLE_OPTION_WORDS:
                return opts
            if w == "DEFAULT":
                w1 = self._m_word(1)
                if w1 in ("CHARSET", "COLLATE") or (w1 == "CHARACTER" and self._m_word(2) == "SET"):
                    self._m_skip(1)
                    w = w1
                else:
                    return opts
            if w in ("CHARACTER", "CHARSET"):
                if w == "CHARACTER":
                    if self._m_word(1) != "SET":
                        return opts
                    self._m_skip(1)
                self._m_skip(1)
                self._m_eq()
                opts.append(("CHARSET", self._m_charset_name()))
            elif w == "COLLATE":
                self._m_skip(1)
                self._m_eq()
                opts.append(("COLLATE", self._m_charset_name()))
            elif w in ("ENGINE", "TYPE"):
                self._m_skip(1)
                self._m_eq()
                tok = self._curr
                if tok and tok.token_type == TokenType.STRING:
                    self._advance()
                    opts.append(("ENGINE", tok.text))
                else:
                    opts.append(("ENGINE", self._m_name("engine name", reserved_ok=True)))
            elif w == "COMMENT":
                self._m_skip(1)
                self._m_eq()
                opts.append(("COMMENT", self._m_string("comment")))
            elif w in ("DATA", "INDEX"):
                if self._m_word(1) != "DIRECTORY":
                    return opts
                self._m_skip(2)
                self._m_eq()
                opts.append((w + " DIRECTORY", self._m_string("directory")))
            elif w == "UNION":
                self._m_skip(1)
                self._m_eq()
                self._m_expect_tok(TokenType.L_PAREN, "(")
                names = [self._m_qualified()]
                while self._m_accept_tok(TokenType.COMMA):
                    names.append(self._m_qualified())
                self._m_expect_tok(TokenType.R_PAREN, ")")
                opts.append(("UNION", names))
            elif w == "WITH" and self._m_word(1) == "SYSTEM":
                raise OfflineError("system versioning is not supported offline")
            elif w == "WITH":
                return opts
            elif w == "STORAGE":
                self._m_skip(1)
                self._m_name("storage", reserved_ok=True)
                opts.append(("STORAGE", None))
            elif w == "TABLESPACE":
                self._m_skip(1)
                self._m_name("tablespace", reserved_ok=True)
                opts.append(("TABLESPACE", None))
            else:
                self._m_skip(1)
                self._m_eq()
                tok = self._curr
                if not tok:
                    self._m_fail(f"expected a value for {w}")
                if tok.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING):
                    opts.append((w, ("str", self._m_string())))
                elif tok.token_type == TokenType.NUMBER:
                    self._advance()
                    opts.append((w, ("num", tok.text)))
                else:
                    opts.append((w, ("word", self._m_name("value", reserved_ok=True))))

    # ---- CREATE INDEX

    def _m_create_index(self, or_replace: bool, kind: str) -> CreateIndex:
        if_not_exists = self._m_if_not_exists()
        name = self._m_name("index name")
        using = None
        if self._m_word() in ("USING", "TYPE"):
            self._m_skip(1)
            using = self._m_name("index type", reserved_ok=True).upper()
        self._m_expect("ON")
        schema, table = self._m_qualified()
        parts = self._m_key_parts()
        key = KeySpec(kind, name, parts, using, if_not_exists=if_not_exists)
        self._m_key_options(key)
        st = CreateIndex(key, table, schema, or_replace)
        st.options = self._m_lock_algorithm_options()
        return st

    # ---- ALTER TABLE

    def _m_alter_table(self, ignore: bool) -> AlterTable:
        if self._m_if_exists():
            raise OfflineError("ALTER TABLE IF EXISTS is not supported offline")
        schema, name = self._m_qualified()
        st = AlterTable(name, schema, ignore=ignore)
        if self._m_at_end():
            return st
        while True:
            if self._m_is("PARTITION", "BY") or self._m_word() in (
                    "REMOVE", "ADD") and self._m_word(1) in ("PARTITIONING", "PARTITION"):
                st.partition = True
                self._m_skip_rest()
                return st
            st.actions.extend(self._m_alter_action())
            if self._m_accept_tok(TokenType.COMMA):
                continue
            if self._m_at_end():
                return st
            if self._m_is("PARTITION", "BY"):
                st.partition = True
                self._m_skip_rest()
                return st
            # table options may follow each other without commas
            if self._m_word() in _TABLE_OPTION_WORDS or self._m_word() in ("ALGORITHM", "LOCK"):
                continue
            self._m_fail()

    def _m_alter_action(self) -> list[Any]:  # noqa: C901 - the ALTER TABLE action grammar, one branch per action
        w = self._m_word()
        if w == "ADD":
            self._m_skip(1)
            return self._m_alter_add()
        if w in ("MODIFY", "CHANGE"):
            self._m_skip(1)
            self._m_accept("COLUMN")
            if_exists = self._m_if_exists()
            old = self._m_name("column name")
            new = old if w == "MODIFY" else self._m_name("column name")
            col = self._m_column_def(new)
            col.position = self._m_position()
            return [ChangeColumn(old, col, if_exists, modify=w == "MODIFY")]
        if w == "DROP":
            self._m_skip(1)
            return [self._m_alter_drop()]
        if w == "RENAME":
            self._m_skip(1)
            if self._m_accept("COLUMN"):
                if_exists = self._m_if_exists()
                old = self._m_name("column name")
                self._m_expect("TO")
                return [RenameColumn(old, self._m_name("column name"), if_exists)]
            if self._m_word() in ("INDEX", "KEY"):
                self._m_skip(1)
                if_exists = self._m_if_exists()
                old = self._m_name("index name")
                self._m_expect("TO")
                return [RenameKey(old, self._m_name("index name"), if_exists)]
            self._m_accept("TO") or self._m_accept("AS")
            schema, name = self._m_qualified()
            return [RenameTo(schema, name)]
        if w == "ALTER":
            self._m_skip(1)
            if self._m_word() in ("INDEX", "KEY"):
                self._m_skip(1)
                name = self._m_name("index name")
                if self._m_accept("IGNORED"):
                    return [AlterKeyIgnored(name, True)]
                self._m_expect("NOT", "IGNORED")
                return [AlterKeyIgnored(name, False)]
            self._m_accept("COLUMN")
            if_exists = self._m_if_exists()
            name = self._m_name("column name")
            if self._m_accept("SET", "DEFAULT"):
                return [AlterColumnDefault(name, self._m_default_expr(), if_exists)]
            if self._m_accept("DROP", "DEFAULT"):
                return [AlterColumnDefault(name, None, if_exists)]
            self._m_fail("expected SET DEFAULT or DROP DEFAULT")
        if w == "CONVERT":
            self._m_skip(1)
            self._m_expect("TO")
            if self._m_word() == "CHARSET":
                self._m_skip(1)
            else:
                self._m_expect("CHARACTER", "SET")
            cs = self._m_charset_name()
            coll = None
            if self._m_accept("COLLATE"):
                coll = self._m_charset_name()
            return [ConvertCharset(None if cs.upper() == "DEFAULT" else cs, coll)]
        if w in ("ALGORITHM", "LOCK"):
            self._m_skip(1)
            self._m_eq()
            value = self._m_name("value", reserved_ok=True)
            return [NoOp(f"{w}={value.upper()}")]
        if w == "FORCE":
            self._m_skip(1)
            return [NoOp(w)]
        if w in ("ENABLE", "DISABLE") and self._m_word(1) == "KEYS":
            self._m_skip(2)
            return [NoOp(w)]
        if w == "ORDER" and self._m_word(1) == "BY":
            raise OfflineError("ALTER TABLE ... ORDER BY is not supported offline")
        if w in ("DISCARD", "IMPORT"):
            raise OfflineError(f"ALTER TABLE ... {w} TABLESPACE is not supported offline")
        if w in _TABLE_OPTION_WORDS:
            opts = self._m_table_options(alter=True)
            if not opts:
                self._m_fail()
            return [TableOption(k, v) for k, v in opts]
        self._m_fail("unknown ALTER TABLE action")

    def _m_alter_add(self) -> list[Any]:
        w = self._m_word()
        if w == "COLUMN":
            self._m_skip(1)
            if_not_exists = self._m_if_not_exists()
            if self._m_paren_next():
                return self._m_add_column_list(if_not_exists)
            col = self._m_column_def()
            col.position = self._m_position()
            return [AddColumn(col, if_not_exists)]
        if w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "KEY", "INDEX",
                 "FULLTEXT", "SPATIAL"):
            el = self._m_create_element(alter=True)
            return [self._m_wrap_element(el)]
        if w == "PERIOD" or w == "SYSTEM":
            raise OfflineError("system versioning is not supported offline")
        if_not_exists = self._m_if_not_exists()
        if self._m_paren_next():
            return self._m_add_column_list(if_not_exists)
        col = self._m_column_def()
        col.position = self._m_position()
        return [AddColumn(col, if_not_exists)]

    def _m_add_column_list(self, if_not_exists: bool) -> list[Any]:
        self._advance()
        out = []
        while True:
            el = self._m_create_element()
            if isinstance(el, ColumnSpec):
                out.append(AddColumn(el, if_not_exists))
            else:
                out.append(self._m_wrap_element(el))
            if not self._m_accept_tok(TokenType.COMMA):
                break
        self._m_expect_tok(TokenType.R_PAREN, ")")
        return out

    @staticmethod
    def _m_wrap_element(el: Any) -> Any:
        if isinstance(el, KeySpec):
            return AddKey(el)
        if isinstance(el, ForeignKeySpec):
            return AddForeignKey(el)
        if isinstance(el, CheckSpec):
            return AddCheck(el)
        return AddColumn(el)

    def _m_alter_drop(self) -> Any:
        w = self._m_word()
        if w == "PRIMARY":
            self._m_expect("PRIMARY", "KEY")
            return DropPrimaryKey()
        if w in ("INDEX", "KEY"):
            self._m_skip(1)
            if_exists = self._m_if_exists()
            return DropKey(self._m_name("index name"), if_exists)
        if w == "FOREIGN":
            self._m_expect("FOREIGN", "KEY")
            if_exists = self._m_if_exists()
            return DropForeignKey(self._m_name("foreign key name"), if_exists)
        if w == "CONSTRAINT":
            self._m_skip(1)
            if_exists = self._m_if_exists()
            return DropConstraint(self._m_name("constraint name"), if_exists)
        if w in ("PERIOD", "SYSTEM"):
            raise OfflineError("system versioning is not supported offline")
        if w in ("PARTITION",):
            raise OfflineError("partitioning is not supported offline")
        self._m_accept("COLUMN")
        if_exists = self._m_if_exists()
        name = self._m_name("column name")
        self._m_accept("RESTRICT") or self._m_accept("CASCADE")
        return DropColumn(name, if_exists)


class MariaDB(MySQL):
    """sqlglot's MySQL dialect, extended for MariaDB table DDL (see the module doc)."""

    Tokenizer = MariaDBTokenizer
    Parser = MariaDBParser


_DIALECT = MariaDB()


def parse_statement(sql: str) -> Any:
    """Parse one statement; the statement object for table DDL, else a sqlglot tree.

    Raises :class:`OfflineError` for a syntax error.
    """
    try:
        tree = sqlglot.parse_one(sql, read=_DIALECT)
    except (ParseError, TokenError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise OfflineError(f"cannot parse statement: {message}") from None
    except OfflineError:
        raise
    except (ValueError, TypeError, IndexError, AttributeError, KeyError, RecursionError) as exc:
        raise OfflineError(f"cannot parse statement: {type(exc).__name__}: {exc}") from None
    if isinstance(tree, TableDDL):
        return tree.this
    return tree


def parse_expression(sql: str) -> exp.Expr:
    """Parse a bare expression with the MariaDB dialect (used by tests and tools)."""
    try:
        return sqlglot.parse_one(sql, read=_DIALECT)
    except (ParseError, TokenError) as exc:
        raise OfflineError(f"cannot parse expression: {str(exc).splitlines()[0]}") from None


__all__ = [name for name in dir() if name[:1].isupper() and not name.startswith("_")] + [
    "parse_statement", "parse_expression"]
