"""A committed prize series in HubTable: written, reserved under races, released, sold out
(``casino.hub.series_store``), on the moto-backed stack."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from typing import Any

import pytest

from casino import aws
from casino.hub import prizes, series_store
from casino.registry import store as registry
from tests.conftest import RunningStack


def table(tickets: int, lines: list[tuple[str, int]], rtp: str) -> dict[str, Any]:
    return {
        "currency": "EUR",
        "stake": "1.00",
        "tickets": tickets,
        "prizes": [{"amount": amount, "count": count} for amount, count in lines],
        "rtp": rtp,
    }


def committed(config: dict[str, Any]) -> tuple[prizes.Series, dict[str, Any]]:
    series = prizes.generate(prizes.parse_config(config), series_id=f"test.{uuid.uuid4().hex}")
    return series, series_store.write_series(series, game="test-game")


def contract() -> str:
    return f"con_{uuid.uuid4().hex}"


def test_a_written_series_reads_back_and_every_reserved_prize_proves_against_the_root(running: RunningStack) -> None:
    series, commitment = committed(table(100, [("50.00", 1), ("5.00", 4), ("1.00", 20)], "0.9"))
    assert commitment["root"] == series.root and commitment["tickets"] == 100
    meta = series_store.meta_of(series.series_id)
    assert meta is not None and meta["root"] == series.root
    assert prizes.parse_config(meta["configuration"]) == series.config
    for _ in range(30):
        held = series_store.reserve(series.series_id, contract())
        assert held is not None
        reveal = held.reveal(commitment["root"])
        assert prizes.verify(reveal, commitment["root"]), prizes.why_invalid(reveal, commitment["root"])
        assert reveal == series.proof(held.position)  # what was stored is what was committed
        tampered = prizes.Reveal(**{**reveal.__dict__, "amount_minor": reveal.amount_minor + 1})
        assert not prizes.verify(tampered, commitment["root"])


def test_200_concurrent_reservations_never_share_a_position_and_conserve_the_pool(running: RunningStack) -> None:
    series, _ = committed(table(1000, [("500.00", 1), ("20.00", 10), ("1.00", 200)], "0.9"))
    contracts = [contract() for _ in range(200)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        held = list(pool.map(lambda c: series_store.reserve(series.series_id, c), contracts))
    assert all(h is not None for h in held)
    positions = [h.position for h in held if h is not None]
    assert len(set(positions)) == 200
    stored = [series_store.prize(series.series_id, p) for p in range(series.tickets)]
    statuses = [s["status"] for s in stored if s is not None]
    assert len(statuses) == series.tickets
    assert statuses.count("reserved") == 200 and statuses.count("available") == series.tickets - 200
    owners = {s["position"]: s["contract_id"] for s in stored if s is not None and s["status"] == "reserved"}
    assert owners == {h.position: c for h, c in zip(held, contracts, strict=True) if h is not None}


def test_a_released_prize_is_sold_again_and_only_its_contract_releases_it(running: RunningStack) -> None:
    series, _ = committed(table(10, [("3.00", 1), ("1.00", 2)], "0.5"))
    held = {c: series_store.reserve(series.series_id, c) for c in [contract() for _ in range(10)]}
    with pytest.raises(series_store.SeriesBusy):  # nothing left to offer, but held prizes may come back
        series_store.reserve(series.series_id, contract())
    first, reservation = next(iter(held.items()))
    assert reservation is not None
    assert not series_store.release(series.series_id, reservation.position, contract())  # not its contract
    assert series_store.release(series.series_id, reservation.position, first)
    assert not series_store.release(series.series_id, reservation.position, first)  # twice: nothing more
    again = series_store.reserve(series.series_id, "con_again")
    assert again is not None and again.position == reservation.position
    assert again.amount_minor == reservation.amount_minor
    with pytest.raises(series_store.SeriesBusy):
        series_store.reserve(series.series_id, contract())
    # its bet was never placed: it cannot be finished
    assert not series_store.advance(series.series_id, again.position, "con_again", "finished")
    assert series_store.advance(series.series_id, again.position, "con_again", "in_progress")
    assert series_store.advance(series.series_id, again.position, "con_again", "finished")
    assert series_store.advance(series.series_id, again.position, "con_again", "finished")  # a retry
    assert not series_store.release(series.series_id, again.position, "con_again")  # sold stays sold


def place(series_id: str, position: int, contract_id: str) -> None:
    aws.dynamodb().transact_write_items(TransactItems=series_store.placed_writes(series_id, position, contract_id))  # type: ignore[arg-type]


def test_selling_out_a_series_pays_exactly_its_rtp(running: RunningStack) -> None:
    series, _ = committed(table(200, [("100.00", 1), ("10.00", 5), ("1.00", 40)], "0.95"))
    sold: list[series_store.Reservation] = []
    while (held := series_store.reserve(series.series_id, owner := contract())) is not None:
        sold.append(held)
        assert len(sold) <= series.tickets
        place(series.series_id, held.position, owner)  # its bet placed: no longer held
    assert sorted(h.position for h in sold) == list(range(series.tickets))
    stake = series.config.stake
    assert Fraction(sum(h.amount_minor for h in sold), stake * len(sold)) == Fraction(95, 100)
    assert series_store.sold_out(series.series_id)


def test_the_seeded_10000_ticket_series_is_committed_on_its_game(running: RunningStack) -> None:
    game = registry.game("hub", "lucky-7")
    assert game is not None and game["admin_status"] == "active"
    commitment = game["commitment"]
    meta = series_store.meta_of(commitment["series_id"])
    assert meta is not None and meta["root"] == commitment["root"] and meta["tickets"] == 10_000
    config = prizes.parse_config(meta["configuration"])
    assert Fraction(config.payout, config.stakes) == Fraction(95, 100)
    held = series_store.reserve(commitment["series_id"], contract())
    assert held is not None and prizes.verify(held.reveal(commitment["root"]), commitment["root"])
    assert series_store.release(
        commitment["series_id"],
        held.position,
        series_store.prize(commitment["series_id"], held.position)["contract_id"],
    )  # type: ignore[index]
