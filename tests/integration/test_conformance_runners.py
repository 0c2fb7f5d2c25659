"""The integrator's kit (docs/integration/): the conformance runners pass against conforming
implementations and fail against a broken one, and the guides' examples are what the code does
now (issue 15, part 2)."""

from __future__ import annotations

import difflib
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from local import integration_examples, operator_wallet_check, provider_simulator
from tests.conftest import ADMIN_KEY, RunningStack
from tests.fake_operator import FakeOperator, Fault

APP_ID, SECRET = "conformance-app", "conformance-wallet-secret"
ADMIN = "/api/v1/admin"


def lines_of(output: str) -> dict[str, str]:
    """The runner's result lines: check name -> PASS or FAIL."""
    found = {}
    for line in output.splitlines():
        verdict, _, rest = line.partition("  ")
        if verdict in ("PASS", "FAIL"):
            found[rest.split()[0]] = verdict
    return found


@pytest.fixture
def fake() -> Iterator[FakeOperator]:
    """A strict fake operator wallet: every rule of operator-wallet.md."""
    wallet = FakeOperator(app_id=APP_ID, wallet_secret=SECRET, strict=True).start()
    wallet.users["u-1"] = {"real": Decimal("20.00"), "bonus": Decimal("5.00")}
    yield wallet
    wallet.stop()


def check(fake: FakeOperator, *more: str) -> list[str]:
    return ["--base-url", fake.url, "--app-id", APP_ID, "--secret", SECRET, "--player", "u-1", *more]


def test_the_operator_wallet_check_passes_against_the_fake_operator_wallet(
    fake: FakeOperator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert operator_wallet_check.main(check(fake)) == 0
    out = capsys.readouterr().out
    verdicts = lines_of(out)
    assert set(verdicts.values()) == {"PASS"}, out
    assert len(verdicts) == 38 and "38 checks: 38 passed, 0 failed" in out
    assert fake.users["u-1"] == {"real": Decimal("17.00"), "bonus": Decimal("5.00")}  # three stakes lost


def test_the_operator_wallet_check_passes_against_our_own_bridge(running: RunningStack) -> None:
    player = f"owc-{uuid.uuid4().hex[:10]}"
    created = {"player_id": player, "user_name": player, "country": "MT", "currency": "EUR"}
    assert running.call("POST", f"{ADMIN}/players", created)[0] == 201
    fund = {"type": "deposit", "amount": "20.00", "idempotency_key": f"{player}-fund"}
    assert running.call("POST", f"{ADMIN}/players/{player}/transactions", fund)[0] == 200
    out: list[str] = []
    bridge = f"{running.base_url}/api/v1/bridge/demo"
    results = operator_wallet_check.run(bridge, "demo-operator", "demo-wallet-secret", player, out=out.append)
    assert [r.name for r in results if not r.passed] == [], "\n".join(out)
    assert len(results) == 38
    status, verified = running.call("GET", f"{ADMIN}/ledger/verify", query=f"player_id={player}")
    assert status == 200 and verified["differences"] == []
    status, view = running.call("GET", f"{ADMIN}/players/{player}")
    assert view["balances"]["real"] == "17.00"


def test_the_operator_wallet_check_fails_against_a_wallet_that_applies_a_repeat_again(
    fake: FakeOperator, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail("create_transaction", Fault("reapply", times=10**6))
    assert operator_wallet_check.main(check(fake, "--only", "play")) == 1
    verdicts = lines_of(capsys.readouterr().out)
    assert verdicts["play"] == "PASS"
    assert verdicts["play.repeat"] == "FAIL" and verdicts["play.concurrent_repeats"] == "FAIL"
    assert verdicts["balance.end"] == "FAIL"


def test_the_operator_wallet_check_fails_against_a_lenient_wallet(capsys: pytest.CaptureFixture[str]) -> None:
    """The fake as the hub's own tests use it (not strict) takes amounts finer than the currency
    and prev_transactions it should refuse: the runner says so."""
    lenient = FakeOperator(app_id=APP_ID, wallet_secret=SECRET).start()
    lenient.users["u-1"] = {"real": Decimal("20.00")}
    try:
        assert operator_wallet_check.main(check(lenient, "--only", "amount,prev")) == 1
    finally:
        lenient.stop()
    verdicts = lines_of(capsys.readouterr().out)
    assert verdicts["amount.too_precise"] == "FAIL" and verdicts["prev.too_many"] == "FAIL"
    assert verdicts["get_user_data"] == "PASS"


def test_the_operator_wallet_check_says_what_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        operator_wallet_check.main(["--base-url", "http://127.0.0.1:9/w", "--app-id", "a", "--secret", "s"])
    assert "--player" in capsys.readouterr().err
    unreachable = ["--base-url", "http://127.0.0.1:9/w", "--app-id", "a", "--secret", "s", "--player", "u"]
    assert operator_wallet_check.main(unreachable) == 1
    assert "FAIL  get_user_data" in capsys.readouterr().out


def test_the_provider_simulator_plays_with_given_credentials_and_players(
    running: RunningStack, capsys: pytest.CaptureFixture[str]
) -> None:
    """A provider registered with hmac-sha256, players given with their tokens, no admin key:
    what a provider has against a wallet that is not its own. A wrong secret fails it."""
    code = f"cr{uuid.uuid4().hex[:8]}"
    provider = {
        "code": code,
        "name": "Conformance",
        "operator_id": "demo-casino",  # the local stub catalogue's (tlt's) credentials serve the game list
        "secret": "tlt-demo-secret",
        "platform_url": f"{running.base_url}/_local/provider-platform/tlt",
        "currencies": ["EUR"],
    }
    assert running.call("POST", f"{ADMIN}/providers", provider)[1]["signature"] == "hmac-sha256"
    assert running.call("POST", f"{ADMIN}/providers/{code}/sync")[1]["outcome"] == "ok"
    player = f"ps-{uuid.uuid4().hex[:10]}"
    created = {"player_id": player, "user_name": player, "country": "MT", "currency": "EUR"}
    assert running.call("POST", f"{ADMIN}/players", created)[0] == 201
    fund = {"type": "deposit", "amount": "40.00", "idempotency_key": f"{player}-fund"}
    assert running.call("POST", f"{ADMIN}/players/{player}/transactions", fund)[0] == 200
    session = {"player_id": player, "provider": code, "game_id": 1001}
    token = running.call("POST", f"{ADMIN}/game-sessions", session)[1]["token"]
    args = [
        *("--base-url", running.base_url, "--provider", code, "--operator-id", "demo-casino"),
        *("--signature", "hmac-sha256", "--game-id", "1001", "--player", f"{player}:{token}", "--rounds", "6"),
    ]
    assert provider_simulator.main([*args, "--secret", "tlt-demo-secret"]) == 0
    assert "books balance" in capsys.readouterr().out
    status, verified = running.call("GET", f"{ADMIN}/ledger/verify", query=f"player_id={player}")
    assert status == 200 and verified["differences"] == []
    assert provider_simulator.main([*args, "--secret", "not-the-secret"]) == 1
    assert "OP_20" in capsys.readouterr().out


def test_the_integration_examples_are_what_the_code_does_now(running: RunningStack) -> None:
    """docs/integration/examples/*.json and the guides' example blocks, made again against the
    test stack, are the committed ones; every signature in them checks out."""
    texts = integration_examples.generate(running.base_url, ADMIN_KEY)
    stale = integration_examples.stale(texts)
    if stale:
        path = stale[0]
        old = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        diff = "\n".join(list(difflib.unified_diff(old, texts[path].splitlines(), str(path), "now", n=1))[:60])
        pytest.fail(f"not current: {[str(p) for p in stale]} (python -m local.integration_examples)\n{diff}")
    examples = integration_examples.EXAMPLES
    files = {
        name: json.loads(texts[examples / f"{name}.json"], parse_float=Decimal)
        for name in ("provider", "operator", "operator-wallet")
    }
    assert integration_examples.verify(files) == []
