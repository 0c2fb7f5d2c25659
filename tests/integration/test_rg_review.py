"""The findings of an adversarial review of password login and responsible gaming
(player-accounts.md), kept as tests, each seen failing before its fix: a time zone change that
reset the windows, bonus winnings lowering the loss, a window moved back by a clock behind, the
hub's session limit, a dropped pending change missing from the history, an operator's link
reaching a password player. Those still marked ``xfail(strict=True)`` are known and left open
(docs/decisions.md says why): they fail today for the reason they name."""

# ruff: noqa: F401, F811 - tlt is test_responsible_gaming.py's fixture, imported so that pytest sees it

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from casino import clock
from casino.registry.providers import Provider
from casino.wallet.responsible import COOLING_OFF_MS, DAY_MS, window_of
from tests.conftest import RunningStack
from tests.integration.test_admin_players import fund, new_player
from tests.integration.test_client_plays import demo, new_game, open_page
from tests.integration.test_responsible_gaming import provider_code, set_limits, tlt
from tests.provider.conftest import Player, bet, make_player, next_id

A = "/api/v1/admin"
C = "/api/v1/client"
HUB = "/api/v1/hub"


# ---------------------------------------------------------------- helpers
@pytest.fixture()
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """Stops the platform's clock; ``frozen(ms)`` sets it to ``ms``."""
    at = [clock.now_ms()]
    monkeypatch.setattr(clock, "now_ms", lambda: at[0])

    def move(ms: int) -> None:
        at[0] = ms

    yield move


def new_token(running: RunningStack, p: Player) -> None:
    """A fresh provider game session (started at the platform's clock now)."""
    status, session = running.call(
        "POST", f"{A}/game-sessions", {"player_id": p.id, "provider": "tlt", "game_id": 1001}
    )
    assert status == 201, session
    p.token = session["token"]


def history(running: RunningStack, pid: str) -> list[dict[str, Any]]:
    status, answer = running.call("GET", f"{A}/players/{pid}/limits/history")
    assert status == 200, answer
    changes: list[dict[str, Any]] = answer["changes"]
    return changes


def other_day_zone(now: int) -> str:
    """A real IANA zone whose calendar day at ``now`` is not UTC's (UTC+14 or UTC-12)."""
    utc_day = window_of("day", now, "UTC")
    return next(z for z in ("Pacific/Kiritimati", "Etc/GMT+12") if window_of("day", now, z) != utc_day)


# ---------------------------------------------------------------- 1. the time zone resets the windows
def test_changing_the_time_zone_does_not_reset_a_days_loss(
    running: RunningStack, tlt: Provider, frozen: Callable[[int], None]
) -> None:
    page = open_page(running, real="100.00")
    p = Player(page.player_id, "", running)
    new_token(running, p)
    assert page.http.put("/limits", json={"loss": {"day": "10.00"}}).status_code == 200
    assert provider_code(tlt, bet(p, 10)) == "OK"  # the day's loss limit is reached
    assert provider_code(tlt, bet(p, 1)) == "OP_36"

    zone = other_day_zone(clock.now_ms())  # the clock is stopped: no real midnight passes here
    moved = page.http.put("/limits", json={"timezone": zone})
    assert moved.status_code == 200, moved.text
    # The same instant, the same player, the same 10.00 lost: one more bet must still be refused.
    assert provider_code(tlt, bet(p, 1)) == "OP_36"


# ---------------------------------------------------------------- 2. a window gets back what it never counted
@pytest.mark.xfail(
    strict=True,
    reason="domain.reverse_bet -> Responsible.stake_back takes a refunded stake off the CURRENT window, not the "
    "window it was counted in: yesterday's refunded bet makes room under today's wager limit",
)
def test_a_refund_of_yesterdays_bet_does_not_make_room_under_todays_wager_limit(
    running: RunningStack, tlt: Provider, frozen: Callable[[int], None]
) -> None:
    day1 = clock.now_ms()
    frozen(day1)
    p = make_player(running, real="100.00")
    set_limits(running, p.id, wager={"day": "10.00"})
    yesterdays = bet(p, 10)
    assert provider_code(tlt, yesterdays) == "OK"  # counted in day 1

    frozen(day1 + DAY_MS)  # the next calendar day (UTC, the player's zone)
    new_token(running, p)
    assert provider_code(tlt, bet(p, 10)) == "OK"  # today's wager limit reached
    assert provider_code(tlt, bet(p, 1)) == "OP_36"
    refund = {**yesterdays, "transaction_type": "REFUND", "transaction_id": next_id(), "amount": 10}
    refund.pop("token")
    assert provider_code(tlt, refund) == "OK"  # a refund is never blocked (right)
    # Today 10.00 has been staked and none of it refunded: today's wager limit is still reached.
    assert provider_code(tlt, bet(p, 10)) == "OP_36"


def test_bonus_winnings_do_not_let_real_money_be_lost_past_the_loss_limit(running: RunningStack, tlt: Provider) -> None:
    p = make_player(running, real="0.00", bonus="100.00", mode="BONUS_ONLY")
    set_limits(running, p.id, loss={"day": "10.00"})
    staked = bet(p, 10)  # all of it bonus money
    assert provider_code(tlt, staked) == "OK"
    assert provider_code(tlt, bet(p, 1)) == "OP_36"  # the day's loss limit is reached
    win = {**staked, "transaction_type": "WIN", "transaction_id": next_id(), "amount": 100}
    assert provider_code(tlt, win) == "OK"  # paid to the bonus balance (the round was all bonus)
    assert p.balances()["real"] == "0.00" and p.balances()["bonus"] == "190.00"
    deposit = {"type": "deposit", "amount": "100.00", "idempotency_key": uuid.uuid4().hex}
    assert running.call("POST", f"{A}/players/{p.id}/transactions", deposit)[0] == 200
    # 50.00 of the player's own money, on a day whose 10.00 loss limit is already reached:
    assert provider_code(tlt, bet(p, 50)) == "OP_36"


# ---------------------------------------------------------------- 3. a clock a little behind resets the day
def test_a_bet_stamped_just_before_midnight_does_not_erase_todays_totals(
    running: RunningStack, tlt: Provider, frozen: Callable[[int], None]
) -> None:
    midnight = (clock.now_ms() // DAY_MS + 1) * DAY_MS  # the next UTC midnight
    frozen(midnight + 500)
    p = make_player(running, real="100.00")
    set_limits(running, p.id, wager={"day": "10.00"})
    assert provider_code(tlt, bet(p, 10)) == "OK"  # today's wager limit reached
    frozen(midnight - 100)  # another Lambda, its clock 600 ms behind: still yesterday there
    assert provider_code(tlt, bet(p, 1)) == "OP_36"  # counted in the newer day already held: no room
    frozen(midnight + 1_000)
    # Today 10.00 has been staked: today's wager limit is still reached.
    assert provider_code(tlt, bet(p, 10)) == "OP_36"


# ---------------------------------------------------------------- 4. the hub and the session limit
def test_the_players_session_limit_holds_on_the_hub_as_on_the_provider_face(
    running: RunningStack, tlt: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    game = new_game(running)
    pid = new_player(running, limits={"session_minutes": 1})
    fund(running, pid, "20.00")
    page = open_page(running, player_id=pid)
    p = Player(pid, "", running)
    new_token(running, p)
    later = clock.now_ms() + 2 * 60_000
    monkeypatch.setattr(clock, "now_ms", lambda: later)
    assert provider_code(tlt, bet(p, 1)) == "OP_34"  # the provider face: the session time limit is reached
    hub = page.play(game["game_id"])
    assert hub.status_code == 409 and hub.json()["error"]["code"] == "limit_exceeded", hub.text


# ---------------------------------------------------------------- 5. the audit trail
def test_a_dropped_pending_increase_is_in_the_history(running: RunningStack, frozen: Callable[[int], None]) -> None:
    start = clock.now_ms()
    p = make_player(running, real="0.00")
    set_limits(running, p.id, wager={"day": "10.00"})
    set_limits(running, p.id, wager={"day": "50.00"})  # pending for 24 h
    frozen(start + 60_000)
    set_limits(running, p.id, wager={"day": "5.00"})  # at once; the pending 50.00 is dropped
    frozen(start + COOLING_OFF_MS + 3_600_000)
    shown = set_limits(running, p.id)  # a reason and no change: the view
    assert shown["limits"]["wager"]["day"] == "5.00" and shown["pending"] == []
    changes = history(running, p.id)  # newest first
    raise_record = next(c for c in changes if c["new"] == "50.00")
    assert raise_record["effective_at"] - raise_record["at"] == COOLING_OFF_MS
    # The record says wager.day becomes 50.00 at effective_at; it never did. Something later must say so.
    after = changes[: changes.index(raise_record)]
    assert any("50.00" in json.dumps(c) for c in after), after


@pytest.mark.xfail(
    strict=True,
    reason="limits.change / client_limits.exclude_by_ops record by='ops' for every admin key: the audit record "
    "cannot say WHO changed a limit (player-accounts.md: 'who, when, old, new, when it takes effect')",
)
def test_the_audit_record_names_which_admin_key_changed_a_limit(running: RunningStack) -> None:
    status, created = running.call("POST", f"{A}/admin-keys", {"label": f"review-{uuid.uuid4().hex[:6]}"})
    assert status == 201, created
    p = make_player(running, real="0.00")
    set_limits(running, p.id, wager={"day": "10.00"})  # the seeded admin key
    set_limits(running, p.id, admin_key=str(created["key"]), wager={"day": "8.00"})  # the new one
    newest, oldest = history(running, p.id)[:2]
    assert (newest["new"], oldest["new"]) == ("8.00", "10.00")
    assert newest["by"] != oldest["by"], (newest, oldest)


# ---------------------------------------------------------------- 6. password players and cross-login
def test_an_operators_client_url_never_reaches_a_password_players_wallet(running: RunningStack) -> None:
    name = f"rv{uuid.uuid4().hex[:10]}"
    body = {"operator": "demo", "username": name, "password": "Saffron-Kettle-Orbit-42", "currency": "EUR"}
    status, registered = running.call("POST", f"{C}/register", {**body, "country": "MT"}, admin_key=None)
    assert status == 201, registered
    pid = registered["user"]["ref_id"]
    fund(running, pid, "5.00")
    created = demo(running).post(f"{HUB}/create_session", {"user_id": pid})
    reached = False
    if created.status_code == 200:
        token = created.json()["client_url"].split("token=", 1)[1]
        login = httpx.post(f"{running.base_url}{C}/login", json={"client_token": token}, timeout=60)
        if login.status_code == 200:
            auth = {"Authorization": f"Bearer {login.json()['auth_token']}"}
            limits = httpx.get(f"{running.base_url}{C}/limits", headers=auth, timeout=60)
            reached = limits.status_code == 200 and limits.json()["player_id"] == pid
            assert {a["ref_id"]: a["amount"] for a in login.json()["accounts"]}["real"] == "5.00"
    assert not reached, "a client_url of operator demo opened the password player's wallet"


@pytest.mark.xfail(
    strict=True,
    reason="accounts/service.py _verified counts failures per exact source address: an IPv6 client rotating "
    "addresses inside its own /64 is never slowed",
)
def test_an_ipv6_64_is_one_address_for_the_failed_sign_in_limit(running: RunningStack) -> None:
    prefix = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # one /64, the client's own
    answers = []
    for n in range(21):
        body = {"operator": "demo", "username": f"nobody{uuid.uuid4().hex[:10]}", "password": "Wrong-Password-000"}
        status, _ = running.call("POST", f"{C}/password_login", body, admin_key=None, source_ip=f"{prefix}::{n + 1:x}")
        answers.append(status)
    assert answers[:20] == [401] * 20
    assert answers[20] == 429, answers
