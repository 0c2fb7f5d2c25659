"""Roll-ups of the reconciliation feed, in the WalletTable beside the ledger they sum: owns
their keys and conditions (``casino.ops.rollup`` is the domain).

Keys (pk / sk), see docs/data-model.md:
- ``ROLLUP#<yyyy-mm-dd>#<source>`` / ``ROLLUP``  one source's totals of one UTC day, with
  ``upto`` (the feed position of the last entry folded in), ``settled_to``, ``final`` and
  ``version``.

Read many at once with one strongly consistent ``BatchGetItem`` (100 keys a request); written
whole with ``PutItem`` conditional on the version read (``attribute_not_exists(pk)`` for the
first: ``wallet.store.versioned_put``), so two advancers never both fold the same entries: the
loser's write fails and it reads again. Never deleted: a roll-up is a few hundred bytes a source a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from casino import aws
from casino.ops import rollup as domain
from casino.ops.rollup import Rollup
from casino.settings import settings
from casino.wallet import store as wallet_store

BATCH = 100  # BatchGetItem's most keys a request


def _table() -> str:
    return settings().wallet_table


def key(source: str, day: date) -> dict[str, Any]:
    return {"pk": f"ROLLUP#{day.isoformat()}#{source}", "sk": "ROLLUP"}


def _from_item(item: dict[str, Any]) -> Rollup:
    return domain.from_json(item)


def _item(rollup: Rollup) -> dict[str, Any]:
    values = domain.to_json(rollup)
    return {**key(rollup.source, rollup.day), **{k: v for k, v in values.items() if v is not None}}


def get_many(wanted: Sequence[tuple[str, date]]) -> dict[tuple[str, date], Rollup]:
    """The roll-ups of ``(source, day)`` pairs, an empty one (version 0) where none is stored:
    one ``BatchGetItem`` for up to 100."""
    found: dict[tuple[str, date], Rollup] = {}
    pairs = list(dict.fromkeys(wanted))
    for first in range(0, len(pairs), BATCH):
        chunk = pairs[first : first + BATCH]
        items = aws.batch_get({str(i): (_table(), key(s, d)) for i, (s, d) in enumerate(chunk)})
        for i, (source, day) in enumerate(chunk):
            item = items[str(i)]
            found[(source, day)] = domain.empty(source, day) if item is None else _from_item(item)
    return found


def get(source: str, day: date) -> Rollup:
    return get_many([(source, day)])[(source, day)]


def save(rollup: Rollup, read_version: int) -> Rollup | None:
    """Write ``rollup`` if the stored one is still at ``read_version`` (0: none stored): the saved
    roll-up (its version one up), or None when another writer got there first."""
    saved = replace(rollup, version=read_version + 1)
    put = wallet_store.versioned_put(_item(saved), "version")["Put"]  # the wallet table's versioned write
    client = aws.dynamodb()
    try:
        client.put_item(**put)
    except client.exceptions.ConditionalCheckFailedException:
        return None
    return saved
