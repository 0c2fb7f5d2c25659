"""The books at the end of ``make soak`` (``bench/soak.py``): every invariant, pass or fail, each
with what broke it.

Sources: the platform's own checks over its API (``GET /admin/ledger/verify`` per player and for
everyone, ``GET /admin/players/{id}``, ``.../ledger``, ``GET /admin/status``), the contracts and
prizes as the hub stores them (read in-process through its stores, as ops would query them), the
provider simulator's own account of each player, and the fake operator's own books (what it
applied, once per transaction id, and each user's balance).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.soak_actors import Api, ProviderActor, SoakSimulator, World

TERMINAL = frozenset({"finalized", "cancelled", "refunded"})
RELEASED = frozenset({"cancelled", "refunded"})  # their prize went back to the pool
MAX_LISTED = 20
MAX_AUDIT_PAGES = 500


@dataclass
class Invariant:
    name: str
    what: str
    problems: list[str] = field(default_factory=list)
    checked: int = 0

    def expect(self, condition: bool, problem: str) -> None:
        self.checked += 1
        if not condition:
            self.problems.append(problem)

    def result(self) -> dict[str, Any]:
        return {
            "pass": not self.problems,
            "what": self.what,
            "checked": self.checked,
            "failures": len(self.problems),
            "problems": self.problems[:MAX_LISTED],
        }


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def minor(value: int) -> Decimal:
    return Decimal(value) / 100  # EUR, the only currency of the soak


# ---------------------------------------------------------------- reading
def contracts_of(session_ids: set[str]) -> list[Any]:
    """Every contract of the run's sessions, as the hub stores it."""
    from casino.contract import store

    found = []
    for session_id in sorted(session_ids):
        after = None
        while True:
            page, after = store.of_session(session_id, 100, after)
            found.extend(page)
            if after is None:
                break
    return found


def ledger_of(api: Api, pid: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = f"/players/{pid}/ledger?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, page = api.admin("admin.players_ledger", "GET", path)
        if status != 200:
            raise RuntimeError(f"ledger of {pid}: HTTP {status} {page}")
        entries.extend(page["entries"])
        cursor = page.get("next_cursor")
        if not cursor:
            return entries


# ---------------------------------------------------------------- the checks
class Books:
    def __init__(
        self,
        world: World,
        api: Api,
        providers: list[tuple[SoakSimulator, list[ProviderActor]]],
        *,
        audit_all: bool = True,
    ) -> None:
        self.world, self.api, self.providers = world, api, providers
        self.audit_all = audit_all
        self.contracts = contracts_of(world.sessions)
        self.by_id = {c.id: c for c in self.contracts}
        self.stats: dict[str, Any] = {}

    def run(self) -> dict[str, Invariant]:
        steps: list[tuple[str, Callable[[], Invariant | list[Invariant]]]] = [
            ("balances_equal_ledgers", self.ledgers),
            *([("books_audit_clean", self.books_audit)] if self.audit_all else []),
            ("provider_simulator_books", self.provider_accounts),
            ("contracts_terminal_or_flagged", self.contracts_ended),
            ("operator_balances_match", self.operator_books),
            ("bridge_balances_match", self.bridge_books),
            ("no_prize_sold_twice", self.prizes),
            ("limits_held", self.limits_held),
            ("retries_answered_alike", self.retries_alike),
            ("no_5xx_on_good_input", self.no_unexpected_5xx),
        ]
        checks: list[Invariant] = []
        for name, step in steps:
            try:  # a check that cannot run (an answer it cannot read) fails its invariant, never the soak
                found = step()
            except Exception as failed:
                broken = Invariant(name, "the check could run")
                broken.expect(False, f"the check failed: {type(failed).__name__}: {failed}")
                found = broken
            checks += found if isinstance(found, list) else [found]
        merged: dict[str, Invariant] = {}
        for check in checks:  # the operator's and the bridge's books share names: one invariant each
            held = merged.setdefault(check.name, Invariant(check.name, check.what))
            held.problems += check.problems
            held.checked += check.checked
            if check.what not in held.what:
                held.what += "; " + check.what
        return merged

    # -- the wallet: balances against their ledgers, the books audit
    def wallet_players(self) -> list[str]:
        sims = [p.id for _, actors in self.providers for a in actors for p in a.players]
        return sims + [p.pid for p in self.world.players]

    def ledgers(self) -> Invariant:
        check = Invariant(
            "balances_equal_ledgers",
            "each soak player's stored balances equal the sum of its ledger entries, and its books audit is clean "
            "(GET /admin/ledger/verify?player_id=)",
        )
        for pid in self.wallet_players():
            status, report = self.api.admin("admin.ledger_verify", "GET", f"/ledger/verify?player_id={pid}")
            check.expect(status == 200, f"{pid}: ledger/verify answered HTTP {status} {report}")
            if status == 200:
                check.expect(report["differences"] == [], f"{pid}: {report['differences'][:3]}")
        return check

    def books_audit(self) -> Invariant:
        check = Invariant(
            "books_audit_clean",
            "GET /admin/ledger/verify over every player: each ledger chain, each round and bridge step owned, "
            "nothing paid back more than staked, nothing reversed or settled twice",
        )
        cursor, checked = None, 0
        for _ in range(MAX_AUDIT_PAGES):  # a page at a time when the endpoint pages (next_cursor)
            path = "/ledger/verify" + (f"?cursor={cursor}" if cursor else "")
            status, report = self.api.admin("admin.ledger_verify (all)", "GET", path)
            check.expect(status == 200, f"ledger/verify (all) answered HTTP {status} {str(report)[:300]}")
            if status != 200:
                break
            checked += int(report.get("checked", 0))
            for difference in report["differences"]:
                check.expect(False, str(difference))
            cursor = report.get("next_cursor")
            if not cursor:
                break
        self.stats["books_audit_players_checked"] = checked
        return check

    def provider_accounts(self) -> Invariant:
        check = Invariant(
            "provider_simulator_books",
            "every callback answer signed, every retry answered as the first, no 5xx, and each provider "
            "player's balance equal to the simulator's own account of it",
        )
        for sim, actors in self.providers:
            players = [p for a in actors for p in a.players if p.id not in a.tainted]
            sim.check(players)
            for problem in sim.report.problems:
                check.expect(False, f"{sim.label}: {problem}")
            check.checked += sim.report.callbacks + len(players)
        return check

    # -- the contracts
    def contracts_ended(self) -> Invariant:
        check = Invariant(
            "contracts_terminal_or_flagged",
            "every contract finalized, cancelled or refunded, or errored and on the needing-attention list",
        )
        status, report = self.api.admin("admin.status", "GET", "/status")
        listed = {c["contract_id"] for c in report.get("contracts_needing_attention", [])} if status == 200 else set()
        statuses = Counter(c.status for c in self.contracts)
        flagged = [c for c in self.contracts if c.status == "errored"]
        for c in self.contracts:
            ok = c.status in TERMINAL or (c.status == "errored" and c.extra.get("flagged_at") is not None)
            check.expect(ok, f"{c.id}: {c.status} (phase {c.phase}), neither ended nor flagged")
        if flagged and status == 200:
            shown = len(listed & {c.id for c in flagged})
            check.expect(
                shown >= min(len(flagged), 50), f"admin status lists {shown} of {len(flagged)} errored contracts"
            )
        answered = {p.contract_id for p in self.world.played}
        missing = answered - set(self.by_id)
        check.expect(not missing, f"{len(missing)} contract(s) answered by POST /play not found: {sorted(missing)[:5]}")
        self.stats["contracts"] = {
            "total": len(self.contracts),
            "by_status": dict(sorted(statuses.items())),
            "won": sum(1 for c in self.contracts if c.status == "finalized" and c.prize > 0),
            "flagged": [{"id": c.id, "phase": c.phase, "error": c.extra.get("last_error")} for c in flagged][
                :MAX_LISTED
            ],
        }
        return check

    def _expected_net(self, c: Any) -> set[Decimal]:
        """What a contract may have moved at the operator, by its state."""
        stake, prize = minor(c.stake), minor(c.prize)
        if c.status == "finalized":
            return {prize - stake}
        if c.status in RELEASED:
            return {Decimal(0)}
        if c.phase in ("placing", "refunding"):
            return {Decimal(0), -stake}
        return {-stake, prize - stake}  # placed, its settlement under way or flagged

    def operator_books(self) -> list[Invariant]:
        """The fake operator's own books against the hub's contracts."""
        twice = Invariant(
            "no_money_moved_twice", "the operator applied each contract's bet, win and refund at most once"
        )
        lost = Invariant("no_win_lost", "every finalized winning contract's win applied once, in full, naming its bet")
        match = Invariant(
            "operator_balances_match",
            "each operator user's balance = its start + what the hub's contracts moved; each contract's net as its state says",
        )
        fake = self.world.operator
        moved = fake.moved()
        by_contract: dict[str, list[dict[str, Any]]] = defaultdict(list)
        by_user: dict[str, Decimal] = defaultdict(Decimal)
        for tid, tx in moved.items():
            tx["id"] = tid
            by_contract[str(tx["body"].get("data", {}).get("contract_id"))].append(tx)
            by_user[str(tx["body"].get("user_id"))] += sum((amount for _, amount in tx["lines"]), Decimal(0))
        ours = [c for c in self.contracts if c.operator == self.world.operator_code]
        prizes_sold: Counter[str] = Counter()
        for c in ours:
            txs = by_contract.get(c.id, [])
            applied = Counter(
                tx["action"] for tx in txs if tx["status"] == 200 and (tx["lines"] or tx["action"] == "lose")
            )
            for action in ("play", "win", "lose", "refund"):
                twice.expect(applied[action] <= 1, f"{c.id}: {applied[action]} {action} transactions applied")
            twice.expect(
                applied["win"] + applied["lose"] <= 1, f"{c.id}: settled {applied['win'] + applied['lose']} times"
            )
            ids = {tx["id"] for tx in txs}
            expected_ids = {s.id for s in c.steps.values()}
            twice.expect(ids <= expected_ids, f"{c.id}: transaction ids not its steps' {sorted(ids - expected_ids)}")
            net = sum((a for tx in txs for _, a in tx["lines"]), Decimal(0))
            match.expect(
                net in self._expected_net(c), f"{c.id} ({c.status}, phase {c.phase}): moved {net} at the operator"
            )
            if c.status == "finalized":
                settled = [tx for tx in txs if tx["action"] in ("win", "lose") and tx["status"] == 200]
                paid = sum((a for tx in settled for _, a in tx["lines"]), Decimal(0))
                lost.expect(
                    len(settled) == 1 and paid == minor(c.prize),
                    f"{c.id}: prize {minor(c.prize)}, the operator applied {len(settled)} settlement(s) paying {paid}",
                )
                if settled:
                    lost.expect(
                        settled[0]["body"].get("prev_transactions") == [c.steps["place_bet"].id],
                        f"{c.id}: its win names {settled[0]['body'].get('prev_transactions')}",
                    )
            live = [tx for tx in txs if tx["action"] == "play" and tx["lines"]]
            refunded = any(tx["action"] == "refund" and tx["lines"] for tx in txs)
            if live and not refunded:
                prizes_sold[str(live[0]["body"]["data"].get("prize_id"))] += 1
        for prize_id, n in prizes_sold.items():
            twice.expect(n <= 1, f"prize {prize_id}: bought {n} times at the operator")
        self.stats["operator_prizes_bought"] = len(prizes_sold)
        # each user: the balance equals its start plus what was applied; with every contract of the user
        # ended, that is exactly what the hub's contracts say
        ended_users: dict[str, Decimal] = defaultdict(Decimal)
        open_users = set()
        for c in ours:
            if c.status == "finalized":
                ended_users[c.wallet_user] += minor(c.prize) - minor(c.stake)
            elif c.status not in RELEASED:
                open_users.add(c.wallet_user)
        for user, start in self.world.fake_starts.items():
            held = fake.users.get(user, {})
            total = sum(held.values(), Decimal(0)) - sum(start.values(), Decimal(0))
            match.expect(
                total == by_user.get(user, Decimal(0)), f"{user}: holds {total} more, applied {by_user.get(user)}"
            )
            if user not in open_users:
                match.expect(
                    total == ended_users.get(user, Decimal(0)),
                    f"{user}: the operator holds {total} more than at its start, its contracts moved {ended_users.get(user)}",
                )
        self.stats["operator_users"] = len(self.world.fake_starts)
        kept = Invariant(
            "operator_protocol_kept",
            "the strict fake wallet never answered the hub unauthorized, invalid_request or duplicate_mismatch",
        )
        kept.checked = len(fake.exchanges)
        for refusal in fake.refusals_of_the_protocol():
            kept.expect(False, refusal)
        return [twice, lost, match, kept]

    def bridge_books(self) -> list[Invariant]:
        """The password players' own wallet (the account bridge) against their contracts."""
        twice = Invariant("no_money_moved_twice", "the bridge moved each contract's bet, win and refund at most once")
        lost = Invariant("no_win_lost", "every finalized winning bridge contract credited once, in full")
        match = Invariant(
            "bridge_balances_match",
            "each password player's balance = accepted deposits + what its contracts moved",
        )
        for player in self.world.players:
            entries = ledger_of(self.api, player.pid)
            per: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            nets: dict[str, Decimal] = defaultdict(Decimal)
            for e in entries:
                ref = e.get("reference") or {}
                if ref.get("contract_id"):
                    action = str(ref.get("type", "")).rsplit(".", 1)[-1]
                    per[ref["contract_id"]][action].add(str(ref.get("transaction_id")))
                    nets[ref["contract_id"]] += money(e["amount"])
            mine = [c for c in self.contracts if c.session_id in set(player.sessions)]
            expected = player.deposited
            settled = True
            for c in mine:
                for action, tids in per.get(c.id, {}).items():
                    twice.expect(len(tids) <= 1, f"{c.id}: {len(tids)} {action} transactions on the bridge")
                net = nets.get(c.id, Decimal(0))
                match.expect(net in self._expected_net(c), f"{c.id} ({c.status}): moved {net} on the bridge")
                if c.status == "finalized":
                    expected += minor(c.prize) - minor(c.stake)
                    if c.prize > 0:
                        lost.expect(
                            len(per[c.id].get("win", ())) == 1 and net == minor(c.prize) - minor(c.stake),
                            f"{c.id}: prize {minor(c.prize)}, net {net} on the bridge",
                        )
                elif c.status not in RELEASED:
                    settled = False
            status, view = self.api.admin("admin.players_get", "GET", f"/players/{player.pid}")
            if status != 200:
                match.expect(False, f"{player.pid}: GET answered {status}")
                continue
            held = money(view["balances"]["real"]) + money(view["balances"]["bonus"])
            if settled:
                match.expect(held == expected, f"{player.pid}: holds {held}, its deposits and contracts say {expected}")
            player_stats = self.stats.setdefault("password_players", {"count": 0, "deposited": Decimal(0)})
            player_stats["count"] += 1
            player_stats["deposited"] += player.deposited
        return [twice, lost, match]

    def prizes(self) -> Invariant:
        check = Invariant(
            "no_prize_sold_twice",
            "each prize of a series held by at most one live contract, and a finalized contract's prize finished and its own",
        )
        from casino.hub import series_store

        holders: dict[tuple[str, int], list[str]] = defaultdict(list)
        for c in self.contracts:
            if c.status not in RELEASED:
                holders[(c.series_id, c.position)].append(c.id)
        for (series, position), ids in holders.items():
            check.expect(len(ids) == 1, f"prize {series}:{position} held by {ids}")
            prize = series_store.prize(series, position) or {}
            check.expect(
                prize.get("contract_id") in ids, f"prize {series}:{position} is {prize.get('contract_id')}'s, not {ids}"
            )
            finalized = [i for i in ids if self.by_id[i].status == "finalized"]
            if finalized:
                check.expect(
                    prize.get("status") == "finished",
                    f"prize {series}:{position} of {finalized[0]} is {prize.get('status')}",
                )
                check.expect(
                    int(prize.get("amount", -1)) == self.by_id[finalized[0]].prize,
                    f"prize {series}:{position}: {prize.get('amount')} stored, {self.by_id[finalized[0]].prize} paid",
                )
        for c in self.contracts:
            if c.status in RELEASED:
                prize = series_store.prize(c.series_id, c.position) or {}
                check.expect(
                    prize.get("contract_id") != c.id,
                    f"prize {c.series_id}:{c.position} still {prize.get('status')} for {c.id}, {c.status}: not back in the pool",
                )
        resold = Counter((c.series_id, c.position) for c in self.contracts)
        self.stats["prizes"] = {
            "series": len({c.series_id for c in self.contracts}),
            "prizes_sold": len(holders),
            "prizes_offered_again_after_a_refused_or_refunded_bet": sum(1 for n in resold.values() if n > 1),
        }
        return check

    def limits_held(self) -> Invariant:
        check = Invariant(
            "limits_held",
            "no password player deposited, staked or lost more than its limits allow (the day's, UTC)",
        )
        for player in self.world.players:
            mine = [c for c in self.contracts if c.session_id in set(player.sessions)]
            staked = sum((minor(c.stake) for c in mine if c.status not in RELEASED), Decimal(0))
            won = sum((minor(c.prize) for c in mine if c.status == "finalized"), Decimal(0))
            if "deposit.day" in player.limits:
                check.expect(
                    player.deposited <= player.limits["deposit.day"], f"{player.pid}: deposited {player.deposited}"
                )
            if "wager.day" in player.limits:
                check.expect(
                    staked <= player.limits["wager.day"],
                    f"{player.pid}: staked {staked} over {player.limits['wager.day']}",
                )
            if "loss.day" in player.limits:
                check.expect(
                    staked - won <= player.limits["loss.day"],
                    f"{player.pid}: lost {staked - won} over {player.limits['loss.day']}",
                )
        return check

    def retries_alike(self) -> Invariant:
        check = Invariant(
            "retries_answered_alike",
            "a play sent again with its play_id, a create_session with its session_id, a deposit with its key: the first answer",
        )
        for mismatch in self.world.mismatches:
            check.expect(False, mismatch)
        check.checked += sum(
            n for (kind, _), n in self.world.tally.calls.items() if "retry" in kind or "same play_id" in kind
        )
        return check

    def no_unexpected_5xx(self) -> Invariant:
        check = Invariant(
            "no_5xx_on_good_input",
            "no 5xx answered to a well-formed request, but 503 upstream_unavailable when the operator's wallet did not answer",
        )
        for text in self.world.tally.unexpected_5xx:
            check.expect(False, text)
        if self.world.tally.unexpected_5xx_count > len(self.world.tally.unexpected_5xx):
            check.expect(False, f"... {self.world.tally.unexpected_5xx_count} in all")
        check.checked += sum(self.world.tally.calls.values())
        return check
