"""POST /api/v1/admin/providers: register a game provider (its secret goes to SSM, never the table).

Atomic or repaired by a retry: 201 with the provider when this call created it, 200 with the
same provider when the same body was registered before (a retry after a lost answer or a
failure), 409 when the code is taken with another body.
"""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import RegisterProvider
from casino.api.rest import Response, rest_app
from casino.money import currency
from casino.registry import providers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/providers")
def register(body: RegisterProvider) -> Response[dict[str, Any]]:
    for code in body.currencies:
        currency(code, field="currencies")
    provider, created = providers.register(**body.model_dump())
    return Response(status_code=201 if created else 200, content_type="application/json", body=providers.view(provider))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
