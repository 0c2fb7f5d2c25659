"""Cold starts (issue 15, "Targets"): a function imports what it uses, and the layer and the
functions are built with bytecode for the target runtime."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted((ROOT / "functions").glob("*/*/app.py"))
LAYER = ROOT / "layers" / "shared"


def _runtime_imports(path: Path) -> list[str]:
    """The modules an ``app.py`` imports when it runs (not those under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("app", FUNCTIONS, ids=[str(p.parent.relative_to(ROOT / "functions")) for p in FUNCTIONS])
def test_a_function_imports_lambda_context_only_for_type_checking(app: Path) -> None:
    """``LambdaContext`` at run time imports ``aws_lambda_powertools`` whole (its logger, metrics
    and tracer); Powertools' event handler is imported through ``casino.api`` (its lean import
    first)."""
    imports = _runtime_imports(app)
    assert "aws_lambda_powertools.utilities.typing" not in imports
    assert not [m for m in imports if m.startswith("aws_lambda_powertools.event_handler")], imports


def _fresh(code: str, *path: Path) -> dict[str, object]:
    """Run ``code`` in a new interpreter with ``path`` first on sys.path; it prints JSON."""
    prelude = f"import sys, json; sys.path[:0] = {[str(p) for p in path]!r}\n"
    answer = subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"},
    )
    result: dict[str, object] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


HEAVY = [
    "asyncio",  # Powertools' AppSync resolver, through its event handler package
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.utilities.data_classes.s3_event",  # every AWS service's event class
    "aws_lambda_powertools.event_handler.middlewares.openapi_validation",  # validation, for no input
    "aws_lambda_powertools.utilities.typing",
    "boto3",  # at first use
    "httpx",  # at first outbound call
]


@pytest.mark.parametrize(
    "function",
    ["admin/status", "client/heartbeat", "provider/changebalance", "hub/get_session", "admin/players_ledger"],
)
def test_importing_a_function_leaves_out_what_it_does_not_use(function: str) -> None:
    code = f"import app; print(json.dumps({{'loaded': sorted(m for m in {HEAVY!r} if m in sys.modules)}}))"
    assert _fresh(code, ROOT / "functions" / function, LAYER) == {"loaded": []}


def test_the_lean_powertools_packages_give_the_same_objects_by_name() -> None:
    code = """
import importlib
from casino import lean_imports
lean_imports.install()
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver as Real
from aws_lambda_powertools.utilities import data_classes
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.event_source import event_source as real_event_source
lean = {"handler": sorted(importlib.import_module("aws_lambda_powertools.event_handler").__all__),
        "classes": sorted(data_classes.__all__)}
same = APIGatewayRestResolver is Real and event_source is real_event_source and Response.__name__ == "Response"
every = all(getattr(data_classes, name) is not None for name in data_classes.__all__)
print(json.dumps({"same": same, "every": every, "lean": lean}))
"""
    lean = _fresh(code, LAYER)
    whole = _fresh(
        "import aws_lambda_powertools.event_handler as h, aws_lambda_powertools.utilities.data_classes as d\n"
        "print(json.dumps({'handler': sorted(h.__all__), 'classes': sorted(d.__all__)}))",
        LAYER,
    )
    assert lean["same"] is True and lean["every"] is True
    assert lean["lean"] == whole  # the same names, each resolved from where the package imports it


def test_request_validation_only_for_routes_that_take_input() -> None:
    code = """
import importlib.util
def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("/", "_"), f"functions/{name}/app.py")
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); return module
decided = {}
for name in ("admin/status", "client/heartbeat", "admin/players_ledger", "hub/get_session"):
    app = load(name).app
    app._decide_validation()
    routes = [*app._static_routes, *app._dynamic_routes]
    decided[name] = [r.enable_validation for r in routes]
print(json.dumps(decided))
"""
    decided = _fresh(code, LAYER)
    # no input: never validated; input: the resolver's own setting (validated)
    assert decided == {
        "admin/status": [False],
        "client/heartbeat": [False],
        "admin/players_ledger": [None],
        "hub/get_session": [None],
    }


@pytest.mark.parametrize("makefile", [LAYER / "Makefile", ROOT / "functions" / "Makefile"])
def test_the_build_compiles_bytecode_for_the_runtime_whatever_the_mtimes(makefile: Path) -> None:
    text = makefile.read_text(encoding="utf-8")
    template = (ROOT / "template.yaml").read_text(encoding="utf-8")
    runtime = next(line.split(":", 1)[1].strip() for line in template.splitlines() if "Runtime: python" in line)
    assert f"RUNTIME_VERSION := {runtime.removeprefix('python')}" in text
    assert "-m compileall -q" in text and "--invalidation-mode unchecked-hash" in text
    if makefile.parent == LAYER:  # pip's own bytecode (for this machine's interpreter) goes first
        assert text.index("-name __pycache__") < text.index("compileall")
