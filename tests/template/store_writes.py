"""Which table writes each function's code can reach: the trace's complement, read from the code.

The trace (``aws_calls.json``) shows what the suites make each function do; a code path no test
takes is not in it. This walks the code instead: every top-level function of a store module
(``STORES``) that writes (``put_item``, ``"Update"`` in a transaction, ``batch_write_item``...)
is a write of its table, and a handler reaches it if a chain of references leads there from the
handler's module. The walk over-approximates (a name used anywhere counts, an unknown
``x.name(...)`` is taken as the same module's ``name``): a false reach is listed in a test with
its reason; a missed one is what the trace is for.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

from local import template as tpl

LAYER = tpl.ROOT / "layers" / "shared"
STORES = {  # module -> the table it owns
    "casino.registry.store": "RegistryTable",
    "casino.registry.credential_store": "RegistryTable",
    "casino.hub.store": "HubTable",
    "casino.hub.series_store": "HubTable",
    "casino.contract.store": "HubTable",
    "casino.accounts.store": "HubTable",
    "casino.sports.store": "SportsTable",
    "casino.wallet.store": "WalletTable",
    "casino.provider.store": "WalletTable",
    "casino.provider.seals": "WalletTable",
    "casino.ops.rollup_store": "WalletTable",
}
_WRITE = {
    "put_item": "PutItem",
    '"Put"': "PutItem",
    "update_item": "UpdateItem",
    "conditional_update": "UpdateItem",
    '"Update"': "UpdateItem",
    "delete_item": "DeleteItem",
    '"Delete"': "DeleteItem",
    "batch_write_item": "BatchWriteItem",
    '"ConditionCheck"': "ConditionCheckItem",
}
_WRITE_RE = re.compile("|".join(re.escape(k) for k in _WRITE))
Node = tuple[str, str]  # (module, top-level name); "<module>" for the module's own statements


@lru_cache(maxsize=1)
def _modules() -> dict[str, tuple[Path, ast.Module, str]]:
    found = {}
    for path in (LAYER / "casino").rglob("*.py"):
        name = ".".join(path.relative_to(LAYER).with_suffix("").parts).removesuffix(".__init__")
        text = path.read_text(encoding="utf-8")
        found[name] = (path, ast.parse(text), text)
    return found


def _aliases(tree: ast.Module) -> dict[str, str | Node]:
    modules = _modules()
    names: dict[str, str | Node] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names[alias.asname or alias.name] = full if full in modules else (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return names


def _graph(module: str, tree: ast.Module) -> dict[Node, set[Node]]:
    modules = _modules()
    names = _aliases(tree)

    def refs(parts: list[ast.AST]) -> set[Node]:
        out: set[Node] = set()
        for part in parts:
            for x in ast.walk(part):
                if isinstance(x, ast.Attribute) and isinstance(x.value, ast.Name):
                    target = names.get(x.value.id)
                    if isinstance(target, str) and target in modules:
                        out.add((target, x.attr))
                    elif isinstance(target, tuple):
                        out.add(target)
                    else:
                        out |= {(module, x.value.id), (module, x.attr)}
                elif isinstance(x, ast.Name):
                    target = names.get(x.id)
                    if isinstance(target, tuple):
                        out.add(target)
                    elif isinstance(target, str) and target in modules:
                        out.add((target, "<module>"))
                    else:
                        out.add((module, x.id))
                elif isinstance(x, ast.Attribute):
                    out.add((module, x.attr))
        return out

    graph: dict[Node, set[Node]] = {}
    top: list[ast.AST] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            graph[(module, node.name)] = refs([node])
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        graph.setdefault((module, member.name), set()).update(refs([member]))
        else:
            top.append(node)
    graph[(module, "<module>")] = refs(top)
    return graph


@lru_cache(maxsize=1)
def _layer_graph() -> dict[Node, set[Node]]:
    graph: dict[Node, set[Node]] = {}
    for module, (_, tree, _) in _modules().items():
        graph.update(_graph(module, tree))
    return graph


@lru_cache(maxsize=1)
def store_writes() -> dict[Node, set[str]]:
    """(store module, function) -> the DynamoDB write actions its body names."""
    answer: dict[Node, set[str]] = {}
    for module in STORES:
        _, tree, text = _modules()[module]
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = ast.get_source_segment(text, node) or ""
                found = {_WRITE[m] for m in _WRITE_RE.findall(body)}
                if found:
                    answer[(module, node.name)] = found
    return answer


def reachable_writes(fn: tpl.Function) -> dict[tuple[str, str], list[str]]:
    """(``dynamodb:<Action>``, ``table/<Table>``) -> the store functions through which ``fn``'s
    handler can reach that write."""
    text = fn.handler_file.read_text(encoding="utf-8")
    handler = "<handler>"
    graph = {**_layer_graph(), **_graph(handler, ast.parse(text))}
    seen: set[Node] = set()
    todo: list[Node] = [n for n in graph if n[0] == handler]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.append((node[0], "<module>"))
        todo.extend(graph.get(node, ()))
    answer: dict[tuple[str, str], list[str]] = {}
    for (module, name), actions in store_writes().items():
        if (module, name) in seen:
            for action in actions:
                key = (f"dynamodb:{action}", f"table/{STORES[module]}")
                answer.setdefault(key, []).append(f"{module.removeprefix('casino.')}.{name}")
    return answer
