"""Alembic's ``ScriptDirectory`` over revision files read without importing them.

When every revision file is plain (:meth:`~schema_tools.migrate.revfile.RevisionSet.alembic_graph`),
importing one runs nothing but literal assignments, imports of alembic's ``op`` and
``run_sql``, and function definitions.  Alembic then sees, for each file, a module holding
those literals and the file's docstring at once; the file itself is imported (as Alembic
imports it) the first time another of its names is asked for: ``upgrade()`` or
``downgrade()`` of a revision that runs.  A command that runs one revision imports one
file instead of every file.
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory

    from .revfile import RevisionFile, RevisionSet


class _RevisionModule(types.ModuleType):
    """A plain revision file as a module: its literal names now, the rest on first use."""

    def __init__(self, r: RevisionFile, path: Path) -> None:
        super().__init__(re.sub(r"\W", "_", path.name), r.doc)
        self.__dict__.update(r.values)
        self.__file__ = str(path)
        self.__dict__["_st_source"] = (path, frozenset(r.names))

    def __getattr__(self, name: str) -> Any:
        path, names = self.__dict__["_st_source"]
        if name not in names or name in self.__dict__:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        from alembic.util import load_python_file

        module = load_python_file(path.parent, path.name)
        for key, value in vars(module).items():
            if key not in self.__dict__ or key in names:
                self.__dict__[key] = value
        return self.__dict__[name]


def lazy_script_directory(config: Config, graph: RevisionSet) -> ScriptDirectory:
    """The ``ScriptDirectory`` of ``config`` whose revisions come from ``graph`` (files
    in Alembic's order, each path resolved as Alembic resolves it)."""
    from alembic.script import Script, ScriptDirectory
    from alembic.script.revision import RevisionMap

    script = ScriptDirectory.from_config(config)
    by_path = {r.path.name: r for r in graph.by_id.values()}

    def scripts() -> Iterator[Script]:
        for path in sorted(graph.versions.glob("*.py")):
            r = by_path.get(path.name)
            if r is not None:
                real = path.resolve()
                yield Script(_RevisionModule(r, real), r.rev_id, real)

    script.revision_map = RevisionMap(scripts)
    return script
