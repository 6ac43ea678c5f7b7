"""Shared by the rules that count rows in the database a review was given (``ctx.data``):
what to count, named as it is before the change, and how a finding says the count.  Each
returns ``None`` without a database, or when what it would count is new in the change."""

from ..data import Count, Misfit


def rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def orphans(ctx, table: str, fk) -> Count | None:
    """Rows of ``table`` (named as in the target) without a parent for the foreign key ``fk``."""
    if ctx.data is None or fk.ref_schema or not ctx.is_existing(fk.ref_table):
        return None
    columns = ctx.before_columns(table, fk.columns)
    ref_columns = ctx.before_columns(fk.ref_table, fk.ref_columns)
    if columns is None or ref_columns is None:
        return None
    return ctx.data.orphans(ctx.before_name(table), columns, ctx.before_name(fk.ref_table), ref_columns)


def duplicates(ctx, table: str, index) -> Count | None:
    """Groups of rows of ``table`` that the unique ``index`` would refuse."""
    columns = ctx.before_columns(table, index.column_names) if ctx.data is not None else None
    if columns is None:
        return None
    return ctx.data.duplicates(ctx.before_name(table),
                               [(c, part.length) for c, part in zip(columns, index.columns, strict=False)])


def nulls(ctx, table: str, old_column) -> Count | None:
    """Rows of ``table`` holding NULL in ``old_column`` (the column as it was)."""
    if ctx.data is None:
        return None
    return ctx.data.nulls(ctx.before_name(table), old_column.name)


def non_nulls(ctx, table: str, old_column) -> Count | None:
    """Rows of ``table`` holding a value (not NULL) in ``old_column`` (the column as it was)."""
    if ctx.data is None:
        return None
    from ...dialect.ddl import quote_ident

    return ctx.data.where(ctx.before_name(table), f"{quote_ident(old_column.name)} IS NOT NULL")


def misfits(ctx, table: str, misfit: Misfit | None) -> Count | None:
    """Rows of ``table`` whose values meet ``misfit``'s condition."""
    if ctx.data is None or misfit is None:
        return None
    return ctx.data.where(ctx.before_name(table), misfit.condition)


def misfit_note(ctx, table: str, misfit: Misfit | None) -> str:
    """What a finding on a column change adds with a database: how many rows hold values
    the change cannot keep ("" without a count)."""
    n = misfits(ctx, table, misfit)
    if n is None:
        return ""
    assert misfit is not None, "counted for a misfit only"
    if n.rows is None:
        return f"; rows with values {misfit.values} {n.not_counted()}"
    if n.rows == 0:
        return f"; no row holds values {misfit.values} now"
    hold = "holds a value" if n.rows == 1 else "hold values"
    return f"; {rows(n.rows)} of {table} {hold} {misfit.values} now: {misfit.effect}"


def unless(ctx) -> str:
    """What a count of today's rows cannot see: the revision's own data statements."""
    return " unless the revision's data statements fix them first" if ctx.changes_rows else ""
