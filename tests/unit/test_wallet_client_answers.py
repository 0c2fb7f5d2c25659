"""How the hub reads an operator wallet's answer (operator-wallet.md): applied, refused for good,
or unknown (retried with the same body)."""

from __future__ import annotations

import json

import pytest

from casino.hub.wallet_client import WalletOutcomeUnknown, WalletRefused, _classify


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("initialize_session", {"success": False, "error": {"code": "user_blocked", "message": "no"}}, "user_blocked"),
        ("finalize_session", {"success": False, "error": "invalid_request"}, "invalid_request"),
        ("initialize_session", {"success": False, "error": {"code": "our_own_code"}}, "forbidden"),
        ("initialize_session", {"success": False}, "forbidden"),
        ("finalize_session", {"success": False, "error": {"code": ["user_blocked"]}}, "forbidden"),  # no code
        ("finalize_session", {"success": False, "error": [{"code": "x"}]}, "forbidden"),
        ("initialize_session", {"success": False, "error": {"code": {"a": 1}, "message": ["m"]}}, "forbidden"),
    ],
)
def test_a_session_call_declined_with_success_false_is_a_final_refusal(
    path: str, body: dict[str, object], code: str
) -> None:
    with pytest.raises(WalletRefused) as refused:
        _classify(200, json.dumps(body), path)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("status", "body", "path"),
    [
        (200, {"success": False, "error": {"code": "user_blocked"}}, "create_transaction"),  # not its answer
        (200, {"error": {"code": "busy"}}, "initialize_session"),  # a 2xx that carries an error, no success
        (503, {"error": {"code": "user_blocked"}}, "initialize_session"),
        (400, {"error": {"code": "made_up"}}, "initialize_session"),
        (400, {"error": {"code": ["user_blocked"]}}, "create_transaction"),  # any JSON: unknown, never a crash
        (409, {"error": {"code": {"a": 1}}}, "get_user_data"),
    ],
)
def test_what_is_not_a_refusal_of_the_protocol_stays_unknown(status: int, body: object, path: str) -> None:
    with pytest.raises(WalletOutcomeUnknown):
        _classify(status, json.dumps(body), path)


def test_a_session_call_accepted_is_its_answer() -> None:
    assert _classify(200, '{"success": true}', "initialize_session") == {"success": True}
