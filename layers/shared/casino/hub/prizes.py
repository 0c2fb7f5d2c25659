"""Instant-win prizes: a game's configuration, its prize series and the series' commitment (pure).

The configuration (``parse_config``), every field required unless a default is given::

    {"currency": "EUR", "stake": "1.00", "tickets": 10000,
     "prizes": [{"amount": "1000.00", "count": 1}, {"amount": "100.00", "count": 10},
                {"amount": "20.00", "count": 50}, {"amount": "5.00", "count": 300},
                {"amount": "2.00", "count": 1000}, {"amount": "1.00", "count": 3000}],
     "rtp": "0.95", "view_timeout_s": 60, "on_sold_out": "new_series"}

- ``stake``: the price of one ticket, a decimal string in the currency (exact, never a float).
- ``tickets``: the size of a series, ``MIN_TICKETS`` to ``MAX_TICKETS``.
- ``prizes``: the winning tickets, by **count** (never by weight: weights only meet an RTP on
  average, counts meet it exactly). Distinct positive amounts; the counts add up to at most
  ``tickets``, and every other ticket of the series is a losing ticket (a zero prize).
- ``rtp``: the return to player of a sold-out series, a decimal string in (0, 1]. It is not
  trusted but checked: the table must pay exactly ``rtp * stake * tickets`` minor units, so a
  mistyped count is refused rather than published (``ValidationFailed`` naming the field).
- ``view_timeout_s``: how long the player may look at a prize before it is settled anyway.
- ``on_sold_out``: ``new_series`` (the next series is generated and committed) or ``stop``
  (the game closes).

A series (``generate``) is the table's prizes, shuffled by Fisher-Yates with a cryptographic
RNG, one 32-byte random salt per position, and the commitment published before its first
sale, ``root``:

- leaf ``i``: ``SHA-256(0x00 || "casino.hub.prize.v1" || len(series_id) as 2 bytes || series_id
  || i as 8 bytes || amount in minor units as 16 bytes || salt)``, integers big-endian;
- node: ``SHA-256(0x01 || left || right)``; a level of odd width promotes its last node
  unchanged to the next level (never duplicated, so no two lists of leaves share a tree);
- ``root``: ``SHA-256(0x02 || "casino.hub.series.v1" || len(series_id) as 2 bytes || series_id
  || tickets as 8 bytes || top of the tree)``.

The three prefixes keep leaves, nodes and the root apart; binding the series id and its size
into the root fixes the tree's shape, so the path of position ``i`` is fully determined by
``(i, tickets)`` and ``verify`` checks it: each position of a committed series has exactly one
leaf, so one prize. The salts make a leaf unguessable before its reveal.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from casino.errors import ValidationFailed
from casino.money import MAX_DIGITS, Currency, canonical, currency, positive_minor, to_decimal, to_decimal_string

MIN_TICKETS = 10
MAX_TICKETS = 1_000_000
MAX_PRIZE_LEVELS = 64
MIN_VIEW_TIMEOUT_S = 5
MAX_VIEW_TIMEOUT_S = 3600
DEFAULT_VIEW_TIMEOUT_S = 60
SOLD_OUT_POLICIES = ("new_series", "stop")
CONFIG_FIELDS = ("currency", "stake", "tickets", "prizes", "rtp", "view_timeout_s", "on_sold_out")

SALT_BYTES = 32
HASH_BYTES = 32
LEAF_PREFIX = b"\x00casino.hub.prize.v1"
NODE_PREFIX = b"\x01"
ROOT_PREFIX = b"\x02casino.hub.series.v1"
SERIES_ID = re.compile(r"[A-Za-z0-9_.:#-]{1,128}")
_HEX = re.compile(r"[0-9a-f]{64}")
_AMOUNT_BYTES = 16  # every currency's max_amount is under 10**36 < 2**120
MAX_AMOUNT_MINOR = 2 ** (8 * _AMOUNT_BYTES) - 1

Side = Literal["left", "right"]
SoldOutPolicy = Literal["new_series", "stop"]
_CSPRNG = secrets.SystemRandom()
_DRAW_BYTES = 32 * 1024


def _refuse(field: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {problem}", field=field)


def _whole(value: object, field: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``: an int, an integral Decimal (JSON, DynamoDB) or
    ASCII digits; never a bool or a float."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() <= MAX_DIGITS
        and value == value.to_integral_value()
    ):
        number = int(value)
    else:
        raise _refuse(field, "must be a whole number")
    if not low <= number <= high:
        raise _refuse(field, f"must be from {low:,} to {high:,}")
    return number


@dataclass(frozen=True)
class Prize:
    """One line of the prize table: ``count`` tickets of the series pay ``amount`` minor units."""

    amount: int
    count: int


@dataclass(frozen=True)
class GameConfig:
    """An instant-win game's configuration, validated; money in integer minor units."""

    currency: Currency
    stake: int
    tickets: int
    prizes: tuple[Prize, ...]
    rtp: Fraction
    view_timeout_s: int = DEFAULT_VIEW_TIMEOUT_S
    on_sold_out: SoldOutPolicy = "new_series"

    @property
    def winning_tickets(self) -> int:
        return sum(prize.count for prize in self.prizes)

    @property
    def payout(self) -> int:
        """What a sold-out series pays, in minor units."""
        return sum(prize.amount * prize.count for prize in self.prizes)

    @property
    def stakes(self) -> int:
        """What a sold-out series takes, in minor units."""
        return self.stake * self.tickets

    def series_prizes(self) -> list[int]:
        """Every ticket's prize in table order, the losing tickets (0) last: the series unshuffled."""
        amounts = [prize.amount for prize in self.prizes for _ in range(prize.count)]
        return amounts + [0] * (self.tickets - len(amounts))

    def to_json(self) -> dict[str, Any]:
        """The configuration as it is parsed, amounts as decimal strings (``parse_config`` of it
        gives it back)."""
        return {
            "currency": self.currency.code,
            "stake": to_decimal_string(self.stake, self.currency),
            "tickets": self.tickets,
            "prizes": [
                {"amount": to_decimal_string(prize.amount, self.currency), "count": prize.count}
                for prize in self.prizes
            ],
            "rtp": _fraction_text(self.rtp),
            "view_timeout_s": self.view_timeout_s,
            "on_sold_out": self.on_sold_out,
        }


def _fraction_text(value: Fraction) -> str:
    """A Fraction as its shortest plain decimal string, exactly (integer arithmetic, no decimal
    context); one without a terminating expansion (never an rtp, which is parsed from one) as
    ``p/q``."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
        if places > 2 * MAX_DIGITS:
            return str(value)
    digits = str(abs(int(value * 10**places))).rjust(places + 1, "0")
    text = f"{digits[: len(digits) - places]}.{digits[len(digits) - places :]}" if places else digits
    return canonical(f"-{text}" if value < 0 else text, field="rtp")


def _prize_table(raw: object, cur: Currency, tickets: int) -> tuple[Prize, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise _refuse("prizes", "must be a non-empty list of {amount, count}")
    if len(raw) > MAX_PRIZE_LEVELS:
        raise _refuse("prizes", f"at most {MAX_PRIZE_LEVELS} prize amounts")
    table: list[Prize] = []
    seen: set[int] = set()
    for index, line in enumerate(raw):
        where = f"prizes[{index}]"
        if not isinstance(line, Mapping):
            raise _refuse(where, "must be an object {amount, count}")
        if "weight" in line:
            raise _refuse(f"{where}.weight", "prizes are given by count: weights cannot pay an exact RTP over a series")
        extra = sorted(str(key) for key in line if key not in ("amount", "count"))
        if extra:
            raise _refuse(f"{where}.{extra[0]}", "unknown field (a prize is {amount, count})")
        amount = positive_minor(line.get("amount"), cur, field=f"{where}.amount")
        if amount in seen:
            raise _refuse(f"{where}.amount", f"{to_decimal_string(amount, cur)} is listed twice")
        seen.add(amount)
        table.append(Prize(amount, _whole(line.get("count"), f"{where}.count", 1, tickets)))
    winners = sum(prize.count for prize in table)
    if winners > tickets:
        raise _refuse("prizes", f"{winners:,} winning tickets in a series of {tickets:,}")
    return tuple(table)


def parse_config(raw: Mapping[str, object]) -> GameConfig:
    """An instant-win configuration (the fields of ``CONFIG_FIELDS``), validated; refuses with
    ``ValidationFailed`` naming the field, never rounds, and refuses a table whose sold-out
    payout is not exactly ``rtp`` of the stakes."""
    if not isinstance(raw, Mapping):
        raise _refuse("configuration", "must be an object")
    unknown = sorted(str(key) for key in raw if key not in CONFIG_FIELDS)
    if unknown:
        raise _refuse(unknown[0], f"unknown field (the fields are {', '.join(CONFIG_FIELDS)})")
    cur = currency(raw.get("currency"))
    stake = positive_minor(raw.get("stake"), cur, field="stake")
    tickets = _whole(raw.get("tickets"), "tickets", MIN_TICKETS, MAX_TICKETS)
    prizes = _prize_table(raw.get("prizes"), cur, tickets)
    if raw.get("rtp") is None:
        raise _refuse("rtp", 'required (a decimal string such as "0.95")')
    rtp = Fraction(to_decimal(raw["rtp"], field="rtp"))
    if not 0 < rtp <= 1:
        raise _refuse("rtp", "must be greater than 0 and at most 1")
    view_timeout_s = _whole(
        raw.get("view_timeout_s", DEFAULT_VIEW_TIMEOUT_S), "view_timeout_s", MIN_VIEW_TIMEOUT_S, MAX_VIEW_TIMEOUT_S
    )
    policy = raw.get("on_sold_out", "new_series")
    if policy == "new_series":
        on_sold_out: SoldOutPolicy = "new_series"
    elif policy == "stop":
        on_sold_out = "stop"
    else:
        raise _refuse("on_sold_out", f"must be one of {', '.join(SOLD_OUT_POLICIES)}")
    config = GameConfig(cur, stake, tickets, prizes, rtp, view_timeout_s, on_sold_out)
    needed = rtp * config.stakes
    if needed.denominator != 1:
        raise _refuse(
            "rtp",
            f"{_fraction_text(rtp)} of {tickets:,} tickets at {to_decimal_string(stake, cur)} {cur.code} is not a "
            f"whole number of minor units: no prize table can pay it exactly",
        )
    if config.payout != needed:
        raise _refuse(
            "prizes",
            f"the table pays {to_decimal_string(config.payout, cur)} {cur.code} over a sold-out series; rtp "
            f"{_fraction_text(rtp)} needs exactly {to_decimal_string(int(needed), cur)} {cur.code}",
        )
    return config


# -- the commitment -------------------------------------------------------------------------


def _series_id_bytes(series_id: str) -> bytes:
    encoded = series_id.encode("ascii")
    return len(encoded).to_bytes(2, "big") + encoded


def leaf_hash(series_id: str, position: int, amount: int, salt: bytes) -> bytes:
    return hashlib.sha256(
        LEAF_PREFIX
        + _series_id_bytes(series_id)
        + position.to_bytes(8, "big")
        + amount.to_bytes(_AMOUNT_BYTES, "big")
        + salt
    ).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_hash(series_id: str, tickets: int, top: bytes) -> bytes:
    return hashlib.sha256(ROOT_PREFIX + _series_id_bytes(series_id) + tickets.to_bytes(8, "big") + top).digest()


def path_shape(position: int, tickets: int) -> Iterator[tuple[int, Side]]:
    """For each level of the tree of ``tickets`` leaves where ``position``'s node has a sibling:
    the level, and the side the sibling is on. A promoted node (last of an odd level) has none."""
    index, width, level = position, tickets, 0
    while width > 1:
        if not (index == width - 1 and width % 2 == 1):
            yield level, ("left" if index % 2 else "right")
        index, width, level = index // 2, (width + 1) // 2, level + 1


def _levels(leaves: bytes) -> list[bytes]:
    """The tree's levels, leaves first, each a concatenation of 32-byte hashes (a million leaves
    take 64 MB, not a million objects)."""
    levels = [leaves]
    while len(levels[-1]) > HASH_BYTES:
        below = levels[-1]
        width = len(below) // HASH_BYTES
        above = bytearray()
        for start in range(0, (width - 1) * HASH_BYTES, 2 * HASH_BYTES):
            above += hashlib.sha256(NODE_PREFIX + below[start : start + 2 * HASH_BYTES]).digest()
        if width % 2:
            above += below[-HASH_BYTES:]
        levels.append(bytes(above))
    return levels


@dataclass(frozen=True)
class Step:
    """One node of a Merkle path: the sibling's hash (hex) and its side."""

    sibling: str
    side: Side


def packed_path(path: Sequence[Step]) -> tuple[str, str]:
    """A Merkle path as two strings, as it is stored: the siblings' hex run together (64
    characters each), and one letter per side (``l`` or ``r``)."""
    return "".join(step.sibling for step in path), "".join(step.side[0] for step in path)


def unpacked_path(siblings: str, sides: str) -> tuple[Step, ...]:
    """The path ``packed_path`` stored."""
    return tuple(
        Step(siblings[64 * i : 64 * (i + 1)], "left" if side == "l" else "right") for i, side in enumerate(sides)
    )


@dataclass(frozen=True)
class Reveal:
    """What a ticket reveals: its prize (``amount_minor``, in the game's minor units) and the
    proof that it was in the series committed by ``root`` at ``position``. ``tickets`` (the
    series' size, bound into the root) fixes the path's shape."""

    series_id: str
    tickets: int
    position: int
    amount_minor: int
    salt: str
    path: tuple[Step, ...]
    root: str

    def to_json(self) -> dict[str, Any]:
        return {
            "series_id": self.series_id,
            "tickets": self.tickets,
            "position": self.position,
            "amount_minor": self.amount_minor,
            "salt": self.salt,
            "path": [{"sibling": step.sibling, "side": step.side} for step in self.path],
            "root": self.root,
        }

    @classmethod
    def from_json(cls, raw: object) -> Reveal:
        """A reveal as ``to_json`` writes it (``amount_minor`` an integer, hashes in
        lowercase hex); refuses anything else with ``ValidationFailed`` naming the field."""
        if not isinstance(raw, Mapping):
            raise _refuse("reveal", "must be an object")
        fields = ("series_id", "tickets", "position", "amount_minor", "salt", "path", "root")
        unknown = sorted(str(key) for key in raw if key not in fields)
        if unknown:
            raise _refuse(unknown[0], "unknown field of a reveal")
        series_id = raw.get("series_id")
        if not isinstance(series_id, str) or not SERIES_ID.fullmatch(series_id):
            raise _refuse("series_id", "must be 1 to 128 of [A-Za-z0-9_.:#-]")
        tickets = _whole(raw.get("tickets"), "tickets", 1, MAX_TICKETS)
        position = _whole(raw.get("position"), "position", 0, tickets - 1)
        amount_minor = _whole(raw.get("amount_minor"), "amount_minor", 0, MAX_AMOUNT_MINOR)
        salt, root = raw.get("salt"), raw.get("root")
        for name, value in (("salt", salt), ("root", root)):
            if not isinstance(value, str) or not _HEX.fullmatch(value):
                raise _refuse(name, "must be 64 lowercase hex digits")
        steps = raw.get("path")
        if not isinstance(steps, list | tuple) or len(steps) > 64:
            raise _refuse("path", "must be a list of {sibling, side}")
        path: list[Step] = []
        for index, step in enumerate(steps):
            where = f"path[{index}]"
            if not isinstance(step, Mapping) or set(step) != {"sibling", "side"}:
                raise _refuse(where, "must be an object {sibling, side}")
            sibling, side = step["sibling"], step["side"]
            if not isinstance(sibling, str) or not _HEX.fullmatch(sibling):
                raise _refuse(f"{where}.sibling", "must be 64 lowercase hex digits")
            if side not in ("left", "right"):
                raise _refuse(f"{where}.side", "must be left or right")
            path.append(Step(sibling, "left" if side == "left" else "right"))
        assert isinstance(salt, str) and isinstance(root, str)
        return cls(series_id, tickets, position, amount_minor, salt, tuple(path), root)


def why_invalid(reveal: Reveal, root: str) -> str | None:
    """Why ``reveal`` is not a prize of the series committed by ``root`` (None if it is one)."""
    if not SERIES_ID.fullmatch(reveal.series_id):
        return "the series id is malformed"
    if not 0 <= reveal.position < reveal.tickets <= MAX_TICKETS:
        return "the position is outside the series"
    if not 0 <= reveal.amount_minor <= MAX_AMOUNT_MINOR:
        return "the amount is out of range"
    if not all(_HEX.fullmatch(value) for value in (reveal.salt, reveal.root, root)):
        return "a hash is not 64 lowercase hex digits"
    if not hmac.compare_digest(reveal.root, root):
        return "the reveal names another root than the commitment"
    shape = list(path_shape(reveal.position, reveal.tickets))
    if len(reveal.path) != len(shape):
        return (
            f"the path has {len(reveal.path)} steps; position {reveal.position} of {reveal.tickets} needs {len(shape)}"
        )
    node = leaf_hash(reveal.series_id, reveal.position, reveal.amount_minor, bytes.fromhex(reveal.salt))
    for step, (_, side) in zip(reveal.path, shape, strict=True):
        if step.side != side or not _HEX.fullmatch(step.sibling):
            return "the path does not have the shape of this position's path"
        sibling = bytes.fromhex(step.sibling)
        node = node_hash(sibling, node) if side == "left" else node_hash(node, sibling)
    if not hmac.compare_digest(root_hash(reveal.series_id, reveal.tickets, node).hex(), root):
        return "the proof does not lead to the commitment"
    return None


def verify(reveal: Reveal, root: str) -> bool:
    """True if ``reveal`` is the prize committed at its position of the series whose root is
    ``root`` (the one published on the game). Any change to the amount, the salt, the position,
    a node of the path or the root makes it False."""
    return why_invalid(reveal, root) is None


# -- the series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """A generated series: its prizes by position, their salts and the Merkle tree over them."""

    series_id: str
    config: GameConfig
    prizes: tuple[int, ...]
    salts: bytes
    levels: tuple[bytes, ...]

    @property
    def tickets(self) -> int:
        return len(self.prizes)

    @property
    def root(self) -> str:
        """The commitment, published on the game before the series' first sale."""
        return root_hash(self.series_id, self.tickets, self.levels[-1]).hex()

    @property
    def payout(self) -> int:
        return sum(self.prizes)

    def salt(self, position: int) -> bytes:
        return self.salts[position * SALT_BYTES : (position + 1) * SALT_BYTES]

    def proof(self, position: int) -> Reveal:
        """The reveal of ``position``: its prize, its salt and its Merkle path to the root."""
        if not 0 <= position < self.tickets:
            raise _refuse("position", f"must be from 0 to {self.tickets - 1}")
        path: list[Step] = []
        for level, side in path_shape(position, self.tickets):
            index = position >> level
            sibling = index - 1 if side == "left" else index + 1
            nodes = self.levels[level]
            path.append(Step(nodes[sibling * HASH_BYTES : (sibling + 1) * HASH_BYTES].hex(), side))
        return Reveal(
            self.series_id,
            self.tickets,
            position,
            self.prizes[position],
            self.salt(position).hex(),
            tuple(path),
            self.root,
        )


def build(config: GameConfig, series_id: str, prizes: Sequence[int], salts: bytes) -> Series:
    """The series of ``prizes`` (by position) and ``salts`` (32 bytes each, concatenated) with its
    Merkle tree; refuses a list of prizes that is not exactly the configuration's table."""
    if not SERIES_ID.fullmatch(series_id):
        raise _refuse("series_id", "must be 1 to 128 of [A-Za-z0-9_.:#-]")
    if sorted(prizes) != sorted(config.series_prizes()):
        raise _refuse("prizes", "the series is not the configuration's prize table")
    if len(salts) != SALT_BYTES * len(prizes):
        raise _refuse("salts", f"must be {SALT_BYTES} bytes per ticket")
    prefix = hashlib.sha256(LEAF_PREFIX + _series_id_bytes(series_id))
    leaves = bytearray()
    for position, amount in enumerate(prizes):
        leaf = prefix.copy()
        leaf.update(position.to_bytes(8, "big") + amount.to_bytes(_AMOUNT_BYTES, "big"))
        leaf.update(salts[position * SALT_BYTES : (position + 1) * SALT_BYTES])
        leaves += leaf.digest()
    return Series(series_id, config, tuple(prizes), bytes(salts), tuple(_levels(bytes(leaves))))


def _words(rng: random.Random) -> Iterator[int]:
    """Uniform 64-bit words from ``rng``, drawn 32 KB at a time (one system call per 4,096 words
    with the OS's CSPRNG, rather than one per draw)."""
    while True:
        for (word,) in struct.iter_unpack(">Q", rng.randbytes(_DRAW_BYTES)):
            yield word


def shuffle(items: list[int], rng: random.Random) -> None:
    """Fisher-Yates in place: for each position from the last down, swap it with a uniformly drawn
    position at or before it. Each draw is unbiased: the low bits of a uniform word, just enough
    to cover the range, redrawn when beyond it (never a modulo). Every permutation is equally
    likely given a uniform ``rng``."""
    words = _words(rng)
    for last in range(len(items) - 1, 0, -1):
        mask = (1 << last.bit_length()) - 1
        other = next(words) & mask
        while other > last:
            other = next(words) & mask
        items[last], items[other] = items[other], items[last]


def generate(config: GameConfig, *, series_id: str | None = None, rng: random.Random = _CSPRNG) -> Series:
    """A new series of ``config``: its prizes shuffled and salted with ``rng`` (the operating
    system's CSPRNG; a seeded ``random.Random`` is for tests only), committed by its root. The
    series id, unless given, is 128 random bits from ``rng``."""
    if series_id is None:
        series_id = f"ser_{rng.getrandbits(128):032x}"
    prizes = config.series_prizes()
    shuffle(prizes, rng)
    return build(config, series_id, prizes, rng.randbytes(SALT_BYTES * len(prizes)))


def sold_out_rtp(series: Series) -> Fraction:
    """What a sold-out series returns to its players, exactly: its payout over its stakes."""
    return Fraction(series.payout, series.config.stake * series.tickets)
