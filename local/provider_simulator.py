"""A game provider playing realistic sessions against a running stack, then checking the books.

    python -m local.provider_simulator --players 5 --rounds 40 [--base-url http://127.0.0.1:3000]

Against any wallet that speaks provider-callbacks.md (ours deployed elsewhere, or a third
party's), with your provider's credentials and players you were given (``--player`` as
``USER_ID:TOKEN``, a game-session token ``authenticate`` takes; repeatable):

    python -m local.provider_simulator --base-url https://wallet.example.com --provider acme \
        --operator-id acme-op --secret <secret> --signature hmac-sha256 --game-id 2001 \
        --player p-1:<token> --rounds 20

It then needs no admin key: each player's balance at the start is what ``authenticate``
answers, and at the end ``balance`` must answer the start plus what the simulator's own
account says was won and lost. With ``--admin-key`` (our own platform), players are created
and funded through the admin API instead (the default when no ``--player`` is given, with
the local stack's key), and the books are also checked with ``GET /ledger/verify``. The
players need funds for a few bets of 0.10 to 5.00 and the game must take such bets; amounts
are played with two decimals.

Each player is created through the admin API with real money and a bonus, gets a game
session, authenticates, and plays rounds: bets, wins, refunds, finish rounds; with retries
(the same transaction again with a new timestamp), concurrent duplicates, cancels of bets and
wins, and out-of-order cancels (the cancel arrives before its bet, which must then be refused
with OP_42). The simulator keeps its own account of what each player should hold and, at the
end, checks: every answer was signed; every retry answered as the first time; each balance
(real + bonus) equals the simulator's account; and ``GET /ledger/verify`` finds no difference.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from local.provider_client import HMAC_SHA256, SEED_SHA1, Answer, ProviderClient, now_ms


@dataclass
class SimPlayer:
    id: str
    token: str
    expected: Decimal  # real + bonus the player should hold
    bets: list[dict[str, Any]] = field(default_factory=list)
    wins: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    callbacks: int = 0
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


class Simulator:
    refusals: frozenset[str] = frozenset({"OP_50"})  # what may refuse a bet (a subclass adds OP_36 for limits)

    def __init__(
        self,
        base_url: str,
        admin_key: str | None,
        seed: int,
        provider: ProviderClient | None = None,
        currency: str = "EUR",
    ):
        self.base_url = base_url.rstrip("/")
        self.admin = (  # our own platform: players created and books checked; else players are given
            httpx.Client(
                base_url=f"{self.base_url}/api/v1/admin", timeout=30, headers={"Authorization": f"Bearer {admin_key}"}
            )
            if admin_key
            else None
        )
        self.provider = provider or ProviderClient(self.base_url)
        self.currency = currency
        self.random = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
        self.report = Report()
        self._ids = iter(range(seed * 10_000_000 + int(time.time()) % 1_000_000 * 1_000, 10**15))

    def next_id(self) -> int:
        return next(self._ids)

    def send(self, command: str, data: dict[str, Any], timestamp: str | None = None) -> Answer:
        answer = self.provider.send(command, data, timestamp=timestamp)
        self.report.callbacks += 1
        self.report.expect(answer.signed, f"{command}: answer not signed")
        self.report.expect(answer.http_status < 500, f"{command}: HTTP {answer.http_status}")
        return answer

    # ---------------------------------------------------------------- set-up
    def new_player(self, real: str, bonus: str, game_id: int) -> SimPlayer:
        if self.admin is None:
            raise ValueError("creating players needs an admin key; give players (USER_ID:TOKEN) instead")
        pid = f"sim-{uuid.uuid4().hex[:10]}"
        self.admin.post("/players", json={"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR"})
        self.admin.post(
            f"/players/{pid}/transactions",
            json={"type": "adjustment", "amount": real, "idempotency_key": f"{pid}-real"},
        )
        self.admin.post(
            f"/players/{pid}/bonuses",
            json={
                "amount": bonus,
                "mode": "BONUS_ONLY",
                "wagering_multiplier": "30",
                "expires_at": int(now_ms()) + 30 * 86_400_000,
                "idempotency_key": f"{pid}-bonus",
            },
        )
        session = self.admin.post(
            "/game-sessions", json={"player_id": pid, "provider": self.provider.provider, "game_id": game_id}
        ).json()
        player = SimPlayer(pid, session["token"], Decimal(real) + Decimal(bonus))
        auth = self.send("authenticate", {"token": player.token})
        self.report.expect(
            auth.ok and Decimal(auth.data["balance"]) == player.expected, f"{pid}: authenticate answered {auth.body}"
        )
        return player

    def given_player(self, user_id: str, token: str) -> SimPlayer:
        """A player you were given: what ``authenticate`` answers is its balance at the start."""
        auth = self.send("authenticate", {"token": token})
        self.report.expect(
            auth.ok and auth.data.get("user_id") == user_id, f"{user_id}: authenticate answered {auth.body}"
        )
        self.report.expect(
            not auth.ok or auth.data.get("currency_code") == self.currency,
            f"{user_id}: plays in {auth.data.get('currency_code')}, not {self.currency} (--currency)",
        )
        return SimPlayer(user_id, token, Decimal(str(auth.data.get("balance", 0))))

    # ---------------------------------------------------------------- play
    def change(
        self,
        player: SimPlayer,
        kind: str,
        amount: Decimal,
        round_id: int,
        game_id: int,
        transaction_id: int | None = None,
        **extra: Any,
    ) -> tuple[dict[str, Any], Answer]:
        data = {
            "token": player.token,
            "user_id": player.id,
            "transaction_type": kind,
            "transaction_id": transaction_id or self.next_id(),
            "round_id": round_id,
            "game_id": game_id,
            "currency_code": self.currency,
            "amount": amount,
            "transaction_timestamp": now_ms(),
            **extra,
        }
        return data, self.send("changebalance", data)

    def retry(self, data: dict[str, Any], first: Answer) -> None:
        again = self.send("changebalance", data, timestamp=str(int(now_ms()) + 7))
        self.report.count("retries")
        self.report.expect(again.body["data"] == first.body["data"], f"retry of {data['transaction_id']} differs")

    def duplicate_storm(self, data: dict[str, Any]) -> Answer:
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: self.send("changebalance", data), range(4)))
        self.report.count("duplicate storms")
        self.report.expect(
            all(a.data == answers[0].data for a in answers),
            f"concurrent duplicates of {data['transaction_id']} answered differently",
        )
        return answers[0]

    def play_round(self, player: SimPlayer, game_id: int) -> None:
        r = self.random
        round_id = self.next_id()
        amount = Decimal(r.randint(10, 500)) / 100
        if r.random() < 0.08:  # out-of-order: the cancel arrives before its bet
            early = self.next_id()
            cancelled = self.send(
                "cancel", {"user_id": player.id, "transaction_id": early, "round_id": round_id, "game_id": game_id}
            )
            self.report.expect(cancelled.data.get("transaction_status") == "CANCELED", "early cancel not CANCELED")
            _, late = self.change(player, "BET", amount, round_id, game_id, transaction_id=early)
            self.report.expect(late.error_code == "OP_42", f"bet after its cancel answered {late.body}")
            self.report.count("out-of-order cancels")
            return
        if r.random() < 0.1:
            data = self._bet_data(player, amount, round_id, game_id)
            placed = self.duplicate_storm(data)
        else:
            data, placed = self.change(player, "BET", amount, round_id, game_id)
        if not placed.ok:
            self.report.expect(placed.error_code in self.refusals, f"bet refused with {placed.body}")
            self.report.count("refused bets")
            return
        player.expected -= amount
        player.bets.append(data)
        if r.random() < 0.2:
            self.retry(data, placed)
        roll = r.random()
        if roll < 0.1:
            _, refunded = self.change(player, "REFUND", amount, round_id, game_id)
            if refunded.ok:
                player.expected += amount
                self.report.count("refunds")
            return
        if roll < 0.18:
            cancelled = self.send(
                "cancel",
                {
                    "user_id": player.id,
                    "transaction_id": data["transaction_id"],
                    "round_id": round_id,
                    "game_id": game_id,
                },
            )
            self.report.expect(cancelled.ok, f"cancel of a bet answered {cancelled.body}")
            player.expected += amount
            self.report.count("cancelled bets")
            return
        prize = Decimal(r.choice([0, 0, 0, 50, 100, 150, 200, 500])) * amount / 100
        prize = prize.quantize(Decimal("0.01"))
        win_data, won = self.change(player, "WIN", prize, round_id, game_id, round_finished=r.random() < 0.5)
        self.report.expect(won.ok, f"win answered {won.body}")
        player.expected += prize
        player.wins.append(win_data)
        if r.random() < 0.15:
            self.retry(win_data, won)
        if r.random() < 0.05 and prize > 0:
            cancelled = self.send(
                "cancel",
                {
                    "user_id": player.id,
                    "transaction_id": win_data["transaction_id"],
                    "round_id": round_id,
                    "game_id": game_id,
                },
            )
            if cancelled.ok:
                player.expected -= prize
                self.report.count("cancelled wins")
        finished = self.send(
            "finishround",
            {
                "round_id": round_id,
                "user_id": player.id,
                "game_id": game_id,
                "round_date": now_ms(),
                "round_ts": now_ms(),
            },
        )
        self.report.expect(finished.ok, f"finishround answered {finished.body}")

    def _bet_data(self, player: SimPlayer, amount: Decimal, round_id: int, game_id: int) -> dict[str, Any]:
        return {
            "token": player.token,
            "user_id": player.id,
            "transaction_type": "BET",
            "transaction_id": self.next_id(),
            "round_id": round_id,
            "game_id": game_id,
            "currency_code": self.currency,
            "amount": amount,
            "transaction_timestamp": now_ms(),
        }

    # ---------------------------------------------------------------- the books
    def check(self, players: list[SimPlayer]) -> None:
        for player in players:
            if self.admin is None:  # the wallet's own word: balance = real + playable bonus
                told = self.send(
                    "balance", {"token": player.token, "currency_code": self.currency, "user_id": player.id}
                )
                held = Decimal(str(told.data.get("balance"))) if told.ok else None
                self.report.expect(
                    held == player.expected, f"{player.id}: balance {told.body}, should be {player.expected}"
                )
                continue
            view = self.admin.get(f"/players/{player.id}").json()
            held = Decimal(view["balances"]["real"]) + Decimal(view["balances"]["bonus"])
            self.report.expect(held == player.expected, f"{player.id}: holds {held}, should hold {player.expected}")
            verify = self.admin.get("/ledger/verify", params={"player_id": player.id}).json()
            self.report.expect(verify["differences"] == [], f"{player.id}: ledger differences {verify}")

    def run(self, players: int, rounds: int, game_id: int = 1001, given: list[tuple[str, str]] | None = None) -> Report:
        """``players`` new players (admin API), or the ``given`` (user id, token) pairs."""
        if given:
            sims = [self.given_player(user_id, token) for user_id, token in given]
        else:
            sims = [self.new_player("50.00", "20.00", game_id) for _ in range(players)]
        if given and self.report.problems:  # a player we cannot play with
            return self.report

        def play(player: SimPlayer) -> None:
            for _ in range(rounds):
                self.play_round(player, game_id)

        with ThreadPoolExecutor(max_workers=max(1, players)) as pool:
            list(pool.map(play, sims))
        self.check(sims)
        return self.report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Play provider sessions against a running stack and check the books.")
    parser.add_argument(
        "--base-url", default="http://127.0.0.1:3000", help="the wallet (/api/v1/provider/... under it)"
    )
    parser.add_argument("--provider", default="tlt", help="your provider code (the path's {provider})")
    parser.add_argument("--operator-id", default="demo-casino", help="X-Operator-Id: the operator id you were given")
    parser.add_argument("--secret", default="tlt-demo-secret", help="your provider secret")
    parser.add_argument("--signature", default=SEED_SHA1, choices=[HMAC_SHA256, SEED_SHA1], help="your scheme")
    parser.add_argument("--game-id", type=int, default=1001, help="a game of yours the players may bet on")
    parser.add_argument("--currency", default="EUR", help="the players' currency")
    parser.add_argument(
        "--player",
        action="append",
        default=[],
        metavar="USER_ID:TOKEN",
        help="a player you were given, with a game-session token (repeatable); none: created with --admin-key",
    )
    parser.add_argument("--admin-key", help="our own platform's admin key (default local-admin-key when no --player)")
    parser.add_argument("--players", type=int, default=5, help="how many players to create (with --admin-key)")
    parser.add_argument("--rounds", type=int, default=40, help="rounds per player")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    given = []
    for text in args.player:
        user_id, sep, token = text.rpartition(":")
        if not sep or not user_id or not token:
            parser.error(f"--player {text!r}: USER_ID:TOKEN")
        given.append((user_id, token))
    admin_key = args.admin_key or (None if given else "local-admin-key")
    provider = ProviderClient(args.base_url, args.provider, args.operator_id, args.secret, args.signature)
    started = time.monotonic()
    simulator = Simulator(args.base_url, admin_key, args.seed, provider, currency=args.currency)
    report = simulator.run(args.players, args.rounds, args.game_id, given)
    took = time.monotonic() - started
    print(
        f"{report.callbacks} callbacks in {took:.1f} s; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items()))
    )
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    print("books balance" if not report.problems else f"{len(report.problems)} problem(s)")
    return 0 if not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
