"""The bridge's rules and the books audit, on their own (pure, no tables)."""

from __future__ import annotations

from typing import Any

import pytest

from casino.bridge import plays
from casino.bridge.plays import InvalidRequest, Step
from casino.errors import ValidationFailed
from casino.ops import books
from casino.provider.rounds import Parts, Round
from casino.wallet.domain import LedgerEntry


def body(
    action: str, user: str = "u1", prev: list[str] | None = None, contract: str = "con_1", **extra: Any
) -> dict[str, Any]:
    return {
        "transaction_id": f"stp_{action}",
        "user_id": user,
        "type": f"instant_win.{action}",
        "data": {"contract_id": contract},
        "prev_transactions": prev if prev is not None else ["stp_play"],
        "transactions": [],
        **extra,
    }


def play(user: str = "u1", contract: str = "con_1", **changes: Any) -> Step:
    base = Step("demo", "stp_play", user, contract, "play", plays.OK, split={"real": 100, "bonus": 0}, version=1)
    return Step(**{**base.__dict__, **changes})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"prev_transactions": [f"s{i}" for i in range(21)]}, "prev_transactions"),
        ({"prev_transactions": ["x" * 65]}, "prev_transactions[0]"),
        ({"data": {}}, "data.contract_id"),
        ({"data": None}, "data"),
        ({"type": "instant_win.jackpot"}, "type"),
        ({"transaction_id": "stp_play"}, "prev_transactions"),  # names itself
    ],
)
def test_bad_steps_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        plays.parse({**body("win"), **change})
    assert refused.value.field == field


def test_a_win_settles_an_applied_play_of_its_user_and_contract_once() -> None:
    request = plays.parse(body("win"))
    assert plays.play_to_settle(request, {"stp_play": play()}).step_id == "stp_play"
    for named in (None, play(status=plays.ERROR), play(reversed_by="stp_r"), play(settled_by="stp_w")):
        with pytest.raises(InvalidRequest):
            plays.play_to_settle(request, {"stp_play": named})
    for other in (play(user="u2"), play(contract="con_2")):
        with pytest.raises(InvalidRequest):
            plays.check_named(request, {"stp_play": other})


def test_a_refund_reverses_an_unsettled_play_once_or_nothing() -> None:
    request = plays.parse(body("refund"))
    assert plays.play_to_refund(request, {"stp_play": play()}) is not None
    assert plays.play_to_refund(request, {"stp_play": None}) is None  # never applied: tombstone
    assert plays.play_to_refund(request, {"stp_play": play(reversed_by="stp_r")}) is None
    with pytest.raises(InvalidRequest):
        plays.play_to_refund(request, {"stp_play": play(settled_by="stp_w")})


# ------------------------------------------------------------------ the books audit
def entry(kind: str, amount: int, **reference: Any) -> LedgerEntry:
    return LedgerEntry(f"led_{kind}_{amount}_{len(reference)}", "a", "real", kind, amount, 0, 0, 0, reference)


def test_the_audit_finds_what_each_finding_did() -> None:
    mine = Round("tlt", 1, "a", 1001, staked=Parts(1000, 0))
    theirs = Round("tlt", 2, "b", 1001, staked=Parts(1000, 0))
    rounds = {("tlt", 1): mine, ("tlt", 2): theirs}
    # finding 2: BET 10, REFUND 10, cancel of the BET paid 10 again
    twice = [
        entry("BET", -1000, source="tlt", round_id=1),
        entry("REFUND", 1000, source="tlt", round_id=1),
        entry("ADJUSTMENT", 1000, source="tlt", round_id=1, cancels=7, cancels_type="BET"),
    ]
    assert [d["problem"] for d in books.audit("a", twice, rounds, {})] == ["round_overpaid"]
    # finding 3: A is paid a refund on B's round
    stolen = [entry("REFUND", 1000, source="tlt", round_id=2)]
    assert [d["problem"] for d in books.audit("a", stolen, rounds, {})] == ["round_owner", "round_overpaid"]
    # finding 1: a bridge win naming no play of this player
    bridge = [
        entry(
            "WIN",
            100_000_000,
            source="bridge:evil",
            transaction_id="stp_w",
            play="stp_p",
            type="instant_win.win",
            contract_id="c",
        )
    ]
    assert {d["problem"] for d in books.audit("a", bridge, rounds, {})} == {"bridge_owner"}
    # the same, done right, is clean
    steps = {
        ("evil", "stp_w"): Step("evil", "stp_w", "a", "c", "win", plays.OK),
        ("evil", "stp_p"): Step("evil", "stp_p", "a", "c", "play", plays.OK),
    }
    assert books.audit("a", bridge, rounds, steps) == []
    assert books.audit("a", twice[:2], rounds, {}) == []
