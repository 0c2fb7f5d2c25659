"""events/provider/: each sample is a real, signed API Gateway event that works once re-signed."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from local.provider_client import ProviderClient
from tests.conftest import ROOT, RunningStack
from tests.provider.conftest import make_player, next_id

SAMPLES = sorted((ROOT / "events" / "provider").glob("*.json"))
SECRET = "tlt-demo-secret"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_each_sample_is_signed_as_the_protocol_says(path: Path) -> None:
    event = json.loads(path.read_text())
    command = event["path"].rsplit("/", 1)[-1]
    assert event["resource"] == f"/api/v1/provider/{{provider}}/{command}"
    assert event["headers"]["X-Operator-Id"] == "demo-casino"
    assert event["headers"]["X-Authorization"] == hashlib.sha1(f"{command}{SECRET}".encode()).hexdigest()
    if event["httpMethod"] == "POST":
        body = json.loads(event["body"], parse_float=Decimal)
        assert body["command"] == command
        assert body["hash"] == hashlib.sha1(f"{command}{body['request_timestamp']}{SECRET}".encode()).hexdigest()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_each_sample_works_against_the_stack_once_re_signed(
    running: RunningStack, provider: ProviderClient, path: Path
) -> None:
    player = make_player(running, real="50.00")
    event = json.loads(path.read_text())
    command = event["path"].rsplit("/", 1)[-1]
    if command == "ping":
        assert provider.send("ping").ok
        return
    data = json.loads(event["body"], parse_float=Decimal)["data"]
    data["user_id"] = player.id
    for name in ("transaction_id", "round_id"):  # ids of this run, not the sample's shared ones
        if name in data:
            data[name] = next_id()
    if "token" in data:
        data["token"] = player.token
    answer = provider.send(command, data)
    assert answer.http_status == 200 and answer.signed
    expected_errors = {"status": "OP_41", "changebalance-refund": "OP_43"}
    assert answer.error_code == expected_errors.get(path.stem, expected_errors.get(command)), answer.body
