"""The player's page in headless Chromium against the local stack (client-api.md): login, play,
reveal, view_done, settlement and the balance; every state a player can meet, each with its
message and a way on; the fairness check computed in the browser, on a good and a tampered
proof; keyboard, reduced motion and axe-core at phone and desktop widths. Screenshots of the
main states land in build/screenshots/."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from casino import cache
from casino.hub import prizes
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_admin_players import fund, new_player, player

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytest.importorskip("playwright")
from playwright.sync_api import expect

WIDTHS = (375, 1280)
A = "/api/v1/admin"
HUB = "/api/v1/hub"
RETURN_URL = "https://casino.example/lobby"
SLOW_MS = 30_000  # a play, its bet and its settlement through the state machine, on a busy CI core
HALF_BACK = [{"amount": "2.00", "count": 2}, {"amount": "1.00", "count": 1}]  # 5.00 over 10 tickets of 1.00
ALL_WIN = [{"amount": "1.00", "count": 10}]  # rtp 1: every ticket pays its stake back


@dataclass
class Client:
    """The page of one player's session, and what the test knows of it."""

    page: Page
    player_id: str
    session_id: str
    game_code: str
    game_name: str
    hub: SignedClient

    def play_button(self) -> Any:
        card = self.page.locator(".game", has=self.page.get_by_role("heading", name=self.game_name, exact=True))
        return card.get_by_role("button", name=re.compile(r"^Play for "))

    def balances(self) -> dict[str, str]:
        rows = self.page.locator("#balances > div")
        return {
            (rows.nth(i).locator("dt").text_content() or ""): (rows.nth(i).locator("dd").text_content() or "")
            for i in range(rows.count())
        }

    def real_on_the_server(self, running: RunningStack) -> Decimal:
        return Decimal(player(running, self.player_id)["balances"]["real"])


def game(running: RunningStack, table: list[dict[str, Any]] | None = None, rtp: str = "0.5") -> tuple[str, str]:
    """A fresh instant-win game of 10 tickets at 1.00 EUR, with a name of its own: code, name."""
    code = f"b-{uuid.uuid4().hex[:10]}"
    name = f"Scratch {code[-6:]}"
    configuration = {
        "currency": "EUR",
        "stake": "1.00",
        "tickets": 10,
        "prizes": table or HALF_BACK,
        "rtp": rtp,
        "view_timeout_s": 30,
        "on_sold_out": "new_series",
    }
    status, body = running.call(
        "POST", f"{A}/games", {"code": code, "name": name, "kind": "instant_win", "configuration": configuration}
    )
    assert status == 201, body
    # The stack runs in this process: its logins offer the new game at once, as a new execution
    # environment would (a warm one keeps the game list up to 30 s, casino.hub.plays).
    cache.clear_all()
    return code, name


def client_url(running: RunningStack, real: str) -> tuple[str, str, str, SignedClient]:
    player_id = new_player(running)
    if Decimal(real):
        fund(running, player_id, real)
    hub = SignedClient(running.base_url, "demo-operator", "demo-operator-secret")
    created = hub.post(f"{HUB}/create_session", {"user_id": player_id, "return_url": RETURN_URL})
    assert created.status_code == 200, created.text
    return created.json()["client_url"], player_id, created.json()["session"]["id"], hub


@pytest.fixture()
def open_client(running: RunningStack, new_page: Callable[..., Page]) -> Callable[..., Client]:
    def opened(width: int, real: str = "5.00", table: list[dict[str, Any]] | None = None, **options: Any) -> Client:
        code, name = game(running, table, rtp="1" if table == ALL_WIN else "0.5")
        url, player_id, session_id, hub = client_url(running, real)
        page = new_page(width, **options)
        # The lobby shows, then the page reads its history and reality check: the test's next
        # move on the server (a termination, an expiry) must not race those first reads.
        with (
            page.expect_response("**/api/v1/client/history", timeout=SLOW_MS),
            page.expect_response("**/api/v1/client/reality_check", timeout=SLOW_MS),
        ):
            page.goto(url)
        expect(page.locator("#lobby")).to_be_visible(timeout=SLOW_MS)
        return Client(page, player_id, session_id, code, name, hub)

    return opened


def revealed(client: Client) -> None:
    expect(client.page.locator("#card")).to_have_attribute("data-state", "revealed", timeout=SLOW_MS)


def settled(client: Client) -> None:
    expect(client.page.locator("#ticket-status")).to_have_text(re.compile(r"^(Paid|Settled)"), timeout=SLOW_MS)


# ---------------------------------------------------------------- the happy path
@pytest.mark.parametrize("width", WIDTHS)
def test_login_play_reveal_settle_and_the_balance_the_server_holds(
    running: RunningStack,
    open_client: Callable[..., Client],
    width: int,
    assert_axe_clean: Any,
    screenshot: Any,
    page_log: Any,
) -> None:
    client = open_client(width, real="5.00")
    page = client.page
    assert "token" not in page.url  # the one-time token left the address bar
    assert client.balances() == {"real": "5.00 EUR", "bonus": "0.00 EUR"}
    expect(page.locator("#history-empty")).to_be_visible()
    assert_axe_clean(page)
    screenshot(page, "lobby")

    with page.expect_request("**/api/v1/client/view_done") as seen:
        client.play_button().click()
        revealed(client)
    assert json.loads(seen.value.post_data or "{}")["contract_id"].startswith("con_")
    prize_text = page.locator("#prize").text_content() or ""
    won = re.search(r"You won (\d+\.\d\d) EUR", prize_text)
    prize = Decimal(won.group(1)) if won else Decimal(0)
    assert won or prize_text == "No win this time", prize_text
    settled(client)
    # the balance shown is the one the wallet holds after the bet and the win
    expected = Decimal("5.00") - Decimal("1.00") + prize
    assert client.real_on_the_server(running) == expected
    expect(page.locator("#balances")).to_contain_text(f"{expected:.2f} EUR")
    assert_axe_clean(page)
    screenshot(page, "reveal")

    rows = page.locator("#history-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Settled")
    expect(rows.first).to_contain_text(f"{prize:.2f} EUR")

    page.get_by_role("button", name="Verify this ticket").click()
    expect(page.locator("#fairness-verdict")).to_have_text(
        "Verified: this prize was fixed in the series before you played."
    )
    assert page.evaluate("document.activeElement.id") == "fairness-title"
    assert_axe_clean(page)
    screenshot(page, "verify", full_page=True)
    page_log(page).assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_exit_ends_the_session_and_leads_back_to_the_casino(
    running: RunningStack, open_client: Callable[..., Client], width: int, screenshot: Any, page_log: Any
) -> None:
    client = open_client(width)
    client.page.get_by_role("button", name="Exit").click()
    expect(client.page.locator("#ended-text")).to_have_text(re.compile("^You have left the game"))
    expect(client.page.get_by_role("link", name="Back to the casino")).to_have_attribute("href", RETURN_URL)
    found = client.hub.post(f"{HUB}/get_session", {"session_id": client.session_id, "is_our_id": True}).json()
    assert found["status"] == "finished"
    screenshot(client.page, "exit")
    page_log(client.page).assert_clean()


# ---------------------------------------------------------------- refusals and ended sessions
@pytest.mark.parametrize("width", WIDTHS)
def test_insufficient_funds_charges_nothing_and_the_player_plays_on(
    running: RunningStack, open_client: Callable[..., Client], width: int, assert_axe_clean: Any, screenshot: Any
) -> None:
    client = open_client(width, real="0.50")
    client.play_button().click()
    notice = client.page.get_by_role("alert")
    expect(notice).to_contain_text("You do not have enough funds for this stake. Nothing was charged.")
    assert client.real_on_the_server(running) == Decimal("0.50")
    assert client.balances()["real"] == "0.50 EUR"
    expect(client.play_button()).to_be_enabled()
    assert_axe_clean(client.page)
    screenshot(client.page, "insufficient-funds")
    notice.get_by_role("button", name="OK").click()
    expect(notice).to_be_hidden()
    expect(client.page.locator("#history-rows tr")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_expired_or_used_link_and_a_page_without_one(
    running: RunningStack, new_page: Callable[..., Page], width: int, assert_axe_clean: Any, screenshot: Any
) -> None:
    url, *_ = client_url(running, "0")
    first = new_page(width)
    first.goto(url)
    expect(first.locator("#lobby")).to_be_visible(timeout=SLOW_MS)
    again = new_page(width)
    again.goto(url)  # the same link a second time: used
    expect(again.locator("#ended-text")).to_have_text(re.compile("expired or was already used"))
    assert "token" not in again.url
    expect(again.get_by_role("button", name="Exit")).to_be_hidden()
    assert_axe_clean(again)
    screenshot(again, "link-used")
    bare = new_page(width)
    bare.goto(f"{running.base_url}/play")
    expect(bare.locator("#ended-text")).to_have_text(re.compile("opens from the casino with a game link"))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_session_terminated_by_the_operator(
    running: RunningStack, open_client: Callable[..., Client], width: int, assert_axe_clean: Any, screenshot: Any
) -> None:
    client = open_client(width)
    done = client.hub.post(f"{HUB}/terminate_session", {"session_id": client.session_id, "is_our_id": True})
    assert done.json()["status"] == "terminated"
    client.play_button().click()
    expect(client.page.locator("#ended-text")).to_have_text(re.compile("^The casino has ended this session"))
    expect(client.page.get_by_role("link", name="Back to the casino")).to_be_visible()
    expect(client.page.locator("#lobby")).to_be_hidden()
    assert client.real_on_the_server(running) == Decimal("5.00")
    assert_axe_clean(client.page)
    screenshot(client.page, "terminated")


def test_a_session_expired_for_want_of_heartbeats(running: RunningStack, open_client: Callable[..., Client]) -> None:
    from casino import aws, clock

    client = open_client(375)
    aws.dynamodb().update_item(  # its heartbeat deadline passed: the expiry schedule ends it
        TableName=running.stack.physical["HubTable"],
        Key=aws.to_item({"pk": f"SESSION#{client.session_id}", "sk": "SESSION"}),
        UpdateExpression="SET gsi3sk = :past",
        ExpressionAttributeValues=aws.to_item({":past": f"{clock.now_ms() - 1_000:015d}"}),
    )
    running.invoke("SessionExpiryFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
    client.play_button().click()
    expect(client.page.locator("#ended-text")).to_have_text(re.compile("ended after a while without activity"))


def test_heartbeats_keep_the_session_and_carry_the_balance(
    running: RunningStack, new_page: Callable[..., Page]
) -> None:
    url, *_ = client_url(running, "3.00")
    page = new_page(1280)

    def quick_heartbeats(route: Route) -> None:  # a 20 s timeout: a heartbeat every 5 s
        answer = route.fetch()
        body = answer.json()
        body["client"]["heartbeat_timeout_s"] = 20
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/client/login", quick_heartbeats)
    page.goto(url)
    expect(page.locator("#lobby")).to_be_visible(timeout=SLOW_MS)
    with page.expect_response("**/api/v1/client/heartbeat", timeout=10_000) as beat:
        pass
    assert beat.value.status == 200 and beat.value.json()["status"] == "active"


@pytest.mark.parametrize("code", ["game_unavailable", "maintenance"])
def test_a_game_closed_or_in_maintenance_says_so_and_the_list_is_refreshed(
    running: RunningStack, open_client: Callable[..., Client], code: str, screenshot: Any
) -> None:
    client = open_client(1280)
    page = client.page
    if code == "game_unavailable":  # closed by ops after the page listed it
        games = page.locator(".game", has=page.get_by_role("heading", name=client.game_name, exact=True))
        assert running.call("POST", f"{A}/games/hub:{client.game_code}/status", {"status": "disabled"})[0] == 200
        client.play_button().click()
        expect(page.get_by_role("alert")).to_contain_text("This game is not available right now.")
        expect(games).to_have_count(0)  # the refreshed list no longer offers it
    else:  # the hub's maintenance answer (admin-api.md): a 503 that is final, not retried
        page.route(
            "**/api/v1/client/play",
            lambda route: route.fulfill(
                status=503, json={"error": {"code": "maintenance", "message": "the hub is in maintenance"}}
            ),
        )
        with page.expect_request("**/api/v1/client/play"):
            client.play_button().click()
        expect(page.get_by_role("alert")).to_contain_text("This game is in maintenance.")
    assert client.real_on_the_server(running) == Decimal("5.00")
    screenshot(page, code.replace("_", "-"))


# ---------------------------------------------------------------- the network
@pytest.mark.parametrize("width", WIDTHS)
def test_an_answer_lost_after_the_bet_is_retried_with_the_same_play_id_and_bets_once(
    running: RunningStack, open_client: Callable[..., Client], width: int
) -> None:
    client = open_client(width, real="5.00")
    sent: list[dict[str, Any]] = []

    def lose_the_first_answer(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        if len(sent) == 1:
            route.fetch(timeout=SLOW_MS)  # the bet reaches the casino and is placed ...
            route.abort("connectionreset")  # ... and its answer never reaches the page
        else:
            route.continue_()

    client.page.route("**/api/v1/client/play", lose_the_first_answer)
    client.play_button().click()
    revealed(client)
    settled(client)
    assert len(sent) >= 2 and len({s["play_id"] for s in sent}) == 1, sent
    prize_text = client.page.locator("#prize").text_content() or ""
    won = re.search(r"(\d+\.\d\d) EUR", prize_text)
    prize = Decimal(won.group(1)) if won else Decimal(0)
    assert client.real_on_the_server(running) == Decimal("4.00") + prize  # one bet, not two
    expect(client.page.locator("#history-rows tr")).to_have_count(1)


@pytest.mark.parametrize("width", WIDTHS)
def test_offline_the_play_waits_and_the_player_retries_the_same_play(
    running: RunningStack, open_client: Callable[..., Client], width: int, screenshot: Any, assert_axe_clean: Any
) -> None:
    client = open_client(width, real="5.00")
    page = client.page
    ids: list[str] = []
    page.on(
        "request",
        lambda r: ids.append(json.loads(r.post_data or "{}")["play_id"]) if r.url.endswith("/client/play") else None,
    )
    page.context.set_offline(True)
    client.play_button().click()
    expect(page.locator("#status")).to_contain_text("The connection to the casino was lost. Trying your play again")
    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("We could not confirm your play.", timeout=SLOW_MS)
    expect(client.play_button()).to_be_disabled()  # no second play while this one is unknown
    assert_axe_clean(page)
    screenshot(page, "network-lost")
    page.context.set_offline(False)
    notice.get_by_role("button", name="Try again").click()
    revealed(client)
    settled(client)
    assert len(ids) >= 2 and len(set(ids)) == 1, ids
    expect(page.locator("#history-rows tr")).to_have_count(1)


def test_a_bet_still_being_confirmed_is_polled_and_a_delayed_settlement_says_so(
    running: RunningStack, open_client: Callable[..., Client], screenshot: Any
) -> None:
    client = open_client(375)
    page = client.page

    def answered_before_the_bet(route: Route) -> None:  # as play answers when the bet takes > 8 s
        answer = route.fetch(timeout=SLOW_MS)
        body = answer.json()
        body["contract"].pop("reveal", None)
        body["contract"]["status"] = "pending"
        route.fulfill(response=answer, json=body)

    def settlement_delayed(route: Route) -> None:
        answer = route.fetch(timeout=SLOW_MS)
        body = answer.json()
        if "reveal" in body["contract"]:
            body["contract"]["status"] = "errored"
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/client/play", answered_before_the_bet)
    page.route("**/api/v1/client/view_done", settlement_delayed)
    with page.expect_request(re.compile(r"/api/v1/client/contracts/con_")):
        client.play_button().click()
        expect(page.locator("#ticket-status")).to_have_text("The casino is still confirming your bet…")
    revealed(client)
    expect(page.locator("#ticket-status")).to_have_text(re.compile("^Your settlement is delayed"), timeout=SLOW_MS)
    screenshot(page, "settlement-delayed")


# ---------------------------------------------------------------- fairness
@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda r: r["proof"].update(salt="0" * 64), "the proof does not lead to the committed root"),
        (lambda r: r.update(prize="1000.00", won=True), "the prize shown is not the amount in the proof"),
        (lambda r: r["proof"].update(position=(r["proof"]["position"] + 1) % 10), "path"),
        (lambda r: r["proof"].update(root="f" * 64), "another root than the one published"),
    ],
    ids=["salt", "prize", "position", "root"],
)
def test_a_tampered_proof_is_not_verified(
    running: RunningStack,
    open_client: Callable[..., Client],
    tamper: Callable[[dict[str, Any]], None],
    problem: str,
    screenshot: Any,
) -> None:
    client = open_client(1280)
    page = client.page

    def tampered(route: Route) -> None:
        answer = route.fetch(timeout=SLOW_MS)
        body = answer.json()
        tamper(body["contract"]["reveal"])
        route.fulfill(response=answer, json=body)

    page.route("**/api/v1/client/play", tampered)
    client.play_button().click()
    revealed(client)
    page.get_by_role("button", name="Verify this ticket").click()
    verdict = page.locator("#fairness-verdict")
    expect(verdict).to_have_attribute("data-ok", "false")
    expect(verdict).to_contain_text("Not verified:")
    expect(verdict).to_contain_text(problem)
    if problem.startswith("the proof does not"):
        screenshot(page, "verify-tampered", full_page=True)


def test_the_page_checks_proofs_as_the_hubs_own_verifier_does(
    running: RunningStack, new_page: Callable[..., Page]
) -> None:
    """The browser's check against prizes.verify, on every position of series of odd and even
    sizes (promoted nodes at every level), and on each single change of a good proof."""
    page = new_page(1280)
    page.goto(f"{running.base_url}/play")  # no token: the page loads its modules and stops
    expect(page.locator("#ended")).to_be_visible()
    cases: list[tuple[dict[str, Any], dict[str, Any], bool]] = []
    for tickets in (10, 11, 13, 16, 17):
        table = [{"amount": f"{tickets - 1}.00", "count": 1}, {"amount": "0.50", "count": 2}]  # pays the stakes
        config = prizes.parse_config(
            {
                "currency": "EUR",
                "stake": "1.00",
                "tickets": tickets,
                "prizes": table,
                "rtp": "1",
                "view_timeout_s": 30,
                "on_sold_out": "stop",
            }
        )
        series = prizes.generate(config)
        commitment = {"series_id": series.series_id, "tickets": series.tickets, "root": series.root}
        for position in range(series.tickets):
            assert prizes.verify(series.proof(position), series.root)
            proof = series.proof(position).to_json()
            amount = Decimal(proof["amount_minor"]) / 100
            cases.append(({"prize": f"{amount:.2f}", "won": amount > 0, "proof": proof}, commitment, True))
        bad_sibling = json.loads(json.dumps(cases[-1][0]))
        bad_sibling["proof"]["path"][0]["sibling"] = "0" * 64
        more = json.loads(json.dumps(cases[-2][0]))
        more["proof"]["amount_minor"] += 1
        more["prize"] = f"{Decimal(more['proof']['amount_minor']) / 100:.2f}"
        more["won"] = True
        cases += [(bad_sibling, commitment, False), (more, commitment, False)]
    assert len(cases) > 30
    results = page.evaluate(
        """async (cases) => {
            const fairness = await import("./play/fairness.js");
            const out = [];
            for (const [reveal, commitment] of cases) out.push((await fairness.checkReveal(reveal, commitment, 2)).ok);
            return out;
        }""",
        [[reveal, commitment] for reveal, commitment, _ in cases],
    )
    assert results == [ok for _, _, ok in cases]


# ---------------------------------------------------------------- keyboard and motion
def test_keyboard_only_play_and_verify(running: RunningStack, open_client: Callable[..., Client]) -> None:
    client = open_client(1280, table=ALL_WIN)
    page = client.page
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        if (
            focused == "Play for 1.00 EUR"
            and page.evaluate("document.activeElement.closest('.game').querySelector('h2').textContent")
            == client.game_name
        ):
            break
    else:
        pytest.fail("the play button was never reached with Tab")
    page.keyboard.press("Enter")
    revealed(client)
    expect(page.locator("#prize")).to_have_text("You won 1.00 EUR!")
    page.get_by_role("button", name="Verify this ticket").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#fairness-verdict")).to_have_attribute("data-ok", "true")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "fairness-close"


def test_reduced_motion_reveals_at_once(running: RunningStack, open_client: Callable[..., Client]) -> None:
    client = open_client(375, reduced_motion=True)
    client.play_button().click()
    revealed(client)
    assert client.page.evaluate("getComputedStyle(document.querySelector('.card-cover')).animationName") == "none"


# ---------------------------------------------------------------- responsible gaming
@pytest.mark.parametrize("width", WIDTHS)
def test_a_limit_reached_says_so_and_charges_nothing(
    running: RunningStack, open_client: Callable[..., Client], width: int, assert_axe_clean: Any, screenshot: Any
) -> None:
    client = open_client(width, real="5.00")
    status, _ = running.call(
        "POST", f"{A}/players/{client.player_id}/limits", {"wager": {"day": "0.50"}, "reason": "t"}
    )
    assert status == 200
    client.play_button().click()
    expect(client.page.get_by_role("alert")).to_contain_text(
        "A responsible-gaming limit on your account stops this play"
    )
    assert client.real_on_the_server(running) == Decimal("5.00")
    assert_axe_clean(client.page)
    screenshot(client.page, "limit-reached")


def test_a_reality_check_due_holds_the_play_until_the_player_acknowledges_it(
    running: RunningStack,
    open_client: Callable[..., Client],
    monkeypatch: pytest.MonkeyPatch,
    screenshot: Any,
    assert_axe_clean: Any,
) -> None:
    from casino import clock

    client = open_client(375, real="5.00")
    status, _ = running.call(
        "POST", f"{A}/players/{client.player_id}/limits", {"reality_check_minutes": 30, "reason": "t"}
    )
    assert status == 200
    later = clock.now_ms() + 31 * 60_000
    monkeypatch.setattr(clock, "now_ms", lambda: later)  # the stack runs in this process
    client.play_button().click()
    dialog = client.page.get_by_role("alertdialog", name="Reality check")
    expect(dialog).to_contain_text("You have played for 31 minutes in this session.")
    expect(dialog).to_contain_text("net 0.00 EUR")
    expect(client.play_button()).to_be_disabled()
    assert_axe_clean(client.page)
    screenshot(client.page, "reality-check")
    dialog.get_by_role("button", name="Continue playing").click()
    expect(dialog).to_be_hidden()
    client.play_button().click()
    revealed(client)


# ---------------------------------------------------------------- password sign-in
@pytest.mark.parametrize("width", WIDTHS)
def test_a_password_player_signs_in_on_the_page_and_plays(
    running: RunningStack,
    new_page: Callable[..., Page],
    width: int,
    assert_axe_clean: Any,
    screenshot: Any,
    page_log: Any,
) -> None:
    import httpx

    name = f"pw{uuid.uuid4().hex[:8]}"
    password = "a long unusual pass 7"
    body = {"operator": "demo", "username": name, "password": password, "currency": "EUR", "country": "MT"}
    assert httpx.post(f"{running.base_url}/api/v1/client/register", json=body, timeout=60).status_code == 201
    page = new_page(width)
    page.goto(f"{running.base_url}/play?operator=demo")
    form = page.locator("#signin-form")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_axe_clean(page)
    screenshot(page, "sign-in")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("not the password at all")
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text("Wrong username or password.")
    page.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator("#lobby")).to_be_visible(timeout=SLOW_MS)
    expect(page.locator("#balances")).to_contain_text("0.00 EUR")
    assert page.url.endswith("/play?operator=demo")
    assert not page_log(page).page_errors and not page_log(page).csp_violations
