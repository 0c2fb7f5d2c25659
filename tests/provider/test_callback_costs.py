"""What a changebalance costs in DynamoDB requests (issue 15, "Targets"): a BET or a WIN is one
read and one write, a replay one request, and the nearly static game item is not read on every
BET (it is kept per execution environment for ``GAME_CACHE_S``; a game ops close is refused
once that time has passed, and at once by a new environment)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from casino import cache
from casino.provider import callbacks
from local.provider_client import ProviderClient
from tests.conftest import RunningStack, dynamodb_requests, operations
from tests.provider.conftest import bet, make_player, next_id
from tests.provider.test_signing_schemes import player_on, register


def _reads_a_game(seen: list[tuple[str, dict[str, Any]]]) -> bool:
    """Whether a request of ``seen`` named a game item (``GAME#...`` in RegistryTable)."""
    return any(
        str(key["pk"].get("S", "")).startswith("GAME#")
        for name, params in seen
        if name == "BatchGetItem"
        for wanted in params["RequestItems"].values()
        for key in wanted["Keys"]
    )


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """This execution environment's caches see ``seconds`` more pass (a TTL runs out)."""
    now = cache._clock()
    monkeypatch.setattr(cache, "_clock", lambda: now + seconds)


def test_a_bet_is_one_read_and_one_write_its_game_read_once_and_a_replay_one_request(
    running: RunningStack, provider: ProviderClient
) -> None:
    _, acme = register(running)  # hmac-sha256, the default scheme: no seal to bind
    player = player_on(running, acme.provider, real="10.00")
    first = bet(player, D("1.00"))
    with dynamodb_requests() as cold:
        assert acme.send("changebalance", first).ok
    assert _reads_a_game(cold)  # a cold environment reads the game, with the rest, in the one batch
    warm_bet = bet(player, D("1.00"))
    with dynamodb_requests() as warm:
        assert acme.send("changebalance", warm_bet).ok
    assert operations(warm) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    assert not _reads_a_game(warm)  # the game from this environment's cache
    win = {**warm_bet, "transaction_type": "WIN", "transaction_id": next_id(), "amount": D("2.00")}
    with dynamodb_requests() as won:
        assert acme.send("changebalance", win).ok
    assert operations(won) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    with dynamodb_requests() as replayed:
        again = acme.send("changebalance", warm_bet)  # the same transaction, signed afresh
    assert again.ok and again.data["balance"] == D("8.00")  # the first outcome, as it was then
    assert operations(replayed) == {"BatchGetItem": 1}


def test_a_seed_sha1_replay_is_one_request_and_a_fresh_hash_is_bound_with_one_more(
    running: RunningStack, provider: ProviderClient
) -> None:
    """``seed-sha1`` binds each request hash to its body: an identical retry finds its seal in
    the one read; a retry signed afresh (a new timestamp, so a new hash) binds the new hash."""
    player = make_player(running, real="10.00")
    data = bet(player, D("1.00"))
    envelope = provider.envelope("changebalance", data)
    assert provider.send("changebalance", body=envelope).ok
    with dynamodb_requests() as identical:
        assert provider.send("changebalance", body=envelope).ok
    assert operations(identical) == {"BatchGetItem": 1}
    with dynamodb_requests() as resigned:
        assert provider.send("changebalance", data).ok
    assert operations(resigned) == {"BatchGetItem": 1, "PutItem": 1}


def test_a_game_ops_close_is_refused_once_its_cached_record_expires(
    running: RunningStack, provider: ProviderClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    player = make_player(running, real="10.00")
    assert provider.send("changebalance", bet(player, D("1.00"))).ok  # this environment keeps the game
    status, _ = running.call("POST", "/api/v1/admin/games/tlt:1001/status", {"status": "disabled"})
    assert status == 200
    try:
        # within GAME_CACHE_S a warm environment still takes the game as it read it ...
        assert provider.send("changebalance", bet(player, D("1.00"))).ok
        later(monkeypatch, callbacks.GAME_CACHE_S)
        # ... and refuses it once that time has passed
        assert provider.send("changebalance", bet(player, D("1.00"))).error_code == "OP_33"
    finally:
        assert running.call("POST", "/api/v1/admin/games/tlt:1001/status", {"status": "active"})[0] == 200
    cache.clear_all()  # a new environment: the game reopened at once
    assert provider.send("changebalance", bet(player, D("1.00"))).ok
    assert player.balances()["real"] == "7.00"


def _index_entries_written(seen: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The items a transaction of ``seen`` wrote that carry a key of one of their table's global
    secondary indexes (each one is an index entry written, and billed, beside the item)."""
    from casino import aws

    keys: dict[str, set[str]] = {}
    written: list[str] = []
    for name, params in seen:
        if name != "TransactWriteItems":
            continue
        for action in params["TransactItems"]:
            put = action.get("Put")
            if put is None:
                continue
            table = put["TableName"]
            if table not in keys:
                indexes = aws.dynamodb().describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])
                keys[table] = {k["AttributeName"] for i in indexes for k in i["KeySchema"]}
            if keys[table] & set(put["Item"]):
                written.append(f"{put['Item']['pk']['S'].split('#')[0]}/{put['Item']['sk']['S'].split('#')[0]}")
    return written


def test_a_bet_and_a_win_write_one_index_entry_each_the_ledger_entrys_feed(running: RunningStack) -> None:
    """The wallet item is rewritten by every money movement: it carries no index key (the
    directory of players is an item of its own, written once), so a BET or a WIN writes one index
    entry, its ledger entry's in the reconciliation feed."""
    _, acme = register(running)
    player = player_on(running, acme.provider, real="10.00")
    placed = bet(player, D("1.00"))
    with dynamodb_requests() as betting:
        assert acme.send("changebalance", placed).ok
    win = {**placed, "transaction_type": "WIN", "transaction_id": next_id(), "amount": D("2.00")}
    with dynamodb_requests() as winning:
        assert acme.send("changebalance", win).ok
    assert _index_entries_written(betting) == ["PLAYER/LEDGER"]
    assert _index_entries_written(winning) == ["PLAYER/LEDGER"]
