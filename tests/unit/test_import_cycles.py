"""The shared layer has no import cycles at module level (issue 9: hub/sessions.py and
hub/client_sessions.py used to import each other). Imports inside functions are the
deliberate, lazy ones and are not counted."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared"


def module_graph() -> dict[str, set[str]]:
    imports: dict[str, set[str]] = {}
    for path in LAYER.rglob("*.py"):
        name = ".".join(path.relative_to(LAYER).with_suffix("").parts).removesuffix(".__init__")
        found: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("casino"):
                found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("casino")}
        imports[name] = found
    return {m: {d for d in deps if d in imports and d != m} for m, deps in imports.items()}


def test_no_module_imports_itself_through_others() -> None:
    graph = module_graph()
    assert "casino.hub.sessions" in graph and len(graph) > 40
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
