"""Print expressions the way MariaDB 10.11 prints them (``Item::print``).

Generated columns, CHECK constraints and expression defaults are stored by the server as
the text of its parsed expression, so the offline reader must reproduce MariaDB's
printing: backquoted column names in the table's spelling, lower-case operators and
function names, MariaDB's own name for aliased functions (``upper`` prints ``ucase``),
parentheses only where precedence needs them, ``NOT`` pushed into comparisons, non-boolean
operands of ``AND``/``OR`` compared with 0, string literals escaped with backslashes.

Every rule here was read off a MariaDB 10.11 server (see tests/test_offline_tables.py).
An expression using anything not covered raises :class:`OfflineError` ("cannot print
... offline"), never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from ..dialect.types import quote_ident
from .state import OfflineError

# precedence levels of MariaDB's item.h (enum precedence)
LOWEST = 0
OR_P = 2
XOR_P = 3
AND_P = 4
NOT_P = 5
CMP_P = 6
BETWEEN_P = 7
IN_P = 8
BITOR_P = 9
BITAND_P = 10
SHIFT_P = 11
INTERVAL_P = 12
ADD_P = 13
MUL_P = 14
BITXOR_P = 15
NEG_P = 17
COLLATE_P = 18
DEFAULT_P = 19

# functions printed as ``name(arg,arg)`` under the name given here (server's func_name)
SIMPLE_FUNCTIONS: dict[str, str] = {
    name: name for name in (
        "abs sign floor round sqrt exp ln log log2 log10 truncate pow ceiling acos asin atan atan2 "
        "cos cot sin tan degrees radians crc32 conv bin oct "
        "left right replace reverse lpad rpad ltrim rtrim repeat concat concat_ws ifnull nullif "
        "coalesce if greatest least locate substr lcase ucase octet_length char_length "
        "bit_length strcmp "
        "year month hour minute second dayofmonth dayofweek dayofyear weekday quarter week "
        "yearweek to_days to_seconds from_days last_day makedate maketime monthname dayname "
        "str_to_date unix_timestamp time_to_sec sec_to_time period_add period_diff "
        "json_valid json_extract json_unquote json_value json_query json_contains json_keys "
        "json_length json_depth json_type json_object json_array json_quote "
        "regexp_replace regexp_substr regexp_instr md5 sha sha2 hex unhex format elt field "
        "find_in_set ascii ord space soundex quote inet_aton inet_ntoa inet6_aton "
        "inet6_ntoa is_ipv4 is_ipv6 to_base64 from_base64 insert substring_index "
        "user database uuid rand connection_id curdate curtime utc_timestamp utc_date "
        "utc_time sysdate current_user uuid_short pi"
    ).split()
}
SIMPLE_FUNCTIONS.update({
    "power": "pow", "ceil": "ceiling", "substring": "substr", "mid": "substr",
    "lower": "lcase", "upper": "ucase", "length": "octet_length",
    "character_length": "char_length", "day": "dayofmonth", "sha1": "sha",
    "session_user": "user", "system_user": "user", "schema": "database",
    "current_date": "curdate", "current_time": "curtime", "ifnull": "ifnull",
})

# functions whose value changes between calls or sessions: allowed in DEFAULT only
NONDETERMINISTIC = frozenset(
    "user database uuid rand connection_id curdate curtime utc_timestamp utc_date utc_time "
    "sysdate current_user uuid_short current_timestamp unix_timestamp "
    # depend on session settings (lc_time_names, default_week_format)
    "dayname monthname week".split()
)
# constant functions the server folds into a value (``DEFAULT pi()`` stores 3.14...)
FOLDED = frozenset("pi version".split())

_CMP: dict[type, str] = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=",
                         exp.NullSafeEQ: "<=>"}
_CONDS: dict[type, tuple[str, int]] = {exp.And: ("and", AND_P), exp.Or: ("or", OR_P)}
_CMP_NEG = {"=": "<>", "<>": "=", ">": "<=", "<=": ">", "<": ">=", ">=": "<"}
_BINOPS: dict[type, tuple[str, int]] = {
    exp.Add: ("+", ADD_P), exp.Sub: ("-", ADD_P), exp.Mul: ("*", MUL_P), exp.Div: ("/", MUL_P),
    exp.IntDiv: ("DIV", MUL_P), exp.Mod: ("MOD", MUL_P), exp.BitwiseAnd: ("&", BITAND_P),
    exp.BitwiseOr: ("|", BITOR_P), exp.BitwiseXor: ("^", BITXOR_P),
    exp.BitwiseLeftShift: ("<<", SHIFT_P), exp.BitwiseRightShift: (">>", SHIFT_P),
}
_INTERVAL_UNITS = frozenset(
    "MICROSECOND SECOND MINUTE HOUR DAY WEEK MONTH QUARTER YEAR SECOND_MICROSECOND "
    "MINUTE_MICROSECOND MINUTE_SECOND HOUR_MICROSECOND HOUR_SECOND HOUR_MINUTE DAY_MICROSECOND "
    "DAY_SECOND DAY_MINUTE DAY_HOUR YEAR_MONTH".split()
)
_CAST_SIMPLE = {
    exp.DataType.Type.DATE: "date", exp.DataType.Type.DOUBLE: "double",
    exp.DataType.Type.FLOAT: "float", exp.DataType.Type.BIGINT: "signed",
    exp.DataType.Type.INT: "signed", exp.DataType.Type.UBIGINT: "unsigned",
    exp.DataType.Type.UINT: "unsigned",
}


@dataclass
class ExprContext:
    """What printing needs to know: the table's columns (lower name -> name as defined),
    the clause (for error messages, as the server names it) and the connection charset."""

    columns: dict[str, str]
    clause: str = "CHECK"
    charset: str = "utf8mb4"
    allow_nondeterministic: bool = False
    allow_hex: bool = False  # X'..' literals print as written only in a BLOB/TEXT DEFAULT
    year_columns: set[str] = field(default_factory=set)  # lower names of YEAR(4) columns
    used_columns: set[str] = field(default_factory=set)
    owner: str = ""  # the column/constraint the expression belongs to (error messages)


_EXPR_STRING_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\0": "\\0", "\n": "\\n", "\r": "\\r",
                                       "\x1a": "\\Z"})


def quote_expr_string(value: str) -> str:
    """A string literal as MariaDB prints it inside an expression (backslash escapes)."""
    return "'" + value.translate(_EXPR_STRING_ESCAPES) + "'"


def _unsupported(what: str) -> OfflineError:
    return OfflineError(f"cannot print {what} offline the way the server does")


class _Printer:
    def __init__(self, ctx: ExprContext) -> None:
        self.ctx = ctx

    # ---- helpers

    def arg(self, e: exp.Expr, parent: int) -> str:
        text, prec = self.p(e)
        return f"({text})" if prec < parent else text

    def p(self, e: exp.Expr) -> tuple[str, int]:
        while isinstance(e, exp.Paren):
            e = e.this
        handler = getattr(self, "p_" + type(e).__name__, None)
        if handler is None:
            raise _unsupported(f"expression {e.sql(dialect='mysql')[:60]!r} ({type(e).__name__})")
        return handler(e)

    @staticmethod
    def is_bool(e: exp.Expr) -> bool:
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ,
                          exp.Is, exp.In, exp.Between, exp.Like, exp.RegexpLike, exp.And,
                          exp.Or, exp.Xor, exp.Not, exp.Boolean, exp.Escape)):
            return True
        return isinstance(e, exp.Anonymous) and e.name.lower() in ("json_valid", "isnull")

    def boolean(self, e: exp.Expr) -> exp.Expr:
        """An operand of AND/OR: non-boolean values are compared with 0."""
        if self.is_bool(e):
            return e
        return exp.NEQ(this=e, expression=exp.Literal.number(0))

    # ---- leaves

    def p_Column(self, e: exp.Column) -> tuple[str, int]:
        if e.table:
            raise _unsupported(f"qualified column {e.sql()}")
        name = e.name
        real = self.ctx.columns.get(name.lower())
        if real is None:
            raise OfflineError(f"Unknown column '{name}' in '{self.ctx.clause}'")
        self.ctx.used_columns.add(real)
        return quote_ident(real), DEFAULT_P

    def p_Identifier(self, e: exp.Identifier) -> tuple[str, int]:
        return self.p_Column(exp.Column(this=e))

    def p_Literal(self, e: exp.Literal) -> tuple[str, int]:
        if e.is_string:
            return quote_expr_string(e.this), DEFAULT_P
        return self.number(e.this), DEFAULT_P

    @staticmethod
    def number(text: str) -> str:
        t = text
        if t.isdigit():
            return str(int(t))
        if "e" in t.lower():
            if t.startswith("."):
                raise _unsupported(f"number {t}")
            return t
        if t.startswith("."):
            t = "0" + t
        if t.endswith(".") or (len(t) > 1 and t[0] == "0" and t[1].isdigit()):
            raise _unsupported(f"number {text}")
        return t

    def p_HexString(self, e: exp.HexString) -> tuple[str, int]:
        if not self.ctx.allow_hex:
            raise _unsupported("a hexadecimal literal")
        return f"X'{e.this}'", DEFAULT_P

    def p_Null(self, e: exp.Null) -> tuple[str, int]:
        return "NULL", DEFAULT_P

    def p_Boolean(self, e: exp.Boolean) -> tuple[str, int]:
        return ("1" if e.this else "0"), DEFAULT_P

    def p_Introducer(self, e: exp.Introducer) -> tuple[str, int]:
        charset = e.name.lower()
        lit = e.expression
        if not isinstance(lit, exp.Literal) or not lit.is_string:
            raise _unsupported("a character set introducer")
        if charset == "_binary":
            return quote_expr_string(lit.this), DEFAULT_P
        if charset not in ("_utf8mb4", "_latin1", "_utf8mb3", "_ascii"):
            raise _unsupported(f"introducer {charset}")
        return charset + quote_expr_string(lit.this), DEFAULT_P

    def p_National(self, e: exp.National) -> tuple[str, int]:
        return quote_expr_string(e.this), DEFAULT_P

    def p_Concat(self, e: exp.Concat) -> tuple[str, int]:
        # adjacent string literals 'a' 'b'
        parts = e.expressions
        if all(isinstance(x, exp.Literal) and x.is_string for x in parts):
            return quote_expr_string("".join(x.this for x in parts)), DEFAULT_P
        return self.func("concat", parts)

    # ---- operators

    def _cmp(self, e: exp.Expr, op: str) -> tuple[str, int]:
        left, right = e.this, e.expression
        if self.is_year(left):
            right = self.year_const(right)
        elif self.is_year(right):
            left = self.year_const(left)
        return f"{self.arg(left, CMP_P)} {op} {self.arg(right, CMP_P + 1)}", CMP_P

    def is_year(self, e: exp.Expr) -> bool:
        while isinstance(e, exp.Paren):
            e = e.this
        return isinstance(e, exp.Column) and not e.table and \
            e.name.lower() in self.ctx.year_columns

    @staticmethod
    def year_const(e: exp.Expr) -> exp.Expr:
        """A constant compared with a YEAR(4) column is converted to a year, as the server
        stores it in the column to compare (5 -> 2005, '99' -> 1999)."""
        core = e
        while isinstance(core, exp.Paren):
            core = core.this
        if not isinstance(core, exp.Literal):
            return e
        text = core.this.strip() if core.is_string else core.this
        if not text.isdigit():
            raise _unsupported(f"comparing a YEAR column with {core.sql()}")
        n = int(text)
        if 1 <= n <= 69:
            n += 2000
        elif 70 <= n <= 99:
            n += 1900
        elif not 1901 <= n <= 2155:
            raise _unsupported(f"comparing a YEAR column with {core.sql()}")
        return exp.Literal.number(n)

    def _comparison(self, e: exp.Expr) -> tuple[str, int]:
        return self._cmp(e, _CMP[type(e)])

    p_EQ = p_NEQ = p_GT = p_GTE = p_LT = p_LTE = p_NullSafeEQ = _comparison

    def _binop(self, e: exp.Expr) -> tuple[str, int]:
        op, prec = _BINOPS[type(e)]
        if isinstance(e.expression, exp.Interval) or isinstance(e.this, exp.Interval):
            return self.interval_arith(e)
        return f"{self.arg(e.this, prec)} {op} {self.arg(e.expression, prec + 1)}", prec

    p_Add = p_Sub = p_Mul = p_Div = p_IntDiv = p_Mod = _binop
    p_BitwiseAnd = p_BitwiseOr = p_BitwiseXor = _binop
    p_BitwiseLeftShift = p_BitwiseRightShift = _binop

    def interval_arith(self, e: exp.Expr) -> tuple[str, int]:
        if not isinstance(e, (exp.Add, exp.Sub)) or not isinstance(e.expression, exp.Interval) \
                or isinstance(e.this, exp.Interval):
            raise _unsupported("INTERVAL arithmetic in this form")
        return self.date_interval(e.this, e.expression, isinstance(e, exp.Sub))

    def date_interval(self, base: exp.Expr, interval: exp.Expr, sub: bool) -> tuple[str, int]:
        if not isinstance(interval, exp.Interval):
            raise _unsupported("a date function without INTERVAL")
        unit = interval.unit.name.upper() if interval.unit else ""
        if unit not in _INTERVAL_UNITS:
            raise _unsupported(f"INTERVAL unit {unit or '?'}")
        value = interval.this
        if isinstance(value, exp.Literal) and value.is_string and not interval.meta.get(
                "mdb_string_value"):
            value = exp.Literal.number(value.this) if _is_number(value.this) else value
        op = " - interval " if sub else " + interval "
        return (self.arg(base, INTERVAL_P) + op + self.arg(value, INTERVAL_P) + " "
                + unit.lower()), INTERVAL_P

    def p_Neg(self, e: exp.Neg) -> tuple[str, int]:
        inner = e.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if isinstance(inner, exp.Literal) and not inner.is_string:
            text = self.number(inner.this)
            if text.isdigit():
                return str(-int(text)), DEFAULT_P
            return "-" + text, DEFAULT_P
        if isinstance(inner, exp.Neg):
            core = inner.this
            while isinstance(core, exp.Paren):
                core = core.this
            if isinstance(core, exp.Literal) and not core.is_string:
                return self.p(core)
        return "-" + self.arg(inner, NEG_P), NEG_P

    def p_BitwiseNot(self, e: exp.BitwiseNot) -> tuple[str, int]:
        return "~" + self.arg(e.this, NEG_P), NEG_P

    def p_Collate(self, e: exp.Collate) -> tuple[str, int]:
        coll = e.expression
        name = coll.name if isinstance(coll, (exp.Var, exp.Identifier, exp.Column)) else None
        if not name:
            raise _unsupported("COLLATE")
        return f"{self.arg(e.this, COLLATE_P)} collate {name.lower()}", COLLATE_P

    def _cond(self, e: exp.Expr) -> tuple[str, int]:
        word, prec = _CONDS[type(e)]
        return f" {word} ".join(self.arg(self.boolean(i), prec) for i in _flatten(e, type(e))), prec

    p_And = p_Or = _cond

    def p_Xor(self, e):
        if e.expressions:
            raise _unsupported("XOR")
        return f"{self.arg(e.this, XOR_P)} xor {self.arg(e.expression, XOR_P + 1)}", XOR_P

    def p_Is(self, e: exp.Is) -> tuple[str, int]:
        target = e.expression
        if isinstance(target, exp.Null):
            return f"{self.arg(e.this, CMP_P)} is null", CMP_P
        if isinstance(target, exp.Boolean):
            return f"{self.arg(e.this, CMP_P)} is {'true' if target.this else 'false'}", CMP_P
        raise _unsupported("IS")

    def p_In(self, e: exp.In) -> tuple[str, int]:
        return self.in_list(e, negated=False)

    def in_list(self, e: exp.In, negated: bool) -> tuple[str, int]:
        if e.args.get("query") or e.args.get("unnest") or e.args.get("field"):
            raise _unsupported("IN with a subquery")
        values = e.expressions
        if self.is_year(e.this):
            values = [self.year_const(v) for v in values]
        if len(values) == 1:
            return self._cmp(exp.EQ(this=e.this, expression=values[0]), "<>" if negated else "=")
        items = ",".join(self.p(v)[0] for v in values)
        return (f"{self.arg(e.this, IN_P)} {'not in' if negated else 'in'} ({items})"), IN_P

    def p_Between(self, e: exp.Between, negated: bool = False) -> tuple[str, int]:
        if e.args.get("symmetric"):
            raise _unsupported("BETWEEN SYMMETRIC")
        word = " not between " if negated else " between "
        low, high = e.args["low"], e.args["high"]
        if self.is_year(e.this):
            low, high = self.year_const(low), self.year_const(high)
        return (self.arg(e.this, BETWEEN_P) + word + self.arg(low, BETWEEN_P)
                + " and " + self.arg(high, BETWEEN_P)), BETWEEN_P

    def p_Like(self, e: exp.Like, negated: bool = False, escape: exp.Expr | None = None):
        negated = negated or bool(e.args.get("negate"))
        text = (self.arg(e.this, IN_P) + (" " + " not like " if negated else " like ")
                + self.arg(e.expression, IN_P))
        if escape is not None:
            text += " escape " + self.arg(escape, IN_P)
        return text, IN_P

    def p_Escape(self, e: exp.Escape, negated: bool = False):
        if not isinstance(e.this, exp.Like):
            raise _unsupported("ESCAPE")
        return self.p_Like(e.this, negated, e.expression)

    def p_RegexpLike(self, e: exp.RegexpLike) -> tuple[str, int]:
        if e.args.get("flag"):
            raise _unsupported("REGEXP flags")
        return f"{self.arg(e.this, IN_P)} regexp {self.arg(e.expression, IN_P + 1)}", IN_P

    def p_Not(self, e: exp.Not) -> tuple[str, int]:
        return self.p(self.negate(e.this))

    def negate(self, e: exp.Expr) -> exp.Expr:
        """The expression MariaDB's parser builds for NOT e (negate_expression)."""
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, exp.Not):
            inner = e.this
            return inner if self.is_bool(inner) else exp.NEQ(this=inner,
                                                              expression=exp.Literal.number(0))
        for cls, op in _CMP.items():
            if isinstance(e, cls) and op in _CMP_NEG:
                neg = {"=": exp.NEQ, "<>": exp.EQ, ">": exp.LTE, "<=": exp.GT, "<": exp.GTE,
                       ">=": exp.LT}[op]
                return neg(this=e.this, expression=e.expression)
        if isinstance(e, exp.Is):
            return _Negated(this=e)
        if isinstance(e, (exp.In, exp.Between, exp.Like, exp.Escape)):
            return _Negated(this=e)
        if isinstance(e, exp.And):
            return _or_of([self.negate(x) for x in _flatten(e, exp.And)])
        if isinstance(e, exp.Or):
            return _and_of([self.negate(x) for x in _flatten(e, exp.Or)])
        if not self.is_bool(e):
            return exp.EQ(this=e, expression=exp.Literal.number(0))
        return _Bang(this=e)

    def p__Negated(self, e: _Negated) -> tuple[str, int]:
        inner = e.this
        if isinstance(inner, exp.Is):
            target = inner.expression
            if isinstance(target, exp.Null):
                return f"{self.arg(inner.this, CMP_P)} is not null", CMP_P
            if isinstance(target, exp.Boolean):
                word = "true" if target.this else "false"
                return f"{self.arg(inner.this, CMP_P)} is not {word}", CMP_P
            raise _unsupported("IS")
        if isinstance(inner, exp.In):
            return self.in_list(inner, negated=True)
        if isinstance(inner, exp.Between):
            return self.p_Between(inner, negated=True)
        if isinstance(inner, exp.Like):
            return self.p_Like(inner, negated=not inner.args.get("negate"))
        if isinstance(inner, exp.Escape):
            return self.p_Escape(inner, negated=True)
        raise _unsupported("NOT")

    def p__Bang(self, e: _Bang) -> tuple[str, int]:
        return "!" + self.arg(e.this, NEG_P), NEG_P

    # ---- CASE / IF

    def p_Case(self, e: exp.Case) -> tuple[str, int]:
        out = "case "
        if e.this is not None:
            out += self.p(e.this)[0] + " "
        for branch in e.args.get("ifs") or []:
            out += f"when {self.p(branch.this)[0]} then {self.p(branch.args['true'])[0]} "
        if e.args.get("default") is not None:
            out += f"else {self.p(e.args['default'])[0]} "
        return out + "end", DEFAULT_P

    def p_If(self, e: exp.If) -> tuple[str, int]:
        args = [e.this, e.args.get("true"), e.args.get("false")]
        if args[2] is None:
            raise _unsupported("IF with two arguments")
        return self.func("if", args)

    # ---- functions

    def func(self, name: str, args: list[exp.Expr]) -> tuple[str, int]:
        return f"{name}(" + ",".join(self.p(a)[0] for a in args) + ")", DEFAULT_P

    def check_function(self, name: str) -> None:
        if name in NONDETERMINISTIC and not self.ctx.allow_nondeterministic:
            raise OfflineError(f"Function or expression '{name}()' cannot be used in the "
                               f"{self.ctx.clause} clause of `{self.ctx.owner}`")

    def p_Anonymous(self, e: exp.Anonymous) -> tuple[str, int]:
        name = e.name.lower()
        args = list(e.expressions)
        if name in ("now", "current_timestamp", "localtime", "localtimestamp"):
            return self.now(args)
        if name in ("curtime", "current_time") and args:
            self.check_function("curtime")
            return f"curtime({self.precision(args)})", DEFAULT_P
        if name in FOLDED and self.ctx.clause == "DEFAULT":
            raise _unsupported(f"{name}() (the server folds it into a value)")
        if name == "unix_timestamp" and args:
            return self.func(name, args)
        if name == "mod" and len(args) == 2:
            return self._binop(exp.Mod(this=args[0], expression=args[1]))
        if name == "round" and len(args) == 1:
            return self.func("round", [args[0], exp.Literal.number(0)])
        if name == "instr" and len(args) == 2:
            return self.func("locate", [args[1], args[0]])
        if name in ("date", "time") and len(args) == 1:
            return f"cast({self.p(args[0])[0]} as {name})", DEFAULT_P
        if name == "datediff" and len(args) == 2:
            return (f"{self.func('to_days', [args[0]])[0]} - "
                    f"{self.func('to_days', [args[1]])[0]}"), ADD_P
        if name in ("date_add", "adddate", "date_sub", "subdate") and len(args) == 2:
            return self.date_interval(args[0], args[1], name in ("date_sub", "subdate"))
        if name in ("bin", "oct") and len(args) == 1:
            base = "2" if name == "bin" else "8"
            return self.func("conv", [args[0], exp.Literal.number(10), exp.Literal.number(base)])
        if name == "atan2" and len(args) == 2:
            return self.func("atan", args)
        if name == "yearweek" and len(args) == 1:
            return self.func("yearweek", [args[0], exp.Literal.number(0)])
        if name == "isnull" and len(args) == 1:
            return f"{self.arg(args[0], CMP_P)} is null", CMP_P
        printed = SIMPLE_FUNCTIONS.get(name)
        if printed is None:
            raise _unsupported(f"function {name}()")
        self.check_function(printed)
        return self.func(printed, args)

    def precision(self, args: list[exp.Expr]) -> str:
        if len(args) != 1 or not isinstance(args[0], exp.Literal) or args[0].is_string \
                or not args[0].this.isdigit():
            raise _unsupported("a time precision")
        n = int(args[0].this)
        if n > 6:
            raise OfflineError(f"Too big precision specified for '{self.ctx.owner}'. Maximum is 6")
        return str(n)

    def now(self, args: list[exp.Expr]) -> tuple[str, int]:
        self.check_function("current_timestamp")
        if args:
            return f"current_timestamp({self.precision(args)})", DEFAULT_P
        return "current_timestamp()", DEFAULT_P

    def p_CurrentTimestamp(self, e: exp.CurrentTimestamp) -> tuple[str, int]:
        return self.now([e.this] if e.this is not None else [])

    p_Localtimestamp = p_Localtime = p_CurrentTimestamp

    def p_CurrentDate(self, e) -> tuple[str, int]:
        self.check_function("curdate")
        return "curdate()", DEFAULT_P

    def p_CurrentTime(self, e) -> tuple[str, int]:
        self.check_function("curtime")
        if e.this is not None:
            return f"curtime({self.precision([e.this])})", DEFAULT_P
        return "curtime()", DEFAULT_P

    def p_CurrentUser(self, e) -> tuple[str, int]:
        self.check_function("current_user")
        return "current_user()", DEFAULT_P

    def p_Trim(self, e: exp.Trim) -> tuple[str, int]:
        position = (e.args.get("position") or "").lower()
        chars = e.expression
        if e.args.get("collation"):
            raise _unsupported("TRIM ... COLLATE")
        target = self.p(e.this)[0]
        if chars is None and not position:
            return f"trim({target})", DEFAULT_P
        if chars is None:
            raise _unsupported(f"TRIM({position.upper()} FROM ...)")
        return f"trim({position or 'both'} {self.p(chars)[0]} from {target})", DEFAULT_P

    def p_Substring(self, e: exp.Substring) -> tuple[str, int]:
        args = [e.this, e.args.get("start")]
        if e.args.get("length") is not None:
            args.append(e.args["length"])
        return self.func("substr", [a for a in args if a is not None])

    def p_StrPosition(self, e: exp.StrPosition) -> tuple[str, int]:
        if e.args.get("position") is not None or e.args.get("occurrence") is not None:
            raise _unsupported("POSITION")
        return self.func("locate", [e.args["substr"], e.this])

    def p_Cast(self, e: exp.Cast) -> tuple[str, int]:
        to = e.to
        t = to.this
        params = [p.this.this if isinstance(p, exp.DataTypeParam) else p.this
                  for p in (to.expressions or [])]
        target = self.p(e.this)[0]
        if t == exp.DataType.Type.CHARACTER_SET:
            if to.args.get("kind") is None:
                raise _unsupported("CONVERT USING")
            cs = to.args["kind"].name.lower()
            if e.args.get("format") is not None:
                raise _unsupported("CAST FORMAT")
            if params and isinstance(e, exp.Cast):
                return f"cast({target} as char({params[0]}) charset {cs})", DEFAULT_P
            # CONVERT(x USING cs) and CAST(x AS CHAR CHARACTER SET cs) look alike in sqlglot
            raise _unsupported("CONVERT ... USING / CAST ... CHARACTER SET")
        if t in (exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR):
            size = f"({params[0]})" if params else ""
            return f"cast({target} as char{size} charset {self.ctx.charset})", DEFAULT_P
        if t == exp.DataType.Type.BINARY:
            size = f"({params[0]})" if params else ""
            return f"cast({target} as char{size} charset binary)", DEFAULT_P
        if t in _CAST_SIMPLE and not params:
            return f"cast({target} as {_CAST_SIMPLE[t]})", DEFAULT_P
        if t in (exp.DataType.Type.DATETIME, exp.DataType.Type.TIME):
            name = "datetime" if t == exp.DataType.Type.DATETIME else "time"
            size = f"({params[0]})" if params and str(params[0]) != "0" else ""
            return f"cast({target} as {name}{size})", DEFAULT_P
        if t == exp.DataType.Type.DECIMAL:
            if not params:
                return f"cast({target} as decimal(10,0))", DEFAULT_P
            scale = params[1] if len(params) > 1 else "0"
            return f"cast({target} as decimal({params[0]},{scale}))", DEFAULT_P
        raise _unsupported(f"CAST AS {to.sql(dialect='mysql')}")

    def p_Tuple(self, e: exp.Tuple) -> tuple[str, int]:
        return "(" + ",".join(self.p(x)[0] for x in e.expressions) + ")", DEFAULT_P


class _Negated(exp.Expression):
    """IS NOT NULL / NOT IN / NOT BETWEEN / NOT LIKE, as the server's negated items."""

    arg_types = {"this": True}


class _Bang(exp.Expression):
    """Item_func_not, printed ``!(...)``."""

    arg_types = {"this": True}


def _flatten(e: exp.Expr, kind: type) -> list[exp.Expr]:
    out: list[exp.Expr] = []

    def walk(x: exp.Expr) -> None:
        while isinstance(x, exp.Paren):
            x = x.this
        if isinstance(x, kind):
            walk(x.this)
            walk(x.expression)
        else:
            out.append(x)

    walk(e)
    return out


def _or_of(items: list[exp.Expr]) -> exp.Expr:
    out = items[0]
    for x in items[1:]:
        out = exp.Or(this=out, expression=x)
    return out


def _and_of(items: list[exp.Expr]) -> exp.Expr:
    out = items[0]
    for x in items[1:]:
        out = exp.And(this=out, expression=x)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text[:1] not in ("+",)


def print_expression(e: exp.Expr, ctx: ExprContext, *, parent: int = LOWEST) -> str:
    """The text MariaDB stores for ``e``; parentheses when its precedence is below
    ``parent`` (``DEFAULT_P`` for a DEFAULT expression, which is printed that way)."""
    try:
        return _Printer(ctx).arg(e, parent)
    except OfflineError:
        raise
    except RecursionError:
        raise OfflineError("expression too deeply nested") from None
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise OfflineError(f"cannot print expression offline: {type(exc).__name__}") from None


def is_function_call(e: exp.Expr, names: Callable[[str], bool]) -> bool:
    while isinstance(e, exp.Paren):
        e = e.this
    return isinstance(e, exp.Anonymous) and names(e.name.lower())


__all__ = ["ExprContext", "print_expression", "quote_expr_string", "SIMPLE_FUNCTIONS",
           "NONDETERMINISTIC", "DEFAULT_P", "LOWEST"]
