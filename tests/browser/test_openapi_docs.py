"""/docs in a real browser: Swagger UI renders every operation of each of the six OpenAPI documents,
with nothing fetched from anywhere but the local stack and nothing reported wrong."""

from __future__ import annotations

import json

from local import openapi
from tests.conftest import RunningStack

NAMES = ("provider", "hub", "client", "bridge", "admin", "sports")


def test_swagger_ui_renders_every_operation_offline(running: RunningStack, new_page, page_log) -> None:
    page = new_page(1280)
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((running.base_url, "data:")) else elsewhere.append(r.url))
    page.goto(running.base_url + "/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    options = page.locator("select#select option").all_inner_texts()
    assert [option.split(":")[0] for option in options] == list(NAMES)
    for index, name in enumerate(NAMES):
        document = json.loads((openapi.OUT_DIR / f"{name}.json").read_text(encoding="utf-8"))
        expected = sum(len(item) for item in document["paths"].values())
        page.select_option("select#select", index=index)
        page.wait_for_function(
            "([title, n]) => document.querySelector('.info .title')?.textContent.startsWith(title)"
            " && document.querySelectorAll('.opblock').length === n",
            arg=[document["info"]["title"], expected],
            timeout=20_000,
        )
    assert not elsewhere, f"fetched from elsewhere: {elsewhere}"
    page_log(page).assert_clean()
