"""Secrets from SSM Parameter Store (SecureString) and Secrets Manager, cached with Powertools.

Values are never logged. The cache keeps a value for ``MAX_AGE_S`` so that a rotation is
picked up without a deploy.
"""

from __future__ import annotations

from typing import Any

MAX_AGE_S = 60


def parameter(name: str) -> str | None:
    """A SecureString parameter's value, or None when it does not exist."""
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

    try:
        value: Any = parameters.get_parameter(name, decrypt=True, max_age=MAX_AGE_S)
    except parameters.exceptions.GetParameterError:
        return None
    return str(value)


def secret(secret_id: str) -> str | None:
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

    if not secret_id:
        return None
    try:
        value: Any = parameters.get_secret(secret_id, max_age=MAX_AGE_S)
    except parameters.exceptions.GetParameterError:
        return None
    return str(value)


def clear_cache() -> None:
    import sys  # noqa: PLC0415

    if "aws_lambda_powertools.utilities.parameters" in sys.modules:
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

        parameters.clear_caches()  # type: ignore[no-untyped-call]


def put_parameter(name: str, value: str) -> None:
    """Store (or replace) a SecureString; the cached copy is dropped so the new value is read."""
    import boto3  # noqa: PLC0415

    boto3.client("ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    clear_cache()
