"""Deterministic synthetic schemas for the benchmarks.

* :func:`make_schema` builds a schema of ``n`` tables, each with about 8 columns, a
  primary key, 2 secondary indexes and 1 foreign key to an earlier table (the first
  table has none), from a fixed seed: the same arguments give an equal schema.
* :func:`perturb` returns a copy of any schema with a fraction of its tables altered,
  dropped, added or with a column renamed (the rename keeps the column's definition and
  place and updates the indexes and foreign keys that use it, as ``ALTER TABLE ...
  RENAME COLUMN`` would).  Only :func:`dataclasses.replace` on the model objects.

Not part of the package: imported by ``bench/diff.py``.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import replace

from schema_tools.model.objects import (
    Column, DataType, ForeignKey, Index, IndexColumn, Schema, Table,
)

SEED = 20240611

_WORDS = ("sample", "crystal", "beam", "energy", "dose", "image", "frame", "detector", "session",
          "proposal", "shipping", "dewar", "container", "protein", "ligand", "grid", "movie",
          "motion", "ctf", "particle", "phasing", "model", "screen", "position", "scan",
          "wavelength", "flux", "slit", "transmission", "exposure", "omega", "kappa", "phi")


def _name(rng: random.Random, parts: int = 2) -> str:
    words = [rng.choice(_WORDS) for _ in range(parts)]
    return words[0] + "".join(w.capitalize() for w in words[1:])


def _column(rng: random.Random, name: str) -> Column:
    pick = rng.randrange(9)
    if pick == 0:
        return Column(name, DataType("int", 11), True, "NULL")
    if pick == 1:
        return Column(name, DataType("int", 10, unsigned=True), False, "0")
    if pick == 2:
        n = rng.choice((45, 64, 255, 1024))
        return Column(name, DataType("varchar", n), True, "NULL", comment=f"{name} label")
    if pick == 3:
        return Column(name, DataType("datetime"), True, "NULL")
    if pick == 4:
        return Column(name, DataType("decimal", 10, 2), True, "NULL")
    if pick == 5:
        return Column(name, DataType("enum", values=("new", "running", "done", "failed")),
                      False, "'new'")
    if pick == 6:
        return Column(name, DataType("text"), True, "NULL", charset="utf8mb4",
                      collation="utf8mb4_general_ci")
    if pick == 7:
        return Column(name, DataType("tinyint", 1), True, "0", comment="boolean")
    return Column(name, DataType("float"), True, "NULL")


def make_table(rng: random.Random, name: str, ref: Table | None, n_columns: int = 8) -> Table:
    """One table: an auto-increment primary key, an FK column to ``ref`` (if any), the rest
    random; an index on the FK column and one more (sometimes unique)."""
    pk = Column(f"{name[0].lower()}{name[1:]}Id", DataType("int", 10, unsigned=True), False,
                auto_increment=True, comment="Primary key (auto-incremented)")
    cols = [pk]
    fks: tuple[ForeignKey, ...] = ()
    if ref is not None:
        ref_pk = ref.columns[0]
        fk_col = Column(ref_pk.name, ref_pk.type, True, "NULL")
        cols.append(fk_col)
        fks = (ForeignKey(f"{name}_ibfk_1", (fk_col.name,), ref.name, (ref_pk.name,),
                          rng.choice(("CASCADE", "RESTRICT", "SET NULL")), "CASCADE"),)
    used = {c.name.lower() for c in cols}
    while len(cols) < n_columns:
        cname = _name(rng, rng.choice((1, 2, 2, 3)))
        if cname.lower() in used:
            cname += str(len(cols))
        used.add(cname.lower())
        cols.append(_column(rng, cname))
    other = cols[-1]
    prefix = 20 if other.type.name == "text" else None
    second = Index(f"{name}_idx2", (IndexColumn(other.name, prefix),),
                   "unique" if rng.random() < 0.2 else "index")
    first = Index(f"{name}_FKIndex1", (IndexColumn(cols[1].name),))
    return Table(name, tuple(cols), Index("PRIMARY", (IndexColumn(pk.name),), "primary"),
                 tuple(sorted((first, second), key=lambda i: i.name)), fks,
                 charset="utf8mb4", collation="utf8mb4_general_ci")


def make_schema(n_tables: int, seed: int = SEED) -> Schema:
    """A schema of ``n_tables`` tables; deterministic for a given ``(n_tables, seed)``."""
    rng = random.Random(seed)
    tables: list[Table] = []
    for i in range(n_tables):
        ref = tables[rng.randrange(i)] if i else None
        tables.append(make_table(rng, f"{_name(rng).capitalize()}{i:05d}", ref))
    return Schema(charset="utf8mb4", collation="utf8mb4_general_ci", tables=tuple(tables))


# ---------------------------------------------------------------------------------------
# Perturbation


def _alter(rng: random.Random, t: Table) -> Table:
    """One or two random alterations of a table."""
    for _ in range(rng.choice((1, 1, 2))):
        cols = list(t.columns)
        i = rng.randrange(1, len(cols)) if len(cols) > 1 else 0
        c = cols[i]
        what = rng.randrange(8)
        if what == 0:  # widen / change the type
            if c.type.length is not None and c.type.name not in ("enum", "set"):
                cols[i] = replace(c, type=replace(c.type, length=c.type.length + 10))
            else:
                cols[i] = replace(c, type=DataType("varchar", 255), charset=None, collation=None)
        elif what == 1:  # nullability
            cols[i] = replace(c, nullable=not c.nullable,
                              default=None if c.nullable and c.default == "NULL" else c.default)
        elif what == 2:  # default
            cols[i] = replace(c, default="'x'" if c.type.is_string else "1")
        elif what == 3:  # comment
            cols[i] = replace(c, comment=(c.comment + " (changed)").strip())
        elif what == 4:  # new column at the end
            cols.append(Column(f"extra{len(cols)}", DataType("int", 11), True, "NULL"))
        elif what == 5 and len(cols) > 2:  # drop a column not used by an index or FK
            used = {ic.name for ix in ([t.primary_key] if t.primary_key else []) + list(t.indexes)
                    for ic in ix.columns} | {n for fk in t.foreign_keys for n in fk.columns}
            free = [k for k, col in enumerate(cols) if col.name not in used]
            if free:
                del cols[rng.choice(free)]
        elif what == 6 and t.indexes:  # index: a prefix or another column
            ix = t.indexes[0]
            first = ix.columns[0]
            col = t.column(first.name)
            if col is not None and col.type.is_string and first.length is None:
                new_first = replace(first, length=10)
            else:
                new_first = replace(first, name=cols[-1].name)
            t = replace(t, indexes=(replace(ix, columns=(new_first,) + ix.columns[1:]),)
                        + t.indexes[1:])
        elif what == 7 and t.foreign_keys:  # FK action
            fk = t.foreign_keys[0]
            action = "SET NULL" if fk.on_delete != "SET NULL" else "CASCADE"
            t = replace(t, foreign_keys=(replace(fk, on_delete=action),) + t.foreign_keys[1:])
        else:  # unsigned
            if c.type.name in ("int", "bigint", "smallint", "tinyint", "decimal", "float"):
                cols[i] = replace(c, type=replace(c.type, unsigned=not c.type.unsigned))
            else:
                cols[i] = replace(c, comment="touched")
        t = replace(t, columns=tuple(cols))
    return t


def _rename_column(rng: random.Random, t: Table) -> Table:
    """Rename one column (not the first), fixing the indexes and FKs that use it."""
    if len(t.columns) < 2:
        return t
    i = rng.randrange(1, len(t.columns))
    old = t.columns[i].name
    new = old + "Renamed"
    if t.column(new) is not None:
        return t

    def fix_index(ix: Index | None) -> Index | None:
        if ix is None:
            return None
        return replace(ix, columns=tuple(replace(c, name=new) if c.name == old else c
                                         for c in ix.columns))

    cols = tuple(replace(c, name=new) if c.name == old else c for c in t.columns)
    fks = tuple(replace(fk, columns=tuple(new if n == old else n for n in fk.columns))
                for fk in t.foreign_keys)
    return replace(t, columns=cols, primary_key=fix_index(t.primary_key),
                   indexes=tuple(fix_index(ix) for ix in t.indexes), foreign_keys=fks)


@dataclasses.dataclass(frozen=True)
class Perturbation:
    altered: int
    renamed: int
    dropped: int
    added: int


def perturb(schema: Schema, fraction: float = 0.05, seed: int = SEED + 1,
            prefix: str = "Added") -> tuple[Schema, Perturbation]:
    """A copy of ``schema`` with about ``fraction`` of its tables touched: of those, 40%
    altered, 20% with a renamed column, 20% dropped, and 20% as many new tables added."""
    rng = random.Random(seed)
    tables = list(schema.tables)
    n = max(1, round(len(tables) * fraction))
    touched = rng.sample(range(len(tables)), min(n, len(tables)))
    n_alter = max(1, round(n * 0.4))
    n_rename = max(1, round(n * 0.2))
    n_drop = max(1, round(n * 0.2))
    alter_ix = touched[:n_alter]
    rename_ix = touched[n_alter:n_alter + n_rename]
    drop_ix = set(touched[n_alter + n_rename:n_alter + n_rename + n_drop])
    for k in alter_ix:
        tables[k] = _alter(rng, tables[k])
    for k in rename_ix:
        tables[k] = _rename_column(rng, tables[k])
    n_add = max(1, round(n * 0.2))
    kept = [t for k, t in enumerate(tables) if k not in drop_ix]
    added = []
    for j in range(n_add):
        ref = kept[rng.randrange(len(kept))] if kept else None
        added.append(make_table(rng, f"{prefix}{_name(rng).capitalize()}{j:05d}", ref))
    return (replace(schema, tables=tuple(kept + added)),
            Perturbation(len(alter_ix), len(rename_ix), len(drop_ix), n_add))
