"""Column definitions: a parsed column becomes the :class:`Column` MariaDB 10.11 stores
(type, NULL, DEFAULT and ON UPDATE, generated expression, CHECK).

A ``json`` column gets ``CHECK (json_valid(col))`` unless it has its own CHECK; a column
CHECK is named after its column.  :class:`ColumnApplier` is the base of the statement
applier (:mod:`.tables`): it holds the session and the state.
"""

from __future__ import annotations

import re

from sqlglot import exp

from ..model.objects import Column, DataType, Table
from . import ddl_objects as P
from .exprs import DEFAULT_P, ExprContext, print_expression
from .state import OfflineError, Session, State, charset_alias, charset_of
from ..dialect.types import BLOB_TYPES, TEXT_TYPES, type_kind
from .types import InvalidDefault, ResolvedType, constant_of, literal_default, resolve_type
from .work import Work, ident

COLUMN_COMMENT_MAX = 1024
P_SPATIAL_OR_PLUGIN = {"geometry", "point", "linestring", "polygon", "multipoint",
                       "multilinestring", "multipolygon", "geometrycollection", "uuid", "inet4",
                       "inet6"}


class ColumnApplier:
    """The state a statement is applied to, and the making of its columns."""

    def __init__(self, session: Session, state: State) -> None:
        self.session = session
        self.state = state
        # ALTER TABLE ADD FOREIGN KEY done in place (only with foreign_key_checks=0): InnoDB
        # then stores RESTRICT / NO ACTION / SET DEFAULT as NO ACTION
        self.inplace_fk = False
        # the AUTO_INCREMENT table option of the statement, and the column renames of an
        # ALTER: what the rows of tracked lookup tables need (see .data)
        self.auto_increment: int | None = None
        self.renamed: dict[str, str] = {}

    def table(self, name: str) -> Table:
        t = self.state.tables.get(name)
        if t is None:
            raise OfflineError(f"Table '{name}' doesn't exist")
        return t

    def make_column(self, spec: P.ColumnSpec, w: Work, old: Column | None = None) -> Column:
        name = ident(spec.name, "column")
        rt = resolve_type(spec.type, name, w.charset, w.collation, self.session.sql_mode)
        dtype = rt.type
        kind = type_kind(dtype.name)
        nullable = spec.null is not False
        if rt.serial:
            nullable = False
        compressed = "COMPRESSED" in spec.type.attributes or spec.compressed
        if spec.comment is not None and len(spec.comment) > COLUMN_COMMENT_MAX:
            raise OfflineError(f"Comment for field '{name}' is too long (max = {COLUMN_COMMENT_MAX})")
        auto_inc = spec.auto_increment
        if auto_inc and kind not in ("int", "float"):
            raise OfflineError(f"Incorrect column specifier for column '{name}'")
        generated = None
        default: str | None = None
        on_update = None
        if spec.generated is not None:
            if spec.auto_increment or spec.default is not None or spec.null is not None \
                    or spec.on_update is not None:
                raise OfflineError(f"syntax error in the definition of generated column '{name}'")
            ctx = ExprContext(self.column_names(w, extra=name), "GENERATED ALWAYS AS",
                              self.session_charset(), owner=name, year_columns=year_columns(w))
            generated = print_expression(spec.generated, ctx)
            if name.lower() in {c.lower() for c in ctx.used_columns}:
                raise OfflineError(f"Function or expression '{name}' cannot be used in the "
                                   f"GENERATED ALWAYS AS clause of `{name}`")
            if spec.stored and pad_sensitive(spec.generated, w):
                raise vcol_error(generated, name)
            nullable = True
        else:
            default = self.default_of(spec, name, dtype, rt, nullable, w)
            if spec.on_update is not None:
                if dtype.name not in ("datetime", "timestamp"):
                    raise OfflineError(f"Invalid ON UPDATE clause for '{name}' column")
                on_update = self.now_text(spec.on_update, dtype, name, on_update=True)
        if generated is None and default is None and not nullable and not auto_inc:
            if on_update is not None:
                # NOT NULL with ON UPDATE and no DEFAULT: the zero date is the default
                fsp = dtype.length or 0
                default = "'0000-00-00 00:00:00" + ("." + "0" * fsp if fsp else "") + "'"
            elif compressed:
                # a NOT NULL COMPRESSED column without DEFAULT gets ''
                default = "''"
        check = None
        if spec.check is not None:
            ctx = ExprContext(self.column_names(w, extra=name), "CHECK", self.session_charset(),
                              owner=name, year_columns=year_columns(w))
            check = print_expression(spec.check, ctx)
        elif rt.json:
            check = f"json_valid(`{name.replace('`', '``')}`)"
        if kind in ("string", "binary", "enum", "set") or rt.charset:
            charset, collation = rt.charset, rt.collation
        else:
            charset = collation = None
        if charset == "binary" and dtype.name not in ("enum", "set"):
            charset = collation = None
        return Column(
            name=name, type=dtype, nullable=nullable, default=default, auto_increment=auto_inc,
            on_update=on_update, charset=charset, collation=collation,
            comment=spec.comment or "", generated=generated,
            generated_stored=spec.stored if generated is not None else False,
            invisible=spec.invisible, compressed=compressed, check=check,
        )

    def session_charset(self) -> str:
        """character_set_connection (CAST(x AS CHAR) prints it)."""
        try:
            return charset_of(self.session.collation_connection)
        except OfflineError:
            return charset_alias(self.session.charset_client)

    @staticmethod
    def column_names(w: Work, extra: str | None = None) -> dict[str, str]:
        names = {c.name.lower(): c.name for c in w.columns}
        if extra is not None:
            names.setdefault(extra.lower(), extra)
        return names

    def default_of(self, spec: P.ColumnSpec, name: str, dtype: DataType, rt: ResolvedType,
                   nullable: bool, w: Work) -> str | None:
        if spec.default is None:
            if spec.auto_increment or rt.serial:
                return None
            return "NULL" if nullable else None
        if spec.auto_increment or rt.serial:
            raise InvalidDefault(f"Invalid default value for '{name}'")
        lit = constant_of(spec.default)
        if lit is not None and (dtype.name in TEXT_TYPES or dtype.name in BLOB_TYPES) \
                and lit.kind != "null":
            # BLOB/TEXT defaults are kept as expressions: printed, not converted
            ctx = ExprContext(self.column_names(w, extra=name), "DEFAULT", self.session_charset(),
                              allow_nondeterministic=True, owner=name, allow_hex=True, year_columns=year_columns(w))
            return print_expression(spec.default, ctx, parent=DEFAULT_P)
        if lit is not None:
            if dtype.name in P_SPATIAL_OR_PLUGIN and lit.kind != "null":
                raise OfflineError(f"a default for {dtype.name} column '{name}' is not "
                                   f"supported offline")
            return literal_default(lit, dtype, rt.charset, name, nullable, rt.collation)
        e = spec.default
        while isinstance(e, exp.Paren):
            e = e.this
        if _is_now(e):
            return self.now_text(e, dtype, name)
        if dtype.name in P_SPATIAL_OR_PLUGIN:
            raise OfflineError(f"a default for {dtype.name} column '{name}' is not supported offline")
        ctx = ExprContext(self.column_names(w, extra=name), "DEFAULT", self.session_charset(),
                          allow_nondeterministic=True, owner=name, year_columns=year_columns(w))
        text = print_expression(spec.default, ctx, parent=DEFAULT_P)
        if not ctx.used_columns and not _has_nondeterministic(e) and \
                dtype.name not in TEXT_TYPES and dtype.name not in BLOB_TYPES:
            # the server evaluates a constant expression default and checks its value
            value = _evaluate_constant(e)
            if value is None:
                raise OfflineError(f"the constant expression default of '{name}' is not "
                                   f"supported offline (its value cannot be checked)")
            literal_default(value, dtype, rt.charset, name, nullable, rt.collation)
        return text

    def now_text(self, e: exp.Expr, dtype: DataType, name: str, on_update: bool = False) -> str:
        while isinstance(e, exp.Paren):
            e = e.this
        if not _is_now(e):
            if on_update:
                raise OfflineError(f"Invalid ON UPDATE clause for '{name}' column")
            raise OfflineError("internal: not a CURRENT_TIMESTAMP")
        explicit = _now_precision(e)
        if explicit is not None and explicit > 6:
            raise OfflineError(f"Too big precision specified for '{name}'. Maximum is 6")
        if dtype.name in ("datetime", "timestamp"):
            fsp = dtype.length or 0
            p = fsp if explicit is None else min(explicit, fsp)
        else:
            p = explicit or 0
        return f"current_timestamp({p})" if p else "current_timestamp()"


def year_columns(w: Work) -> set[str]:
    return {c.name.lower() for c in w.columns if c.type.name == "year" and c.type.length != 2}


def _has_nondeterministic(e: exp.Expr) -> bool:
    from .exprs import NONDETERMINISTIC
    for node in e.walk():
        if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime,
                             exp.CurrentUser, exp.Localtimestamp, exp.Localtime)):
            return True
        if isinstance(node, exp.Anonymous) and (node.name.lower() in NONDETERMINISTIC or
                                                node.name.lower() in (
                                                    "now", "localtime", "localtimestamp",
                                                    "session_user", "system_user", "schema",
                                                    "current_date", "current_time")):
            return True
    return False


def _evaluate_constant(e: exp.Expr):
    """The value of a small constant expression (string concatenation, integer
    arithmetic), as a types.Literal; None when it is not one of those."""
    from .types import Literal as Lit

    def ev(x: exp.Expr):
        while isinstance(x, exp.Paren):
            x = x.this
        lit = constant_of(x)
        if lit is not None:
            if lit.kind == "string":
                return lit.text
            if lit.kind == "int":
                return int(lit.text)
            return None
        if isinstance(x, exp.Anonymous) and x.name.lower() == "concat":
            parts = [ev(a) for a in x.expressions]
            if any(p is None for p in parts):
                return None
            return "".join(str(p) for p in parts)
        if isinstance(x, (exp.Add, exp.Sub, exp.Mul)):
            a, b = ev(x.this), ev(x.expression)
            if not isinstance(a, int) or not isinstance(b, int):
                return None
            return a + b if isinstance(x, exp.Add) else a - b if isinstance(x, exp.Sub) else a * b
        return None

    value = ev(e)
    if value is None:
        return None
    if isinstance(value, int):
        return Lit("int", str(value))
    return Lit("string", value)


def referenced_columns(text: str) -> set[str]:
    """Lower-case names of the backquoted identifiers of a printed expression (string
    literals skipped)."""
    out = set()
    for m in re.finditer(r"'(?:[^'\\]|\\.|'')*'|`((?:[^`]|``)+)`", text, re.S):
        if m.group(1) is not None:
            out.add(m.group(1).replace("``", "`").lower())
    return out


def _is_now(e: exp.Expr) -> bool:
    if isinstance(e, (exp.CurrentTimestamp, exp.Localtimestamp, exp.Localtime)):
        return True
    return isinstance(e, exp.Anonymous) and e.name.lower() in (
        "now", "current_timestamp", "localtime", "localtimestamp")


def _now_precision(e: exp.Expr) -> int | None:
    if isinstance(e, exp.Anonymous):
        args = list(e.expressions)
    else:
        args = [e.this] if e.this is not None else []
    if not args:
        return None
    a = args[0]
    if len(args) != 1 or not isinstance(a, exp.Literal) or a.is_string or not a.this.isdigit():
        raise OfflineError("syntax error in CURRENT_TIMESTAMP precision")
    return int(a.this)


_PAD_SAFE_FUNCTIONS = {"trim", "rtrim"}


def pad_sensitive(tree: exp.Expr, w: Work) -> bool:
    """Whether a generated column's value depends on PAD_CHAR_TO_FULL_LENGTH: a CHAR
    column used for its string value (not compared, not trimmed).  MariaDB refuses such
    an expression in a STORED column or an indexed VIRTUAL one."""
    for node in tree.find_all(exp.Column):
        col = w.col(node.name)
        if col is None or col.type.name != "char" or col.charset in (None, "binary"):
            continue
        parent = node.parent
        while isinstance(parent, exp.Paren):
            parent = parent.parent
        if isinstance(parent, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
                               exp.NullSafeEQ, exp.In, exp.Between, exp.Like, exp.Is)):
            continue
        if isinstance(parent, exp.Trim) or (isinstance(parent, exp.Anonymous)
                                            and parent.name.lower() in _PAD_SAFE_FUNCTIONS):
            continue
        return True
    # NO_UNSIGNED_SUBTRACTION changes a subtraction of an unsigned operand
    return any(_unsigned_operand(sub.this, w) or _unsigned_operand(sub.expression, w)
               for sub in tree.find_all(exp.Sub))


def _unsigned_operand(e: exp.Expr, w: Work) -> bool:
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.Column):
        col = w.col(e.name)
        return col is not None and col.type.unsigned
    if isinstance(e, (exp.Add, exp.Mul, exp.IntDiv, exp.Mod)):
        return _unsigned_operand(e.this, w) or _unsigned_operand(e.expression, w)
    return False


def vcol_error(text: str, name: str) -> OfflineError:
    return OfflineError(f"Function or expression '{text}' cannot be used in the GENERATED "
                        f"ALWAYS AS clause of `{name}`")
