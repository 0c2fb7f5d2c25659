"""The player's page (client-api.md): ``GET /play`` and its files, static and served as they are.

The page is plain HTML, CSS and JavaScript modules with no build step; the client token in the
address is read by the page's script, never by this code (so it is never logged here). Every
answer carries a strict Content-Security-Policy: scripts and styles from this origin only, no
inline script or style, no third-party request, no framing, and Trusted Types required so that
no string can reach an HTML sink (the page inserts every server string as text). The page
itself is never cached (it is where a one-time token lands); its files are revalidated by ETag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX = "index.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Strict-Transport-Security": "max-age=31536000",
}


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str
    etag: str


def load(folder: Path) -> dict[str, Asset]:
    """Every file of the page's folder by name (read once, at cold start)."""
    found: dict[str, Asset] = {}
    for path in sorted(folder.iterdir()):
        kind = CONTENT_TYPES.get(path.suffix)
        if kind is None or not path.is_file():
            continue
        body = path.read_text(encoding="utf-8")
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:20] + '"'
        found[path.name] = Asset(body, kind, etag)
    if INDEX not in found:
        raise RuntimeError(f"the page's folder {folder} has no {INDEX}")
    return found


def answer(assets: Mapping[str, Asset], event: Mapping[str, Any]) -> dict[str, Any]:
    """The API Gateway proxy answer for ``GET /play`` (the page) or ``GET /play/{asset}``."""
    asked = (event.get("pathParameters") or {}).get("asset")
    name = asked or INDEX
    asset = None if asked == INDEX else assets.get(name)  # the page is /play (its addresses are relative to it)
    if asset is None:
        return _plain(404, "not found")
    if (event.get("httpMethod") or "GET").upper() not in ("GET", "HEAD"):
        return _plain(405, "method not allowed")
    headers = {
        **SECURITY_HEADERS,
        "Content-Type": asset.content_type,
        "ETag": asset.etag,
        "Cache-Control": "no-store" if name == INDEX else "no-cache",
    }
    sent = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if name != INDEX and sent.get("if-none-match") == asset.etag:
        return {"statusCode": 304, "headers": headers, "body": ""}
    return {"statusCode": 200, "headers": headers, "body": asset.body}


def _plain(status: int, text: str) -> dict[str, Any]:
    headers = {**SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
    return {"statusCode": status, "headers": headers, "body": text}
