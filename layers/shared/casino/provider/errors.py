"""The provider protocol's error catalogue. HTTP status per provider-callbacks.md."""

from __future__ import annotations


class ProviderError(Exception):
    """An ERROR envelope: ``data = {error_code, error_message}``."""

    def __init__(self, code: str, message: str, http_status: int = 200):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


def invalid(message: str, http_status: int = 200) -> ProviderError:
    return ProviderError("OP_10", message, http_status)


def unknown_provider(code: str) -> ProviderError:
    return ProviderError("OP_12", f"unknown provider {code!r}", 404)


def auth_failed(what: str) -> ProviderError:
    return ProviderError("OP_20", f"authentication failed: {what}", 401)
