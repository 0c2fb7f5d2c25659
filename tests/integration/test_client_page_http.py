"""The player's page as files over HTTP (client-api.md; the browser tests drive it): served at
``/play`` with a strict Content-Security-Policy, small enough for a phone, no inline script or
style, no HTML sink or storage in its script, its files revalidated by ETag."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import httpx
import pytest

from casino.api.rest import refusal
from casino.hub import client_page
from casino.hub.series_store import SeriesBusy, SeriesHeld
from tests.conftest import ROOT, RunningStack

STATIC = ROOT / "functions" / "client" / "page" / "static"
BUDGET_BYTES = 50 * 1024  # what a phone downloads for the whole page, compressed


def files() -> list[Path]:
    return sorted(STATIC.iterdir())


def test_the_page_is_served_with_a_strict_policy_and_never_cached(running: RunningStack) -> None:
    answer = httpx.get(f"{running.base_url}/play", params={"token": "anything"}, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == "no-store"  # where a one-time token lands
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-content-type-options"] == "nosniff"
    policy = dict(d.strip().split(" ", 1) for d in answer.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert "unsafe" not in answer.headers["content-security-policy"]


def test_every_file_the_page_names_is_served_and_revalidated_by_etag(running: RunningStack) -> None:
    page = httpx.get(f"{running.base_url}/play", timeout=30).text
    named = re.findall(r'(?:src|href)="play/([^"]+)"', page)
    assert sorted(named) == ["app.css", "app.js"]
    imported = re.findall(r'from "\./([^"]+)"', (STATIC / "app.js").read_text())
    for name in named + imported:
        first = httpx.get(f"{running.base_url}/play/{name}", timeout=30)
        assert first.status_code == 200, name
        assert first.headers["content-security-policy"] == client_page.CSP
        again = httpx.get(f"{running.base_url}/play/{name}", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    for missing in ("nothing.js", "..%2Ftemplate.yaml", "app.py"):
        assert httpx.get(f"{running.base_url}/play/{missing}", timeout=30).status_code == 404, missing


def test_the_whole_page_is_under_50_kb_on_the_wire(running: RunningStack) -> None:
    sent = 0
    for name in ("", "/app.css", "/app.js", "/fairness.js"):
        with httpx.stream("GET", f"{running.base_url}/play{name}", headers={"Accept-Encoding": "gzip"}) as answer:
            raw = b"".join(answer.iter_raw())
            assert answer.headers["content-encoding"] == "gzip", name
            assert gzip.decompress(raw) == (STATIC / (name.lstrip("/") or "index.html")).read_bytes()
            sent += len(raw)
    assert sent < BUDGET_BYTES, sent
    assert sum(f.stat().st_size for f in files()) < 2 * BUDGET_BYTES  # and not much more uncompressed


def test_no_inline_script_or_style_and_no_third_party_address() -> None:
    page = (STATIC / "index.html").read_text()
    assert all(' src="' in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "<style" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page), "an inline event handler"
    for path in files():  # every address is relative: this origin only
        assert not re.search(r"(https?:)?//[a-z0-9]", path.read_text(), re.IGNORECASE), path.name


@pytest.mark.parametrize("name", ["app.js", "fairness.js"])
def test_the_script_inserts_text_only_and_keeps_no_token_in_storage(name: str) -> None:
    code = (STATIC / name).read_text()
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("//"))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, sink
    for storage in ("localStorage", "sessionStorage", "document.cookie", "indexedDB"):
        assert storage not in code, storage


def test_the_assets_load_once_and_a_page_folder_needs_its_index(tmp_path: Path) -> None:
    assets = client_page.load(STATIC)
    assert set(assets) == {f.name for f in files()}
    event = {"httpMethod": "POST", "pathParameters": None, "headers": {}}
    assert client_page.answer(assets, event)["statusCode"] == 405
    (tmp_path / "app.js").write_text("")
    with pytest.raises(RuntimeError, match=r"index\.html"):
        client_page.load(tmp_path)


def test_a_busy_series_says_its_conflict_is_worth_retrying() -> None:
    for error in (SeriesBusy("busy"), SeriesHeld("held")):
        answer = refusal(error)
        assert answer.status_code == 409
        assert '"retryable":true' in str(answer.body).replace(" ", "")
