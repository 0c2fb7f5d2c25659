"""POST /api/v1/admin/status/{service}: set or clear a service's maintenance, with a reason and
who set it (the admin key's id)."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import SetServiceStatus
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.ops import services

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/status/<service>")
def set_status(service: Annotated[str, Path(max_length=40)], body: SetServiceStatus) -> dict[str, Any]:
    return services.set_maintenance(service, body.maintenance, body.reason, str(app.context["caller"]))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
