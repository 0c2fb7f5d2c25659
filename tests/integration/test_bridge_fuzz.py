"""Hypothesis over the bridge's create_transaction bodies: whatever the body, the answer is the
first answer or a 4xx refusal naming a field, never a 5xx; and nothing moves on a refusal."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino import error_map
from casino.bridge import transactions
from casino.errors import DomainError
from casino.wallet import admin
from tests.conftest import RunningStack

ids = st.one_of(st.text(max_size=80), st.integers(), st.none(), st.just("stp_known"), st.just("x" * 2000))
amounts = st.one_of(
    st.sampled_from(["-1.00", "-1.0", "1.00", "-0.001", "-1e3", "-١٢", "-99999999999999999999999999999.99", "", "-0"]),
    st.text(max_size=12),
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.none(),
)
lines = st.lists(
    st.fixed_dictionaries(
        {"id": ids, "account_id": st.sampled_from(["real", "bonus", "cash", None]), "amount": amounts}
    ),
    max_size=12,
)
bodies = st.fixed_dictionaries(
    {
        "transaction_id": ids,
        "type": st.one_of(
            st.sampled_from([f"instant_win.{a}" for a in ("play", "win", "lose", "refund", "cancel_win")]), st.text()
        ),
        "data": st.one_of(st.fixed_dictionaries({"contract_id": ids}), st.none(), st.lists(st.integers(), max_size=2)),
        "prev_transactions": st.one_of(st.lists(ids, max_size=25), st.none(), st.text(max_size=5)),
        "transactions": st.one_of(lines, st.none(), st.text(max_size=5)),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_no_body_makes_a_5xx_or_moves_money_on_a_refusal(running: RunningStack, body: dict[str, Any]) -> None:
    pid = f"bf-{uuid.uuid4().hex[:10]}"
    admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
    admin.post_transaction(pid, type="adjustment", amount="10.00", idempotency_key="fund")
    body = {**body, "user_id": pid}
    try:
        transactions.create_transaction("demo", body)
    except DomainError as refused:
        assert error_map.http_status(refused) < 500, refused
        assert admin.get_player(pid)["balances"]["real"] == "10.00"
    real = Decimal(admin.get_player(pid)["balances"]["real"])
    assert Decimal(0) <= real <= Decimal("10.00")  # a lone step can only stake (a win needs a play)
    assert admin.verify(pid)["differences"] == []
