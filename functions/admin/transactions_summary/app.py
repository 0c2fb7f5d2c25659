"""Placeholder: being written."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.api.admin_auth import require_admin
from casino.api.rest import rest_app

app = rest_app(require_admin)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
