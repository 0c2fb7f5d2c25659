"""The books audit (``GET /admin/ledger/verify``), beyond each ledger chain adding up: every
movement is owned, and nothing is paid back twice.

For one player's ledger entries:
- ``round_owner``: a provider WIN, REFUND or cancel names a round that is not this player's;
- ``round_overpaid``: a round's stake side paid back more than it staked (refunds and bet
  cancels beyond the bets: "refund then cancel pays twice");
- ``reversed_twice``: one transaction reversed by more than one movement (counted on the
  reversal's own entries: a movement may also undo a bonus conversion on the same account);
- ``bridge_owner``: a bridge step, or the play its win or refund names, is not this player's
  or not of the same contract;
- ``play_settled_twice`` / ``play_refunded_twice``: a bridge play won (or lost) or refunded
  by more than one movement.

``audit`` is pure; ``audit_player`` reads the rounds and steps it needs (one batch of rounds,
one index query of the player's bridge steps).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from casino.bridge.plays import Step
from casino.provider.rounds import Round
from casino.wallet.domain import LedgerEntry

STAKE_SIDE = ("BET", "REFUND")
PROVIDER_MONEY = ("BET", "WIN", "REFUND", "ADJUSTMENT")


def _bridge(entry: LedgerEntry) -> str | None:
    source = str(entry.reference.get("source", ""))
    return source.split(":", 1)[1] if source.startswith("bridge:") else None


def _provider_round(entry: LedgerEntry) -> tuple[str, int] | None:
    source = entry.reference.get("source")
    rid = entry.reference.get("round_id")
    if source in (None, "admin") or _bridge(entry) is not None or rid is None or entry.type not in PROVIDER_MONEY:
        return None
    return str(source), int(rid)


def audit(
    player_id: str,
    entries: list[LedgerEntry],
    rounds: dict[tuple[str, int], Round | None],
    steps: dict[tuple[str, str], Step],
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stake: dict[tuple[str, int], int] = defaultdict(int)
    reversals: Counter[tuple[str, str, str]] = Counter()
    settles: Counter[tuple[str, str, str]] = Counter()
    refunds: Counter[tuple[str, str, str]] = Counter()
    for entry in entries:
        ref = entry.reference
        where = _provider_round(entry)
        if where is not None:
            rnd = rounds.get(where)
            if rnd is None or rnd.user_id != player_id:
                found.append(
                    {"player_id": player_id, "problem": "round_owner", "entry_id": entry.id, "round": list(where)}
                )
            if entry.type in STAKE_SIDE or ref.get("cancels_type") in STAKE_SIDE:
                stake[where] += entry.amount
        if ref.get("cancels") is not None and entry.type == "ADJUSTMENT":
            reversals[(str(ref.get("source")), str(ref["cancels"]), entry.account)] += 1
        operator = _bridge(entry)
        if operator is not None:
            found.extend(_bridge_owner(player_id, entry, operator, steps))
            action = str(ref.get("type", "")).rsplit(".", 1)[-1]
            play = ref.get("play")
            if play is not None and action in ("win", "lose") and entry.type == "WIN":
                settles[(operator, str(play), entry.account)] += 1
            if play is not None and action == "refund" and entry.type == "REFUND":
                refunds[(operator, str(play), entry.account)] += 1
    for where, net in stake.items():
        if net > 0:
            found.append({"player_id": player_id, "problem": "round_overpaid", "round": list(where), "paid_back": net})
    for counter, problem in (
        (reversals, "reversed_twice"),
        (settles, "play_settled_twice"),
        (refunds, "play_refunded_twice"),
    ):
        for (source, tid, account), count in counter.items():
            if count > 1:
                found.append(
                    {
                        "player_id": player_id,
                        "problem": problem,
                        "source": source,
                        "transaction_id": tid,
                        "account": account,
                    }
                )
    return found


def _bridge_owner(
    player_id: str, entry: LedgerEntry, operator: str, steps: dict[tuple[str, str], Step]
) -> list[dict[str, Any]]:
    ref = entry.reference
    problems = []
    step = steps.get((operator, str(ref.get("transaction_id"))))
    if step is None or step.user_id != player_id:
        problems.append(
            {"player_id": player_id, "problem": "bridge_owner", "entry_id": entry.id, "step": ref.get("transaction_id")}
        )
    named = ref.get("play") or ref.get("cancels")
    if named is not None:
        target = steps.get((operator, str(named)))
        if target is None or target.user_id != player_id or target.contract_id != ref.get("contract_id"):
            problems.append({"player_id": player_id, "problem": "bridge_owner", "entry_id": entry.id, "names": named})
    return problems


def audit_player(player_id: str, entries: list[LedgerEntry]) -> list[dict[str, Any]]:
    from casino import aws  # noqa: PLC0415
    from casino.bridge import store as bridge_store  # noqa: PLC0415
    from casino.provider import store as provider_store  # noqa: PLC0415

    wanted = sorted({w for e in entries if (w := _provider_round(e)) is not None})
    rounds: dict[tuple[str, int], Round | None] = {}
    for start in range(0, len(wanted), 100):
        chunk = wanted[start : start + 100]
        slots = {f"{s}#{r}": provider_store.round_slot(s, r) for s, r in chunk}
        items = aws.batch_get(slots)
        for s, r in chunk:
            item = items[f"{s}#{r}"]
            rounds[(s, r)] = provider_store.round_from_item(item) if item else None
    steps = {}
    if any(_bridge(e) is not None for e in entries):
        steps = {(s.operator, s.step_id): s for s in bridge_store.steps_of(player_id)}
    return audit(player_id, entries, rounds, steps)
