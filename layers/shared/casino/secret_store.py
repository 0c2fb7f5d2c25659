"""Secrets from SSM Parameter Store (SecureString) and Secrets Manager, cached per execution
environment.

Values are never logged. The cache (``casino.cache``) keeps a value for ``MAX_AGE_S`` so that
a rotation is picked up without a deploy. The clients are ``casino.aws``'s, made from its one
botocore session like every other client (a second session would load botocore's data again:
tens of milliseconds on a cold start).
"""

from __future__ import annotations

from typing import Any

from casino import aws, cache

MAX_AGE_S = 60

_values: cache.Ttl[tuple[str, str], str] = cache.Ttl(MAX_AGE_S)


def _unavailable(error: Exception) -> bool:
    """A read that found nothing, or could not be made (the value is then None, as it is for
    a name that does not exist; nothing is cached)."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    return isinstance(error, ClientError | BotoCoreError)


def parameter(name: str) -> str | None:
    """A SecureString parameter's value, or None when it does not exist."""
    found = _values.get(("ssm", name))
    if found is not None:
        return found
    try:
        answer: Any = aws.ssm().get_parameter(Name=name, WithDecryption=True)
    except Exception as error:
        if _unavailable(error):
            return None
        raise
    value = str(answer["Parameter"]["Value"])
    _values.put(("ssm", name), value)
    return value


def secret(secret_id: str) -> str | None:
    if not secret_id:
        return None
    found = _values.get(("secretsmanager", secret_id))
    if found is not None:
        return found
    try:
        answer: Any = aws.secretsmanager().get_secret_value(SecretId=secret_id)
    except Exception as error:
        if _unavailable(error):
            return None
        raise
    if "SecretString" not in answer:
        return None
    value = str(answer["SecretString"])
    _values.put(("secretsmanager", secret_id), value)
    return value


def clear_cache() -> None:
    _values.clear()


def put_parameter(name: str, value: str) -> None:
    """Store (or replace) a SecureString; the cached copy is dropped so the new value is read."""
    aws.ssm().put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    _values.pop(("ssm", name))
