"""The hub's and the bridge's success answers, as documented in docs/openapi (hub-operator-api.md
"Models"), hold for the real answers the integration guides show (made by the code on a running
stack: docs/integration/examples); the bridge's real answers are checked in
tests/integration/test_account_bridge.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = json.loads((ROOT / "docs/integration/examples/operator.json").read_text(encoding="utf-8"))


def documented_answer(document: str, method: str, path: str, status: int) -> dict[str, Any]:
    doc = json.loads((ROOT / "docs/openapi" / f"{document}.json").read_text(encoding="utf-8"))
    schema: dict[str, Any] = doc["paths"][path][method.lower()]["responses"][str(status)]["content"][
        "application/json"
    ]["schema"]
    return {**schema, "components": doc.get("components", {})}


HUB_ANSWERS = [
    (name, example)
    for name, example in EXAMPLES.items()
    if not name.startswith("_")
    and "/api/v1/hub/" in example["request"].get("url", "")
    and example["response"]["status"] == 200
]


def test_the_examples_hold_every_hub_operation_that_answers_a_model() -> None:
    shown = {urlparse(e["request"]["url"]).path.rsplit("/", 1)[1] for _, e in HUB_ANSWERS}
    assert shown == {"create_session", "get_session", "search_sessions", "get_transaction", "terminate_session"}


@pytest.mark.parametrize(("name", "example"), HUB_ANSWERS, ids=[n for n, _ in HUB_ANSWERS])
def test_a_hub_answer_is_its_documented_model(name: str, example: dict[str, Any]) -> None:
    path = urlparse(example["request"]["url"]).path
    schema = documented_answer("hub", example["request"]["method"], path, 200)
    jsonschema.validate(example["response"]["body"], schema)
    assert schema.get("required"), f"{name}: documented as any object"
