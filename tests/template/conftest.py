"""The template as samtranslator expands it (offline), once per test process."""

from __future__ import annotations

from typing import Any

import pytest

from local import lint_template


@pytest.fixture(scope="session")
def expanded() -> dict[str, Any]:
    return lint_template.expand()
