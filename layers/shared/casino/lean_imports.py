"""Cold starts: two Powertools packages imported name by name instead of whole.

``aws_lambda_powertools.event_handler``'s ``__init__`` imports every resolver it has (AppSync,
and with it ``asyncio``; Bedrock agents; VPC Lattice; ALB; function URLs...), and
``aws_lambda_powertools.utilities.data_classes``'s imports the event classes of every AWS
service: about 100 modules, some 18% of the bare boto3 baseline's CPU time on each cold start
(``docs/decisions.md``), of which a REST function uses a handful. ``install()`` (called by
``casino.api.rest`` before it imports Powertools' resolver) puts in their place a package
module that knows, from its ``__init__``'s own import statements, which submodule each name
comes from, and imports that submodule when the name is first asked for (PEP 562). The
package's submodules import as before; ``from <package> import X`` gives the same object.

Should a package's ``__init__`` ever do more than import names (a new Powertools release), it
is left alone and imported whole, as before.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from typing import Any

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def install() -> None:
    for package in PACKAGES:
        _lazy(package)


def _exports(origin: str, package: str) -> dict[str, tuple[str, str]] | None:
    """``{name: (module, attribute)}`` from an ``__init__`` made only of a docstring, imports
    of names and ``__all__``; None for anything else."""
    with open(origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    exports: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            module = f"{package}.{node.module}" if node.level == 1 else node.module
            if node.level > 1 or not module.startswith(f"{package}."):
                return None
            for alias in node.names:
                exports[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            continue
        else:
            return None
    return exports


def _lazy(package: str) -> None:
    if package in sys.modules:
        return
    parent_name, _, child = package.rpartition(".")
    importlib.import_module(parent_name)
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None or not spec.submodule_search_locations:
        return
    try:
        exports = _exports(spec.origin, package)
    except (OSError, SyntaxError, UnicodeDecodeError):
        exports = None
    if exports is None:
        return
    module = importlib.util.module_from_spec(spec)

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[0]), where[1])
        setattr(module, name, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__all__ = list(exports)  # type: ignore[attr-defined]
    sys.modules[package] = module
    setattr(sys.modules[parent_name], child, module)
    # A name that is also its submodule's (``data_classes.event_source``, a decorator in a module of
    # that name): importing the submodule would set the package's attribute to the module, so the
    # name is given its value now.
    for name, (source, attribute) in exports.items():
        if source == f"{package}.{name}":
            setattr(module, name, getattr(importlib.import_module(source), attribute))
