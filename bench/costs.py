"""``make bench``: what a million provider callbacks and a million plays cost on AWS at list price.

Prices: US East (N. Virginia), on-demand list prices as published on the pages below (the
DynamoDB on-demand throughput prices are those since AWS's reduction of 1 November 2024),
recorded here on 2026-11-23 without re-reading the pages (this machine has no network to them):
re-check them before quoting a figure.
Free tiers, data transfer, CloudWatch Logs and X-Ray (the template turns tracing on) are left
out, and so are the secrets' reads (cached per execution environment).
"""

from __future__ import annotations

from typing import Any

REGION = "us-east-1 (US East, N. Virginia)"
AS_OF = "2026-11-23 (recorded; not re-read from the pages)"
PRICES: dict[str, dict[str, Any]] = {
    "dynamodb_write_request_unit": {
        "usd": 0.625 / 1_000_000,
        "unit": "write request unit, on-demand (standard table class)",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    },
    "dynamodb_read_request_unit": {
        "usd": 0.125 / 1_000_000,
        "unit": "read request unit, on-demand (standard table class)",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    },
    "api_gateway_rest_request": {
        "usd": 3.50 / 1_000_000,
        "unit": "REST API request (the first 333 million a month)",
        "source": "https://aws.amazon.com/api-gateway/pricing/",
    },
    "api_gateway_http_request": {
        "usd": 1.00 / 1_000_000,
        "unit": "HTTP API request of up to 512 KB (the first 300 million a month)",
        "source": "https://aws.amazon.com/api-gateway/pricing/",
    },
    "lambda_request": {
        "usd": 0.20 / 1_000_000,
        "unit": "Lambda request",
        "source": "https://aws.amazon.com/lambda/pricing/",
    },
    "lambda_arm64_gb_second": {
        "usd": 0.0000133334,
        "unit": "Lambda GB-second on arm64 (the first 7.5 billion a month; the template's Architectures)",
        "source": "https://aws.amazon.com/lambda/pricing/",
    },
    "step_functions_standard_transition": {
        "usd": 0.025 / 1_000,
        "unit": "Step Functions Standard state transition",
        "source": "https://aws.amazon.com/step-functions/pricing/",
    },
}
TARGET_USD_PER_MILLION_CALLBACKS = 10.0
MILLION = 1_000_000


def usd(key: str) -> float:
    price: float = PRICES[key]["usd"]
    return price


API_PRICES = {"rest": "api_gateway_rest_request", "http": "api_gateway_http_request"}
API_NAMES = {"rest": "REST API", "http": "HTTP API"}


def per_million(
    *,
    api_requests: float,
    invocations: list[tuple[str, int, float]],
    read_units: float,
    write_units: float,
    transitions: float = 0.0,
    api: str = "rest",
) -> dict[str, Any]:
    """The cost of a million operations, each making ``api_requests`` API Gateway requests through
    the ``api`` its routes are on in the template (``rest`` or ``http``), the Lambda
    ``invocations`` (function, MemorySize in MB, billed duration in ms), the modelled DynamoDB
    units and the Step Functions transitions given; with what the other kind of API would cost."""
    gb_seconds = sum(memory / 1024 * duration / 1000 for _, memory, duration in invocations)
    lines = {
        "api_gateway": api_requests * usd(API_PRICES[api]) * MILLION,
        "lambda_requests": len(invocations) * usd("lambda_request") * MILLION,
        "lambda_duration": gb_seconds * usd("lambda_arm64_gb_second") * MILLION,
        "dynamodb_reads": read_units * usd("dynamodb_read_request_unit") * MILLION,
        "dynamodb_writes": write_units * usd("dynamodb_write_request_unit") * MILLION,
        "step_functions": transitions * usd("step_functions_standard_transition") * MILLION,
    }
    total = sum(lines.values())
    rest = total - lines["api_gateway"] + api_requests * usd(API_PRICES["rest"]) * MILLION
    http = total - lines["api_gateway"] + api_requests * usd(API_PRICES["http"]) * MILLION
    return {
        "api": api,
        "usd": {k: round(v, 3) for k, v in lines.items()},
        "total_usd": round(total, 2),
        "on_rest_api_usd": round(rest, 2),
        "on_http_api_usd": round(http, 2),
        "inputs": {
            "api_gateway_requests": api_requests,
            "lambda_invocations": [
                {"function": f, "memory_mb": m, "duration_ms": round(d, 2)} for f, m, d in invocations
            ],
            "lambda_gb_seconds": round(gb_seconds, 6),
            "dynamodb_read_units": round(read_units, 2),
            "dynamodb_write_units": round(write_units, 2),
            "step_functions_transitions": transitions,
        },
    }


def callbacks(memory_mb: int, duration_ms: float, read_units: float, write_units: float, api: str) -> dict[str, Any]:
    """A million changebalance callbacks: one API Gateway request (through ``api``), one
    invocation, its DynamoDB units."""
    figures = per_million(
        api_requests=1,
        invocations=[("ProviderChangebalanceFunction", memory_mb, duration_ms)],
        read_units=read_units,
        write_units=write_units,
        api=api,
    )
    figures["target_max_usd"] = TARGET_USD_PER_MILLION_CALLBACKS
    figures["verdict"] = "PASS" if figures["total_usd"] <= TARGET_USD_PER_MILLION_CALLBACKS else "FAIL"
    return figures


def prices() -> dict[str, Any]:
    return {"region": REGION, "as_of": AS_OF, "prices": PRICES}
