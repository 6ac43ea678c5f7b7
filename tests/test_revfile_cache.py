"""Revision files read without running them: the cache of parsed files, and the revision
graph read from the files where Alembic would load exactly that graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from schema_tools.errors import InputError
from schema_tools.migrate import revfile
from schema_tools.migrate.revfile import RevisionSet, read_revision_file
from schema_tools.migrate.revision import RevisionDir

ROOT = Path(__file__).resolve().parents[1]


def _rev(rev: str, down: str | None, *, labels: str = "None", body: str = "run_sql('SELECT 1')",
         extra: str = "") -> str:
    return (f'"""{rev}\n\nRevision ID: {rev}\n"""\n'
            "from alembic import op\n\nfrom schema_tools.migrate.runtime import run_sql\n\n"
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels}\ndepends_on = None\n"
            f"{extra}"
            "schema_before = 'sha256:aa'\nschema_after = 'sha256:bb'\n\n\n"
            f"def upgrade() -> None:\n    {body}\n\n\ndef downgrade() -> None:\n    op.drop_table('t')\n")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SCHEMA_TOOLS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(revfile, "_PARSED", {})
    return tmp_path / "cache" / "revfiles"


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def _fresh(path: Path):
    revfile._PARSED.clear()  # a new command: nothing parsed in this process yet
    return read_revision_file(path)


def _same(a, b) -> None:
    assert a == b and a.values == b.values and a.plain == b.plain and a.path == b.path


def test_a_parsed_file_is_read_back_from_the_cache_without_parsing(cache, tmp_path, monkeypatch):
    path = tmp_path / "r1_one.py"
    path.write_text(_rev("r1", None, extra="script_renames = (('column', 't', 'a', 'b'),)\n"))
    first = _fresh(path)
    assert len(_entries(cache)) == 1 and first.plain
    monkeypatch.setattr(revfile, "_parse_revision_file", lambda *a: pytest.fail("parsed again"))
    again = _fresh(path)
    _same(again, first)
    assert again.values["script_renames"] == (("column", "t", "a", "b"),)  # tuples stay tuples
    assert again.upgrade is not None and again.upgrade[0].sql == "SELECT 1"


def test_a_changed_file_is_parsed_again(cache, tmp_path):
    path = tmp_path / "r1_one.py"
    path.write_text(_rev("r1", None))
    assert _fresh(path).statements()[0].sql == "SELECT 1"
    path.write_text(_rev("r1", "r0", body="run_sql('SELECT 2')"))
    changed = _fresh(path)
    assert changed.statements()[0].sql == "SELECT 2" and changed.down_revisions == ("r0",)
    assert len(_entries(cache)) == 2


def test_a_file_that_is_not_a_revision_file_is_refused_each_time(cache, tmp_path):
    path = tmp_path / "r1_one.py"
    path.write_text(_rev("r1", None).replace("def upgrade() -> None:", "def upgrade() -> None"))
    for _ in range(2):
        with pytest.raises(InputError, match="not valid Python"):
            _fresh(path)
    assert _entries(cache) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "wrong shape", "empty"])
def test_a_damaged_cache_entry_is_ignored_and_replaced(cache, tmp_path, damage):
    import hashlib
    import marshal

    path = tmp_path / "r1_one.py"
    path.write_text(_rev("r1", None))
    good = _fresh(path)
    (entry,) = _entries(cache)
    data = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"\x00not a cache entry")
    elif damage == "truncated":
        entry.write_bytes(data[:len(data) // 2])
    elif damage == "flipped":
        entry.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    elif damage == "wrong shape":  # a sound entry of something else
        payload = marshal.dumps(("r1", "not a tuple", (), "", None, None, None, None, {}, True))
        entry.write_bytes(revfile._CACHE_FORMAT + hashlib.sha256(payload).digest() + payload)
    else:
        entry.write_bytes(b"")
    _same(_fresh(path), good)
    assert entry.read_bytes() == data  # written again


def test_no_cache_when_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMA_TOOLS_CACHE", "off")
    monkeypatch.setattr(revfile, "_PARSED", {})
    path = tmp_path / "r1_one.py"
    path.write_text(_rev("r1", None))
    assert _fresh(path).rev_id == "r1"
    assert not any(tmp_path.rglob("revfiles"))


def test_the_shipped_revisions_read_from_the_cache_as_parsed(cache):
    parsed = RevisionSet(ROOT / "revisions")
    revfile._PARSED.clear()
    cached = RevisionSet(ROOT / "revisions")
    assert len(_entries(cache)) == len(parsed.by_id)
    for rev, r in parsed.by_id.items():
        _same(cached.by_id[rev], r)


# -- the revision graph without importing the files ------------------------------------------


def _directory(tmp_path: Path, files: dict[str, str]) -> RevisionDir:
    rdir = RevisionDir(tmp_path / "revisions").ensure()
    for name, text in files.items():
        (rdir.versions / name).write_text(text)
    return rdir


def _alembic_view(rdir: RevisionDir, branch: str) -> tuple[list[str], list[str], set[str]]:
    script = rdir.script()
    heads = sorted(script.get_heads())
    on = [h for h in heads if branch in script.get_revision(h).branch_labels
          or any(branch in r.branch_labels for r in script.iterate_revisions(h, "base"))]
    return heads, on, {r.revision for r in script.walk_revisions()}


def test_the_graph_read_from_the_files_is_alembics(cache, tmp_path):
    rdir = _directory(tmp_path, {
        "a_root.py": _rev("a", None),
        "b_one.py": _rev("b", "a", labels="('one',)"),
        "c_one.py": _rev("c", "b"),
        "d_two.py": _rev("d", "a", labels="'two'"),
        "e_merge.py": _rev("e", ("c", "d")),
        "f_three.py": _rev("f", "e", labels="('three',)"),
        "g_other.py": _rev("g", "e"),
        "x_root.py": _rev("x", None, labels="('site',)"),
    })
    graph = rdir._graph()
    assert graph is not None
    for branch in ("one", "two", "three", "site", "none"):
        heads, on, ids = _alembic_view(rdir, branch)
        assert (graph.heads(), [h for h in graph.heads() if graph.on_branch(h, branch)], set(graph.by_id)) \
            == (heads, on, ids)
        assert rdir.heads() == heads and rdir.revision_ids() == ids
    assert rdir.head_state("three") == ("f", None)


@pytest.mark.parametrize("case", [
    "import os\n",
    "when = __import__('time').time()\n",
    "names = set()\n",
    "value: int = 1\n",
    "import sqlalchemy as sa\n",
])
def test_a_file_that_runs_code_when_imported_is_left_to_alembic(cache, tmp_path, case):
    rdir = _directory(tmp_path, {"a_root.py": _rev("a", None, extra=case), "b_next.py": _rev("b", "a")})
    assert rdir._graph() is None
    assert rdir.heads() == ["b"]


@pytest.mark.parametrize("files", [
    {"a_root.py": _rev("a", None), "b_next.py": _rev("b", "missing")},  # a parent that is not there
    {"a_root.py": _rev("a", None, labels="('x',)"), "b_next.py": _rev("b", "a", labels="('x',)")},
    {"a_root.py": _rev("a", "b"), "b_next.py": _rev("b", "a")},  # a cycle
    {"a_root.py": _rev("a", None), "b_next.py": _rev("b", "a").replace("depends_on = None", "depends_on = 'a'")},
    {"a_root.py": _rev("a", None), "b_next.py": _rev("b", "a").replace("down_revision = 'a'\n", "")},
    {"a_root.py": _rev("a", None), "b-next.py": _rev("b-1", "a")},
])
def test_a_graph_alembic_would_refuse_or_read_otherwise_is_left_to_it(cache, tmp_path, files):
    rdir = _directory(tmp_path, files)
    assert rdir._graph() is None


def test_a_file_that_fails_when_imported_is_still_named(cache, tmp_path):
    rdir = _directory(tmp_path, {"a_root.py": _rev("a", None),
                                 "b_next.py": _rev("b", "a", extra="when = undefined_name\n")})
    with pytest.raises(InputError, match="b_next.py:.*revisions cannot be loaded: NameError"):
        rdir.heads()


def test_a_file_that_parses_but_does_not_compile_is_still_named(cache, tmp_path):
    rdir = _directory(tmp_path, {"a_root.py": _rev("a", None),
                                 "b_next.py": _rev("b", "a", body="nonlocal x")})
    assert RevisionSet(rdir.path).by_id["b"].plain is False
    with pytest.raises(InputError, match="b_next.py:.*not valid Python"):
        rdir.heads()


# -- Alembic's ScriptDirectory over those files ------------------------------------------------


def test_alembic_sees_the_same_revisions_and_imports_a_file_only_to_run_it(cache, tmp_path):
    import shutil

    from alembic.script import ScriptDirectory

    from schema_tools.migrate.lazy_scripts import _RevisionModule

    shutil.copytree(ROOT / "revisions", tmp_path / "revisions")
    rdir = RevisionDir(tmp_path / "revisions")
    lazy = rdir.script()
    eager = ScriptDirectory.from_config(rdir.config())
    assert sorted(lazy.get_heads()) == sorted(eager.get_heads())
    mine = {r.revision: r for r in lazy.walk_revisions()}
    theirs = {r.revision: r for r in eager.walk_revisions()}
    assert list(mine) == list(theirs)
    for rev, r in mine.items():
        e = theirs[rev]
        assert isinstance(r.module, _RevisionModule) and "upgrade" not in r.module.__dict__
        assert (r.down_revision, r.branch_labels, r.dependencies, r.path, r.doc, r.longdoc) \
            == (e.down_revision, e.branch_labels, e.dependencies, e.path, e.doc, e.longdoc)
        for name in ("schema_before", "schema_after", "script_writes", "script_renames", "legacy_writes"):
            assert getattr(r.module, name, "absent") == getattr(e.module, name, "absent"), (rev, name)
        assert "upgrade" not in r.module.__dict__  # the literals did not import the file
    one = mine["dls_v5_0_0"].module
    assert one.upgrade.__code__.co_filename == str(Path(mine["dls_v5_0_0"].path))
    assert one.downgrade.__code__.co_filename == one.upgrade.__code__.co_filename
    assert one.run_sql.__module__ == "schema_tools.migrate.runtime"
    with pytest.raises(AttributeError):
        _ = one.not_a_name
    def path(scripts):
        return [(s.revision.revision, s.is_upgrade)
                for s in scripts._upgrade_revs("dls_v5_0_0", "dls_20240109_adminvar_bump_versi")]

    assert len(path(lazy)) > 60 and path(lazy) == path(eager)


def test_a_directory_with_a_file_that_is_not_plain_is_loaded_by_alembic(cache, tmp_path):
    from schema_tools.migrate.lazy_scripts import _RevisionModule

    rdir = _directory(tmp_path, {"a_root.py": _rev("a", None, extra="import sqlalchemy as sa\n"),
                                 "b_next.py": _rev("b", "a")})
    mods = [r.module for r in rdir.script().walk_revisions()]
    assert len(mods) == 2 and not any(isinstance(m, _RevisionModule) for m in mods)
    assert all(callable(m.upgrade) for m in mods)
