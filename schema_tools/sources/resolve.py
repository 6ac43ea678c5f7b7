"""Turn what a user names on the command line into a :class:`Snapshot`.

A source is a snapshot file (``.json``), a server URL (``mariadb://...``), or one or
more SQL files, loaded in the given order into a scratch database and introspected.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import __version__
from ..errors import InputError
from ..config import ISPYB_LOOKUP_TABLES
from ..model.snapshot import Snapshot
from .connection import is_url, parse_url, redact_url
from .introspect import MULTI_STATEMENTS, build, fetch
from .workspace import open_workspace


def _metadata(**kw) -> dict:
    return {
        "tool": f"schema-tools {__version__}",
        "taken_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        **{k: v for k, v in kw.items() if v is not None},
    }


def _report(result, extra_warnings=()) -> dict:
    return {
        "flavour": result.flavour.name,
        "server_version": result.server_version,
        "unsupported": [str(u) for u in result.unsupported],
        "warnings": list(extra_warnings),
    }


def snapshot_from_url(url: str, *, defaults_file=None, site: str | None = None,
                      data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> Snapshot:
    return _snapshot_of(_fetch_url(url, defaults_file=defaults_file, data_tables=data_tables),
                        site=site)


def _fetch_url(url: str, *, defaults_file=None,
               data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> tuple:
    """The server's part of :func:`snapshot_from_url`: connect, :func:`fetch`, close."""
    spec = parse_url(url, defaults_file=defaults_file)
    if not spec.database:
        raise InputError(f"{spec.redacted()}: the URL names no database")
    started = time.perf_counter()
    conn = spec.connect(client_flag=MULTI_STATEMENTS)
    try:
        fetched = fetch(conn, spec.database, data_tables=data_tables)
    finally:
        conn.close()
    return spec, fetched, started


def _snapshot_of(fetched_url: tuple, *, site: str | None = None) -> Snapshot:
    """The client's part of :func:`snapshot_from_url`: the model and its self-check."""
    spec, fetched, started = fetched_url
    result = build(fetched)
    meta = _metadata(source=[spec.redacted()], site=site, database=spec.database,
                     seconds=round(time.perf_counter() - started, 3), **_report(result))
    return Snapshot(result.schema, meta)


def snapshot_from_sql(paths: Sequence[str | Path], *, server: str | None = None,
                      defaults_file=None, site: str | None = None,
                      data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> Snapshot:
    _check_files(paths)
    from .loader import declared_database

    started = time.perf_counter()
    with open_workspace(server, defaults_file=defaults_file,
                        database=declared_database(paths[0])) as ws:
        report = ws.load_files(paths)
        result = ws.introspect(data_tables=data_tables)
    warnings = list(report.notes) + ws.notes
    meta = _metadata(source=[str(p) for p in paths], site=site, loaded_on=ws.describe,
                     seconds=round(time.perf_counter() - started, 3),
                     missing_views=report.missing_views or None, **_report(result, warnings))
    return Snapshot(result.schema, meta)


def snapshot_offline(paths: Sequence[str | Path], *, site: str | None = None,
                     lenient: bool = False, flavour: str | None = None,
                     data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> Snapshot:
    """Read SQL files without a server (see :mod:`schema_tools.offline`)."""
    from ..flavour import parse_flavour
    from ..offline.reader import DEFAULT_FLAVOUR, read_offline

    _check_files(paths)
    fl = parse_flavour(flavour) if flavour else DEFAULT_FLAVOUR
    started = time.perf_counter()
    result = read_offline(paths, flavour=fl, lenient=lenient, data_tables=data_tables)
    meta = _metadata(
        source=[str(p) for p in paths], site=site, offline=True, flavour=fl.name,
        server_version=".".join(map(str, fl.version)),
        seconds=round(time.perf_counter() - started, 3),
        partial=result.partial or None,
        skipped=[str(s) for s in result.skipped] or None,
        ignored=result.ignored or None, missing_views=result.missing_views or None,
        warnings=result.notes, unsupported=[],
    )
    return Snapshot(result.schema, meta)


def read_source(sources: Sequence[str], *, server: str | None = None, defaults_file=None,
                site: str | None = None, offline: bool = False, lenient: bool = False,
                flavour: str | None = None,
                data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> Snapshot:
    """Read one source (or several SQL files forming one source) into a snapshot."""
    if not sources:
        raise InputError("no source given")
    if len(sources) == 1 and is_url(sources[0]):
        return snapshot_from_url(sources[0], defaults_file=defaults_file, site=site,
                                 data_tables=data_tables)
    if len(sources) == 1 and sources[0].endswith(".json"):
        return Snapshot.read(sources[0])
    bad = [s for s in sources if is_url(s) or s.endswith(".json")]
    if bad:
        raise InputError(f"{shown_source(bad[0])}: a URL or snapshot cannot be combined with other sources")
    if offline:
        return snapshot_offline(sources, site=site, lenient=lenient, flavour=flavour,
                                data_tables=data_tables)
    if lenient:
        raise InputError("--lenient applies to --offline reading only")
    return snapshot_from_sql(sources, server=server, defaults_file=defaults_file, site=site,
                             data_tables=data_tables)


def snapshot_with_updates(base: Sequence[str | Path], updates: Sequence[str | Path], *,
                          server: str | None = None, site: str | None = None,
                          data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> Snapshot:
    """Snapshot ``base``, then apply each update script where it applies.

    MariaDB DDL is not transactional, so a failing script could leave half its changes
    behind.  Each script is therefore first applied to a fresh copy of the current state
    (rendered from the model); only if the whole script succeeds does it become the new
    state.  Scripts that fail are recorded in the metadata, with their error, and skipped.
    """
    from ..errors import SqlError

    from .loader import declared_database

    started = time.perf_counter()
    base_snap = snapshot_from_sql(base, server=server, data_tables=data_tables)
    schema = base_snap.schema
    database = declared_database(base[0])
    results = []
    warnings = list(base_snap.metadata.get("warnings", []))
    for script in updates:
        try:
            with open_workspace(server, database=database) as ws:
                ws.load_schema(schema)
                report = ws.load_files([script])
                result = ws.introspect(data_tables=data_tables)
        except SqlError as exc:
            results.append({"script": str(script), "status": "failed", "error": exc.message})
            continue
        warnings += report.notes
        schema = result.schema
        results.append({"script": str(script), "status": "applied"})
    meta = dict(base_snap.metadata)
    meta.update(_metadata(
        source=[str(p) for p in base], site=site, updates=results, warnings=warnings,
        seconds=round(time.perf_counter() - started, 3),
    ))
    return Snapshot(schema, meta)


def shown_source(text: str) -> str:
    """A source as error messages show it: what looks like a URL (``://`` or ``@``) with
    anything password-like hidden, even when it does not parse as one."""
    text = str(text)
    return redact_url(text) if "://" in text or "@" in text else text


def _check_files(paths: Sequence[str | Path]) -> None:
    for p in paths:
        if Path(p).is_file():
            continue
        text = str(p)
        if "://" in text or "@" in text:
            raise InputError(f"{shown_source(text)}: neither a SQL file nor a server URL "
                             f"(mariadb://user@host:port/database)")
        raise InputError(f"{text}: no such SQL file")


def split_source(spec: str) -> list[str]:
    """One command-line source: a snapshot ``.json``, a server URL, a ``.sql`` file, a
    directory of ``.sql`` files (loaded in file-name order) or several ``.sql`` files
    joined with commas (``tables.sql,lookups.sql,routines.sql``)."""
    if is_url(spec):
        return [spec]
    parts: list[str] = []
    for piece in spec.split(","):
        if not piece.strip():
            raise InputError(f"{shown_source(spec)!r}: an empty source (a file, directory or URL "
                             f"was expected{' between the commas' if ',' in spec else ''})")
        p = Path(piece)
        if p.is_dir():
            files = sorted(str(f) for f in p.glob("*.sql"))
            if not files:
                raise InputError(f"{piece}: directory holds no .sql files")
            parts += files
        else:
            parts.append(piece)
    return parts


def source_label(spec: str) -> str:
    """A short name for a source in reports: a site name from a snapshot's metadata, the
    redacted URL, or the file name."""
    if is_url(spec):
        return parse_url(spec).redacted()
    p = Path(spec.split(",")[0])
    if p.suffix == ".json" and p.exists():
        return p.name[:-5]
    return p.name if "," not in spec else f"{p.name}+{spec.count(',')}"


def site_labels(specs: Sequence[str], snaps: Sequence[Snapshot]) -> list[str]:
    """The names of sources in reports: the site name a snapshot records (``snapshot
    --site``), or else :func:`source_label`.  A server URL keeps its redacted URL.  Sources
    whose site names collide are told apart by their :func:`source_label`
    (``DLS (dls-v4.0.0)``)."""
    labels = []
    for spec, snap in zip(specs, snaps, strict=False):
        site = snap.metadata.get("site")
        labels.append(site.strip() if isinstance(site, str) and site.strip() and not is_url(spec)
                      else source_label(spec))
    taken = [labels.count(label) > 1 for label in labels]
    return [f"{label} ({source_label(spec)})" if twice and label != source_label(spec) else label
            for label, spec, twice in zip(labels, specs, taken, strict=False)]


def read_one(spec: str, **kw) -> Snapshot:
    """:func:`read_source` for one command-line source string (see :func:`split_source`)."""
    return read_source(split_source(spec), **kw)


def read_many(specs: Sequence[str], **kw) -> list[Snapshot]:
    """:func:`read_one` for each of ``specs``, in the order given.

    The server URLs among them are fetched at the same time, each in its own thread
    over its own connection (the server does most of the work), and their models built
    afterwards, in this thread (the client's work gains nothing from threads).  Other
    sources are read one after the other, while the fetches run.  If reads fail, the
    error of the first failing source is raised."""
    urls = [i for i, spec in enumerate(specs) if is_url(spec)]
    if len(urls) < 2:
        return [read_one(spec, **kw) for spec in specs]
    fetch_kw = {k: kw[k] for k in ("defaults_file", "data_tables") if k in kw}
    results: list = [None] * len(specs)
    with ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="schema-read") as pool:
        futures = {i: pool.submit(_fetch_url, specs[i], **fetch_kw) for i in urls}
        for i, spec in enumerate(specs):
            if i not in futures:
                try:
                    results[i] = read_one(spec, **kw)
                except Exception as exc:  # raised below, in the order of the sources
                    results[i] = exc
                    break
    snapshots = []
    for i, result in enumerate(results):
        if i in futures:
            result = _snapshot_of(futures[i].result(), site=kw.get("site"))
        elif isinstance(result, Exception):
            raise result
        snapshots.append(result)
    return snapshots
