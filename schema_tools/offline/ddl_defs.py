"""The grammar of table definitions for :mod:`.ddl_parse`: columns and their types, keys,
foreign keys, checks and table options, read straight from the token stream, over the
token helpers every statement uses.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from sqlglot import exp
from sqlglot.parsers.mysql import MySQLParser
from sqlglot.tokens import Token, TokenType

from .ddl_objects import CheckSpec, ColumnSpec, ForeignKeySpec, KeyPart, KeySpec, TypeSpec
from .reserved import RESERVED
from .state import OfflineError

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

TABLE_OPTION_WORDS = {
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



# the type attributes that are one word each (COMPRESSED may take "= method" after it)
_TYPE_ATTRIBUTES = frozenset({"UNSIGNED", "SIGNED", "ZEROFILL", "BINARY", "ASCII", "UNICODE", "BYTE"})

class DDLSyntaxError(Exception):
    """A syntax error inside the DDL parser (turned into OfflineError)."""


class DefinitionParser(MySQLParser):
    """Token helpers and the table definition grammar (methods ``_m_*``)."""

    # ---- token helpers

    def _m_fail(self, what: str = "") -> NoReturn:
        tok = self._curr
        near = self.sql[tok.start:tok.start + 40] if tok else ""
        raise DDLSyntaxError(f"syntax error{': ' + what if what else ''} near '{near}'" if near
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

    def _m_skip_rest(self) -> None:
        while self._curr:
            self._advance()

    # ---- table elements

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
        if ctype.name == "serial":
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
            if w in _TYPE_ATTRIBUTES:
                spec.attributes.add(w)
            elif w == "COMPRESSED":
                spec.attributes.add(w)
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
                col.type.attributes.add("BINARY")
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
                    and self._m_word(1) in TABLE_OPTION_WORDS):
                self._advance()
            w = self._m_word()
            if not w or w not in TABLE_OPTION_WORDS:
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
