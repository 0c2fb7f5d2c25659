"""Settings from the environment the template gives each function (read once, on first use)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str
    wallet_table: str
    hub_table: str
    registry_table: str
    parameter_prefix: str
    admin_bootstrap_secret: str
    contract_state_machine_arn: str
    public_base_url: str
    sports_table: str


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    stage = env.get("STAGE", "local")
    return Settings(
        stage=stage,
        wallet_table=env.get("WALLET_TABLE", ""),
        hub_table=env.get("HUB_TABLE", ""),
        registry_table=env.get("REGISTRY_TABLE", ""),
        parameter_prefix=env.get("PARAMETER_PREFIX", f"/casino/{stage}"),
        admin_bootstrap_secret=env.get("ADMIN_BOOTSTRAP_SECRET", ""),
        contract_state_machine_arn=env.get("CONTRACT_STATE_MACHINE_ARN", ""),
        public_base_url=env.get("PUBLIC_BASE_URL", ""),
        sports_table=env.get("SPORTS_TABLE", ""),
    )
