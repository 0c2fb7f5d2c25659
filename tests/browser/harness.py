"""The browser tests' harness: Debian's Chromium driven by Playwright (sync API).

Plain functions, importable by tests (`from tests.browser.harness import axe_check`), and offered as
fixtures of the same names by conftest.py:

- `watch(page)` / `log_of(page)`: console errors, uncaught page errors, CSP violations and failed
  requests of one page (`new_page` watches every page it makes).
- `axe_check(page)`: axe-core's violations (WCAG 2.0/2.1 A and AA, and best practices).
  `assert_axe_clean(page)` fails on any of impact serious or critical.
- `screenshot(page, name)`: build/screenshots/<name>-<viewport width>.png.
- `StaticSite`: a few files served from a thread on a loopback port, with headers such as a CSP.

axe-core is axe_playwright_python's bundled axe.min.js, injected with `page.evaluate`: that goes through
the DevTools protocol, which the page's Content-Security-Policy does not govern (a <script> tag, as
`page.add_script_tag` makes, would be refused by a CSP without 'unsafe-inline'). Nothing here sets
`bypass_csp`: the page runs under its real policy, and a violation shows up in its log.
"""

from __future__ import annotations

import functools
import http.server
import importlib.resources
import mimetypes
import os
import re
import shutil
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Request

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"

# Without the background-networking flags Chromium keeps calling Google's hosts, which a closed network
# refuses; as root the sandbox can't start (--no-sandbox). Playwright adds its own flags and a fresh
# temporary --user-data-dir for every launch().
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
BLOCKING_IMPACTS = ("serious", "critical")
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def chromium_path() -> str | None:
    """The Chromium to drive: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium; None if none runs."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def viewport_height(width: int) -> int:
    """The height paired with a width: 740 for a phone (375), 800 for a desktop (1280)."""
    return 740 if width < 768 else 800


# --- what a page said -------------------------------------------------------------------------------


@dataclass
class PageLog:
    """What one page reported while it lived: filled by listeners that `watch` attaches."""

    console: list[str] = field(default_factory=list)  # every console message, "type: text"
    console_errors: list[str] = field(default_factory=list)  # console.error, failed loads, CSP refusals
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions and rejections
    csp_violations: list[str] = field(default_factory=list)  # "Refused to ..." (also in console_errors)
    failed_requests: list[str] = field(default_factory=list)  # network failures (not HTTP error statuses)

    def problems(self) -> list[str]:
        return [
            *(f"console error: {text}" for text in self.console_errors),
            *(f"page error: {text}" for text in self.page_errors),
            *(f"request failed: {text}" for text in self.failed_requests),
        ]

    def assert_clean(self) -> None:
        """No console error, no page error, no CSP violation, no failed request."""
        problems = self.problems()
        assert not problems, "the page reported problems:\n  " + "\n  ".join(problems)


_logs: weakref.WeakKeyDictionary[Page, PageLog] = weakref.WeakKeyDictionary()


def _located(text: str, location: Mapping[str, Any] | None) -> str:
    if location and location.get("url"):
        return f"{text} ({location['url']}:{location.get('lineNumber', 0)})"
    return text


def watch(page: Page) -> PageLog:
    """Start recording `page`'s console, errors and CSP violations (idempotent); its log."""
    if page in _logs:
        return _logs[page]
    log = PageLog()

    def on_console(message: ConsoleMessage) -> None:
        text = _located(message.text, message.location)
        log.console.append(f"{message.type}: {text}")
        if message.type == "error":
            log.console_errors.append(text)
        if any(marker in message.text for marker in CSP_MARKERS):
            log.csp_violations.append(text)

    def on_page_error(error: Exception) -> None:
        log.page_errors.append(str(error))

    def on_request_failed(request: Request) -> None:
        log.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("requestfailed", on_request_failed)
    _logs[page] = log
    return log


def log_of(page: Page) -> PageLog:
    """The log of a page that `new_page` made (or that `watch` was given)."""
    try:
        return _logs[page]
    except KeyError:
        raise AssertionError("this page is not watched: make it with new_page, or call watch(page) first") from None


# --- axe-core ---------------------------------------------------------------------------------------


@functools.cache
def axe_source() -> str:
    """axe-core's axe.min.js, as axe_playwright_python bundles it."""
    return importlib.resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_check(page: Page, tags: Sequence[str] = AXE_TAGS, include: str | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (only `include`, a CSS selector, if given).

    Each violation is axe's dict: id, impact ('minor' .. 'critical'), help, helpUrl, nodes (each with
    target, html, failureSummary).
    """
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        page.evaluate(axe_source())  # through the DevTools protocol: the page's CSP does not apply
    violations: list[dict[str, Any]] = page.evaluate(
        """async ([tags, include]) => {
            const context = include === null ? document : {include: [include]};
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            return (await window.axe.run(context, options)).violations;
        }""",
        [list(tags), include],
    )
    return violations


def serious(violations: Iterable[Mapping[str, Any]], impacts: Sequence[str] = BLOCKING_IMPACTS) -> list[Any]:
    return [v for v in violations if v.get("impact") in impacts]


def describe_violations(violations: Iterable[Mapping[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} <{v.get('helpUrl')}>")
        for node in v.get("nodes", []):
            summary = " ".join(str(node.get("failureSummary") or "").split())
            lines.append(f"    at {node.get('target')}: {str(node.get('html', ''))[:160]}")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def assert_axe_clean(
    page_or_violations: Page | Sequence[Mapping[str, Any]],
    impacts: Sequence[str] = BLOCKING_IMPACTS,
    tags: Sequence[str] = AXE_TAGS,
    include: str | None = None,
) -> list[Any]:
    """Fail on any axe violation of impact serious or critical; all the violations (minor ones too)."""
    if isinstance(page_or_violations, Sequence):
        violations = list(page_or_violations)
    else:
        violations = axe_check(page_or_violations, tags, include)
    blocking = serious(violations, impacts)
    assert not blocking, f"{len(blocking)} axe violation(s) of impact {'/'.join(impacts)}:\n" + describe_violations(
        blocking
    )
    return violations


# --- screenshots ------------------------------------------------------------------------------------


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save the page to build/screenshots/<name>-<viewport width>.png (folder made); its path."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"screenshot name {name!r}: letters, digits, '.', '_', '-' only")
    size = page.viewport_size
    width = size["width"] if size else 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


# --- a tiny site ------------------------------------------------------------------------------------


class StaticSite:
    """`files` (path -> text or bytes) served on 127.0.0.1 from a thread, every answer with `headers`.

    A path maps to (body, {header: value}) for headers of its own. Unknown paths answer 404.
    """

    def __init__(
        self,
        files: Mapping[str, str | bytes | tuple[str | bytes, Mapping[str, str]]],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.files = dict(files)
        self.headers = dict(headers or {})
        self.requests: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.requests.append(path)
                entry = site.files.get(path)
                if entry is None:
                    self.send_error(404)
                    return
                content, own = entry if isinstance(entry, tuple) else (entry, {})
                data = content.encode() if isinstance(content, str) else content
                kind = mimetypes.guess_type(path if not path.endswith("/") else "index.html")[0]
                self.send_response(200)
                kind = kind or "application/octet-stream"
                textual = kind.startswith("text/") or kind in ("application/javascript", "application/json")
                self.send_header("Content-Type", f"{kind}; charset=utf-8" if textual else kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for name, value in {**site.headers, **own}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> StaticSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
