"""``make soak`` in miniature, so that it cannot rot: a few seconds of one operator, one password
player and a provider on each signature scheme, on the session's stack, with the faulty operator
wallet answering slowly, with a 5xx or losing its answer after applying; then every invariant
of the soak's books must hold (bench/soak.py, bench/soak_books.py)."""

from __future__ import annotations

import time
from pathlib import Path

from bench import soak
from tests.conftest import RunningStack


def test_a_short_soak_keeps_every_invariant(running: RunningStack, tmp_path: Path) -> None:
    config = soak.config_from(
        [
            "--seconds",
            "5",
            "--providers",
            "2",
            "--operators",
            "1",
            "--players",
            "1",
            "--fault-rate",
            "0.25",
            "--outage-seconds",
            "0",
            "--held-wins",
            "0",
            "--view-share",
            "1",
            "--settle-seconds",
            "10",
            "--max-actions",
            "200",
            "--seed",
            "15",
            "--no-audit-all",
            "--quiet",
            "--results",
            str(tmp_path / "soak.json"),
        ]
    )
    began = time.monotonic()
    results = soak.run(config, lent=(running.base_url, running.stack, running.gateway))
    took = time.monotonic() - began
    soak.write(results, config.results)
    failed = {name: v["problems"][:3] for name, v in results["invariants"].items() if not v["pass"]}
    assert results["passed"], f"{failed}\n{soak.summary(results)}"
    assert results["contracts"]["total"] > 0 and results["providers"]["tlt"]["callbacks"] > 0, soak.summary(results)
    assert results["providers"]["soakp"]["callbacks"] > 0, soak.summary(results)
    assert results["settle"]["left"] == {}, results["settle"]
    assert took < 60, f"the smoke soak took {took:.1f} s ({results['durations_s']})"  # about 15 s on an idle machine
    assert (tmp_path / "soak.json").exists()
