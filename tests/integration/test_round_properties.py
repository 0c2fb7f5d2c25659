"""Hypothesis over a provider round: random sequences of BET, WIN, REFUND, cancel and replays by
two players on one round (duplicates, reordering, cancels before arrival), through the real
callbacks and store on the local stack.

After every sequence: the books audit is clean for both players (every entry owned, no round
paying back more than it staked, nothing reversed twice), the player who does not own the
round has exactly the balance it started with, and every replay answered as the first time.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino.provider import callbacks
from casino.provider.errors import ProviderError
from casino.registry import game_sync, providers
from casino.registry.providers import Provider
from tests.conftest import RunningStack
from tests.provider.conftest import bet, make_player, next_id

EXAMPLES = int(os.environ.get("ROUND_EXAMPLES", "12"))

step = st.tuples(
    st.sampled_from(["a", "b"]),
    st.sampled_from(["BET", "BET", "WIN", "REFUND", "cancel", "cancel", "replay", "cancel_unseen"]),
    st.integers(1, 12),  # amount in major units, or which earlier transaction
)


@pytest.fixture(scope="module")
def tlt(running: RunningStack) -> Provider:
    assert game_sync.run("tlt")["outcome"] == "ok"
    found = providers.get("tlt")
    assert found is not None
    return found


def outcome(call: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", call(*args)
    except ProviderError as refused:
        return "error", refused.code


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_a_round_never_pays_more_than_its_rules_nor_touches_another_player(
    running: RunningStack, tlt: Provider, steps: list[tuple[str, str, int]]
) -> None:
    players = {"a": make_player(running, real="50.00"), "b": make_player(running, real="50.00")}
    start = {k: p.balances()["real"] for k, p in players.items()}
    rid = next_id()
    sent: list[tuple[str, dict[str, Any], tuple[str, Any]]] = []  # (kind, data, first outcome)
    for who, kind, n in steps:
        player = players[who]
        if kind in ("BET", "WIN", "REFUND"):
            data = bet(player, n, round_id=rid)
            data["transaction_type"] = kind
            first = outcome(callbacks.changebalance, tlt, data)
            sent.append(("change", data, first))
        elif kind == "cancel" and sent:
            data = sent[0 if n <= 4 else n % len(sent)][1]  # the round's first transaction, often
            request = {"user_id": player.id, "transaction_id": data["transaction_id"], "round_id": rid, "game_id": 1001}
            outcome(callbacks.cancel, tlt, request)
        elif kind == "cancel_unseen":
            request = {"user_id": player.id, "transaction_id": next_id(), "round_id": rid, "game_id": 1001}
            assert outcome(callbacks.cancel, tlt, request)[0] == "ok"
        elif kind == "replay" and sent:
            _, data, first = sent[n % len(sent)]
            again = outcome(callbacks.changebalance, tlt, data)
            if first[0] == "ok" or again[1] != "OP_42":
                assert again == first
    owners = {d["user_id"] for _, d, first in sent if d["transaction_type"] == "BET" and first[0] == "ok"}
    assert len(owners) <= 1
    for key, player in players.items():
        status, report = running.call("GET", "/api/v1/admin/ledger/verify", query=f"player_id={player.id}")
        assert status == 200 and report["differences"] == [], report
        if player.id not in owners and not any(d["user_id"] == player.id for _, d, f in sent if f[0] == "ok"):
            assert player.balances()["real"] == start[key]
