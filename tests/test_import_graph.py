"""The packages of ``schema_tools`` form layers that only point down:

    cli -> converge -> dba -> online -> verify, review -> migrate -> render -> diff
        -> sources, offline -> servers -> dialect -> model

(``errors``, ``config``, ``flavour``, ``processes`` and ``data`` are shared by all).  A
module may import from its own package or from one below it.  The imports that still
point up (or close a cycle within a layer) are listed in :data:`KNOWN_UPWARD`, each with what it needs; a new one fails
this test, and so does a cycle between packages made of downward imports."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "schema_tools"
LAYERS = [["cli"], ["converge"], ["dba"], ["online"], ["verify", "review"], ["migrate"], ["render"],
          ["diff"], ["sources", "offline"], ["servers"], ["dialect"], ["model"]]
SHARED = {"errors", "config", "flavour", "processes", "data", "__main__", ""}
RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}

# (importing module, imported module): why it still points up (or, within a layer, closes
# a cycle)
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> list[tuple[str, str, int]]:
    """(module, imported schema_tools module, line) of every import, module-level or not."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[:len(package) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [target]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            out += [(module, t, node.lineno) for t in targets if t.startswith("schema_tools")]
    return out


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_layers_only_point_down():
    upward = []
    for module, target, line in _imports():
        a, b = _package(module), _package(target)
        if a == b or a in SHARED or b in SHARED:
            continue
        assert a in RANK and b in RANK, f"{module}: package {a or b} has no layer; add it to LAYERS"
        if RANK[b] < RANK[a] and (module, target) not in KNOWN_UPWARD:
            upward.append(f"{module}:{line} imports {target} ({a} is below {b})")
    assert upward == []


def test_the_known_upward_imports_are_still_there():
    found = {(m, t) for m, t, _ in _imports()}
    assert set(KNOWN_UPWARD) <= found, sorted(set(KNOWN_UPWARD) - found)


def test_no_cycle_between_packages():
    edges: dict[str, set[str]] = {}
    for module, target, _ in _imports():
        a, b = _package(module), _package(target)
        if a != b and a not in SHARED and b not in SHARED and (module, target) not in KNOWN_UPWARD:
            edges.setdefault(a, set()).add(b)
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle.extend(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, path + [node]):
                return True
        state[node] = 2
        return False

    for node in sorted(edges):
        if state.get(node) is None and visit(node, []):
            break
    assert cycle == [], " -> ".join(cycle)


def test_no_private_name_is_imported_across_packages():
    """A name with a leading underscore belongs to its package: another package that needs
    it gets a public name."""
    crossing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("schema_tools") or _package(target) == _package(module):
                continue
            crossing += [f"{module}:{node.lineno} imports {target}.{a.name}" for a in node.names
                         if a.name.startswith("_") and not a.name.startswith("__")]
    assert not crossing, "\n".join(crossing)
