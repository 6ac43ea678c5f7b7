"""Parse MariaDB table DDL with sqlglot, into small statement objects.

sqlglot's MySQL dialect reads most of MariaDB's expression syntax, but its DDL grammar is
lossy for what a schema model needs (``float unsigned`` and ``mediumtext COMPRESSED`` are
rejected, ``timestamp`` becomes ``TIMESTAMPTZ``, most ALTER actions fall back to a
``Command``, functions are rewritten into other dialects' spellings).  So this module
extends the dialect: :class:`MariaDB` keeps sqlglot's expression parser, but parses the
table-level statements itself, straight from the token stream, into the dataclasses of
:mod:`.ddl_objects`.  Expressions (defaults, generated columns, checks) stay sqlglot
trees, with functions kept as written (``exp.Anonymous``) so that :mod:`.exprs` can print
them the way the server does.  The tokens are the dialect lexer's
(:mod:`schema_tools.dialect.lexer`), typed for sqlglot by :mod:`.ddl_tokens`; the grammar
of table definitions (columns, types, keys, table options) is :mod:`.ddl_defs`.

Statements: CREATE [OR REPLACE] [TEMPORARY] TABLE [IF NOT EXISTS] (definitions | LIKE),
CREATE [OR REPLACE] [UNIQUE|FULLTEXT|SPATIAL] INDEX, DROP TABLE, DROP INDEX, RENAME TABLE,
TRUNCATE [TABLE], ALTER [ONLINE] [IGNORE] TABLE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.parsers.mysql import MySQLParser
from sqlglot.tokens import Token, TokenType

from .ddl_defs import TABLE_OPTION_WORDS, DDLSyntaxError, DefinitionParser
from .ddl_objects import (
    AddCheck, AddColumn, AddForeignKey, AddKey, AlterColumnDefault, AlterKeyIgnored, AlterTable,
    ChangeColumn, CheckSpec, ColumnSpec, ConvertCharset, CreateIndex, CreateTable, DropColumn,
    DropConstraint, DropForeignKey, DropIndex, DropKey, DropPrimaryKey, DropTable, ForeignKeySpec,
    KeySpec, NoOp, RenameColumn, RenameKey, RenameTable, RenameTo, TableOption, Truncate,
)
from .ddl_tokens import MariaDBTokenizer, sqlglot_tokens
from .state import OfflineError


class TableDDL(exp.Expression):
    """A parsed table statement; ``this`` holds the statement object."""

    arg_types = {"this": True}


class MariaDBParser(DefinitionParser):
    """MySQL's parser with MariaDB table DDL parsed into the statement objects
    of :mod:`.ddl_objects`.

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
        except DDLSyntaxError as exc:
            raise ParseError(str(exc)) from None
        if stmt is None:
            self._retreat(start)
            return super()._parse_statement()
        if self._curr:
            tok = self._curr
            raise ParseError(f"syntax error near '{self.sql[tok.start:tok.start + 40]}'")
        return self.expression(TableDDL(this=stmt))

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
                return DropIndex(table, schema, self._m_lock_algorithm_options(), name, if_exists)
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
        return CreateIndex(table, schema, self._m_lock_algorithm_options(), key, or_replace)

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
            if self._m_word() in TABLE_OPTION_WORDS or self._m_word() in ("ALGORITHM", "LOCK"):
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
        if w in TABLE_OPTION_WORDS:
            opts = self._m_table_options(alter=True)
            if not opts:
                self._m_fail()
            return [TableOption(k, v) for k, v in opts]
        self._m_fail("unknown ALTER TABLE action")

    def _m_alter_add(self) -> list[Any]:
        w = self._m_word()
        if w == "COLUMN":
            self._m_skip(1)
            return self._m_add_columns()
        if w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "KEY", "INDEX",
                 "FULLTEXT", "SPATIAL"):
            el = self._m_create_element(alter=True)
            return [self._m_wrap_element(el)]
        if w == "PERIOD" or w == "SYSTEM":
            raise OfflineError("system versioning is not supported offline")
        return self._m_add_columns()

    def _m_add_columns(self) -> list[Any]:
        """``[IF NOT EXISTS] col_def [FIRST | AFTER c]`` or ``[IF NOT EXISTS] (col_def, ...)``."""
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

    def tokenize(self, sql: str, dialect: Any = None) -> list[Token]:
        return sqlglot_tokens(sql)


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



__all__ = ["MariaDB", "MariaDBParser", "TableDDL", "parse_expression", "parse_statement"]
