"""JSON in and out with Decimal (never float) for numbers with a fraction."""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"), ensure_ascii=False)


_MARK = "\u0000" + secrets.token_hex(4) + ":"
_MARK_RE = re.compile('"' + _MARK.replace("\u0000", "\\\\u0000") + r'(-?[0-9]+(?:\.[0-9]+)?)"')


def _number_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + format(value, "f")
    return _default(value)


def dumps_numbers(value: Any) -> str:
    """Like ``dumps`` but a Decimal goes out as a JSON number written from its digits (``12.50``).

    The standard encoder cannot write a Decimal as a number, so each is first written as a
    marked string (the mark carries a per-process nonce) and the marks are then unwrapped.
    """
    text = json.dumps(value, default=_number_default, separators=(",", ":"), ensure_ascii=False)
    return _MARK_RE.sub(r"\1", text)
