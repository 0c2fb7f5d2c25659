"""GET /play and GET /play/{asset}: the player's page (HTML, CSS, JavaScript; no build step)."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from casino.hub import client_page

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

ASSETS = client_page.load(Path(__file__).parent / "static")


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return client_page.answer(ASSETS, event)
