"""Browser fixtures: Debian's headless Chromium driven by Playwright's sync API, one launch per worker.

    def test_page(running, new_page, axe_check, assert_axe_clean, screenshot, page_log):
        page = new_page(375, reduced_motion=True)     # fresh context, viewport 375x740, watched
        page.goto(running.base_url + "/play")
        page.get_by_role("button", name="Spin").click()
        page_log(page).assert_clean()                 # no console/page error, no CSP violation
        assert_axe_clean(page)                        # no serious/critical axe violation
        screenshot(page, "play")                      # build/screenshots/play-375.png

No Chromium, or one Playwright can't start: every test using `browser` skips, with a warning in the
summary (BROWSER_TESTS_REQUIRED=1 makes that a failure). `make browser` installs Debian's.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from tests.browser import harness

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# Actions and expect() assertions: a passing test never waits this long, only a failing one does;
# on a 2-core CI machine two workers share the cores with the stack in process and Chromium.
DEFAULT_TIMEOUT_MS = 10_000


class BrowserTestsSkipped(UserWarning):
    """Shown in pytest's warnings summary (workers' warnings reach it under xdist) when there's no browser."""


def _unavailable(why: str) -> NoReturn:
    message = f"BROWSER TESTS SKIPPED: {why}"
    if os.environ.get("BROWSER_TESTS_REQUIRED"):
        pytest.fail(message, pytrace=False)
    banner = "!" * 20
    warnings.warn(BrowserTestsSkipped(f"{banner} {message} {banner}"), stacklevel=2)
    pytest.skip(message)


# Playwright's launch error echoes the command line and its process bookkeeping: Chromium's stderr stays.
LAUNCH_NOISE = re.compile(
    r"<launch|Browser logs:|Call log:"  # the echoed command line
    r"|\[pid=\d+\] (<|exception while trying|\w+ temporary directories)"  # Playwright's process bookkeeping
)


def _gist(exc: Exception) -> str:
    """A launch error in a few short lines."""
    lines: list[str] = []
    for line in (text.strip().removeprefix("- ") for text in str(exc).splitlines()):
        if line and not LAUNCH_NOISE.search(line) and line[:200] not in lines:
            lines.append(line[:200])
    return " | ".join(lines[:6]) or repr(exc)


# Package scope: one Chromium per worker for a run of browser tests (collected together, so in practice
# one launch), stopped before the worker goes on to other tests. Playwright's sync API leaves its asyncio
# loop marked as running between calls: with the browser alive, asyncio.run() anywhere else would fail.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Playwright gives every launch a fresh temporary profile)."""
    path = harness.chromium_path()
    if path is None:
        _unavailable("no Chromium ($CHROMIUM_PATH, `chromium` on PATH, /usr/bin/chromium): `make browser` installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not importable ({exc}): `make .venv/.installed`")
    try:
        playwright = sync_playwright().start()
    except Exception as exc:
        _unavailable(f"Playwright's driver did not start: {exc}")
    try:
        launched = playwright.chromium.launch(executable_path=path, args=list(harness.CHROMIUM_ARGS))
    except Exception as exc:
        playwright.stop()
        _unavailable(f"Playwright could not launch {path}: {_gist(exc)}")
    yield launched
    try:
        launched.close()
    finally:
        playwright.stop()


NewPage = Callable[..., "Page"]


@pytest.fixture(autouse=True)
def _logins_read_the_games_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A browser test makes a game and opens a page at once, in the one process that serves every
    request of its worker: a login offers the games as read then. The 30 s list a warm execution
    environment keeps (``casino.hub.plays``; tested on its own) could be one that a request still
    running from the test before put back just after the game was made: the new game missing from
    the lobby, as CI saw."""
    from casino.hub import plays

    monkeypatch.setattr(plays._hub_games, "ttl_s", 0.0)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """new_page(width=1280, *, height=None, reduced_motion=False, **context_options) -> Page.

    Every call: a new browser context (no shared cookies or storage), viewport width x (800, or 740 below
    768 px), prefers-reduced-motion 'reduce' when asked, a 10 s default timeout (actions and expect), the
    page watched (see `page_log`). Other keyword arguments go to browser.new_context (locale, is_mobile,
    has_touch, ...). The contexts are closed after the test.
    """
    from playwright.sync_api import expect  # the browser tests only (playwright may be absent)

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    contexts: list[BrowserContext] = []

    def make(
        width: int = 1280, *, height: int | None = None, reduced_motion: bool = False, **context_options: Any
    ) -> Page:
        options: dict[str, Any] = {
            "viewport": {"width": width, "height": height or harness.viewport_height(width)},
            "reduced_motion": "reduce" if reduced_motion else "no-preference",
            **context_options,
        }
        context = browser.new_context(**options)
        contexts.append(context)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        harness.watch(page)
        return page

    yield make
    for context in contexts:
        try:
            # A test's route handlers may still hold a request in flight (a poll of the page): let
            # them go quietly, or their "context disposed" surfaces in the next test of the worker.
            for page in context.pages:
                page.unroute_all(behavior="ignoreErrors")
            context.unroute_all(behavior="ignoreErrors")
            context.close()
        except Exception as exc:  # a crashed context must not hide the test's own outcome
            warnings.warn(f"closing a browser context failed: {exc}", stacklevel=1)


@pytest.fixture
def page_log() -> Callable[[Page], harness.PageLog]:
    """page_log(page) -> PageLog: .console_errors, .page_errors, .csp_violations, .failed_requests, .assert_clean()."""
    return harness.log_of


@pytest.fixture
def axe_check() -> Callable[..., list[dict[str, Any]]]:
    """axe_check(page, tags=AXE_TAGS, include=None) -> axe's violations (dicts: id, impact, help, nodes)."""
    return harness.axe_check


@pytest.fixture
def assert_axe_clean() -> Callable[..., list[Any]]:
    """assert_axe_clean(page or violations) fails on serious/critical violations; returns all violations."""
    return harness.assert_axe_clean


@pytest.fixture
def screenshot() -> Callable[..., Any]:
    """screenshot(page, name, full_page=False) -> Path of build/screenshots/<name>-<width>.png."""
    return harness.screenshot


@pytest.fixture
def static_site() -> Iterator[Callable[..., harness.StaticSite]]:
    """static_site(files, headers=None) -> StaticSite on a loopback port (closed after the test)."""
    sites: list[harness.StaticSite] = []

    def make(files: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> harness.StaticSite:
        site = harness.StaticSite(files, headers)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.close()
