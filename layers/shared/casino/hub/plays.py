"""The player's plays (client-api.md): the games a session may play, a play, its contract, the
view, the history and the proof.

A play reserves a prize and creates the contract with its play record in ONE transaction (with
a check that the session is still active), starts the contract's execution (named by the
contract id: a second start is a no-op) and answers once the bet is placed or refused. The
client's ``play_id`` is the play's idempotency key in its session: the same id with the same
play answers the same contract and never bets twice; with another play, ``conflict``.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from casino import aws, cache, clock, ids
from casino.contract import domain, executions, store
from casino.contract.domain import Contract
from casino.errors import Conflict, GameUnavailable, NotFound, ValidationFailed
from casino.hub import prizes, series_store, views
from casino.hub import store as hub_store
from casino.hub.series_store import CompanionRefused, Reservation, SeriesBusy, SeriesHeld
from casino.hub.wallet_client import WalletRefused
from casino.idempotency import fingerprint
from casino.money import canonical, to_decimal_string, to_minor
from casino.registry import games, operators
from casino.registry import store as registry

KIND = domain.KIND
PLAY_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
CONTRACT_ID = re.compile(r"con_[0-9A-HJKMNP-TV-Z]{26}")
WAIT_MS = 8_000  # how long a play waits for its bet's outcome before answering it pending
POLL_S = 0.05
ROLLOVER_LEASE_MS = 120_000
DONE_GRACE_MS = 10 * 60_000  # past its view timeout and this, an open contract is the sweep's
HISTORY_LIMIT = 50
VIEW_WAIT_S = 3.0  # view_done waits this long for the view task to store its token


# ---------------------------------------------------------------- games
def _offer(game: dict[str, Any]) -> dict[str, Any] | None:
    config = game.get("configuration") or {}
    if game.get("kind") != KIND or not config:
        return None
    return {
        "id": game["game_id"],
        "name": game["name"],
        "kind": game["kind"],
        "currency": config["currency"],
        "stakes": [config["stake"]],
        "view_timeout_s": config["view_timeout_s"],
        "commitment": game.get("commitment"),
    }


# The hub's games as a login offers them, kept per execution environment (``casino.cache``): a
# login does not read every game; ``GET /games`` (the page's refresh) and every play read afresh.
HUB_GAMES_CACHE_S = 30.0
_hub_games: cache.Ttl[str, list[dict[str, Any]]] = cache.Ttl(HUB_GAMES_CACHE_S, max_items=1)


def _hub_game_list(*, cached: bool) -> list[dict[str, Any]]:
    found = _hub_games.get("hub") if cached else None
    if found is None:
        found = registry.games_of("hub")
        _hub_games.put("hub", found)
    return found


def session_games(session: dict[str, Any], *, cached: bool = False) -> dict[str, Any]:
    """The active hub games the session may play: in the currency of its accounts. ``cached``:
    the list this environment read in the last ``HUB_GAMES_CACHE_S`` (a login's offer; a game
    closed meanwhile is refused by the play itself, which reads its game)."""
    held = {a.get("currency") for a in session.get("accounts", []) if a.get("status", "active") == "active"}
    offers = [_offer(g) for g in _hub_game_list(cached=cached) if games.playable(g)]
    return {"games": [o for o in offers if o is not None and o["currency"] in held]}


# ---------------------------------------------------------------- play
def play(
    session: dict[str, Any], game_id: str, stake: str, play_id: str, remaining_ms: clock.Remaining | None = None
) -> dict[str, Any]:
    if not PLAY_ID.fullmatch(play_id):
        raise ValidationFailed("play_id: 8 to 64 characters of A-Z a-z 0-9 _ -", field="play_id")
    fp = fingerprint({"game_id": game_id, "stake": canonical(stake, field="stake")})
    earlier = store.play_record(session["id"], play_id)
    if earlier is not None:
        return _again(session, earlier, fp, remaining_ms)
    # A play's own rules, imported by the play (the history, a contract and its proof, which
    # import this module too, never need them: their imports were a third of those functions').
    from casino.hub import reality_check, session_end  # noqa: PLC0415

    reality_check.require_playable(session)  # a retry of a play made before it is answered above
    _open_for_plays(session)
    game = registry.game("hub", game_id)
    if game is None or not games.playable(game) or game.get("kind") != KIND or not game.get("commitment"):
        raise GameUnavailable(f"game {game_id!r} is not available", field="game_id")
    config = prizes.parse_config(game["configuration"])
    cur = config.currency
    if to_minor(stake, cur, field="stake") != config.stake:
        raise ValidationFailed(f"stake: one of {to_decimal_string(config.stake, cur)}", field="stake")
    balances = domain.balances_of(session.get("accounts", []), cur.code)
    if not any(a.get("currency") == cur.code for a in session.get("accounts", [])):
        raise GameUnavailable(f"game {game_id!r} is not offered in your currency", field="game_id")
    now = clock.now_ms()
    contract_id = ids.new_id("con", now)
    made: list[Contract] = []

    def companions(prize: Reservation) -> list[dict[str, Any]]:
        contract = _contract(contract_id, session, game_id, config, prize, play_id, balances, now)
        made[:] = [contract]
        return store.creation_items(contract, fp, now + (config.view_timeout_s * 1000) + DONE_GRACE_MS)

    try:
        _reserve(game, config, contract_id, companions)
    except CompanionRefused as refused:
        if refused.index == 1:  # the same play id, concurrently
            again = store.play_record(session["id"], play_id)
            if again is not None:
                return _again(session, again, fp, remaining_ms)
        raise session_end.closed(hub_store.session(session["id"])) from None
    contract = made[0]
    executions.start(contract)
    return _answer(_wait(contract, remaining_ms))


def _open_for_plays(session: dict[str, Any]) -> None:
    """``maintenance`` when ops closed the hub (or, for one of our own brands, the wallet its
    bets go to): one read of the flags; the operator is read only while a wallet flag is set."""
    from casino.ops import maintenance, services  # noqa: PLC0415 - a play's alone (see play)

    states = services.states(maintenance.HUB_PLAY + maintenance.BRIDGE_PLAY)
    closed = maintenance.hub_play_closed_by(states, bridge_session=False)
    if not closed and maintenance.hub_play_closed_by(states, bridge_session=True):
        closed = maintenance.hub_play_closed_by(states, operators.require(session["operator"]).is_bridge)
    maintenance.require_open(closed)


def _contract(
    contract_id: str,
    session: dict[str, Any],
    game_id: str,
    config: prizes.GameConfig,
    prize: Reservation,
    play_id: str,
    balances: list[tuple[str, int]],
    now: int,
) -> Contract:
    user = session["user"]
    path, sides = prizes.packed_path(prize.path)
    return Contract(
        id=contract_id,
        session_id=session["id"],
        operator=session["operator"],
        user_id=user["id"],
        wallet_user=user.get("ref_id") or user["id"],
        session_token=session.get("session_token"),
        game_id=game_id,
        currency_code=config.currency.code,
        stake=config.stake,
        prize=prize.amount_minor,
        series_id=prize.series_id,
        tickets=prize.tickets,
        position=prize.position,
        salt=prize.salt,
        path=path,
        sides=sides,
        root=_root(prize.series_id),
        play_id=play_id,
        view_timeout_s=config.view_timeout_s,
        bet_lines=domain.split_stake(config.stake, balances),
        steps=domain.new_steps(
            {
                "place_bet": ids.new_id("stp", now),
                "pay_winnings": ids.new_id("stp", now),
                "refund_bet": ids.new_id("stp", now),
            },
            now,
        ),
        start_date=now,
        line_data=True,
    )


def _root(series_id: str) -> str:
    root = series_store.root_of(series_id)
    if root is None:
        raise GameUnavailable(f"series {series_id!r} is not committed", field="game_id")
    return root


def _reserve(
    game: dict[str, Any],
    config: prizes.GameConfig,
    contract_id: str,
    companions: Callable[[Reservation], Sequence[Any]],
) -> Reservation:
    """A prize of the game's closing series first (prizes that came back to a series the game
    rolled over from), then of its current series. A series with nothing left to offer is
    followed by the next (one claimer generates and commits it) even while some of its prizes
    are held, so the game plays on; it stays closing until those are placed or sold. With
    ``stop`` the game closes once its series is sold out for good."""
    for _ in range(3):
        for closing in sorted(game.get("closing_series") or ()):
            try:
                reserved = series_store.reserve(closing, contract_id, companions)
            except SeriesHeld:
                continue
            if reserved is not None:
                return reserved
            registry.series_closed(str(game["game_id"]), closing)
        series_id = str(game["commitment"]["series_id"])
        try:
            reserved = series_store.reserve(series_id, contract_id, companions)
        except SeriesHeld:
            if config.on_sold_out == "stop":
                raise
            reserved = None
        if reserved is not None:
            return reserved
        game = _next_series(game, config, series_id)
    raise SeriesBusy("the game is busy; try again")


def _next_series(game: dict[str, Any], config: prizes.GameConfig, sold_out: str) -> dict[str, Any]:
    code = str(game["game_id"])
    if config.on_sold_out == "stop":
        registry.set_game_status("hub", code, "sold_out")
        raise GameUnavailable(f"game {code!r} is sold out", field="game_id")
    now = clock.now_ms()
    claim = secrets.token_hex(16)
    if registry.claim_rollover(code, sold_out, claim, now, now + ROLLOVER_LEASE_MS) is None:
        current = registry.game("hub", code)
        if current is not None and current.get("commitment", {}).get("series_id") != sold_out:
            return current
        raise SeriesBusy("a new series of this game is being committed; try again in a moment")
    series = prizes.generate(config)
    commitment = series_store.write_series(series, game=code)
    published = registry.publish_next_commitment(code, sold_out, claim, commitment)
    if published is None:
        raise SeriesBusy("a new series of this game is being committed; try again in a moment")
    return published


def _again(
    session: dict[str, Any], record: dict[str, Any], fp: str, remaining_ms: clock.Remaining | None
) -> dict[str, Any]:
    if record["fingerprint"] != fp:
        raise Conflict("play_id: already used for another play", field="play_id")
    contract = store.load(session["id"], str(record["contract_id"]))
    if contract is None:
        raise NotFound("play_id: its contract is gone", field="play_id")
    if contract.phase == "placing":
        executions.start(contract)  # a no-op if it runs; starts it if the first play died before it could
    return _answer(_wait(contract, remaining_ms))


def _wait(contract: Contract, remaining_ms: clock.Remaining | None) -> Contract:
    budget = WAIT_MS if remaining_ms is None else min(WAIT_MS, remaining_ms() - 1_000)
    deadline = time.monotonic() + budget / 1000
    while contract.phase == "placing" and time.monotonic() < deadline:
        time.sleep(POLL_S)
        contract = store.load(contract.session_id, contract.id) or contract
    return contract


def _answer(contract: Contract) -> dict[str, Any]:
    if contract.status == "cancelled":
        error = contract.steps["place_bet"].error or {}
        raise WalletRefused(str(error.get("code", "refused")), str(error.get("message", "the bet was refused")))
    return {"contract": _with_balance(contract)}


def _with_balance(contract: Contract) -> dict[str, Any]:
    session = hub_store.session(contract.session_id) or {}
    return {**views.contract(contract), "balance": [views.account(a) for a in session.get("accounts", [])]}


# ---------------------------------------------------------------- contracts
def _mine(session: dict[str, Any], contract_id: str) -> Contract:
    found = store.load(session["id"], contract_id) if CONTRACT_ID.fullmatch(contract_id) else None
    if found is None:
        raise NotFound(f"contract {contract_id!r} not found", field="contract_id")
    return found


def contract(session: dict[str, Any], contract_id: str) -> dict[str, Any]:
    return {"contract": _with_balance(_mine(session, contract_id))}


def view_done(session: dict[str, Any], contract_id: str, remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    """The player has seen the prize: the view task's token goes back (once; twice is harmless).
    If the view task has not stored its token yet, wait for it briefly; past that, the view
    timeout settles the contract anyway."""
    found = _mine(session, contract_id)
    budget_s = VIEW_WAIT_S if remaining_ms is None else min(VIEW_WAIT_S, (remaining_ms() - 1_000) / 1000)
    deadline = time.monotonic() + budget_s
    while found.phase in ("placing", "viewing") and not found.extra.get("view_sent"):
        token = store.mark_viewed(found.session_id, found.id)
        if token is not None:
            _send(token)
            break
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_S)
        found = store.load(found.session_id, found.id) or found
    return {"contract": _with_balance(store.load(found.session_id, found.id) or found)}


def _send(token: str) -> None:
    client = aws.stepfunctions()
    gone = (client.exceptions.TaskTimedOut, client.exceptions.InvalidToken, client.exceptions.TaskDoesNotExist)
    with contextlib.suppress(*gone):  # the view timed out first: the contract settles anyway
        client.send_task_success(taskToken=token, output=json.dumps({"viewed": True}))


def history(session: dict[str, Any], cursor: str | None, limit: int = HISTORY_LIMIT) -> dict[str, Any]:
    if cursor is not None and not CONTRACT_ID.fullmatch(cursor):
        raise ValidationFailed("cursor: not a cursor this history gave", field="cursor")
    found, after = store.of_session(session["id"], limit, cursor)
    return {"contracts": [views.contract(c) for c in found], "next_cursor": after}


def proof(session: dict[str, Any], contract_id: str) -> dict[str, Any]:
    """The contract's reveal checked against the commitment published for its series (its META,
    written before the first sale), not against anything the contract holds."""
    found = _mine(session, contract_id)
    if not found.placed:
        raise NotFound(f"contract {contract_id!r} has no revealed prize", field="contract_id")
    meta = series_store.meta_of(found.series_id) or {}
    root = str(meta.get("root", ""))
    reveal = found.reveal()
    problem = prizes.why_invalid(reveal, root)
    return {
        "contract_id": found.id,
        "reveal": reveal.to_json(),
        "commitment": {k: meta.get(k) for k in ("series_id", "root", "tickets", "committed_at")},
        "valid": problem is None,
        **({"problem": problem} if problem else {}),
    }
