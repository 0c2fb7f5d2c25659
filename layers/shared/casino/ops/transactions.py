"""``GET /admin/transactions`` (the reconciliation feed) and ``GET /admin/transactions/summary``
(a day's totals), over the wallet's feed index: one Query per day partition of each source
asked for, never a scan. The rules and the shapes are ``casino.ops.reconciliation``.

Filters: ``provider=<code>``, ``operator=<code>`` (a bridge operator: its wallet is ours) or
``source=admin``, at most one; none means every source (admin, each provider, each bridge
operator, from the registry). An unknown provider or operator is a 404; an operator that keeps
its own wallet has no movement in our ledger, and asking for one is a 400 naming ``operator``.

A page reads the partitions in order (day, then source, then time) until it holds ``limit``
entries or has spent ``QUERY_BUDGET`` queries; so a page may hold fewer entries than asked,
none even, and still have a ``next_cursor``. The feed is read to its end when ``next_cursor``
is null.

The summary never reads a whole day: it starts from the day's stored roll-ups
(``casino.ops.rollup``, advanced by the ``transactions_rollup`` schedule) and reads live only the
entries after each, within a budget of Queries (below); an answer is ``complete`` or says up to
when it counted (``as_of``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from casino import clock, telemetry
from casino.errors import NotFound, ValidationFailed
from casino.ops import reconciliation as rec
from casino.ops import rollup, rollup_store
from casino.ops.reconciliation import Position, Window
from casino.registry import operators, providers
from casino.registry import store as registry_store
from casino.wallet import store as wallet_store
from casino.wallet.domain import LedgerEntry

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
QUERY_BUDGET = 100  # queries one page may spend (a long range of quiet days, many sources)
SUMMARY_PAGE = 1000


@dataclass(frozen=True)
class Filter:
    kind: str  # all | provider | operator | admin
    code: str | None = None


def parse_filter(provider: str | None, operator: str | None, source: str | None) -> Filter:
    given = (("provider", provider), ("operator", operator), ("source", source))
    named = [(name, value) for name, value in given if value is not None]
    if len(named) > 1:
        raise ValidationFailed(f"{named[1][0]}: give at most one of provider, operator and source", field=named[1][0])
    if not named:
        return Filter("all")
    name, value = named[0]
    if name == "source":
        if value != rec.ADMIN:
            raise ValidationFailed("source: only admin (use provider= or operator= for the others)", field="source")
        return Filter(rec.ADMIN)
    if not value:
        raise ValidationFailed(f"{name}: must not be empty", field=name)
    return Filter(name, value)


def sources(wanted: Filter) -> list[str]:
    """The feed sources a filter reads, in the order pages read them."""
    if wanted.kind == rec.ADMIN:
        return [rec.ADMIN]
    if wanted.kind == "provider":
        assert wanted.code is not None
        if providers.get(wanted.code) is None:
            raise NotFound(f"provider {wanted.code!r} not found", field="provider")
        return [rec.provider_source(wanted.code)]
    if wanted.kind == "operator":
        assert wanted.code is not None
        operator = operators.get(wanted.code)
        if operator is None:
            raise NotFound(f"operator {wanted.code!r} not found", field="operator")
        if not operator.is_bridge:
            raise ValidationFailed(
                f"operator: {wanted.code!r} keeps its own wallet; no money of its moves in our ledger",
                field="operator",
            )
        return [rec.operator_source(wanted.code)]
    found = {rec.ADMIN}
    found |= {rec.provider_source(str(i["code"])) for i in registry_store.query_index("GSI1", "PROVIDERS", limit=1000)}
    found |= {rec.operator_source(o.code) for o in operators.bridges()}
    return sorted(found)


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit: from 1 to {MAX_LIMIT}", field="limit")
    return limit


def _start(cursor: str | None, digest: str, win: Window, names: list[str]) -> Position | None:
    """Where a page starts: a cursor of this query, at a day of its range and one of its
    sources, at a position of that day's feed inside the range."""
    if cursor is None:
        return None
    position = rec.decode_cursor(cursor, digest)
    if position.day not in win.days() or position.source not in names:
        raise ValidationFailed("cursor: not a cursor this query gave", field="cursor")
    if position.after is not None and not wallet_store.feed_position_ok(
        position.after, position.day, win.from_ms, win.to_ms
    ):
        raise ValidationFailed("cursor: not a cursor this query gave", field="cursor")
    return position


def _read(
    names: list[str], win: Window, start: Position | None, limit: int
) -> tuple[list[dict[str, Any]], Position | None]:
    partitions = [(day, source) for day in win.days() for source in names]
    first = 0
    if start is not None:
        first = partitions.index((start.day, start.source))
    rows: list[dict[str, Any]] = []
    queries = 0
    for index in range(first, len(partitions)):
        day, source = partitions[index]
        after = start.after if start is not None and index == first else None
        while True:
            if len(rows) >= limit or queries >= QUERY_BUDGET:
                return rows, Position(day, source, after)
            page, after = wallet_store.feed_page(
                source, day, from_ms=win.from_ms, to_ms=win.to_ms, after=after, limit=limit - len(rows)
            )
            queries += 1
            rows.extend(rec.row(entry, currency, source) for entry, currency in page)
            if after is None:
                break
    return rows, None


def feed(
    *,
    from_text: str,
    to_text: str,
    provider: str | None = None,
    operator: str | None = None,
    source: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the feed: ``{items, next_cursor, from, to, sources}``. Everything the request
    says is checked before anything is read (400 naming the field), the registry next (404)."""
    win = rec.window(from_text, to_text)
    wanted = parse_filter(provider, operator, source)
    size = _limit(limit)
    digest = rec.query_digest(wanted.kind, wanted.code, win)
    if cursor is not None:
        rec.decode_cursor(cursor, digest)  # a bad or foreign cursor is refused before any read
    names = sources(wanted)
    rows, following = _read(names, win, _start(cursor, digest, win, names), size)
    return {
        "items": rows,
        "next_cursor": None if following is None else rec.encode_cursor(digest, following),
        "from": clock.iso(win.from_ms),
        "to": clock.iso(win.to_ms),
        "sources": names,
    }


def csv_answer(page: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A page as CSV: the body, and its headers (the next cursor in ``X-Next-Cursor``)."""
    headers = {"Vary": "Accept"}
    if page["next_cursor"] is not None:
        headers["X-Next-Cursor"] = page["next_cursor"]
    return rec.csv_text(page["items"]), headers


# ------------------------------------------------------------------ the daily summary
# A day's summary starts from its stored roll-ups (casino.ops.rollup: one BatchGetItem) and reads
# only what each has not folded in yet, live: its first page of SUMMARY_PAGE for each source
# asked (none for a final roll-up), and at most TAIL_QUERIES - 1 more in all; so a request makes
# at most TAIL_QUERIES Queries for one source whatever the day's size (capped at QUERY_BUDGET for
# every source). What it read and is settled is folded into the roll-up (a conditional write: a
# busy day catches up with its readers too). When the budget runs out the answer says so
# (``complete: false``) and how far it counted (``as_of``), never a 5xx.
TAIL_QUERIES = 5


@dataclass
class _Tail:
    """What a request read of one source's day after its roll-up."""

    after: str | None
    entries: list[tuple[str, LedgerEntry]] = field(default_factory=list)  # (currency, entry)
    done: bool = False


def _read_tails(names: list[str], day: date, win: Window, stored: dict[str, rollup.Rollup]) -> dict[str, _Tail]:
    tails = {name: _Tail(stored[name].upto, done=stored[name].final) for name in names}
    budget = min(QUERY_BUDGET, sum(1 for t in tails.values() if not t.done) + TAIL_QUERIES - 1)
    queries = 0
    while queries < budget:
        progressed = False
        for name in names:
            tail = tails[name]
            if tail.done or queries >= budget:
                continue
            page, following = wallet_store.feed_page(
                name, day, from_ms=win.from_ms, to_ms=win.to_ms, after=tail.after, limit=SUMMARY_PAGE
            )
            queries += 1
            progressed = True
            tail.entries.extend((currency, entry) for entry, currency in page)
            if page:
                tail.after = wallet_store.feed_position(page[-1][0])
            tail.done = following is None
        if not progressed:
            break
    return tails


def _catch_up(stored: rollup.Rollup, tail: _Tail, now: int) -> None:
    """Fold the settled part of what was read into the stored roll-up (conditional on its
    version: a lost race or a failed write changes nothing the answer says)."""
    cutoff = rollup.settled_before(now, stored.day)
    settled = [(c, e) for c, e in tail.entries if e.created_at < cutoff]
    read_past = tail.done or (bool(tail.entries) and tail.entries[-1][1].created_at >= cutoff)
    new = rollup.fold(
        stored,
        settled,
        upto=wallet_store.feed_position(settled[-1][1]) if settled else None,
        settled_to=cutoff if read_past else None,
    )
    if not settled and new.final == stored.final:
        return  # nothing worth a write
    try:
        rollup_store.save(new, stored.version)
    except (ClientError, BotoCoreError):
        telemetry.logger(telemetry.ADMIN).exception(
            "summary: could not save a roll-up", extra={"source": stored.source}
        )


def summary(
    *, date_text: str, provider: str | None = None, operator: str | None = None, source: str | None = None
) -> dict[str, Any]:
    """A UTC day's totals per source and currency, and per currency over every source read:
    each source's roll-up and the entries after it. ``complete`` is false when the request's
    budget ran out first; every entry created before ``as_of`` is counted then."""
    day, win = rec.day_window(date_text)
    names = sources(parse_filter(provider, operator, source))
    now = clock.now_ms()
    found = rollup_store.get_many([(name, day) for name in names])
    stored = {name: found[(name, day)] for name in names}
    tails = _read_tails(names, day, win, stored)
    parts: list[dict[rec.Key, rec.Totals]] = []
    behind: dict[str, int] = {}
    for name in names:
        tail = tails[name]
        parts.append(stored[name].by_source())
        parts.append(rec.summarise((name, c, e) for c, e in tail.entries))
        if not tail.done:
            behind[name] = tail.entries[-1][1].created_at if tail.entries else stored[name].counted_to()
        if tail.entries or not stored[name].final:
            _catch_up(stored[name], tail, now)
    totals = rec.merge(*parts)
    as_of = min(behind.values()) if behind else max(win.from_ms, min(now, win.to_ms))
    return {
        "date": day.isoformat(),
        "from": clock.iso(win.from_ms),
        "to": clock.iso(win.to_ms),
        "complete": not behind,
        "as_of": clock.iso(as_of),
        "incomplete_sources": sorted(behind),
        "sources": [rec.source_view(s, c, t) for (s, c), t in sorted(totals.items())],
        "totals": [rec.totals_view(t, c) for c, t in rec.by_currency(totals).items()],
    }
