"""The transactions roll-up's numbers against the template: the settle margin outlasts every
function that writes the ledger, and a run ends inside its schedule's period."""

from __future__ import annotations

import local  # noqa: F401 - the shared layer on sys.path
from casino.ops import rollup, rollup_run
from local import template as tpl
from tests.template import aws_calls

DOC = tpl.load()
PARAMS = DOC["Parameters"]
FUNCTIONS = {f.logical_id: f for f in tpl.functions(DOC)}


def _worst_timeout_s(fn: tpl.Function) -> int:
    value = fn.timeout_s
    return int(PARAMS[value["Ref"]]["MaxValue"]) if isinstance(value, dict) else int(value)


def test_the_settle_margin_outlasts_every_function_that_writes_the_ledger() -> None:
    """An entry is stamped before its transaction commits, at most a function's time later: the
    margin is more than three times the longest such function (the index and clock skew)."""
    writers = [
        fn for fn, calls in aws_calls.load().items() if ("dynamodb:PutItem", "table/WalletTable", "PLAYER#*") in calls
    ]
    assert "ProviderChangebalanceFunction" in writers and "BridgeCreateTransactionFunction" in writers
    longest = max(_worst_timeout_s(FUNCTIONS[fn]) for fn in writers)
    assert longest <= 28
    assert 3 * longest * 1000 < rollup.SETTLE_MS


def test_a_rollup_run_ends_before_the_next_and_keeps_its_margin() -> None:
    fn = FUNCTIONS["TransactionsRollupFunction"]
    (schedule,) = fn.schedules
    rate = tpl.rate_seconds(PARAMS[schedule["Ref"]]["Default"])
    assert int(fn.timeout_s) < rate
    assert int(fn.timeout_s) * 1000 // 2 > rollup_run.MARGIN_MS
