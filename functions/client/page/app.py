"""GET /play and GET /play/{asset}: the player's page (HTML, CSS, JavaScript; no build step)."""

from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.hub import client_page

ASSETS = client_page.load(Path(__file__).parent / "static")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return client_page.answer(ASSETS, event)
