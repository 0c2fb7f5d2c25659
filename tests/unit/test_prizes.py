"""Instant-win prize series: the configuration, the shuffle, the commitment and its verifier."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import random
import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.errors import ValidationFailed
from casino.hub import verify as verify_command
from casino.hub.prizes import (
    GameConfig,
    Reveal,
    Series,
    Step,
    generate,
    parse_config,
    path_shape,
    shuffle,
    sold_out_rtp,
    verify,
    why_invalid,
)

ROOT = Path(__file__).resolve().parents[2]

LUCKY_7: dict[str, Any] = {
    "currency": "EUR",
    "stake": "1.00",
    "tickets": 10000,
    "prizes": [
        {"amount": "1000.00", "count": 1},
        {"amount": "100.00", "count": 10},
        {"amount": "20.00", "count": 50},
        {"amount": "5.00", "count": 300},
        {"amount": "2.00", "count": 1000},
        {"amount": "1.00", "count": 3000},
    ],
    "rtp": "0.95",
    "view_timeout_s": 60,
    "on_sold_out": "new_series",
}

SMALL: dict[str, Any] = {
    "currency": "EUR",
    "stake": "2.00",
    "tickets": 25,
    "prizes": [{"amount": "10.00", "count": 1}, {"amount": "4.00", "count": 3}, {"amount": "0.50", "count": 8}],
    "rtp": "0.52",  # 26.00 of 50.00
}


def small_series(seed: int = 1, **changes: Any) -> Series:
    return generate(parse_config({**SMALL, **changes}), rng=random.Random(seed))


def flip(hex_text: str, at: int = 0) -> str:
    """One hex digit changed."""
    digit = "0" if hex_text[at] != "0" else "1"
    return hex_text[:at] + digit + hex_text[at + 1 :]


# -- the configuration -----------------------------------------------------------------------


def test_a_configuration_is_parsed_exactly_and_written_back_the_same() -> None:
    config = parse_config(LUCKY_7)
    assert config.stake == 100
    assert config.tickets == 10000
    assert [(p.amount, p.count) for p in config.prizes][:2] == [(100000, 1), (10000, 10)]
    assert config.rtp == Fraction(95, 100)
    assert config.payout == 950000 and config.stakes == 1000000
    assert config.winning_tickets == 4361
    assert config.view_timeout_s == 60 and config.on_sold_out == "new_series"
    assert config.to_json() == LUCKY_7
    assert parse_config(config.to_json()) == config


def test_the_view_timeout_and_the_sold_out_policy_have_defaults() -> None:
    config = parse_config(SMALL)
    assert (config.view_timeout_s, config.on_sold_out) == (60, "new_series")
    assert parse_config({**SMALL, "on_sold_out": "stop"}).on_sold_out == "stop"


def with_prizes(*lines: dict[str, Any]) -> list[dict[str, Any]]:
    return list(lines)


BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"currency": "XXX"}, "currency"),
    ({"stake": "2.005"}, "stake"),
    ({"stake": "0"}, "stake"),
    ({"stake": 2.0}, "stake"),
    ({"stake": None}, "stake"),
    ({"tickets": 9}, "tickets"),
    ({"tickets": 1_000_001}, "tickets"),
    ({"tickets": True}, "tickets"),
    ({"tickets": 25.0}, "tickets"),
    ({"prizes": []}, "prizes"),
    ({"prizes": "10.00x1"}, "prizes"),
    ({"prizes": with_prizes({"amount": "10.00", "weight": 1})}, "prizes[0].weight"),
    ({"prizes": with_prizes({"amount": "10.00", "count": 1, "odds": 2})}, "prizes[0].odds"),
    ({"prizes": with_prizes({"amount": "4.00", "count": 3}, {"amount": "4.00", "count": 1})}, "prizes[1].amount"),
    ({"prizes": with_prizes({"amount": "0", "count": 3})}, "prizes[0].amount"),
    ({"prizes": with_prizes({"amount": "0.001", "count": 3})}, "prizes[0].amount"),
    ({"prizes": with_prizes({"amount": "1.00", "count": 0})}, "prizes[0].count"),
    ({"prizes": with_prizes({"amount": "1.00", "count": 20}, {"amount": "0.50", "count": 12})}, "prizes"),
    ({"prizes": with_prizes({"amount": "10.00", "count": 1})}, "prizes"),  # pays 10.00 of the 26.00 needed
    ({"rtp": "0.53"}, "prizes"),
    ({"rtp": "0.5200001"}, "rtp"),  # 0.5200001 * 50.00: not a whole number of cents
    ({"rtp": "1.5"}, "rtp"),
    ({"rtp": "0"}, "rtp"),
    ({"rtp": 0.6}, "rtp"),
    ({"rtp": None}, "rtp"),
    ({"view_timeout_s": 4}, "view_timeout_s"),
    ({"view_timeout_s": 3601}, "view_timeout_s"),
    ({"on_sold_out": "loop"}, "on_sold_out"),
    ({"ticket": 25}, "ticket"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CONFIGS)
def test_a_bad_configuration_is_refused_naming_its_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_config({**SMALL, **change})
    assert refused.value.field == field
    assert refused.value.message.startswith(f"{field}:")


def test_an_rtp_no_table_can_pay_exactly_is_refused() -> None:
    # 10 tickets at one cent take 10 cents; 95 % of them is 9.5 cents.
    with pytest.raises(ValidationFailed) as refused:
        parse_config(
            {
                "currency": "EUR",
                "stake": "0.01",
                "tickets": 10,
                "prizes": [{"amount": "0.01", "count": 9}],
                "rtp": "0.95",
            }
        )
    assert refused.value.field == "rtp"
    assert "exactly" in refused.value.message


# -- the series ------------------------------------------------------------------------------


def test_generation_is_deterministic_under_a_seeded_rng_and_different_otherwise() -> None:
    first, again, other = small_series(7), small_series(7), small_series(8)
    assert (first.series_id, first.prizes, first.salts, first.root) == (
        again.series_id,
        again.prizes,
        again.salts,
        again.root,
    )
    assert first.root != other.root and first.salts != other.salts


def test_every_prize_of_the_table_is_in_the_series_exactly_its_count() -> None:
    series = generate(parse_config(LUCKY_7), series_id="lucky-7.s1", rng=random.Random(3))
    counts = Counter(series.prizes)
    assert counts == {100000: 1, 10000: 10, 2000: 50, 500: 300, 200: 1000, 100: 3000, 0: 5639}
    assert series.tickets == 10000 and len(series.salts) == 32 * 10000
    assert len({series.salt(i) for i in range(series.tickets)}) == 10000


def test_a_series_pays_exactly_its_rtp_when_sold_out() -> None:
    config = parse_config(LUCKY_7)
    series = generate(config, rng=random.Random(4))
    assert sold_out_rtp(series) == config.rtp == Fraction(19, 20)
    assert sum(series.proof(i).amount_minor for i in range(series.tickets)) == 950000


def test_the_shuffle_is_a_permutation_and_moves_things() -> None:
    items = list(range(1000))
    shuffle(items, random.Random(5))
    assert sorted(items) == list(range(1000))
    assert items != list(range(1000))
    series = small_series(5)
    assert sorted(series.prizes) == sorted(series.config.series_prizes())
    assert list(series.prizes) != series.config.series_prizes()


def test_the_shuffle_is_uniform_over_the_permutations_of_three() -> None:
    rng = random.Random(6)
    seen: Counter[tuple[int, ...]] = Counter()
    for _ in range(6000):
        items = [0, 1, 2]
        shuffle(items, rng)
        seen[tuple(items)] += 1
    assert len(seen) == 6
    assert all(850 < count < 1150 for count in seen.values())


def test_the_default_rng_is_the_systems_and_the_series_id_is_random() -> None:
    first, second = generate(parse_config(SMALL)), generate(parse_config(SMALL))
    assert first.series_id.startswith("ser_") and first.series_id != second.series_id
    assert first.root != second.root


def exact_config(tickets: int) -> GameConfig:
    """A series of ``tickets`` at 2 cents whose table pays exactly half the stakes (every width of
    tree, odd levels included, as ``tickets`` runs over a range)."""
    prizes = [{"amount": "0.02", "count": tickets // 2}]
    if tickets % 2:
        prizes.append({"amount": "0.01", "count": 1})
    return parse_config({"currency": "EUR", "stake": "0.02", "tickets": tickets, "prizes": prizes, "rtp": "0.5"})


@pytest.mark.parametrize("tickets", range(10, 40))
def test_every_position_of_a_small_series_proves_its_prize(tickets: int) -> None:
    series = generate(exact_config(tickets), rng=random.Random(tickets))
    for position in range(tickets):
        reveal = series.proof(position)
        assert reveal.position == position and reveal.amount_minor == series.prizes[position]
        assert reveal.tickets == tickets and reveal.root == series.root
        assert len(reveal.path) == len(list(path_shape(position, tickets)))
        assert verify(reveal, series.root), why_invalid(reveal, series.root)
    assert sold_out_rtp(series) == Fraction(1, 2)


def decimal_text(value: Fraction) -> str:
    """A fraction whose denominator has only the factors 2 and 5, as a plain decimal string."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    digits = str(int(value * 10**places)).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}" if places else digits


@st.composite
def small_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A random small configuration that is exact: stakes and series sizes of the factors 2 and 5
    (so the rtp is a terminating decimal), a table paying at most the stakes."""
    stake = draw(st.sampled_from([1, 2, 5, 10, 20, 25, 50, 100, 250]))
    tickets = draw(st.sampled_from([10, 16, 20, 25, 32, 40, 50, 64, 80, 100, 125]))
    levels = draw(st.integers(1, min(4, 2 * stake)))
    amounts = draw(st.lists(st.integers(1, 2 * stake), min_size=levels, max_size=levels, unique=True))
    counts = draw(st.lists(st.integers(1, tickets // (2 * levels)), min_size=levels, max_size=levels))
    payout = sum(amount * count for amount, count in zip(amounts, counts, strict=True))
    return {
        "currency": "EUR",
        "stake": decimal_text(Fraction(stake, 100)),
        "tickets": tickets,
        "prizes": [
            {"amount": decimal_text(Fraction(amount, 100)), "count": count}
            for amount, count in zip(amounts, counts, strict=True)
        ],
        "rtp": decimal_text(Fraction(payout, stake * tickets)),
    }


@settings(max_examples=40, deadline=None)
@given(raw=small_tables(), seed=st.integers(0, 2**32))
def test_random_small_tables_prove_every_prize_and_pay_their_rtp(raw: dict[str, Any], seed: int) -> None:
    config = parse_config(raw)
    series = generate(config, rng=random.Random(seed))
    assert Counter(series.prizes) == Counter(config.series_prizes())
    reveals = [series.proof(position) for position in range(series.tickets)]
    assert all(verify(reveal, series.root) for reveal in reveals)
    assert Fraction(sum(r.amount_minor for r in reveals), config.stake * config.tickets) == config.rtp
    assert sold_out_rtp(series) == config.rtp


# -- tampering -------------------------------------------------------------------------------


def tamperings(reveal: Reveal, other_root: str) -> list[tuple[str, Reveal]]:
    """Every single change of one thing in ``reveal``."""
    changed = [
        ("amount + 1", dataclasses.replace(reveal, amount_minor=reveal.amount_minor + 1)),
        ("amount 0 or 1", dataclasses.replace(reveal, amount_minor=0 if reveal.amount_minor else 1)),
        ("salt", dataclasses.replace(reveal, salt=flip(reveal.salt, 63))),
        ("root", dataclasses.replace(reveal, root=flip(reveal.root))),
        ("another series' root", dataclasses.replace(reveal, root=other_root)),
        ("series id", dataclasses.replace(reveal, series_id=reveal.series_id + "x")),
        ("tickets", dataclasses.replace(reveal, tickets=reveal.tickets + 1)),
        ("path shortened", dataclasses.replace(reveal, path=reveal.path[:-1])),
        ("path lengthened", dataclasses.replace(reveal, path=(*reveal.path, reveal.path[-1]))),
    ]
    for moved in {reveal.position ^ 1, (reveal.position + 1) % reveal.tickets, reveal.tickets - 1 - reveal.position}:
        if moved != reveal.position:
            changed.append((f"position {moved}", dataclasses.replace(reveal, position=moved)))
    for index, step in enumerate(reveal.path):
        for at in (0, 31, 63):
            path = list(reveal.path)
            path[index] = Step(flip(step.sibling, at), step.side)
            changed.append((f"path[{index}] digit {at}", dataclasses.replace(reveal, path=tuple(path))))
        path = list(reveal.path)
        path[index] = Step(step.sibling, "left" if step.side == "right" else "right")
        changed.append((f"path[{index}] side", dataclasses.replace(reveal, path=tuple(path))))
    if len(reveal.path) > 1:
        swapped = (reveal.path[1], reveal.path[0], *reveal.path[2:])
        changed.append(("path nodes swapped", dataclasses.replace(reveal, path=swapped)))
    return changed


def test_any_single_tampering_of_a_reveal_fails_verification() -> None:
    series, other = small_series(11), small_series(12)
    for position in range(series.tickets):
        reveal = series.proof(position)
        assert verify(reveal, series.root)
        for what, tampered in tamperings(reveal, other.root):
            assert not verify(tampered, series.root), (position, what)
            assert not verify(tampered, tampered.root), (position, what)
        assert not verify(reveal, flip(series.root)), position
        assert not verify(reveal, other.root), position


def test_a_prize_of_another_position_cannot_be_passed_off_as_this_one() -> None:
    series = small_series(13)
    for position in range(series.tickets):
        for donor in range(series.tickets):
            if series.prizes[donor] != series.prizes[position]:
                swapped = dataclasses.replace(series.proof(position), amount_minor=series.prizes[donor])
                assert not verify(swapped, series.root)


def test_the_same_prizes_and_salts_under_another_series_id_have_another_root() -> None:
    config = parse_config(SMALL)
    one = generate(config, series_id="g.s1", rng=random.Random(1))
    two = generate(config, series_id="g.s2", rng=random.Random(1))
    assert one.prizes == two.prizes and one.salts == two.salts
    assert one.root != two.root
    assert not verify(dataclasses.replace(one.proof(0), series_id="g.s2", root=two.root), two.root)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_a_random_tampering_fails(seed: int, data: st.DataObject) -> None:
    series = small_series(seed)
    reveal = series.proof(data.draw(st.integers(0, series.tickets - 1)))
    what, tampered = data.draw(st.sampled_from(tamperings(reveal, small_series(seed + 1).root)))
    assert not verify(tampered, series.root), what


# -- the reveal as JSON ----------------------------------------------------------------------


def test_a_reveal_goes_through_json_and_back() -> None:
    reveal = small_series(14).proof(5)
    text = json.dumps(reveal.to_json())
    assert Reveal.from_json(json.loads(text)) == reveal
    assert set(reveal.to_json()) == {"series_id", "tickets", "position", "amount_minor", "salt", "path", "root"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_minor": "5.00"}, "amount_minor"),
        ({"amount_minor": -1}, "amount_minor"),
        ({"amount_minor": True}, "amount_minor"),
        ({"position": 25}, "position"),
        ({"tickets": 0}, "tickets"),
        ({"salt": "AB" * 32}, "salt"),
        ({"salt": "ab"}, "salt"),
        ({"root": None}, "root"),
        ({"series_id": ""}, "series_id"),
        ({"path": "none"}, "path"),
        ({"path": [{"sibling": "00" * 32, "side": "up"}]}, "path[0].side"),
        ({"path": [{"sibling": "00" * 31, "side": "left"}]}, "path[0].sibling"),
        ({"path": [["00" * 32, "left"]]}, "path[0]"),
        ({"prize": 1}, "prize"),
    ],
)
def test_a_malformed_reveal_is_refused_naming_its_field(change: dict[str, Any], field: str) -> None:
    raw = {**small_series(15).proof(3).to_json(), **change}
    with pytest.raises(ValidationFailed) as refused:
        Reveal.from_json(raw)
    assert refused.value.field == field


# -- the command -----------------------------------------------------------------------------


def run_main(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    status = verify_command.main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return status, out.getvalue()


def test_the_command_accepts_a_good_reveal_and_rejects_a_tampered_one(tmp_path: Path) -> None:
    series, other = small_series(16), small_series(17)
    good = series.proof(4).to_json()
    good_file = tmp_path / "reveal.json"
    good_file.write_text(json.dumps(good))
    status, verdict = run_main(str(good_file))
    assert status == 0 and verdict.startswith("VALID:") and verdict.count("\n") == 1
    assert run_main(str(good_file), "--root", series.root)[0] == 0
    assert run_main("-", stdin=json.dumps({"contract_id": "c1", "reveal": good}))[0] == 0

    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({**good, "amount_minor": good["amount_minor"] + 100}))
    status, verdict = run_main(str(tampered))
    assert status == 1 and verdict.startswith("INVALID:") and verdict.count("\n") == 1

    assert run_main(str(good_file), "--root", other.root)[0] == 1
    assert run_main("-", stdin=json.dumps({**good, "root": other.root}))[0] == 1
    assert run_main("-", stdin="{not json")[0] == 1
    assert run_main("-", stdin=json.dumps({**good, "salt": "x"}))[0] == 1
    assert run_main(str(tmp_path / "missing.json"))[0] == 1


def test_the_command_runs_from_the_repository_root(tmp_path: Path) -> None:
    series = small_series(18)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(series.proof(0).to_json()))
    bad.write_text(json.dumps({**series.proof(0).to_json(), "root": flip(series.root)}))
    for command in (["-m", "local.verify"], ["-m", "casino.hub.verify"]):
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        if command[1].startswith("casino"):
            env["PYTHONPATH"] = str(ROOT / "layers" / "shared")
        accepted = subprocess.run(
            [sys.executable, *command, str(good)], check=False, cwd=ROOT, capture_output=True, text=True, env=env
        )
        assert accepted.returncode == 0, accepted.stderr
        assert accepted.stdout.startswith("VALID:")
        refused = subprocess.run(
            [sys.executable, *command, str(bad), "--root", series.root],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=env,
        )
        assert refused.returncode == 1 and refused.stdout.startswith("INVALID:")
