"""The reconciliation feed and the daily summary, in pure Python (admin-api.md, "Ops").

- **Ranges.** ``from`` and ``to`` are ISO 8601: a date ``YYYY-MM-DD`` (midnight UTC) or a date
  and time with an explicit offset (``2026-03-01T10:00:00Z``, ``...+02:00``; at most
  milliseconds). The range is half-open, ``[from, to)``: an entry made exactly at ``to`` is
  the next range's. ``from`` must be before ``to``, at most ``MAX_DAYS`` apart. The ledger's
  feed is partitioned by UTC day, so a range is read one day partition at a time.
- **Sources.** Every ledger entry has one: the provider's code (its callbacks),
  ``bridge:<operator>`` (the account bridge) or ``admin`` (the admin API's deposits,
  withdrawals, adjustments and bonuses, and what a movement without money expires on the way).
- **Rows.** An entry as the feed shows it: amounts as exact decimal strings in the currency's
  precision, its references from an allow-list (nothing else the entry may carry is shown).
  CSV is RFC 4180 (``csv`` module, CRLF), one header row, and any text cell that a spreadsheet
  would read as a formula (``= + - @``, tab, CR first) gets a leading ``'``; the amounts, ours
  and always numbers, are left exact (a negative amount stays ``-12.50``).
- **Cursors.** Opaque (base64url of a small JSON): where the next page starts (a day, a
  source, the last position read there) and a digest of the query (its filter and range). A
  cursor of another query, or one that does not decode to a position inside this query, is a
  400 naming ``cursor``, never a failed read. Nothing in it is secret; an admin may read any
  position of the feed anyway.
- **The summary.** Per source and currency (never mixing currencies), for each ledger type:
  how many entries and their signed sum, split by account (real, bonus). Then, for the
  regulator's gross gaming revenue:

      bets    = -(sum of BET amounts)            the stakes taken (BET amounts are negative)
      wins    =   sum of WIN amounts             paid out
      refunds =   sum of REFUND amounts          stakes given back
      cancels =   sum of the ADJUSTMENT amounts that cancel a game transaction (their reference
                  names ``cancels``): a cancelled bet given back is positive, a cancelled win
                  taken back negative
      net     = bets - wins - refunds - cancels  = -(sum of every BET, WIN, REFUND and cancel)

  With no cancellations, ``net`` is bets - wins - refunds. ``net_real`` is the same on the real
  account alone (bonus money staked and won left out). ``balance_change`` is the sum of every
  amount: what the source did to players' balances, deposits and bonuses included.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from casino import clock
from casino.errors import ValidationFailed
from casino.money import currency as currency_of
from casino.money import to_decimal_string
from casino.wallet.domain import BONUS, LedgerEntry

ADMIN = "admin"
BRIDGE_PREFIX = "bridge:"
DAY_MS = 86_400_000
MAX_DAYS = 92  # a quarter: at most 93 day partitions per source
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The last instant a range may reach, so that a day's end and every day a range touches stay
# inside the calendar (year 9999 + a day overflows).
_LAST_MS = (datetime(9999, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,3})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})$"
)


# ------------------------------------------------------------------ sources
def provider_source(code: str) -> str:
    return code


def operator_source(code: str) -> str:
    return f"{BRIDGE_PREFIX}{code}"


def source_kind(source: str) -> tuple[str, str | None]:
    """``("provider", code)``, ``("operator", code)`` or ``("admin", None)``."""
    if source == ADMIN:
        return ADMIN, None
    if source.startswith(BRIDGE_PREFIX):
        return "operator", source.removeprefix(BRIDGE_PREFIX)
    return "provider", source


# ------------------------------------------------------------------ ranges
def parse_instant(text: str, field: str) -> int:
    """An ISO 8601 date (midnight UTC) or date and time with an explicit offset, as unix ms."""
    refused = ValidationFailed(
        f"{field}: an ISO 8601 date (2026-03-01) or date and time with an offset (2026-03-01T10:00:00Z)",
        field=field,
    )
    try:
        if _DATE.fullmatch(text):
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        elif _DATETIME.fullmatch(text):
            moment = datetime.fromisoformat(text)
        else:
            raise refused
    except ValueError:  # a date that is not in the calendar (2026-02-30, 25:00)
        raise refused from None
    ms = (moment - _EPOCH) // timedelta(milliseconds=1)
    if ms < 0:
        raise ValidationFailed(f"{field}: must not be before 1970-01-01T00:00:00Z", field=field)
    if ms >= _LAST_MS:
        raise ValidationFailed(f"{field}: must be before 9999-01-01T00:00:00Z", field=field)
    return ms


@dataclass(frozen=True)
class Window:
    """``[from_ms, to_ms)``."""

    from_ms: int
    to_ms: int

    def days(self) -> list[date]:
        """The UTC days the window touches, in order: its day partitions."""
        first, last = self.from_ms // DAY_MS, (self.to_ms - 1) // DAY_MS
        return [date(1970, 1, 1) + timedelta(days=n) for n in range(first, last + 1)]


def window(from_text: str, to_text: str) -> Window:
    start, end = parse_instant(from_text, "from"), parse_instant(to_text, "to")
    if end <= start:
        raise ValidationFailed("to: must be after from (the range is [from, to))", field="to")
    if end - start > MAX_DAYS * DAY_MS:
        raise ValidationFailed(f"to: at most {MAX_DAYS} days after from", field="to")
    return Window(start, end)


def day_window(day_text: str, field: str = "date") -> tuple[date, Window]:
    """One UTC day: ``YYYY-MM-DD``."""
    if not _DATE.fullmatch(day_text):
        raise ValidationFailed(f"{field}: a date such as 2026-03-01 (a UTC day)", field=field)
    start = parse_instant(day_text, field)
    return date.fromisoformat(day_text), Window(start, start + DAY_MS)


# ------------------------------------------------------------------ cursors
@dataclass(frozen=True)
class Position:
    """Where a page starts: in ``source``'s feed of ``day``, after ``after`` (a position the
    wallet store answered; None: from the day's start)."""

    day: date
    source: str
    after: str | None = None


def query_digest(kind: str, code: str | None, win: Window) -> str:
    """What a cursor is bound to: the filter and the range (not the page size)."""
    text = json.dumps([kind, code, win.from_ms, win.to_ms], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def encode_cursor(digest: str, position: Position) -> str:
    payload = {"v": 1, "q": digest, "d": position.day.isoformat(), "s": position.source, "a": position.after}
    raw = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,1024}$")
_CURSOR_KEYS = {"v", "q", "d", "s", "a"}


def decode_cursor(cursor: str, digest: str) -> Position:
    """The position of a cursor this query gave; anything else is a 400 naming ``cursor``."""
    refused = ValidationFailed("cursor: not a cursor this query gave", field="cursor")
    if not _CURSOR.fullmatch(cursor):
        raise refused
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError, RecursionError):
        raise refused from None
    if not isinstance(payload, dict) or set(payload) != _CURSOR_KEYS or payload["v"] != 1:
        raise refused
    q, d, s, a = payload["q"], payload["d"], payload["s"], payload["a"]
    if not (isinstance(q, str) and isinstance(d, str) and isinstance(s, str) and (a is None or isinstance(a, str))):
        raise refused
    if not hmac.compare_digest(q.encode("utf-8"), digest.encode("utf-8")):
        raise ValidationFailed("cursor: given by another query (other dates or filter)", field="cursor")
    if not _DATE.fullmatch(d):
        raise refused
    try:
        day = date.fromisoformat(d)
    except ValueError:
        raise refused from None
    return Position(day, s, a)


# ------------------------------------------------------------------ rows
# The references a row shows (an allow-list: an entry's reference is shown only through it).
REFERENCE_FIELDS = (
    "transaction_id",  # the provider's transaction id, or the bridge step's
    "round_id",  # the provider's round
    "type",  # the provider's transaction type, or the bridge step's type
    "cancels",  # the transaction a cancellation reverses
    "cancels_type",
    "contract_id",  # the hub contract of a bridge step
    "play",  # the bridge play a win or refund settles
    "idempotency_key",  # an admin movement's key
    "bonus_id",
    "note",  # an admin movement's note (free text)
)


def row(entry: LedgerEntry, currency: str, source: str) -> dict[str, Any]:
    cur = currency_of(currency)
    ref = entry.reference
    return {
        "id": entry.id,
        "created_at": clock.iso(entry.created_at),
        "created_at_ms": entry.created_at,
        "source": source,
        "player_id": entry.player_id,
        "account": entry.account,
        "type": entry.type,
        "amount": to_decimal_string(entry.amount, cur),
        "currency": currency,
        "balance_before": to_decimal_string(entry.balance_before, cur),
        "balance_after": to_decimal_string(entry.balance_after, cur),
        "reference": {k: ref[k] for k in REFERENCE_FIELDS if ref.get(k) is not None},
    }


CSV_COLUMNS = (
    "id",
    "created_at",
    "created_at_ms",
    "source",
    "player_id",
    "account",
    "type",
    "amount",
    "currency",
    "balance_before",
    "balance_after",
    *(f"reference_{k}" if k == "type" else k for k in REFERENCE_FIELDS),
)
# Ours, and always numbers: never read as a formula, and left exact.
_NUMERIC_COLUMNS = frozenset({"created_at_ms", "amount", "balance_before", "balance_after"})
_FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> str:
    """A text cell a spreadsheet will not run: one starting with ``= + - @`` (or their full-width
    forms), a tab, CR, LF or NUL gets a leading ``'`` (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_FIRST) else text


def csv_text(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        flat = {**{("reference_type" if k == "type" else k): v for k, v in r["reference"].items()}, **r}
        writer.writerow([str(flat[c]) if c in _NUMERIC_COLUMNS else safe_cell(flat.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()


def wants_csv(accept: str | None) -> bool:
    """CSV when ``Accept`` names ``text/csv`` (q > 0) at least as high as ``application/json``;
    JSON otherwise (the default, ``*/*`` included)."""
    if not accept:
        return False
    q = {"text/csv": 0.0, "application/json": 0.0}
    for part in accept.split(",")[:50]:
        kind, *params = (p.strip() for p in part.split(";"))
        kind = kind.lower()
        if kind not in q:
            continue
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = max(0.0, min(1.0, float(value)))
                except ValueError:
                    weight = 0.0
        q[kind] = max(q[kind], weight)
    return q["text/csv"] > 0 and q["text/csv"] >= q["application/json"]


# ------------------------------------------------------------------ the summary
@dataclass
class Line:
    """Entries of one type: how many, and their signed sums per account (minor units)."""

    count: int = 0
    real: int = 0
    bonus: int = 0

    @property
    def amount(self) -> int:
        return self.real + self.bonus

    def add(self, entry: LedgerEntry) -> None:
        self.count += 1
        if entry.account == BONUS:
            self.bonus += entry.amount
        else:
            self.real += entry.amount

    def plus(self, other: Line) -> Line:
        return Line(self.count + other.count, self.real + other.real, self.bonus + other.bonus)


def is_cancel(entry: LedgerEntry) -> bool:
    """An ADJUSTMENT that reverses a game transaction (a provider cancel, a bridge win cancelled)."""
    return entry.type == "ADJUSTMENT" and entry.reference.get("cancels") is not None


@dataclass
class Totals:
    """One source's entries in one currency."""

    types: dict[str, Line] = field(default_factory=dict)
    cancels: Line = field(default_factory=Line)  # also counted in types["ADJUSTMENT"]

    def add(self, entry: LedgerEntry) -> None:
        self.types.setdefault(entry.type, Line()).add(entry)
        if is_cancel(entry):
            self.cancels.add(entry)

    def plus(self, other: Totals) -> Totals:
        kinds = sorted(set(self.types) | set(other.types))
        types = {k: self.types.get(k, Line()).plus(other.types.get(k, Line())) for k in kinds}
        return Totals(types, self.cancels.plus(other.cancels))

    def _line(self, kind: str) -> Line:
        return self.types.get(kind, Line())

    @property
    def entries(self) -> int:
        return sum(line.count for line in self.types.values())

    @property
    def bets(self) -> int:
        return -self._line("BET").amount

    @property
    def wins(self) -> int:
        return self._line("WIN").amount

    @property
    def refunds(self) -> int:
        return self._line("REFUND").amount

    @property
    def net(self) -> int:
        return self.bets - self.wins - self.refunds - self.cancels.amount

    @property
    def net_real(self) -> int:
        game = (self._line("BET"), self._line("WIN"), self._line("REFUND"), self.cancels)
        return -sum(line.real for line in game)

    @property
    def balance_change(self) -> int:
        return sum(line.amount for line in self.types.values())


Key = tuple[str, str]  # (source, currency)


def summarise(entries: Iterable[tuple[str, str, LedgerEntry]]) -> dict[Key, Totals]:
    """``(source, currency, entry)`` triples -> totals per (source, currency)."""
    found: dict[Key, Totals] = {}
    for source, currency, entry in entries:
        found.setdefault((source, currency), Totals()).add(entry)
    return found


K = TypeVar("K")


def merge(*parts: Mapping[K, Totals]) -> dict[K, Totals]:
    """Totals of the same keys added up (a roll-up and the entries after it): merging the totals
    of any split of some entries equals summarising them whole."""
    found: dict[K, Totals] = {}
    for part in parts:
        for key, t in part.items():
            found[key] = found[key].plus(t) if key in found else Totals().plus(t)
    return found


def _line_json(line: Line) -> dict[str, int]:
    return {"count": line.count, "real": line.real, "bonus": line.bonus}


def _line_from(data: object) -> Line:
    if not isinstance(data, Mapping):
        raise ValueError("a line is a mapping of count, real and bonus")
    values = [data.get(k) for k in ("count", "real", "bonus")]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError("a line's count, real and bonus are integers")
    count, real, bonus = values
    assert isinstance(count, int) and isinstance(real, int) and isinstance(bonus, int)
    if count < 0:
        raise ValueError("a line's count is not negative")
    return Line(count, real, bonus)


def totals_json(t: Totals) -> dict[str, Any]:
    """Totals as plain JSON (integers, minor units): ``{"types": {type: line}, "cancels": line}``,
    each line ``{"count", "real", "bonus"}``. ``totals_from_json`` reads it back."""
    return {"types": {k: _line_json(line) for k, line in sorted(t.types.items())}, "cancels": _line_json(t.cancels)}


def totals_from_json(data: object) -> Totals:
    """What ``totals_json`` wrote (ValueError on anything else)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("types"), Mapping):
        raise ValueError("totals are a mapping of types and cancels")
    types = {str(k): _line_from(v) for k, v in data["types"].items()}
    return Totals(types, _line_from(data.get("cancels")))


def by_currency(totals: Mapping[Key, Totals]) -> dict[str, Totals]:
    """Every source's totals added up per currency (never across currencies)."""
    found: dict[str, Totals] = {}
    for (_, currency), t in sorted(totals.items()):
        found[currency] = found.get(currency, Totals()).plus(t)
    return found


def totals_view(t: Totals, currency: str) -> dict[str, Any]:
    cur = currency_of(currency)

    def money(minor: int) -> str:
        return to_decimal_string(minor, cur)

    return {
        "currency": currency,
        "entries": t.entries,
        "types": {
            kind: {
                "count": line.count,
                "amount": money(line.amount),
                "real": money(line.real),
                "bonus": money(line.bonus),
            }
            for kind, line in sorted(t.types.items())
        },
        "bets": money(t.bets),
        "wins": money(t.wins),
        "refunds": money(t.refunds),
        "cancels": money(t.cancels.amount),
        "cancel_count": t.cancels.count,
        "net": money(t.net),
        "net_real": money(t.net_real),
        "balance_change": money(t.balance_change),
    }


def source_view(source: str, currency: str, t: Totals) -> dict[str, Any]:
    kind, code = source_kind(source)
    return {"source": source, "kind": kind, "code": code, **totals_view(t, currency)}
