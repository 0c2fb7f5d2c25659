"""JSON in and out with Decimal (never float) for numbers with a fraction.

``loads`` reads request bodies, so it is bounded: nesting deeper than ``MAX_DEPTH``, a number
needing more than ``MAX_DIGITS`` digits, ``NaN``/``Infinity``, a string that is not valid
Unicode, or text that is not JSON raise ``JsonRejected`` (a ``ValueError``), never anything
else: no recursion error, no ``int()`` digit limit, no decimal signal.
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from itertools import accumulate
from typing import Any

MAX_DEPTH = 32
MAX_DIGITS = 40


class JsonRejected(json.JSONDecodeError):
    """Text that is not JSON we accept; the message says why (it names no position). A
    ``ValueError``, and a ``JSONDecodeError`` so that whatever catches the standard library's
    refusal (Powertools, older callers) catches this one too."""

    def __init__(self, message: str):
        ValueError.__init__(self, message)
        self.msg, self.doc, self.pos, self.lineno, self.colno = message, "", 0, 1, 1

    def __reduce__(self) -> tuple[type[JsonRejected], tuple[str]]:
        return JsonRejected, (self.msg,)


# A string literal, up to its closing quote or the end of the text (an unterminated one ends
# the scan): every start matches, so stripping the strings is linear whatever the text.
_STRING = re.compile(r'"(?:[^"\\]|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_FLOAT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]{1,9}))?")


def depth(text: str) -> int:
    """The deepest nesting of the text's arrays and objects, counted without parsing (O(n))."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_DIGITS or not digits.isascii():
        raise JsonRejected(f"a number with more than {MAX_DIGITS} digits")
    return int(text)


def _decimal(text: str) -> Decimal:
    """A JSON number with a fraction or an exponent, exactly (no context), at most MAX_DIGITS digits
    written out (``1e2`` is ``100``: three digits)."""
    match = _FLOAT.fullmatch(text) if text.isascii() else None
    if match is None:
        raise JsonRejected(f"a number with more than {MAX_DIGITS} digits")
    sign, whole, fraction, exponent = match.groups()
    mantissa = (whole + (fraction or "")).lstrip("0") or "0"
    exp = int(exponent or 0) - len(fraction or "")
    if len(mantissa) > MAX_DIGITS or max(len(mantissa) + exp, 0) + max(-exp, 0) > MAX_DIGITS:
        raise JsonRejected(f"a number with more than {MAX_DIGITS} digits")
    return Decimal((1 if sign else 0, tuple(map(int, mantissa)), exp))


def _constant(text: str) -> Any:
    raise JsonRejected(f"{text} is not a JSON number")


def _check_strings(value: Any) -> None:
    """Every key and string is valid Unicode (``\\ud800`` alone is not): walked without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise JsonRejected("a string that is not valid Unicode (a lone surrogate)") from None


def loads(text: str | bytes) -> Any:
    """JSON text -> Python, numbers with a fraction or exponent as exact ``Decimal``s; bad text
    raises ``JsonRejected`` (a ``ValueError``) with the reason."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode(json.detect_encoding(text))
        except UnicodeDecodeError:
            raise JsonRejected("not valid UTF-8") from None
    if not isinstance(text, str):
        raise JsonRejected("not JSON text")
    if depth(text) > MAX_DEPTH:
        raise JsonRejected(f"nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(text, parse_float=_decimal, parse_int=_int, parse_constant=_constant)
    except JsonRejected:
        raise
    except json.JSONDecodeError as bad:
        raise JsonRejected(f"not valid JSON ({bad.msg})") from None
    except (ValueError, RecursionError) as bad:  # pragma: no cover - bounded above; kept as a seatbelt
        raise JsonRejected(f"not valid JSON ({type(bad).__name__})") from None
    _check_strings(value)
    return value


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
