"""The findings of an adversarial review of the player's page (client-api.md), kept as tests:
the fairness check of the reveal that was shown, of this game's series only, across a
rollover; a play's flow never touching a later play's ticket nor an ended session's screen; a
blocked player told so; a login the casino did not answer tried again; focus, announcements and
layout at 375 px; the page only at /play. Each was seen failing before its fix."""

# ruff: noqa: F811 - open_client is test_client_page.py's fixture, imported so that pytest sees it

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from local.operator_client import SignedClient
from tests.browser.test_client_page import (  # noqa: F401 - open_client is a fixture
    HUB,
    RETURN_URL,
    SLOW_MS,
    Client,
    client_url,
    game,
    open_client,
    revealed,
    settled,
)
from tests.conftest import RunningStack
from tests.integration.test_admin_players import fund, new_player

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytest.importorskip("playwright")
from playwright.sync_api import expect

A = "/api/v1/admin"
CLIENT = "/api/v1/client"
CONTRACT_CALLS = re.compile(r"/api/v1/client/(view_done|contracts/con_[0-9A-Z]+)$")


# ---------------------------------------------------------------- the client API, without a page
def api_login(running: RunningStack, url: str) -> str:
    token = parse_qs(urlparse(url).query)["token"][0]
    answer = httpx.post(f"{running.base_url}{CLIENT}/login", json={"client_token": token}, timeout=30)
    assert answer.status_code == 200, answer.text
    auth: str = answer.json()["auth_token"]
    return auth


def api_play(running: RunningStack, auth: str, game_code: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{running.base_url}{CLIENT}/play",
        json={"game_id": game_code, "stake": "1.00", "play_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {auth}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    contract: dict[str, Any] = answer.json()["contract"]
    assert "reveal" in contract, contract
    return contract


def facts_of(page: Page, selector: str) -> dict[str, str]:
    rows = page.locator(f"{selector} > div")
    return {
        (rows.nth(i).locator("dt").text_content() or ""): (rows.nth(i).locator("dd").text_content() or "")
        for i in range(rows.count())
    }


def verify(page: Page) -> dict[str, str]:
    """Opens the fairness check of the ticket on screen: its verdict (data-ok) and its facts."""
    page.get_by_role("button", name="Verify this ticket").click()
    verdict = page.locator("#fairness-verdict")
    expect(verdict).to_have_attribute("data-ok", re.compile("^(true|false)$"))
    return {"ok": verdict.get_attribute("data-ok") or "", **facts_of(page, "#fairness-facts")}


# ---------------------------------------------------------------- fairness
def test_verify_checks_the_prize_that_was_shown_not_a_later_copy(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280, reduced_motion=True)
    page = client.page

    def shown_a_big_win(route: Route) -> None:  # the play's answer shows a prize its proof does not hold
        answer = route.fetch(timeout=SLOW_MS)
        body = answer.json()
        body["contract"]["reveal"].update(prize="1000.00", won=True)
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/client/play", shown_a_big_win)
    client.play_button().click()
    revealed(client)
    expect(page.locator("#prize")).to_have_text("You won 1000.00 EUR!")
    # the page now holds view_done's copy of the contract, with the honest reveal, and says they differ
    expect(page.locator("#ticket-status")).to_contain_text("differs from the one shown", timeout=SLOW_MS)
    checked = verify(page)
    assert checked["ok"] == "false", f"the shown 1000.00 EUR win was verified: {checked}"


def test_a_ticket_from_another_games_series_is_not_verified(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    other_code, _ = game(running)  # listed to the page at its login, with its own commitment
    url, *_ = client_url(running, "5.00")
    foreign = api_play(running, api_login(running, url), other_code)["reveal"]  # a real ticket of that series
    client = open_client(1280, reduced_motion=True)
    page = client.page
    mine: dict[str, str] = {}

    def drawn_from_the_other_series(route: Route) -> None:
        answer = route.fetch(timeout=SLOW_MS)
        body = answer.json()
        contract = body.get("contract") or {}
        if route.request.url.endswith("/play"):
            mine["id"] = contract.get("id", "")
        if contract.get("id") == mine.get("id") and "reveal" in contract:
            contract["reveal"] = foreign
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/client/play", drawn_from_the_other_series)
    page.route(CONTRACT_CALLS, drawn_from_the_other_series)
    client.play_button().click()
    revealed(client)
    checked = verify(page)
    assert checked["Series"] == foreign["proof"]["series_id"]
    assert checked["ok"] == "false", f"a ticket of game {other_code}'s series verified for {client.game_code}"


def test_after_a_series_rollover_the_next_tickets_still_verify(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280, real="5.00", reduced_motion=True)  # a game of 10 tickets a series
    page = client.page
    url, *_ = client_url(running, "12.00")
    auth = api_login(running, url)
    for _ in range(10):  # another player buys the whole first series
        api_play(running, auth, client.game_code)
    again = page.get_by_role("button", name="Play again")
    for _ in range(2):  # the first play rolls the series over; the second plays a series committed before it
        # the page offers the game, or (after a settled play) "Play again": wait for one of them
        expect(again.or_(client.play_button()).first).to_be_visible(timeout=SLOW_MS)
        if again.is_visible():
            again.click()
        client.play_button().click(timeout=SLOW_MS)
        revealed(client)
        settled(client)
    checked = verify(page)
    assert checked["ok"] == "true", f"a ticket of a series committed before the play: {checked}"


# ---------------------------------------------------------------- a play's flow, raced
def test_a_settlement_that_ends_after_the_next_play_leaves_the_new_ticket_alone(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280, real="5.00", reduced_motion=True)
    page = client.page
    first: dict[str, str] = {}
    released: list[bool] = []

    def first_settlement_slow(route: Route) -> None:  # the first ticket's payment takes its time
        answer = route.fetch(timeout=SLOW_MS)
        body = answer.json()
        contract = body.get("contract") or {}
        if route.request.url.endswith("/view_done"):
            first.setdefault("id", contract.get("id", ""))
        if contract.get("id") == first.get("id") and not released:
            contract["status"] = "return_pending"
        route.fulfill(response=answer, json=body)

    page.route(CONTRACT_CALLS, first_settlement_slow)
    client.play_button().click()
    expect(page.get_by_role("button", name="Play again")).to_be_visible(timeout=SLOW_MS)
    with page.expect_response("**/api/v1/client/play") as second_play:
        client.play_button().click()  # enabled: the player plays on while the first is being paid
    second = second_play.value.json()["contract"]
    settled(client)
    released.append(True)
    page.wait_for_timeout(3_000)  # the first play's flow stopped touching the ticket when the second began
    checked = verify(page)
    assert checked["Ticket"] == f"{second['reveal']['proof']['position'] + 1} of 10", (checked, first, second["id"])


def test_exit_while_a_win_is_being_paid_keeps_the_exit_message(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280, reduced_motion=True)
    page = client.page
    sent: list[str | None] = []  # the Authorization of each settlement poll

    def still_paying(route: Route) -> None:
        if "/contracts/" in route.request.url:
            sent.append(route.request.headers.get("authorization"))
        answer = route.fetch(timeout=SLOW_MS)
        if not answer.ok:
            route.fulfill(response=answer)
            return
        body = answer.json()
        body["contract"]["status"] = "return_pending"
        route.fulfill(response=answer, json=body)

    page.route(CONTRACT_CALLS, still_paying)
    client.play_button().click()
    expect(page.get_by_role("button", name="Play again")).to_be_visible(timeout=SLOW_MS)
    for _ in range(400):  # after the 4th poll the page waits 2.5 s before the next: the player leaves then
        if len(sent) >= 4:
            break
        page.wait_for_timeout(25)
    page.get_by_role("button", name="Exit").click()
    ended = page.locator("#ended-text")
    expect(ended).to_have_text(re.compile("^You have left the game"))
    with contextlib.suppress(AssertionError):  # the settlement's next poll comes within 2.5 s
        expect(ended).not_to_have_text(re.compile("^You have left the game"), timeout=6_000)
    assert (ended.text_content() or "").startswith("You have left the game"), (ended.text_content(), sent)


def test_exit_during_a_play_retry_leaves_the_ended_screen_clean(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280)
    page = client.page
    page.route("**/api/v1/client/play", lambda route: route.abort("connectionreset"))
    client.play_button().click()
    expect(page.locator("#status")).to_contain_text("Trying your play again")
    page.get_by_role("button", name="Exit").click()
    expect(page.locator("#ended-text")).to_have_text(re.compile("^You have left the game"))
    notice = page.locator("#notice")
    with contextlib.suppress(AssertionError):  # the play's remaining attempts take at most 0.75 + 1.5 + 3 + 6 s
        expect(notice).to_be_visible(timeout=12_000)
    assert notice.is_hidden(), notice.text_content()
    assert page.locator("#ticket").is_hidden()


# ---------------------------------------------------------------- states without a message or a way on
def test_a_login_the_casino_did_not_answer_can_be_tried_again(
    running: RunningStack, new_page: Callable[..., Page]
) -> None:
    url, *_ = client_url(running, "0")
    page = new_page(375)
    page.route(
        "**/api/v1/client/login",
        lambda route: route.fulfill(
            status=503,
            json={"error": {"code": "upstream_unavailable", "message": "the casino's wallet did not answer"}},
        ),
    )
    page.goto(url)
    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("Open the game again from the casino", timeout=SLOW_MS)
    page.unroute("**/api/v1/client/login")
    expect(notice.locator("button, a")).not_to_have_count(0)
    notice.locator("button, a").first.click()
    expect(page.locator("#lobby")).to_be_visible(timeout=SLOW_MS)


def test_a_blocked_player_is_told_so_at_login(running: RunningStack, new_page: Callable[..., Page]) -> None:
    pid = new_player(running)
    assert running.call("POST", f"{A}/players/{pid}/status", {"status": "blocked"})[0] == 200
    hub = SignedClient(running.base_url, "demo-operator", "demo-operator-secret")
    created = hub.post(f"{HUB}/create_session", {"user_id": pid, "return_url": RETURN_URL})
    assert created.status_code == 200, created.text
    page = new_page(375)
    page.goto(created.json()["client_url"])
    shown = page.locator("#ended:not([hidden]), #notice:not([hidden])")
    expect(shown).to_be_visible(timeout=SLOW_MS)
    assert re.search(r"block|exclu", shown.first.text_content() or "", re.I), shown.first.text_content()


def test_a_play_refused_because_the_player_is_blocked_says_so(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280)
    assert running.call("POST", f"{A}/players/{client.player_id}/status", {"status": "blocked"})[0] == 200
    client.play_button().click()
    notice = client.page.get_by_role("alert")
    expect(notice).to_be_visible(timeout=SLOW_MS)
    text = notice.text_content() or ""
    assert "Nothing was charged" in text and client.player_id not in text, text


def test_a_held_enter_does_not_dismiss_a_refusal_unread(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280, real="0.50")
    page = client.page
    notice = page.get_by_role("alert")
    page.evaluate(  # notes the refusal's notice showing, however briefly
        """() => {
            const box = document.getElementById('notice');
            new MutationObserver(() => { if (!box.hidden) window.noticeShown = true; })
                .observe(box, {attributes: true, attributeFilter: ['hidden']});
        }"""
    )
    client.play_button().focus()
    page.keyboard.down("Enter")  # the play; every further down() is a key repeat (KeyboardEvent.repeat)
    shown_at = None
    for tick in range(300):  # the key held until half a second after the refusal is on screen
        page.wait_for_timeout(33)
        if shown_at is None and page.evaluate("() => window.noticeShown === true"):
            shown_at = tick
        if shown_at is not None and tick - shown_at > 15:
            break
        page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    assert shown_at is not None, "the refusal never showed"
    expect(notice).to_contain_text("You do not have enough funds for this stake.")


# ---------------------------------------------------------------- accessibility axe does not see
def test_keyboard_focus_is_not_lost_when_a_play_starts(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280, reduced_motion=True)
    page = client.page
    client.play_button().focus()
    page.keyboard.press("Enter")
    revealed(client)
    assert page.evaluate("document.activeElement !== document.body"), "focus fell to <body>"


def test_the_reveal_is_announced(running: RunningStack, open_client: Callable[..., Client]) -> None:
    client = open_client(1280, reduced_motion=True)
    client.play_button().click()
    revealed(client)
    announced = client.page.evaluate(
        """() => {
            const live = '[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log]';
            const prize = document.getElementById('prize');
            const said = [...document.querySelectorAll(live)].some((r) => r.textContent.includes(prize.textContent));
            return said || Boolean(prize.closest(live)) || prize.contains(document.activeElement);
        }"""
    )
    assert announced, "the prize is not in a live region and not focused"


def test_an_unchanged_balance_is_not_re_announced_by_each_heartbeat(
    running: RunningStack, open_client: Callable[..., Client]
) -> None:
    client = open_client(1280)
    page = client.page
    before = page.locator("#balances").text_content()
    page.evaluate(
        """() => {
            window.balanceMutations = 0;
            new MutationObserver((list) => { window.balanceMutations += list.length; })
                .observe(document.getElementById('balances'), {childList: true, subtree: true, characterData: true});
        }"""
    )
    with page.expect_response("**/api/v1/client/heartbeat"):
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # a heartbeat now
    page.wait_for_timeout(200)
    assert page.locator("#balances").text_content() == before
    assert page.evaluate("window.balanceMutations") == 0


# ---------------------------------------------------------------- layout at 375 px
@pytest.mark.parametrize("locale", ["en-US", "de-DE"])  # a 12-hour clock ("10:43:21 AM") is the widest
def test_the_history_shows_prize_and_status_at_375(
    running: RunningStack, open_client: Callable[..., Client], screenshot: Any, locale: str
) -> None:
    client = open_client(375, reduced_motion=True, locale=locale)
    page = client.page
    client.play_button().click()
    settled(client)
    expect(page.locator("#history-rows tr")).to_have_count(1)
    screenshot(page, "review-history", full_page=True)
    wrap = page.locator("#history .table-wrap").bounding_box()
    status = page.locator("#history th").last.bounding_box()
    assert wrap and status
    assert status["x"] + status["width"] <= wrap["x"] + wrap["width"], (status, wrap)


def test_a_play_from_the_top_of_the_lobby_shows_its_ticket_at_375(
    running: RunningStack, new_page: Callable[..., Page], screenshot: Any
) -> None:
    code, name = game(running)
    game(running), game(running)  # a lobby of a few games
    player_id = new_player(running)
    fund(running, player_id, "5.00")
    hub = SignedClient(running.base_url, "demo-operator", "demo-operator-secret")
    created = hub.post(f"{HUB}/create_session", {"user_id": player_id, "game_id": code, "return_url": RETURN_URL})
    assert created.status_code == 200, created.text
    page = new_page(375, reduced_motion=True)
    page.goto(created.json()["client_url"])
    client = Client(page, player_id, created.json()["session"]["id"], code, name, hub)
    expect(page.locator(".game").first).to_contain_text(name, timeout=SLOW_MS)  # the session's game comes first
    client.play_button().click()
    settled(client)
    page.evaluate("() => window.scrollTo(0, 0)")  # back up to the games, the ticket left open
    with page.expect_response("**/api/v1/client/view_done"):
        client.play_button().click()
    screenshot(page, "review-second-play")
    card = page.locator("#card").bounding_box()
    assert card is not None
    assert card["y"] + card["height"] / 2 < 740, f"the ticket is below the fold: {card}"


def test_each_play_button_names_its_game(running: RunningStack, open_client: Callable[..., Client]) -> None:
    game(running)  # at least two games in the lobby
    client = open_client(1280)
    page = client.page
    assert page.locator(".game").count() >= 2
    expect(page.get_by_role("button", name=re.compile(re.escape(client.game_name)))).to_have_count(1)


# ---------------------------------------------------------------- the server side of the page
def test_the_page_works_or_is_not_found_at_play_index_html(
    running: RunningStack, new_page: Callable[..., Page]
) -> None:
    url, *_ = client_url(running, "0")
    page = new_page(1280)
    answer = page.goto(url.replace("/play?", "/play/index.html?"))
    assert answer is not None
    if answer.status == 200:
        expect(page.locator("#lobby")).to_be_visible(timeout=10_000)
