"""The browser harness itself: Chromium starts, a page under a strict CSP runs its own script, and the
collectors (CSP violations, page errors, axe-core) do catch what they are for."""

from __future__ import annotations

import base64
import struct

import pytest

from tests.browser import harness

STRICT_CSP = "default-src 'none'; script-src 'self'"
# A 1x1 transparent PNG.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

COUNTER_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Counter</title><script src="/app.js" defer></script></head>
<body><main><h1>Counter</h1><button id="go" type="button">Count</button><p id="out">not yet</p></main></body>
</html>"""
COUNTER_JS = """document.getElementById('go').addEventListener('click', () => {
  document.getElementById('out').textContent = 'clicked';
});"""

INLINE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inline</title><script src="/boom.js"></script></head>
<body><main><h1>Inline</h1><script>document.title = 'inline script ran';</script></main></body></html>"""
BOOM_JS = "window.addEventListener('load', () => { throw new Error('boom from boom.js'); });"

BAD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bad</title><link rel="stylesheet" href="/bad.css"></head>
<body><main><h1>Bad</h1>
<img src="/pixel.png" width="20" height="20">
<button type="button" id="nameless"></button>
<p class="faint">Barely readable text</p>
</main></body></html>"""
BAD_CSS = ".faint { color: #ddd; background: #fff; }"


def test_chromium_launches(browser):
    assert browser.is_connected()
    assert int(browser.version.split(".")[0]) >= 120, browser.version


def test_viewports_and_reduced_motion(new_page):
    desktop = new_page(1280)
    phone = new_page(375, reduced_motion=True)
    assert desktop.viewport_size == {"width": 1280, "height": 800}
    assert phone.viewport_size == {"width": 375, "height": 740}
    query = "() => matchMedia('(prefers-reduced-motion: reduce)').matches"
    assert phone.evaluate(query) is True
    assert desktop.evaluate(query) is False
    assert desktop.context is not phone.context


def test_click_runs_the_page_own_script_under_a_strict_csp(static_site, new_page, page_log):
    from playwright.sync_api import expect

    site = static_site({"/": COUNTER_PAGE, "/app.js": COUNTER_JS}, {"Content-Security-Policy": STRICT_CSP})
    page = new_page(375)
    page.goto(site.url("/"))
    expect(page.locator("#out")).to_have_text("not yet")
    page.get_by_role("button", name="Count").click()
    expect(page.locator("#out")).to_have_text("clicked")
    page_log(page).assert_clean()


def test_collectors_catch_an_inline_script_and_an_uncaught_error(static_site, new_page, page_log):
    site = static_site({"/": INLINE_PAGE, "/boom.js": BOOM_JS}, {"Content-Security-Policy": STRICT_CSP})
    page = new_page(1280)
    page.goto(site.url("/"))
    log = page_log(page)
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(50)  # the load handler's error reaches the listener
    assert page.title() == "Inline", "the CSP should have blocked the inline script"
    assert log.csp_violations, log
    assert any("Content Security Policy" in text for text in log.csp_violations)
    assert any("boom from boom.js" in text for text in log.page_errors), log
    with pytest.raises(AssertionError, match="Content Security Policy"):
        log.assert_clean()


def test_axe_is_injected_despite_the_csp_and_a_tag_would_not_be(static_site, new_page, page_log):
    site = static_site({"/": COUNTER_PAGE, "/app.js": COUNTER_JS}, {"Content-Security-Policy": STRICT_CSP})
    page = new_page(1280)
    page.goto(site.url("/"))
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="window.viaTag = 1")
    assert page.evaluate("() => window.viaTag") is None
    log = page_log(page)
    log.csp_violations.clear()
    log.console_errors.clear()

    assert harness.assert_axe_clean(page) == []
    assert page.evaluate("() => typeof window.axe") == "object"
    log.assert_clean()  # axe-core itself set off no CSP violation


def test_axe_reports_a_bad_page(static_site, new_page, axe_check, assert_axe_clean):
    site = static_site(
        {"/": BAD_PAGE, "/bad.css": BAD_CSS, "/pixel.png": PIXEL},
        {"Content-Security-Policy": STRICT_CSP + "; style-src 'self'; img-src 'self'"},
    )
    page = new_page(1280)
    page.goto(site.url("/"))
    violations = axe_check(page)
    found = {v["id"]: v["impact"] for v in violations}
    assert found.get("image-alt") == "critical", found
    assert found.get("button-name") == "critical", found
    assert found.get("color-contrast") == "serious", found
    with pytest.raises(AssertionError) as failed:
        assert_axe_clean(page)
    message = str(failed.value)
    for expected in ("image-alt", "button-name", "color-contrast", "#nameless", 'class="faint"'):
        assert expected in message, message
    # Only what `include` selects is checked.
    assert {v["id"] for v in axe_check(page, include="#nameless")} == {"button-name"}


def test_screenshot_written(static_site, new_page, screenshot):
    site = static_site({"/": COUNTER_PAGE, "/app.js": COUNTER_JS}, {"Content-Security-Policy": STRICT_CSP})
    page = new_page(375)
    page.goto(site.url("/"))
    path = screenshot(page, "harness-counter")
    assert path == harness.SCREENSHOTS / "harness-counter-375.png"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (375, 740)
    with pytest.raises(ValueError):
        screenshot(page, "../escape")
