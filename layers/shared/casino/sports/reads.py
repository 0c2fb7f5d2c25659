"""What the sports API answers (sports.md, "API"): pages of fixtures, a fixture, its points, the
open link candidates and a fixture's history. Every list is one query of a key or an index,
paginated by a cursor that is the last sort key read (no scans)."""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.errors import ValidationFailed
from casino.sports import fixtures, store
from casino.sports.competitions import SPORTS
from casino.sports.domain import FEED_STATUSES

PAGE = 50
DAY_MS = 86_400_000
WIDEST_MS = 400 * DAY_MS  # one page's range of start times at most (a season)


def fixtures_page(
    *, sport: str | None, from_ms: int | None, to_ms: int | None, status: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    if sport is not None and sport not in SPORTS:
        raise ValidationFailed(f"sport: one of {', '.join(SPORTS)}", field="sport")
    if status is not None and status not in FEED_STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(FEED_STATUSES)}", field="status")
    now = clock.now_ms()
    low = from_ms if from_ms is not None else (to_ms - 7 * DAY_MS if to_ms is not None else now - 7 * DAY_MS)
    high = to_ms if to_ms is not None else low + 37 * DAY_MS
    if high < low:
        raise ValidationFailed("to: not before from", field="to")
    if high - low > WIDEST_MS:
        raise ValidationFailed(f"to: at most {WIDEST_MS // DAY_MS} days after from", field="to")
    if cursor is not None and not (store.valid_fixture_cursor(cursor) and low <= int(cursor[:13]) <= high):
        raise ValidationFailed("cursor: not a cursor this endpoint gave for these dates", field="cursor")
    items, next_cursor = store.fixtures_page(
        sport=sport, from_ms=low, to_ms=high, status=status, after=cursor, limit=limit
    )
    return {"fixtures": [fixtures.view(f) for f in items], "next_cursor": next_cursor, "from": low, "to": high}


def fixture(fixture_id: str) -> dict[str, Any]:
    found, redirected_from = fixtures.resolve(fixture_id)
    return fixtures.view(found, redirected_from=redirected_from)


def points_page(fixture_id: str, after_seq: int, limit: int) -> dict[str, Any]:
    """The points of the feed the fixture follows, after ``after_seq``, with the score after each."""
    found, redirected_from = fixtures.resolve(fixture_id)
    following = found.get("following") or found["primary"]
    entry = next(
        (r for r in found["refs"] if (r["feed"], r["ref_id"]) == (following["feed"], following["ref_id"])),
        found["refs"][0],
    )
    ref = store.ref(entry["feed"], entry["ref_id"]) or {}
    records = store.points(entry["feed"], entry["ref_id"], from_seq=after_seq + 1, limit=limit + 1)
    page = records[:limit]
    answer: dict[str, Any] = {
        "fixture_id": found["id"],
        "feed": entry["feed"],
        "points": [fixtures.point_view(r, bool(ref.get("swapped"))) for r in page],
        "applied_upto": ref.get("applied_upto", 0),
        "missing": ref.get("missing"),
        "next_after_seq": page[-1]["seq"] if len(records) > limit else None,
    }
    if redirected_from:
        answer["redirected_from"] = redirected_from
    return answer


def candidates(cursor: str | None, limit: int) -> dict[str, Any]:
    if cursor is not None and not store.valid_candidate_cursor(cursor):
        raise ValidationFailed("cursor: not a cursor this endpoint gave", field="cursor")
    items, next_cursor = store.open_candidates(after=cursor, limit=limit)
    shown = []
    for item in items:
        one, _ = fixtures.resolve(item["fixture_id"])
        other, _ = fixtures.resolve(item["other_id"])
        if one["id"] == other["id"]:  # linked since, another way: no longer a question
            store.close_candidate(item["fixture_id"], item["other_id"], {"decision": "moot"})
            continue
        shown.append(
            {
                "fixture": fixtures.view(one),
                "candidate": fixtures.view(other),
                "score": item["score"],
                "reasons": item["reasons"],
                "swapped": item.get("swapped", False),
                "found_at": item["at"],
            }
        )
    return {"candidates": shown, "next_cursor": next_cursor}


def history(fixture_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    found = store.fixture(fixture_id)
    if found is None:
        fixtures.resolve(fixture_id)  # NotFound
    if cursor is not None and not store.valid_history_cursor(cursor):
        raise ValidationFailed("cursor: not a cursor this endpoint gave", field="cursor")
    items, next_cursor = store.history_page(fixture_id, after=cursor, limit=limit)
    return {
        "fixture_id": fixture_id,
        "replaced_by": (found or {}).get("replaced_by"),
        "history": items,
        "next_cursor": next_cursor,
    }
