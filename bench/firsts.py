"""``make bench``, cold starts: a realistic first request for every function of ``template.yaml``.

A cold start's first request runs in a subprocess against the emulator of this process, and each
sample is a new one: fresh ids, a fresh signature, a fresh nonce (a signed request is refused
when replayed). So each function has a factory here that builds its API Gateway event (or its
Step Functions task input, or its EventBridge schedule event) just before the sample, with
whatever it needs prepared in this process first (a player, a session, a provider BET to cancel,
a play whose contract to show). Where a sample exists in ``events/`` it is the one used, its
ids and signature renewed.

Where the happy path needs state that a sample cannot make anew (a contract task on a contract
whose execution has already run it), the request is the retry AWS would send, and the bench
reports the status each first request answered, so a reader sees which were a happy path.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import local  # noqa: F401 - the shared layer on sys.path
from local.provider_client import ProviderClient
from local.server import Gateway, proxy_event
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
ADMIN_KEY = "local-admin-key"
OPERATOR = ("demo-operator", "demo-operator-secret")  # the seeded operator calling the hub
WALLET = ("demo-operator", "demo-wallet-secret")  # the hub calling the bridge operator's wallet
FEED = ("alpha", "alpha-feed-secret")  # a seeded stub sports feed
PASSWORD_PLAYER = ("ana", "correct-horse-battery-1")
GAME = "lucky-7"

Event = dict[str, Any]


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return data


def _envelope_data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sample(name)["body"], parse_float=Decimal)["data"]
    return data


class FirstRequests:
    """Builds the first request of each function against a seeded stack (this process's)."""

    def __init__(self, stack: LocalStack, gateway: Gateway):
        self.stack = stack
        self.gateway = gateway
        self.provider = ProviderClient("http://bench")
        self._ids = iter(range(7 * 10**8, 8 * 10**8))
        self._lock = threading.Lock()
        self._shared: dict[str, Any] = {}
        self.factories: dict[str, Callable[[], Event]] = {
            # provider callbacks (events/provider, re-signed, on a player of their own)
            "ProviderPingFunction": self.provider_ping,
            "ProviderAuthenticateFunction": lambda: self.provider_call("authenticate"),
            "ProviderBalanceFunction": lambda: self.provider_call("balance"),
            "ProviderChangebalanceFunction": lambda: self.provider_call("changebalance-bet"),
            "ProviderStatusFunction": lambda: self.provider_call("status"),
            "ProviderCancelFunction": lambda: self.provider_call("cancel"),
            "ProviderFinishroundFunction": lambda: self.provider_call("finishround"),
            # the hub's operator API (signed as the seeded operator)
            "HubCreateSessionFunction": lambda: self.operator(
                "/api/v1/hub/create_session", {"user_id": self.player(), "game_id": GAME}
            ),
            "HubSearchSessionsFunction": lambda: self.operator("/api/v1/hub/search_sessions", {"from_date": 0}),
            "HubGetSessionFunction": lambda: self.operator(
                "/api/v1/hub/get_session", {"session_id": self.shared_session()["session_id"], "is_our_id": True}
            ),
            "HubTerminateSessionFunction": lambda: self.operator(
                "/api/v1/hub/terminate_session", {"session_id": self.new_session()["session_id"], "is_our_id": True}
            ),
            "HubGetTransactionFunction": lambda: self.operator(
                "/api/v1/hub/get_transaction", {"transaction_id": self.shared_contract_transaction(), "is_our_id": True}
            ),
            # the client API (a session of the seeded operator, logged in)
            "ClientLoginFunction": lambda: self.api(
                "POST", "/api/v1/client/login", {"client_token": self.new_session()["client_token"]}
            ),
            "ClientRegisterFunction": lambda: self.api(
                "POST",
                "/api/v1/client/register",
                {
                    "operator": "demo",
                    "username": f"b{uuid.uuid4().hex[:12]}",
                    "password": "Bench-Password-For-Cold-1",
                    "currency": "EUR",
                    "country": "MT",
                },
            ),
            "ClientPasswordLoginFunction": lambda: self.api(
                "POST",
                "/api/v1/client/password_login",
                {"operator": "demo", "username": PASSWORD_PLAYER[0], "password": PASSWORD_PLAYER[1]},
            ),
            "ClientPasswordFunction": self.client_password,
            "ClientHeartbeatFunction": lambda: self.client("POST", "/api/v1/client/heartbeat", {}),
            "ClientExitFunction": lambda: self.client("POST", "/api/v1/client/exit", {}, token=self.new_login()),
            "ClientGamesFunction": lambda: self.client("GET", "/api/v1/client/games"),
            "ClientPlayFunction": lambda: self.client(
                "POST", "/api/v1/client/play", {"game_id": GAME, "stake": "1.00", "play_id": uuid.uuid4().hex}
            ),
            "ClientContractFunction": lambda: self.client("GET", f"/api/v1/client/contracts/{self.shared_contract()}"),
            "ClientContractProofFunction": lambda: self.client(
                "GET", f"/api/v1/client/contracts/{self.shared_contract()}/proof"
            ),
            "ClientViewDoneFunction": self.client_view_done,
            "ClientHistoryFunction": lambda: self.client("GET", "/api/v1/client/history", query="limit=20"),
            "ClientLimitsGetFunction": lambda: self.client("GET", "/api/v1/client/limits"),
            "ClientLimitsPutFunction": lambda: self.client(
                "PUT", "/api/v1/client/limits", {"deposit": {"day": "500.00"}, "timezone": "Europe/Malta"}
            ),
            "ClientSelfExclusionFunction": lambda: self.client(
                "POST", "/api/v1/client/self_exclusion", {"period": "24h"}, token=self.new_login()
            ),
            "ClientRealityCheckGetFunction": lambda: self.client("GET", "/api/v1/client/reality_check"),
            "ClientRealityCheckAckFunction": lambda: self.client("POST", "/api/v1/client/reality_check", {}),
            "ClientPageFunction": lambda: self.api("GET", "/play", query=f"token={uuid.uuid4().hex}"),
            # the account bridge (the hub calling our own brand's wallet)
            "BridgeInitializeSessionFunction": lambda: self.wallet(
                "initialize_session", {"id": f"ses_{uuid.uuid4().hex}", "status": "active"}
            ),
            "BridgeGetUserDataFunction": lambda: self.wallet("get_user_data", {"user_id": self.shared_player()}),
            "BridgeCreateTransactionFunction": lambda: self.wallet("create_transaction", self.bridge_play()),
            "BridgeFinalizeSessionFunction": lambda: self.wallet(
                "finalize_session", {"id": f"ses_{uuid.uuid4().hex}", "status": "finished"}
            ),
            # ops (the admin key)
            "AdminStatusFunction": lambda: self.from_sample("admin/status.json"),
            "AdminStatusSetFunction": lambda: self.admin(
                "POST", "/api/v1/admin/status/schedules", {"maintenance": False, "reason": "bench"}
            ),
            "AdminTransactionsFunction": lambda: self.admin(
                "GET", "/api/v1/admin/transactions", query=f"from={self.today()}&to={self.tomorrow()}&limit=100"
            ),
            "AdminTransactionsSummaryFunction": lambda: self.admin(
                "GET", "/api/v1/admin/transactions/summary", query=f"date={self.today()}"
            ),
            "AdminPlayersCreateFunction": lambda: self.admin(
                "POST",
                "/api/v1/admin/players",
                {
                    "player_id": f"bench-c-{uuid.uuid4().hex[:10]}",
                    "user_name": "cold",
                    "country": "MT",
                    "currency": "EUR",
                },
            ),
            "AdminPlayersGetFunction": lambda: self.admin("GET", f"/api/v1/admin/players/{self.shared_player()}"),
            "AdminPlayersLimitsFunction": lambda: self.admin(
                "POST",
                f"/api/v1/admin/players/{self.player()}/limits",
                {"deposit": {"day": "100.00"}, "timezone": "Europe/Malta", "reason": "bench"},
            ),
            "AdminPlayersSelfExclusionFunction": lambda: self.admin(
                "POST", f"/api/v1/admin/players/{self.player()}/self_exclusion", {"period": "24h", "reason": "bench"}
            ),
            "AdminPlayersLimitsHistoryFunction": lambda: self.admin(
                "GET", f"/api/v1/admin/players/{self.shared_player()}/limits/history"
            ),
            "AdminPlayersStatusFunction": lambda: self.admin(
                "POST", f"/api/v1/admin/players/{self.player()}/status", {"status": "blocked"}
            ),
            "AdminPlayersCredentialsFunction": self.admin_credentials,
            "AdminPlayersTransactionsFunction": lambda: self.admin(
                "POST",
                f"/api/v1/admin/players/{self.shared_player()}/transactions",
                {"type": "deposit", "amount": "10.00", "idempotency_key": uuid.uuid4().hex},
            ),
            "AdminPlayersBonusesFunction": lambda: self.admin(
                "POST", f"/api/v1/admin/players/{self.player()}/bonuses", self.bonus_body()
            ),
            "AdminBonusesForfeitFunction": lambda: self.admin(
                "POST", f"/api/v1/admin/bonuses/{self.new_bonus()}/forfeit", {}
            ),
            "AdminPlayersLedgerFunction": lambda: self.admin(
                "GET", f"/api/v1/admin/players/{self.shared_player()}/ledger", query="limit=50"
            ),
            "AdminLedgerVerifyFunction": lambda: self.admin(
                "GET", "/api/v1/admin/ledger/verify", query=f"player_id={self.shared_player()}"
            ),
            "AdminKeysCreateFunction": lambda: self.admin("POST", "/api/v1/admin/admin-keys", {"label": "bench"}),
            "AdminKeysRevokeFunction": lambda: self.admin(
                "POST", f"/api/v1/admin/admin-keys/{self.new_admin_key()}/revoke", {}
            ),
            "AdminProvidersCreateFunction": lambda: self.admin("POST", "/api/v1/admin/providers", self.provider_body()),
            "AdminGameSessionsCreateFunction": lambda: self.admin(
                "POST",
                "/api/v1/admin/game-sessions",
                {"player_id": self.shared_player(), "provider": "tlt", "game_id": 1001, "ttl_minutes": 60},
            ),
            "AdminProvidersSyncFunction": lambda: self.admin("POST", "/api/v1/admin/providers/tlt/sync", {}),
            "AdminProvidersSyncHistoryFunction": lambda: self.admin("GET", "/api/v1/admin/providers/tlt/sync-history"),
            "AdminGamesListFunction": lambda: self.admin("GET", "/api/v1/admin/games", query="provider=tlt"),
            "AdminGamesCreateFunction": lambda: self.admin("POST", "/api/v1/admin/games", self.game_body()),
            "AdminGamesStatusFunction": lambda: self.admin(
                "POST", f"/api/v1/admin/games/hub:{GAME}/status", {"status": "active"}
            ),
            "AdminOperatorsCreateFunction": lambda: self.admin("POST", "/api/v1/admin/operators", self.operator_body()),
            "AdminOperatorsRotateFunction": lambda: self.admin(
                "POST", f"/api/v1/admin/operators/{self.new_operator()}/rotate", {"which": "app_secret"}
            ),
            "AdminOperatorsRetireFunction": self.admin_retire,
            # schedules (events/schedules; the sports pull's own)
            "GameListSyncFunction": lambda: self.from_sample("schedules/game-list-sync.json"),
            "SessionExpiryFunction": lambda: self.from_sample("schedules/session-expiry.json"),
            "ContractSweepFunction": lambda: self.from_sample("schedules/contract-sweep.json"),
            "TransactionsRollupFunction": lambda: self.from_sample("schedules/transactions-rollup.json"),
            "SportsFeedPullFunction": lambda: {
                **sample("schedules/contract-sweep.json"),
                "id": str(uuid.uuid4()),
                "resources": ["arn:aws:events:eu-west-1:123456789012:rule/casino-local-SportsFeedPullSchedule"],
            },
            # sports
            "SportsFixturesListFunction": lambda: self.operator_get("/api/v1/sports/fixtures", "limit=20"),
            "SportsFixtureGetFunction": lambda: self.operator_get(f"/api/v1/sports/fixtures/{self.fixtures()[0]}"),
            "SportsFixturePointsFunction": lambda: self.operator_get(
                f"/api/v1/sports/fixtures/{self.fixtures()[0]}/points", "after_seq=0&limit=200"
            ),
            "SportsFeedEventsFunction": lambda: self.feed_push(self.feed_message()),
            "AdminSportsFeedsCreateFunction": lambda: self.admin(
                "POST", "/api/v1/admin/sports/feeds", self.feed_body()
            ),
            "AdminSportsFeedsListFunction": lambda: self.admin("GET", "/api/v1/admin/sports/feeds"),
            "AdminSportsFeedMaintenanceFunction": lambda: self.admin(
                "POST", "/api/v1/admin/sports/feeds/beta/maintenance", {"maintenance": False, "reason": ""}
            ),
            "AdminSportsLinkCandidatesFunction": lambda: self.admin("GET", "/api/v1/admin/sports/link-candidates"),
            "AdminSportsFixtureLinkFunction": self.sports_link,
            "AdminSportsFixtureUnlinkFunction": self.sports_unlink,
            "AdminSportsFixtureHistoryFunction": lambda: self.admin(
                "GET", f"/api/v1/admin/sports/fixtures/{self.fixtures()[0]}/history"
            ),
            # contract tasks (events/contract on a played contract: the retry Step Functions sends)
            "ContractPlaceBetFunction": lambda: self.task("contract/place-bet.json"),
            "ContractAwaitViewFunction": lambda: self.task("contract/await-view.json"),
            "ContractSettleFunction": lambda: self.task("contract/settle.json"),
            "ContractRefundBetFunction": lambda: self.task("contract/place-bet.json"),
        }

    # ------------------------------------------------------------ building events
    def event(self, logical_id: str) -> Event:
        factory = self.factories.get(logical_id)
        if factory is None:
            raise LookupError(f"no first request for {logical_id}: add one to bench/firsts.py")
        return factory()

    def api(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: str = "",
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Event:
        found = self.gateway.find(method, path)
        if found is None:
            raise LookupError(f"no route for {method} {path}")
        _, route, params = found
        if raw is None:
            raw = b"" if body is None else json.dumps(body).encode()
        sent = {"User-Agent": "bench/1.0", **({"Content-Type": "application/json"} if raw else {}), **(headers or {})}
        ip = f"198.51.100.{next(self._ids) % 250 + 1}"
        return proxy_event(route, method, path, params, list(sent.items()), query, raw, ip)

    def call(self, event: Event) -> tuple[int, Any]:
        """Run an event in this process (to prepare a sample), as the local gateway would."""
        found = self.gateway.find(event["httpMethod"], event["path"])
        assert found is not None
        answer = self.stack.invoke(found[0], event)
        return int(answer["statusCode"]), json.loads(answer.get("body") or "null")

    def admin(self, method: str, path: str, body: Any = None, *, query: str = "") -> Event:
        return self.api(method, path, body, query=query, headers={"Authorization": f"Bearer {ADMIN_KEY}"})

    def operator(self, path: str, body: Any, signer: tuple[str, str] = OPERATOR) -> Event:
        from casino.hub import app_auth

        raw = json.dumps(body)
        signed = app_auth.headers(signer[0], signer[1], "POST", app_auth.endpoint_of(path), raw)
        return self.api("POST", path, raw=raw.encode(), headers=signed)

    def operator_get(self, path: str, query: str = "") -> Event:
        from casino.hub import app_auth

        signed = app_auth.headers(OPERATOR[0], OPERATOR[1], "GET", app_auth.endpoint_of(path), "")
        return self.api("GET", path, query=query, headers=signed)

    def wallet(self, command: str, body: Any) -> Event:
        return self.operator(f"/api/v1/bridge/demo/{command}", body, signer=WALLET)

    def client(self, method: str, path: str, body: Any = None, *, token: str | None = None, query: str = "") -> Event:
        token = token or self.shared_login()
        return self.api(method, path, body, query=query, headers={"Authorization": f"Bearer {token}"})

    def from_sample(self, name: str) -> Event:
        event = copy.deepcopy(sample(name))
        if "requestContext" in event:
            event["requestContext"]["requestId"] = str(uuid.uuid4())
            event["requestContext"]["requestTimeEpoch"] = int(time.time() * 1000)
        else:
            event["id"] = str(uuid.uuid4())
        return event

    # ------------------------------------------------------------ provider callbacks
    def provider_ping(self) -> Event:
        headers = self.provider.headers("ping")
        return self.api("GET", "/api/v1/provider/tlt/ping", headers=headers)

    def provider_call(self, name: str) -> Event:
        from casino.api.jsonio import dumps_numbers

        command = name.split("-", maxsplit=1)[0]
        data = _envelope_data(f"provider/{name}.json")
        pid, token = self.provider_player()
        data["user_id"] = pid
        if "token" in data:
            data["token"] = token
        if command in ("cancel", "status", "finishround"):  # about a BET placed just before
            tid, rid = self.provider_bet(pid, token)
            data["transaction_id"] = tid
            data["round_id"] = rid
            data.pop("transaction_id", None) if command == "finishround" else None
        else:
            for key in ("transaction_id", "round_id"):
                if key in data:
                    data[key] = next(self._ids)
        raw = dumps_numbers(self.provider.envelope(command, data)).encode()
        return self.api("POST", f"/api/v1/provider/tlt/{command}", raw=raw, headers=self.provider.headers(command))

    def provider_player(self) -> tuple[str, str]:
        if "provider" not in self._shared:
            from casino.provider import sessions
            from casino.registry import game_sync, store
            from local import seed

            catalogue = seed.load()["providers"][0]["catalogue"]  # the games, as a sync leaves them
            plan = game_sync.plan("tlt", catalogue, store.games_of("tlt"))
            store.apply_game_sync("tlt", plan.upserts, plan.categories)

            pid = self.player(amount="100000.00")
            token = sessions.open_session(player_id=pid, provider="tlt", game_id=1001, ttl_minutes=600)["token"]
            self._shared["provider"] = (pid, token)
        pid, token = self._shared["provider"]
        return str(pid), str(token)

    def provider_bet(self, pid: str, token: str) -> tuple[int, int]:
        from casino.api.jsonio import dumps_numbers

        tid, rid = next(self._ids), next(self._ids)
        data = {
            **_envelope_data("provider/changebalance-bet.json"),
            "user_id": pid,
            "token": token,
            "transaction_id": tid,
            "round_id": rid,
        }
        raw = dumps_numbers(self.provider.envelope("changebalance", data)).encode()
        event = self.api(
            "POST", "/api/v1/provider/tlt/changebalance", raw=raw, headers=self.provider.headers("changebalance")
        )
        status, answer = self.call(event)
        assert status == 200 and answer["status"] == "OK", answer
        return tid, rid

    # ------------------------------------------------------------ players and sessions
    def player(self, amount: str = "1000.00") -> str:
        from casino.wallet import admin

        pid = f"bench-c-{uuid.uuid4().hex[:10]}"
        admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
        admin.post_transaction(pid, type="adjustment", amount=amount, idempotency_key=f"fund-{pid}")
        return pid

    def shared_player(self) -> str:
        if "player" not in self._shared:
            self._shared["player"] = self.player(amount="100000.00")
        return str(self._shared["player"])

    def new_session(self, pid: str | None = None) -> dict[str, str]:
        """create_session for a player of its own (or ``pid``): its ids and client token."""
        pid = pid or self.player()
        status, created = self.call(self.operator("/api/v1/hub/create_session", {"user_id": pid, "game_id": GAME}))
        assert status == 200, created
        token = parse_qs(urlparse(created["client_url"]).query)["token"][0]
        return {"player_id": pid, "session_id": created["session"]["id"], "client_token": token}

    def new_login(self, pid: str | None = None) -> str:
        session = self.new_session(pid)
        status, login = self.call(self.api("POST", "/api/v1/client/login", {"client_token": session["client_token"]}))
        assert status == 200, login
        return str(login["auth_token"])

    def shared_session(self) -> dict[str, str]:
        """The shared player's session, logged in; a heartbeat here keeps it alive (a long run
        outlives the heartbeat timeout and session expiry finishes it), else a new one."""
        if "session" in self._shared:
            token = self._shared["session"]["auth_token"]
            status, _ = self.call(
                self.api("POST", "/api/v1/client/heartbeat", {}, headers={"Authorization": f"Bearer {token}"})
            )
            if status != 200:
                for key in ("session", "contract", "transaction"):
                    self._shared.pop(key, None)
        if "session" not in self._shared:
            session = self.new_session(self.shared_player())
            status, login = self.call(
                self.api("POST", "/api/v1/client/login", {"client_token": session["client_token"]})
            )
            assert status == 200, login
            self._shared["session"] = {**session, "auth_token": login["auth_token"]}
        session: dict[str, str] = self._shared["session"]
        return session

    def shared_login(self) -> str:
        return self.shared_session()["auth_token"]

    def play(self, token: str) -> dict[str, Any]:
        status, played = self.call(
            self.api(
                "POST",
                "/api/v1/client/play",
                {"game_id": GAME, "stake": "1.00", "play_id": uuid.uuid4().hex},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        assert status == 200, played
        contract: dict[str, Any] = played["contract"]
        return contract

    def shared_contract(self) -> str:
        """A contract of the shared session, played to its end (view_done, then settled)."""
        if "contract" not in self._shared:
            token = self.shared_login()
            contract = self.play(token)
            self.call(
                self.api(
                    "POST",
                    "/api/v1/client/view_done",
                    {"contract_id": contract["id"]},
                    headers={"Authorization": f"Bearer {token}"},
                )
            )
            self._until_final(contract["id"], token)
            self._shared["contract"] = contract["id"]
        return str(self._shared["contract"])

    def shared_contract_transaction(self) -> str:
        """Our id of a wallet transaction of the shared contract's session (a bet or a win)."""
        if "transaction" not in self._shared:
            from casino import aws
            from casino.settings import settings

            self.shared_contract()
            pages = (
                aws.dynamodb()
                .get_paginator("scan")
                .paginate(
                    TableName=settings().hub_table,
                    FilterExpression="begins_with(pk, :t)",
                    ExpressionAttributeValues={":t": {"S": "TRANSACTION#"}},
                )
            )
            found = [aws.from_item(i) for page in pages for i in page.get("Items", [])]
            mine = [t for t in found if t.get("session_id") == self.shared_session()["session_id"]] or found
            self._shared["transaction"] = mine[0]["pk"].split("#", 1)[1] if mine else "stp_none"
        return str(self._shared["transaction"])

    def _until_final(self, cid: str, token: str, within_s: float = 30.0) -> None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            status, body = self.call(
                self.api("GET", f"/api/v1/client/contracts/{cid}", headers={"Authorization": f"Bearer {token}"})
            )
            if status == 200 and body["contract"]["status"] in ("finalized", "cancelled", "refunded", "errored"):
                return
            time.sleep(0.05)

    def client_view_done(self) -> Event:
        token = self.new_login()
        contract = self.play(token)
        return self.client("POST", "/api/v1/client/view_done", {"contract_id": contract["id"]}, token=token)

    def client_password(self) -> Event:
        """A password player of its own, signed in, changing its password."""
        from casino.accounts import service

        name, old = f"b{uuid.uuid4().hex[:12]}", "Bench-Password-Old-1"
        service.register(operator="demo", username=name, password=old, currency="EUR", country="MT")
        status, login = self.call(
            self.api("POST", "/api/v1/client/password_login", {"operator": "demo", "username": name, "password": old})
        )
        assert status == 200, login
        return self.client(
            "POST",
            "/api/v1/client/password",
            {"old_password": old, "new_password": "Bench-Password-New-2"},
            token=login["auth_token"],
        )

    def bridge_play(self) -> dict[str, Any]:
        tid = f"stp_{uuid.uuid4().hex}"
        return {
            "transaction_id": tid,
            "user_id": self.shared_player(),
            "type": "instant_win.play",
            "data": {"contract_id": f"con_{uuid.uuid4().hex[:20]}", "session_id": "ses_bench"},
            "prev_transactions": [],
            "transactions": [{"id": f"t1-{tid}", "account_id": "real", "amount": "-1.00", "data": {}}],
        }

    # ------------------------------------------------------------ ops
    @staticmethod
    def today() -> str:
        return time.strftime("%Y-%m-%d", time.gmtime())

    @staticmethod
    def tomorrow() -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))

    def bonus_body(self) -> dict[str, Any]:
        return {
            "amount": "5.00",
            "mode": "BONUS_ONLY",
            "wagering_multiplier": "10",
            "expires_at": int(time.time() * 1000) + 30 * 86_400_000,
            "idempotency_key": uuid.uuid4().hex,
        }

    def new_bonus(self) -> str:
        pid = self.player()
        status, granted = self.call(self.admin("POST", f"/api/v1/admin/players/{pid}/bonuses", self.bonus_body()))
        assert status == 200, granted
        bonus = granted.get("bonus") or granted
        return str(bonus.get("bonus_id") or bonus.get("id"))

    def new_admin_key(self) -> str:
        status, created = self.call(self.admin("POST", "/api/v1/admin/admin-keys", {"label": "bench-revoke"}))
        assert status == 201, created
        return str(created.get("key_id") or created.get("id"))

    def admin_credentials(self) -> Event:
        from casino.accounts import service

        name = f"b{uuid.uuid4().hex[:12]}"
        registered = service.register(
            operator="demo", username=name, password="Bench-Password-Old-1", currency="EUR", country="MT"
        )
        pid = registered.get("player_id") or registered.get("user", {}).get("ref_id") or name
        return self.admin(
            "POST",
            f"/api/v1/admin/players/{pid}/credentials",
            {"operator": "demo", "username": name, "password": "Bench-Password-Reset-3"},
        )

    def provider_body(self) -> dict[str, Any]:
        code = f"b{uuid.uuid4().hex[:10]}"
        return {
            "code": code,
            "name": f"Bench {code}",
            "operator_id": "bench-casino",
            "secret": f"{code}-secret-0123456789",
            "platform_url": f"{self.stack.public_base_url}/_local/provider-platform/{code}",
            "currencies": ["EUR"],
        }

    def game_body(self) -> dict[str, Any]:
        """The seeded game's configuration at a tenth of its tickets (its series is generated
        and committed in the request: 10,000 tickets take seconds of the sample)."""
        prizes = [("100.00", 1), ("50.00", 2), ("20.00", 5), ("5.00", 30), ("2.00", 100), ("1.00", 300)]
        configuration = {
            "currency": "EUR",
            "stake": "1.00",
            "tickets": 1000,
            "prizes": [{"amount": a, "count": c} for a, c in prizes],
            "rtp": "0.95",
            "view_timeout_s": 60,
            "on_sold_out": "new_series",
        }
        code = f"b{uuid.uuid4().hex[:10]}"
        return {"code": code, "name": "Bench game", "kind": "instant_win", "configuration": configuration}

    def operator_body(self) -> dict[str, Any]:
        code = f"b{uuid.uuid4().hex[:10]}"
        return {"code": code, "name": f"Bench {code}", "wallet": "bridge", "currencies": ["EUR"]}

    def new_operator(self) -> str:
        body = self.operator_body()
        status, created = self.call(self.admin("POST", "/api/v1/admin/operators", body))
        assert status == 201, created
        return str(body["code"])

    def admin_retire(self) -> Event:
        code = self.new_operator()
        status, rotated = self.call(
            self.admin("POST", f"/api/v1/admin/operators/{code}/rotate", {"which": "app_secret"})
        )
        assert status == 200, rotated
        return self.admin("POST", f"/api/v1/admin/operators/{code}/retire", {"which": "app_secret"})

    # ------------------------------------------------------------ sports
    def feed_body(self) -> dict[str, Any]:
        code = f"b{uuid.uuid4().hex[:10]}"
        return {
            "code": code,
            "name": f"Bench feed {code}",
            "base_url": f"{self.stack.public_base_url}/_local/sports-feeds/alpha",  # the stub feed
            "secret": f"{code}-secret-0123456789",
            "sports": ["tennis", "volleyball"],
        }

    def feed_message(self, feed: str = "", home: str = "", away: str = "", start: int = 0) -> list[dict[str, Any]]:
        ref = f"bench-{uuid.uuid4().hex[:10]}"
        tag = uuid.uuid4().hex[:6]
        start = start or int(time.time() * 1000) + 40 * 86_400_000 + uuid.uuid4().int % 10**7 * 1000
        fixture = {
            "ref_id": ref,
            "sport": "volleyball",
            "competition": "Bench League",
            "home": home or f"Home {tag}",
            "away": away or f"Away {tag}",
            "start_time": start,
            "status": "live",
        }
        points = [
            {"fixture_ref": ref, "seq": i + 1, "winner": w, "ts": 0} for i, w in enumerate(["home", "away", "home"])
        ]
        return [fixture, *points]

    def feed_push(self, message: list[dict[str, Any]], feed: tuple[str, str] = FEED) -> Event:
        from casino.hub import app_auth

        raw = json.dumps(message)
        signed = app_auth.headers(feed[0], feed[1], "POST", "events", raw)
        return self.api("POST", f"/api/v1/sports/feeds/{feed[0]}/events", raw=raw.encode(), headers=signed)

    def fixtures(self) -> tuple[str, str, str]:
        """Two fixtures, one from each stub feed (far apart: not linked on their own), and the
        second's ref: (fixture, duplicate, the duplicate's ref at beta)."""
        if "fixtures" not in self._shared:
            ids = []
            refs = []
            for feed in (FEED, ("beta", "beta-feed-secret")):
                message = self.feed_message()
                refs.append(message[0]["ref_id"])
                status, answer = self.call(self.feed_push(message, feed))
                assert status == 200, answer
                start = message[0]["start_time"]
                status, listed = self.call(
                    self.operator_get("/api/v1/sports/fixtures", f"from={start - 60_000}&to={start + 60_000}")
                )
                assert status == 200 and listed["fixtures"], listed
                ids.append(listed["fixtures"][0]["id"])
            self._shared["fixtures"] = (ids[0], ids[1], refs[1])
        fixtures: tuple[str, str, str] = self._shared["fixtures"]
        return fixtures

    def sports_link(self) -> Event:
        fixture, duplicate, _ = self.fixtures()
        return self.admin(
            "POST", f"/api/v1/admin/sports/fixtures/{fixture}/link", {"duplicate_id": duplicate, "reason": "bench"}
        )

    def sports_unlink(self) -> Event:
        """The duplicate's ref out of the fixture, linked first here (the link is idempotent)."""
        self.call(self.sports_link())
        fixture, _, ref = self.fixtures()
        return self.admin("POST", f"/api/v1/admin/sports/fixtures/{fixture}/unlink", {"feed": "beta", "ref_id": ref})

    # ------------------------------------------------------------ contract tasks
    def task(self, name: str) -> Event:
        event: dict[str, Any] = copy.deepcopy(sample(name))
        event["contract_id"] = self.shared_contract()
        event["session_id"] = self.shared_session()["session_id"]
        return event
