"""Running the rules on one schema change."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..diff.compare import DiffOptions, diff
from ..config import cache_dir
from ..errors import InputError
from ..flavour import Flavour, MARIADB, parse_flavour
from ..model.objects import Schema
from ..model.snapshot import Snapshot
from .config import LintConfig
from .context import ReviewContext, TableStats
from .data import DataProbe
from .registry import Finding, load_rules, severity_rank
from ..migrate.revfile import RevisionFile, RevisionSet

if TYPE_CHECKING:
    from .algorithms import Algorithm


@dataclass(frozen=True)
class TableRisk:
    """A table the change alters: the most expensive algorithm, and its size when known."""

    table: str
    algorithm: str
    rows: int | None = None
    bytes: int | None = None

    @property
    def score(self) -> tuple:
        rank = {"INSTANT": 0, "INPLACE": 1, "INPLACE (table rebuild)": 2, "COPY": 3}[self.algorithm]
        return (rank, self.bytes or 0, self.rows or 0)

    def to_dict(self) -> dict:
        return {"table": self.table, "algorithm": self.algorithm, "rows": self.rows, "bytes": self.bytes}


@dataclass
class Review:
    """The findings on one revision (or one pair of states)."""

    label: str
    findings: list[Finding]
    tables: list[TableRisk] = field(default_factory=list)
    path: Path | None = None

    def at_least(self, severity: str, *, accepted: bool = False) -> list[Finding]:
        return [f for f in self.findings if severity_rank(f.severity) >= severity_rank(severity)
                and (accepted or f.accepted_by is None)]


def target_flavour(explicit: str | Flavour | None, config: LintConfig, schema: Schema) -> Flavour:
    """--flavour, else the configuration's, else the flavour the states were read from."""
    if isinstance(explicit, Flavour):
        return explicit
    if explicit:
        return parse_flavour(explicit)
    if config.flavour is not None:
        return config.flavour
    return MARIADB if schema.flavour != "mysql" else parse_flavour("mysql:8.0")


def lint(ctx: ReviewContext, config: LintConfig) -> list[Finding]:
    """Every enabled rule on ``ctx``, with the configured severities; sorted by severity
    (highest first), code and subject."""
    out: dict[tuple, Finding] = {}
    for code, r in load_rules().items():
        if not config.enabled(code):
            continue
        severity = config.severity_of(code, r.severity)
        for hit in r.check(ctx):
            f = Finding(code, severity, ctx.label, hit.subject, hit.why, hit.change, r.hint)
            out.setdefault((f.code, f.subject, f.why), f)
    return sorted(out.values(), key=lambda f: (-severity_rank(f.severity), f.code, f.subject, f.why))


def _risks(ctx: ReviewContext) -> list[TableRisk]:
    from .rules._lk import algorithms

    worst: dict[str, Algorithm] = {}
    for c, alg in algorithms(ctx):
        table = c.table or c.name
        if table not in worst or alg.rank > worst[table].rank:
            worst[table] = alg
    out = []
    for table, alg in worst.items():
        s = ctx.stats.get(ctx.before_name(table)) if ctx.stats is not None else None
        out.append(TableRisk(table, str(alg), s.rows if s else None, s.bytes if s else None))
    return sorted(out, key=lambda r: (tuple(-x for x in r.score), r.table))


def review_states(before: Schema, after: Schema, *, label: str, config: LintConfig,
                  revision: RevisionFile | None = None, stats: dict[str, TableStats] | None = None,
                  flavour: str | Flavour | None = None, data: DataProbe | None = None) -> Review:
    """Lint the change from ``before`` to ``after``; with ``data``, the rules that can
    count the rows a change refuses or cuts count them in that database."""
    ctx = ReviewContext(label=label, before=before, after=after,
                        changes=diff(before, after, DiffOptions(renames=stated_renames(revision))),
                        revision=revision, flavour=target_flavour(flavour, config, after),
                        stats=stats, data=data)
    findings = lint(ctx, config)
    return Review(label, findings, _risks(ctx), revision.path if revision else None)


def stated_renames(revision: RevisionFile | None) -> tuple[tuple[str, str | None, str, str], ...]:
    """The renames a revision made from a script records (``script_renames``): a column
    renamed by the script is a rename, not a drop and an add."""
    value = revision.values.get("script_renames") if revision is not None else None
    if not isinstance(value, tuple):
        return ()
    return tuple(r for r in value if isinstance(r, tuple) and len(r) == 4
                 and all(isinstance(x, str) or (i == 1 and x is None) for i, x in enumerate(r)))


_STATES: dict[tuple[str, int, int], Schema] = {}


def read_state(path: Path) -> Schema:
    """A states file (cached by path, size and modification time)."""
    if not path.exists():
        raise InputError(f"{path}: state file missing")
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _STATES:
        if len(_STATES) > 8:
            _STATES.clear()
        _STATES[key] = Snapshot.read(path).schema
    return _STATES[key]


def review_revision(rset: RevisionSet, rev: RevisionFile, config: LintConfig, *,
                    stats: dict[str, TableStats] | None = None,
                    flavour: str | Flavour | None = None, data: DataProbe | None = None) -> Review:
    """Lint one revision: the diff of its recorded before and after states, and its SQL.

    Without a database (``stats``, ``data``), the result is kept in the review cache under
    a key of everything it depends on (the revision file, both states, the configuration,
    the flavour, the rules' code): reviewing an unchanged revision again reads no state."""
    before_path = rset.before_state_path(rev)
    if before_path is None:
        raise InputError(f"{rev.path.name}: a merge revision has no single starting state to review")
    after_path = rset.state_path(rev.rev_id)
    offline = stats is None and data is None
    key = _cache_key(rev, before_path, after_path, config, flavour) if offline else None
    cached = _cache_read(key, rev) if key else None
    if cached is not None:
        return cached
    before = read_state(before_path)
    after = read_state(after_path)
    review = review_states(before, after, label=rev.rev_id, config=config, revision=rev, stats=stats,
                           flavour=flavour, data=data)
    if key:
        _cache_write(key, review)
    return review


# ---------------------------------------------------------------------------------------
# the review cache (:func:`schema_tools.config.cache_dir`; SCHEMA_TOOLS_CACHE=off switches it off)


def _cache_dir() -> Path | None:
    return cache_dir("review")


_RULES_HASH: list[str] = []


def _rules_hash() -> str:
    """A hash of the code that a review's result depends on (this package's review, diff,
    model, dialect, migrate and render modules, and flavour.py), computed once per process."""
    if not _RULES_HASH:
        import hashlib

        h = hashlib.sha256()
        root = Path(__file__).resolve().parent.parent
        for sub in ("review", "diff", "model", "render", "dialect", "migrate"):
            for path in sorted((root / sub).rglob("*.py")):
                h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        h.update((root / "flavour.py").read_bytes())
        _RULES_HASH.append(h.hexdigest())
    return _RULES_HASH[0]


def _file_hash(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def _cache_key(rev: RevisionFile, before: Path, after: Path, config: LintConfig,
               flavour: str | Flavour | None) -> str | None:
    import hashlib

    if _cache_dir() is None:
        return None
    try:
        parts = [_rules_hash(), ",".join(sorted(load_rules())), _file_hash(rev.path), _file_hash(before),
                 _file_hash(after), repr(config), repr(flavour)]
    except OSError:
        return None
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _cache_read(key: str, rev: RevisionFile) -> Review | None:
    import json

    directory = _cache_dir()
    if directory is None:
        return None
    path = directory / f"{key}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        findings = [Finding(**f) for f in doc["findings"]]
        tables = [TableRisk(**t) for t in doc["tables"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Review(doc.get("label", rev.rev_id), findings, tables, rev.path)


def _cache_write(key: str, review: Review) -> None:
    import dataclasses
    import json
    import os

    folder = _cache_dir()
    if folder is None:
        return
    doc = {"label": review.label, "findings": [dataclasses.asdict(f) for f in review.findings],
           "tables": [t.to_dict() for t in review.tables]}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        pass  # a cache that cannot be written is no cache
