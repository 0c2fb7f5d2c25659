"""Observability: which request a piece of work belongs to, one structured line per request,
contract step and schedule run, and the platform's business metrics (CloudWatch EMF).

- **Correlation id.** A request's is API Gateway's ``requestContext.requestId`` (ours, always);
  a caller's own ``X-Correlation-Id``, when it is a short safe token (``[A-Za-z0-9._-]{1,64}``),
  is only logged beside it as ``caller_correlation_id``, never adopted (it is not unique and
  anyone can send it). It is kept in a ``ContextVar`` while the work runs (``correlated``), put
  on every Powertools log line of that work (Logger's thread-safe keys), answered in the
  ``X-Correlation-Id`` response header, written into a contract's execution input
  (``correlation_id``), read back by each contract step, and sent to the operator's wallet as the
  ``X-Correlation-Id`` header (not signed: an extra header). A schedule's run has its own
  (``sweep-<Lambda request id>``...).
- **Lines.** ``request`` (hub, client, admin, bridge, sports: ``casino.api.rest``), ``provider
  callback`` (``casino.provider.http``), ``contract step`` and ``schedule run``. Never a header,
  a body, a token, a secret or a password: the caller is named by what its authoriser returned
  (an operator's code, an admin key's id, a session's id, a feed's code).
- **Metrics.** Count metrics in the namespace of ``POWERTOOLS_METRICS_NAMESPACE``, each with a
  ``service`` dimension (one of ``SERVICES``) and at most one low-cardinality dimension more.
  Emitting never raises: a failure is logged and the work goes on.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger

HEADER = "X-Correlation-Id"
SAFE_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")

PROVIDER_CALLBACKS = "provider-callbacks"
BRIDGE = "bridge"
HUB = "hub"
CONTRACT_FLOW = "contract-flow"
SCHEDULES = "schedules"
ADMIN = "admin"
SERVICES = (PROVIDER_CALLBACKS, BRIDGE, HUB, CONTRACT_FLOW, SCHEDULES, ADMIN)

# The metric service of each audience of the API (the path's segment after /api/v1/): the
# client API and the sports reads and pushes are the hub's.
AUDIENCE_SERVICE = {
    "hub": HUB,
    "client": HUB,
    "sports": HUB,
    "bridge": BRIDGE,
    "admin": ADMIN,
    "provider": PROVIDER_CALLBACKS,
}
MAX_FIELD = 200  # a path or an id as a line shows it

_current: ContextVar[str | None] = ContextVar("casino_correlation_id", default=None)
# One logger per service, made at import (a Logger's handler writes to the stdout of the moment
# it is made; Lambda's never changes).
_loggers: dict[str, Logger] = {service: Logger(service=service) for service in SERVICES}


def logger(service: str) -> Logger:
    """The Powertools logger whose lines say ``service``."""
    found = _loggers.get(service)
    if found is None:
        found = _loggers[service] = Logger(service=service)
    return found


# ------------------------------------------------------------------ the correlation id
def correlation_id() -> str | None:
    """The correlation id of the work under way in this context, if any."""
    return _current.get()


def safe_token(value: object) -> str | None:
    return value if isinstance(value, str) and SAFE_TOKEN.fullmatch(value) else None


@contextmanager
def correlated(correlation: str, **more: str | None) -> Iterator[str]:
    """The work inside belongs to ``correlation``: ``correlation_id()`` answers it, and every
    Powertools log line written meanwhile (by any logger, in this context) carries it and
    ``more``. Both are restored on the way out."""
    token = _current.set(correlation)
    keys = {"correlation_id": correlation, **{k: v for k, v in more.items() if v}}
    base = logger(HUB)  # the keys are the formatter's context, shared by every Powertools logger
    before: dict[str, Any] = {}
    try:
        current = base.thread_safe_get_current_keys()
        before = {k: current[k] for k in keys if k in current}
        base.thread_safe_append_keys(**keys)
    except Exception:  # a log key is never worth failing the work
        before = {}
    try:
        yield correlation
    finally:
        _current.reset(token)
        try:
            base.thread_safe_remove_keys(list(keys))
            if before:
                base.thread_safe_append_keys(**before)
        except Exception:  # noqa: S110 - as above
            pass


def request_ids(event: Mapping[str, Any]) -> tuple[str, str | None]:
    """A request's correlation id (API Gateway's request id; a fresh one if the event has none)
    and the caller's own ``X-Correlation-Id``, when it is a safe token."""
    context = event.get("requestContext") or {}
    ours = context.get("requestId") if isinstance(context, Mapping) else None
    if not isinstance(ours, str) or not ours:
        ours = f"gen-{uuid.uuid4()}"
    return ours[:MAX_FIELD], safe_token(_header(event, HEADER))


def _header(event: Mapping[str, Any], name: str) -> str | None:
    headers = event.get("headers")
    for key, value in (headers if isinstance(headers, Mapping) else {}).items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value if isinstance(value, str) else None
    return None


def with_header(response: dict[str, Any], correlation: str) -> dict[str, Any]:
    """The answer with ``X-Correlation-Id``, in the header map it already uses (Powertools' REST
    resolver answers in ``multiValueHeaders``; API Gateway merges both maps)."""
    try:
        multi = response.get("multiValueHeaders")
        if isinstance(multi, dict):
            multi[HEADER] = [correlation]
        else:
            headers = response.get("headers")
            if not isinstance(headers, dict):
                headers = response["headers"] = {}
            headers[HEADER] = correlation
    except Exception:  # never fail an answer for its header
        logger(HUB).warning("correlation header not added", exc_info=True)
    return response


# ------------------------------------------------------------------ one line per request
def audience_of(route: str) -> str:
    """``hub``, ``client``, ``admin``, ``bridge``, ``sports`` or ``provider``: the segment after
    ``/api/v1/``; ``other`` for anything else."""
    parts = route.split("/")
    return parts[3] if len(parts) > 3 and parts[1:3] == ["api", "v1"] and parts[3] else "other"


def describe_caller(caller: object) -> str | None:
    """Who called, as an authoriser returned it: never the object itself (it may hold secret
    references, tokens' hashes...). An operator (hub, bridge, sports reads), an admin key's id
    (the admin API's authoriser returns it), a client session, a sports feed."""
    if caller is None:
        return None
    if isinstance(caller, str):
        return f"admin_key:{caller[:70]}"
    code = getattr(caller, "code", None)
    if isinstance(code, str) and hasattr(caller, "app_id"):
        return f"operator:{code[:70]}"
    if isinstance(caller, Mapping):
        if "sports" in caller and isinstance(caller.get("code"), str):
            return f"feed:{str(caller['code'])[:70]}"
        if isinstance(caller.get("id"), str):
            operator = caller.get("operator")
            suffix = f"@{str(operator)[:70]}" if isinstance(operator, str) else ""
            return f"session:{str(caller['id'])[:70]}{suffix}"
    return type(caller).__name__


def error_code_of(response: Mapping[str, Any]) -> str | None:
    """A refusal's ``{"error": {"code"}}`` (what the caller was told), if the answer has one."""
    try:
        body = json.loads(response.get("body") or "null")
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        return code[:70] if isinstance(code, str) else None
    except (ValueError, TypeError):
        return None


class Served:
    """One API request, as its line will tell it."""

    def __init__(self, event: Mapping[str, Any]):
        self.started = time.perf_counter()
        self.correlation_id, self.caller_correlation_id = request_ids(event)
        context = event.get("requestContext") or {}
        route = event.get("resource") or (context.get("resourcePath") if isinstance(context, Mapping) else None)
        self.route = str(route or "")[:MAX_FIELD]
        self.path = str(event.get("path") or "")[:MAX_FIELD]
        self.method = str(event.get("httpMethod") or "")[:10]
        self.audience = audience_of(self.route or self.path)
        self.service = AUDIENCE_SERVICE.get(self.audience, HUB)
        self.caller: str | None = None
        self.status = 502  # what API Gateway answers if the function fails before answering
        self.error_code: str | None = "unhandled"
        self.error_type: str | None = None

    def answer(self, response: dict[str, Any]) -> dict[str, Any]:
        """Records the answer's outcome, and answers the correlation id with it."""
        try:
            self.status = int(response.get("statusCode", 200))
            self.error_code = error_code_of(response) if self.status >= 400 else None
        except (TypeError, ValueError):
            self.status, self.error_code = 200, None
        return with_header(response, self.correlation_id)

    def done(self) -> None:
        """The request's one line, and ``RequestErrors`` for a 5xx. Never raises."""
        try:
            fields: dict[str, Any] = {
                "correlation_id": self.correlation_id,
                "audience": self.audience,
                "method": self.method,
                "route": self.route,
                "path": self.path,
                "status": self.status,
                "latency_ms": round((time.perf_counter() - self.started) * 1000, 1),
                "caller": self.caller,
            }
            if self.caller_correlation_id:
                fields["caller_correlation_id"] = self.caller_correlation_id
            if self.error_code:
                fields["error_code"] = self.error_code
            if self.error_type:
                fields["error_type"] = self.error_type
            logger(self.service).info("request", extra=fields)
        except Exception:  # noqa: S110 - the answer matters more than its line
            pass
        if self.status >= 500:
            emit(self.service, {"RequestErrors": 1})


@contextmanager
def http_request(event: Mapping[str, Any]) -> Iterator[Served]:
    """Around one API request: its correlation id set, and its one line when it ends (an
    exception escaping is logged as the 502 API Gateway will answer, then raised again)."""
    served = Served(event)
    with correlated(served.correlation_id):
        try:
            yield served
        except BaseException as escaped:
            served.status, served.error_code, served.error_type = 502, "unhandled", type(escaped).__name__
            raise
        finally:
            served.done()


# ------------------------------------------------------------------ contract steps and schedules
def contract_step(step: str, event: Mapping[str, Any], run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A contract task (a Lambda step of the state machine) under the execution's correlation id,
    with its one line: its outcome, or the error it raises (raised again: the state machine
    matches its class). The task token of ``AwaitView`` is never logged."""
    contract_id = str(event.get("contract_id") or "")[:70]
    correlation = safe_token(event.get("correlation_id")) or f"contract-{contract_id}"[:64]
    origin = safe_token(event.get("origin_correlation_id"))
    started = time.perf_counter()
    outcome, error_type = "error", None
    with correlated(correlation, origin_correlation_id=origin):
        try:
            result = run()
            found = result.get("outcome") if isinstance(result, dict) else None
            outcome = str(found)[:40] if found is not None else "ok"
            return result
        except BaseException as raised:
            error_type = type(raised).__name__
            raise
        finally:
            _line(
                CONTRACT_FLOW,
                "contract step",
                step=step,
                contract_id=contract_id,
                outcome=outcome,
                error_type=error_type,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
            )


class ScheduleRun:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.failed = False

    def result(self, result: Mapping[str, Any]) -> None:
        """The run's counts; a run that reports failures (``failed`` > 0) failed."""
        self.fields = dict(result)
        failed = result.get("failed")
        self.failed = self.failed or (isinstance(failed, int) and failed > 0)


@contextmanager
def schedule_run(name: str, context: object, prefix: str) -> Iterator[ScheduleRun]:
    """One run of a schedule under its own correlation id (``<prefix>-<Lambda request id>``), with
    its one line and ``ScheduleRuns`` (by schedule and outcome); a failed run (it raises, or
    reports failures) also counts ``ScheduleFailures`` (the service dimension only)."""
    request_id = getattr(context, "aws_request_id", None)
    correlation = f"{prefix}-{request_id if isinstance(request_id, str) and request_id else uuid.uuid4()}"[:64]
    run = ScheduleRun()
    started = time.perf_counter()
    error_type = None
    with correlated(correlation):
        try:
            yield run
        except BaseException as raised:
            run.failed, error_type = True, type(raised).__name__
            raise
        finally:
            outcome = "failed" if run.failed else "ok"
            _line(
                SCHEDULES,
                "schedule run",
                schedule=name,
                outcome=outcome,
                error_type=error_type,
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
                result=run.fields,
            )
            emit(SCHEDULES, {"ScheduleRuns": 1}, dimensions={"schedule": name, "outcome": outcome})
            if run.failed:
                emit(SCHEDULES, {"ScheduleFailures": 1})


def sync_results(records: Sequence[Mapping[str, Any]]) -> None:
    """A game-list sync's records as ``SyncResults`` by outcome (``ok`` / ``failed``)."""
    failed = sum(1 for r in records if r.get("outcome") != "ok")
    for outcome, count in (("ok", len(records) - failed), ("failed", failed)):
        if count:
            emit(SCHEDULES, {"SyncResults": count}, dimensions={"outcome": outcome})


def info(log: Logger, message: str, fields: Mapping[str, Any]) -> None:
    """One INFO line of ``log`` as Powertools' formatter writes it (``level``, ``location``,
    ``message``, ``timestamp``, ``service``, then the fields without the ``None`` ones, then
    ``xray_trace_id`` when Lambda traces), written directly to standard output: Powertools' own
    path (a ``LogRecord``, the caller's frame lookup, its formatter trying the message as JSON)
    cost about 0.1 ms, on every callback (docs/decisions.md, "A callback's own time"). Nothing
    when the logger's level is above INFO; never raises (Powertools' own path if this one fails)."""
    if not logging.getLogger(log.name).isEnabledFor(logging.INFO):
        return
    try:
        caller = sys._getframe(1)
        now = time.time()
        record: dict[str, Any] = {
            "level": "INFO",
            "location": f"{caller.f_code.co_name}:{caller.f_lineno}",
            "message": message,
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)) + f",{int(now * 1000) % 1000:03d}+0000",
            "service": log.service,
            **{k: v for k, v in fields.items() if v is not None},
        }
        trace = os.environ.get("_X_AMZN_TRACE_ID", "")
        if trace.startswith("Root="):
            record["xray_trace_id"] = trace[5:].split(";", 1)[0]
        _publish(json.dumps(record, default=str, separators=(",", ":"), ensure_ascii=False))
    except Exception:
        with suppress(Exception):
            log.info(message, extra={k: v for k, v in fields.items() if v is not None})


def _line(service: str, message: str, **fields: Any) -> None:
    with suppress(Exception):  # the work matters more than its line
        logger(service).info(message, extra={k: v for k, v in fields.items() if v is not None})


# ------------------------------------------------------------------ metrics
def emit(
    service: str,
    counts: Mapping[str, float],
    *,
    dimensions: Mapping[str, str] | None = None,
    milliseconds: Mapping[str, float] | None = None,
) -> None:
    """One EMF record: ``counts`` (Count) and ``milliseconds`` under the dimensions
    ``dimensions`` and ``service`` (low cardinality only: never a player, a transaction, a
    session), in the namespace of ``POWERTOOLS_METRICS_NAMESPACE``; nothing when
    ``POWERTOOLS_METRICS_DISABLED`` is true. Never raises: a failure is logged, the work goes on.

    The record is the one Powertools' ``EphemeralMetrics`` writes (the same keys, dimension order
    and value lists), written here: building a Powertools recorder per record cost about 0.1 ms,
    on every callback twice (docs/decisions.md, "A callback's own time")."""
    try:
        if os.environ.get("POWERTOOLS_METRICS_DISABLED", "false").strip().lower() in ("true", "1"):
            return
        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
        if not namespace:
            raise ValueError("no metric namespace (POWERTOOLS_METRICS_NAMESPACE)")
        named = {**{str(k): str(v) for k, v in (dimensions or {}).items()}, "service": service}
        units = [(name, "Count", amount) for name, amount in counts.items()]
        units += [(name, "Milliseconds", amount) for name, amount in (milliseconds or {}).items()]
        record: dict[str, Any] = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [list(named)],
                        "Metrics": [{"Name": name, "Unit": unit} for name, unit, _ in units],
                    }
                ],
            },
            **named,
            **{name: [float(amount)] for name, _, amount in units},
        }
        _publish(json.dumps(record, separators=(",", ":")))
    except Exception:  # a metric is never worth failing a request
        with suppress(Exception):
            logger(service).warning("metrics not emitted", exc_info=True, extra={"metrics": sorted(counts)})


def _publish(line: str) -> None:
    """A line (an EMF record, a log line) to standard output, where Lambda hands it to CloudWatch."""
    print(line, flush=True)
