"""``make bench``, cold starts: every function of ``template.yaml`` started as Lambda starts it, as
shipped and with bytecode, against the bare baseline, sample after sample in alternation.

**What is built.** The shared layer as ``sam build`` builds it: the commands of
``layers/shared/Makefile``'s ``build-SharedLayer`` (its ``make`` dry run) run as they are, but for
this machine's platform in place of ``aarch64`` (arm64 wheels cannot load here); its ``pip
install`` is cached under ``.build/bench`` by the command and the lock. Each function as
``functions/Makefile`` builds it, in a copy of its folder. That is the build **as shipped**
(whatever bytecode the Makefiles leave, for whichever interpreter they compile for). Beside it, so
that what bytecode does shows: when it has bytecode, the same build **without bytecode** (every
``__pycache__`` removed: the layer as it shipped before its Makefile compiled it); when it has
none, the same build compiled by ``compileall`` with the samples' interpreter. The
samples run on the template's runtime (``python3.13``) when this machine has it (on ``PATH``, or
under ``~/.pyenv/versions``; ``BENCH_PYTHON`` to choose), else on this interpreter.

**A sample** is a fresh ``python -S`` process with ``PYTHONDONTWRITEBYTECODE=1`` (nothing it
compiles is kept for the next one; Lambda's ``/opt`` is read-only), the function's folder then the
layer's ``python/`` on its path, the function's environment from the template, and AWS reached
at the emulator of this process through a loopback endpoint (``AWS_ENDPOINT_URL``, answered by
moto's own request dispatcher). It imports the handler's module as Lambda's runtime does
(``importlib.import_module("app")``), then runs one realistic first request (``bench/firsts.py``)
with a Lambda-like context. The **baseline** is the same process importing ``boto3`` from the
build that has bytecode (a runtime's own packages have it) and creating one DynamoDB client, then
one ``GetItem``.

**Figures.** From inside the process: the CPU time it has used (user + system, from its start:
the interpreter's own start-up included) and the wall time since the parent spawned it, at the
end of the import and after the first request (the event's own reading left out), and its peak
resident memory (``VmHWM``: the ``ru_maxrss`` of a child of this process reports this process's
own peak, inherited across fork and exec). Each round runs, for every function in a shuffled
order, the baseline, then the function as shipped and with bytecode (their order swapped every
other round), so each function's ratio divides its medians by the median of the baselines run
beside it (its own and the ``WINDOW`` before and after, in the order they ran). The ratio is of
CPU time: on a machine that other work shares, CPU time hardly moves when the wall time doubles,
and on Lambda a cold start is CPU-bound (512 MB is 0.29 of a vCPU). The wall-time ratios are in
the results too.

Knobs: ``BENCH_COLD_ROUNDS`` (default 3; 1 with ``--quick``), ``BENCH_COLD_BUDGET_S`` (no new round
it, default 600 s: a round starts only if one as long as the last would end within it; the first
always runs whole), ``BENCH_COLD_WORKERS`` (samples run
at once, default 2), ``BENCH_COLD_FUNCTIONS`` (a comma-separated subset of logical ids; with
``--quick``, four of them), ``BENCH_PYTHON``.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import local  # noqa: F401 - the shared layer on sys.path
from local import template as tpl
from local.stack import REGION, LocalStack

ROOT = Path(__file__).resolve().parent.parent
LAYER_SOURCE = ROOT / "layers" / "shared"
TARGETS = {"cold_start": 1.3, "first_request": 1.5}  # at most, as ratios of the baseline's

PROBE = r"""
import sys, time
import resource

def peak_kib():
    # VmHWM: this process's own peak (ru_maxrss keeps the parent's across fork and exec on Linux)
    with open("/proc/self/status", "rb") as f:
        for line in f:
            if line.startswith(b"VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def stamp():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return [time.monotonic(), r.ru_utime + r.ru_stime, peak_kib()]

mode, out_path, event_path = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "fn":
    import importlib
    handler = getattr(importlib.import_module(sys.argv[4]), sys.argv[5])
else:
    import boto3
    client = boto3.client("dynamodb")
imported = stamp()
import json
with open(event_path, encoding="utf-8") as f:
    event = json.load(f)


class Context:
    def __init__(self, spec):
        self.function_name = spec["name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec["arn"]
        self.memory_limit_in_mb = spec["memory"]
        self.aws_request_id = spec["request_id"]
        self.log_group_name = "/aws/lambda/" + spec["name"]
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + spec["timeout"]

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


read = stamp()
status = error = detail = None
try:
    if mode == "fn":
        answer = handler(event["event"], Context(event["context"]))
        status = answer.get("statusCode", "returned") if isinstance(answer, dict) else "returned"
        if isinstance(status, int) and status >= 400:
            detail = str(answer.get("body"))[:300]
    else:
        client.get_item(TableName=event["table"], Key=event["key"], ConsistentRead=True)
        status = 200
except Exception as exc:
    error = type(exc).__name__ + ": " + str(exc)[:300]
done = stamp()
with open(out_path, "w", encoding="utf-8") as f:
    json.dump({"imported": imported, "read": read, "done": done, "status": status, "error": error, "detail": detail}, f)
"""


# ---------------------------------------------------------------- the build
CACHE = ROOT / ".build" / "bench"


@dataclass
class Build:
    root: Path
    layer: Path  # the layer's python/ (on the path as /opt/python is)
    functions: dict[str, Path]  # logical id -> its built folder (/var/task)
    compiled: bool
    python: str  # the interpreter the samples run on


def target_python(stack: LocalStack) -> tuple[str, str]:
    """The template's runtime (``python3.13``) if this machine has it, else this interpreter:
    (the interpreter's real path, its version)."""
    runtime = str(stack.doc.get("Globals", {}).get("Function", {}).get("Runtime", "python3"))
    version = runtime.removeprefix("python")
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = sorted(pyenv.glob(f"versions/{version}*/bin/{runtime}"), reverse=True)
    for candidate in (os.environ.get("BENCH_PYTHON"), shutil.which(runtime), *map(str, installed), sys.executable):
        if not candidate:
            continue
        try:
            answer = subprocess.run(
                [candidate, "-c", "import sys; print(sys.executable); print(sys.version.split()[0])"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        path, version = answer.stdout.split()
        return path, version
    return sys.executable, sys.version.split()[0]


def _commands(makefile_dir: Path, target: str, artifacts: Path, makefile: Path | None = None) -> list[str]:
    """The shell commands ``make`` would run for ``target`` (its dry run), one per entry."""
    argv = ["make", "-n", "-s", "-C", str(makefile_dir)]
    if makefile is not None:
        argv += ["-f", str(makefile)]
    argv += [target, f"ARTIFACTS_DIR={artifacts}"]
    text = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
    return [c.strip() for c in text.replace("\\\n", " ").splitlines() if c.strip()]


def build_layer(dest: Path, python_version: str, log: list[str]) -> Path:
    """The layer as ``sam build`` makes it, by running the dry run of ``layers/shared/Makefile``
    with this machine's platform in place of the target's (``_aarch64`` wheels cannot load
    here). Its ``pip install`` is cached under ``.build/bench`` by its command and the lock."""
    import hashlib

    artifacts = dest / "layer"
    artifacts.mkdir(parents=True)
    machine = os.uname().machine
    major_minor = ".".join(python_version.split(".")[:2])
    for line in _commands(LAYER_SOURCE, "build-SharedLayer", artifacts):
        command = re.sub(
            r"--python-version \S+", f"--python-version {major_minor}", line.replace("_aarch64", f"_{machine}")
        )
        if " pip install " in f" {command} ":
            lock = (LAYER_SOURCE / "requirements.txt").read_bytes()
            generic = command.replace(str(artifacts), "@ARTIFACTS@")
            key = hashlib.sha256(generic.encode() + lock).hexdigest()[:16]
            cached = CACHE / f"pip-{key}"
            if not (cached / ".complete").exists():
                shutil.rmtree(cached, ignore_errors=True)
                cached.mkdir(parents=True)
                log.append(f"installing the layer's requirements (cached as {cached.relative_to(ROOT)})")
                subprocess.run(
                    generic.replace("@ARTIFACTS@", str(cached)),
                    shell=True,
                    cwd=LAYER_SOURCE,
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=900,
                )
                (cached / ".complete").write_text(generic, encoding="utf-8")
            for entry in cached.iterdir():
                if entry.name == ".complete":
                    continue
                target = artifacts / entry.name
                if entry.is_dir():
                    shutil.copytree(entry, target, dirs_exist_ok=True, symlinks=True)
                else:
                    shutil.copy2(entry, target)
            continue
        subprocess.run(command, shell=True, cwd=LAYER_SOURCE, check=True, timeout=300)
    return artifacts / "python"


def build_functions(dest: Path, functions: Iterable[tpl.Function]) -> dict[str, Path]:
    """Each function as ``sam build`` makes it: ``functions/Makefile``'s target, run in a copy of
    the function's folder (its ``CodeUri``); four at a time."""
    from concurrent.futures import ThreadPoolExecutor

    makefile = ROOT / "functions" / "Makefile"

    def one(fn: tpl.Function) -> tuple[str, Path]:
        scratch = dest / "scratch" / fn.logical_id
        shutil.copytree(fn.code_dir, scratch, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        folder = dest / "functions" / fn.logical_id
        folder.mkdir(parents=True)
        subprocess.run(
            ["make", "-s", "-f", str(makefile), f"build-{fn.logical_id}", f"ARTIFACTS_DIR={folder}"],
            cwd=scratch,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        return fn.logical_id, folder

    with ThreadPoolExecutor(max_workers=4) as pool:
        built = dict(pool.map(one, list(functions)))
    shutil.rmtree(dest / "scratch", ignore_errors=True)
    return built


def build(dest: Path, functions: Iterable[tpl.Function], python: str, version: str, log: list[str]) -> Build:
    """The shipped build: the layer and the functions as ``sam build`` makes them."""
    layer = build_layer(dest, version, log)
    return Build(dest, layer, build_functions(dest, functions), compiled=False, python=python)


def with_bytecode(shipped: Build, dest: Path) -> Build:
    """A copy of a build, every module compiled by the samples' interpreter (in parallel: this
    is before any sample)."""
    shutil.copytree(shipped.root, dest, symlinks=True)
    subprocess.run(
        [shipped.python, "-m", "compileall", "-q", "-j", "0", str(dest)],
        check=False,
        stdout=subprocess.DEVNULL,
        timeout=900,
    )
    functions = {k: dest / v.relative_to(shipped.root) for k, v in shipped.functions.items()}
    layer = dest / shipped.layer.relative_to(shipped.root)
    return Build(dest, layer, functions, compiled=True, python=shipped.python)


def without_bytecode(shipped: Build, dest: Path) -> Build:
    """A copy of a build with every ``__pycache__`` removed (what the layer shipped before its
    Makefile compiled it)."""
    shutil.copytree(shipped.root, dest, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    functions = {k: dest / v.relative_to(shipped.root) for k, v in shipped.functions.items()}
    layer = dest / shipped.layer.relative_to(shipped.root)
    return Build(dest, layer, functions, compiled=False, python=shipped.python)


def bytecode_files(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.pyc"))


# ---------------------------------------------------------------- AWS, reached from the samples
class AwsEndpoint:
    """A loopback HTTP endpoint for the samples' AWS calls (``AWS_ENDPOINT_URL``), answered by
    the moto of this process (the local stack's own state) through moto's request dispatcher:
    the service and region come from the request's SigV4 credential scope."""

    SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")

    def __init__(self) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.requests = 0
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> AwsEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        from botocore.awsrequest import AWSPreparedRequest
        from botocore.compat import HTTPHeaders
        from moto.core.models import botocore_stubber

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = HTTPHeaders()
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").title()] = value
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        scope = self.SCOPE.search(headers.get("Authorization", ""))
        region, service = scope.groups() if scope else (REGION, "dynamodb")
        host = f"{service}.{region}.amazonaws.com"
        headers["Host"] = host
        query = environ.get("QUERY_STRING")
        url = f"https://{host}{environ.get('PATH_INFO', '/')}" + (f"?{query}" if query else "")
        request = AWSPreparedRequest(environ["REQUEST_METHOD"], url, headers, body, stream_output=False)
        self.requests += 1
        answered = botocore_stubber.process_request(request)
        if answered is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [f"no emulated service for {url}".encode()]
        status, answer_headers, answer_body = answered
        raw = answer_body.encode() if isinstance(answer_body, str) else (answer_body or b"")
        pairs = [(k, str(v)) for k, v in answer_headers.items() if k.lower() not in ("content-length", "connection")]
        start_response(f"{status} X", [*pairs, ("Content-Length", str(len(raw)))])
        return [raw]


# ---------------------------------------------------------------- one sample
class Sampler:
    def __init__(self, stack: LocalStack, endpoint: AwsEndpoint, workdir: Path, baseline_build: Build):
        self.stack = stack
        self.endpoint = endpoint
        self.workdir = workdir
        self.baseline_build = baseline_build
        self.merged = stack.environment()
        self._counter = itertools.count(1)

    def environment(self, fn: tpl.Function | None, build: Build) -> dict[str, str]:
        """A Lambda-like environment; the baseline's path is the packages of the build that has
        bytecode (a runtime's own boto3 has it), a function's its folder then the layer's."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "HOME": str(self.workdir),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint.url,
            "PYTHONPATH": str(build.layer),
        }
        if fn is not None:
            task = build.functions[fn.logical_id]
            env.update({k: self.merged[k] for k in fn.environment if k in self.merged})
            env.update(
                {
                    "PYTHONPATH": os.pathsep.join([str(task), str(build.layer)]),
                    "PUBLIC_BASE_URL": self.stack.public_base_url,  # as the local stack gives every function
                    "AWS_LAMBDA_FUNCTION_NAME": self.stack.physical.get(fn.logical_id, fn.logical_id),
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.stack.resolve(fn.memory_mb)),
                    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
                    "LAMBDA_TASK_ROOT": str(task),
                }
            )
            if "SPORTS_PULL_WINDOW_S" in env:
                env["SPORTS_PULL_WINDOW_S"] = "0"  # one pull round, not 45 s of them
        return env

    def run(self, fn: tpl.Function | None, build: Build | None, payload: dict[str, Any]) -> dict[str, Any]:
        n = next(self._counter)
        event_path = self.workdir / f"event-{n}.json"
        out_path = self.workdir / f"out-{n}.json"
        build = build or self.baseline_build
        event_path.write_text(json.dumps(payload, default=str), encoding="utf-8")
        probe = [build.python, "-S", str(self.workdir / "probe.py")]
        if fn is None:
            argv = [*probe, "base", str(out_path), str(event_path)]
        else:
            module, handler = fn.handler.rsplit(".", 1)
            argv = [*probe, "fn", str(out_path), str(event_path), module, handler]
        env = self.environment(fn, build)
        cwd = build.functions[fn.logical_id] if fn is not None else self.workdir
        spawned = time.monotonic()
        finished = subprocess.run(
            argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120, check=False
        )
        if finished.returncode != 0 or not out_path.exists():
            tail = finished.stderr.decode(errors="replace").strip().splitlines()[-3:]
            return {"failed": " | ".join(tail) or f"exit {finished.returncode}"}
        out = json.loads(out_path.read_text(encoding="utf-8"))
        imported, read, done = out["imported"], out["read"], out["done"]
        event_path.unlink(missing_ok=True)
        out_path.unlink(missing_ok=True)
        return {
            "cold_wall_ms": (imported[0] - spawned) * 1000,
            "cold_cpu_ms": imported[1] * 1000,
            "cold_rss_mb": imported[2] / 1024,
            "first_wall_ms": (imported[0] - spawned + done[0] - read[0]) * 1000,
            "first_cpu_ms": (imported[1] + done[1] - read[1]) * 1000,
            "first_rss_mb": done[2] / 1024,
            "status": out["status"],
            "error": out["error"],
            "detail": out.get("detail"),
        }


# ---------------------------------------------------------------- the section
def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


VARIANTS = ("shipped", "contrast")  # the build as shipped, and the one that shows what bytecode does
WINDOW = 2  # a function's baseline: the baselines run beside it, this many before and after each


def summarise(samples: dict[str, dict[str, list[dict[str, Any]]]], baselines: list[dict[str, Any]]) -> dict[str, Any]:
    """Per function, the medians of its samples and of the baselines run beside them (its own and
    the ``WINDOW`` before and after it, in the order they ran), and the ratios."""
    out: dict[str, Any] = {}
    for logical, kinds in samples.items():
        near: set[int] = set()
        for position in kinds["positions"]:
            near.update(range(max(0, position - WINDOW), min(len(baselines), position + WINDOW + 1)))
        base = [baselines[i] for i in sorted(near) if "failed" not in baselines[i]]
        good = {k: [s for s in kinds[k] if "failed" not in s] for k in VARIANTS}
        figures: dict[str, Any] = {"samples": len(kinds["positions"]), "baselines_beside": len(base)}
        for measure in ("cold_cpu_ms", "cold_wall_ms", "first_cpu_ms", "first_wall_ms", "cold_rss_mb", "first_rss_mb"):
            figures[f"base_{measure}"] = _median([s[measure] for s in base])
            for variant in VARIANTS:
                figures[f"{variant}_{measure}"] = _median([s[measure] for s in good[variant]])
        for variant in VARIANTS:
            for measure in ("cold_cpu_ms", "cold_wall_ms", "first_cpu_ms", "first_wall_ms"):
                figures[f"{variant}_{measure.replace('_ms', '')}_ratio"] = _ratio(
                    figures[f"{variant}_{measure}"], figures[f"base_{measure}"]
                )
            answered = [s.get("status") or s.get("error") or s.get("failed") for s in kinds[variant]]
            figures[f"{variant}_answers"] = sorted({str(a) for a in answered})
            details = sorted({str(s["detail"]) for s in kinds[variant] if s.get("detail")})
            if details:
                figures[f"{variant}_refusals"] = details
        figures["failed"] = sorted({s["failed"] for k in VARIANTS for s in kinds[k] if "failed" in s})
        out[logical] = figures
    return out


NEAR = (0.8, 1.25)  # a ratio this near its target (as a fraction of it) is sampled again


def borderline(figures: dict[str, Any]) -> bool:
    """Whether a function's ratio as shipped is near enough a target for noise to turn it."""
    for key, target in (
        ("shipped_cold_cpu_ratio", TARGETS["cold_start"]),
        ("shipped_first_cpu_ratio", TARGETS["first_request"]),
    ):
        ratio = figures.get(key)
        if ratio is not None and NEAR[0] * target <= ratio <= NEAR[1] * target:
            return True
    return False


def baseline_spread(baselines: list[dict[str, Any]]) -> dict[str, Any]:
    """How much the baseline itself moved during the run (its CPU and wall time)."""
    good = [b for b in baselines if "failed" not in b]
    figures: dict[str, Any] = {"samples": len(good)}
    for measure in ("cold_cpu_ms", "cold_wall_ms", "first_cpu_ms", "first_wall_ms", "cold_rss_mb"):
        values = sorted(b[measure] for b in good)
        if values:
            figures[measure] = {
                "p10": round(values[len(values) // 10], 1),
                "median": round(statistics.median(values), 1),
                "p90": round(values[(len(values) * 9) // 10 - (1 if len(values) >= 10 else 0)], 1),
            }
    return figures


def verdicts(per_function: dict[str, Any]) -> dict[str, Any]:
    """How many functions meet each target, as shipped and with bytecode, and the spread."""
    summary: dict[str, Any] = {}
    for variant in VARIANTS:
        for measure, target in (("cold_cpu", TARGETS["cold_start"]), ("first_cpu", TARGETS["first_request"])):
            key = f"{variant}_{measure}_ratio"
            ratios = sorted(
                ((f[key], logical) for logical, f in per_function.items() if f.get(key) is not None), reverse=True
            )
            values = [r for r, _ in ratios]
            summary[key] = {
                "target_max": target,
                "functions": len(values),
                "over_target": sum(v > target for v in values),
                "median": round(statistics.median(values), 3) if values else None,
                "worst": round(values[0], 3) if values else None,
                "worst_function": ratios[0][1] if ratios else None,
                "best": round(values[-1], 3) if values else None,
                "verdict": "PASS" if values and all(v <= target for v in values) else "FAIL",
            }
    return summary


def payload_for(fn: tpl.Function, stack: LocalStack, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": event,
        "context": {
            "name": stack.physical.get(fn.logical_id, fn.logical_id),
            "arn": stack.arns.get(fn.logical_id, ""),
            "memory": int(stack.resolve(fn.memory_mb)),
            "timeout": int(stack.resolve(fn.timeout_s)),
            "request_id": f"bench-{time.monotonic_ns()}",
        },
    }


@contextmanager
def _quiet_logs() -> Iterator[None]:
    import logging

    names = ("werkzeug", "moto", "botocore")
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)


QUICK_SET = ("ProviderChangebalanceFunction", "ClientPlayFunction", "AdminStatusFunction", "ClientPageFunction")


def bench(stack: LocalStack, data: dict[str, Any], *, quick: bool = False) -> dict[str, Any]:
    from bench import firsts, plays
    from local import sports_feeds

    rounds = int(os.environ.get("BENCH_COLD_ROUNDS", "1" if quick else "3"))
    budget_s = float(os.environ.get("BENCH_COLD_BUDGET_S", "60" if quick else "600"))
    workers = max(1, int(os.environ.get("BENCH_COLD_WORKERS", "2")))
    wanted = [w.strip() for w in os.environ.get("BENCH_COLD_FUNCTIONS", "").split(",") if w.strip()]
    if quick and not wanted:
        wanted = list(QUICK_SET)
    functions = [f for f in stack.functions.values() if not wanted or f.logical_id in wanted]
    began = time.perf_counter()
    python, version = target_python(stack)
    log: list[str] = []
    hub = plays.Hub(stack, data)  # the operator wallet (the bridge), the provider platform, the feeds over HTTP
    hub.gateway.local_routes[sports_feeds.PREFIX] = sports_feeds.StubFeeds(1.0)
    requests = firsts.FirstRequests(stack, hub.gateway)
    preparing = threading.Lock()  # events are prepared one at a time (they share players and sessions)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp, AwsEndpoint() as endpoint, _quiet_logs():
            work = Path(tmp)
            (work / "probe.py").write_text(PROBE, encoding="utf-8")
            shipped = build(work / "shipped", functions, python, version, log)
            shipped_pyc = bytecode_files(shipped.root)
            if shipped_pyc:  # the Makefiles compile: the contrast is the same build without its bytecode
                contrast = without_bytecode(shipped, work / "contrast")
                labels = {"shipped": "as shipped", "contrast": "without bytecode"}
                baseline_build = shipped
            else:  # they do not: the contrast is the same build compiled
                contrast = with_bytecode(shipped, work / "contrast")
                labels = {"shipped": "as shipped", "contrast": "with bytecode"}
                baseline_build = contrast
            variants_built = {
                "shipped": {
                    "label": labels["shipped"],
                    "bytecode_files": shipped_pyc,
                    "what": "the build of layers/shared/Makefile and functions/Makefile, run as they are",
                },
                "contrast": {
                    "label": labels["contrast"],
                    "bytecode_files": bytecode_files(contrast.root),
                    "what": (
                        "the same build, every __pycache__ removed (the layer as it shipped before it was compiled)"
                        if shipped_pyc
                        else "the same build, compiled by compileall with the samples' interpreter"
                    ),
                },
            }
            built = {
                "interpreter": f"{python} ({version})",
                "seconds": round(time.perf_counter() - began, 1),
                "log": log,
            }
            print(f"cold starts: built in {built['seconds']} s, sampling {len(functions)} functions", file=sys.stderr)
            sampler = Sampler(stack, endpoint, work, baseline_build)
            from casino import aws

            table = stack.physical["WalletTable"]
            key = {"pk": {"S": "BENCH#cold"}, "sk": {"S": "ITEM"}}
            aws.dynamodb().put_item(TableName=table, Item={**key, "note": {"S": "the baseline's GetItem"}})
            base_payload = {"table": table, "key": key}
            samples: dict[str, dict[str, list[Any]]] = {
                f.logical_id: {"positions": [], "shipped": [], "contrast": []} for f in functions
            }
            baselines: list[dict[str, Any]] = []
            problems: dict[str, str] = {}
            record = threading.Lock()

            def one(fn: tpl.Function, round_no: int) -> None:
                base = sampler.run(None, None, base_payload)
                with record:
                    samples[fn.logical_id]["positions"].append(len(baselines))
                    baselines.append(base)
                variants = [("shipped", shipped), ("contrast", contrast)]
                for name, variant in variants[:: -1 if round_no % 2 else 1]:
                    try:
                        with preparing:
                            event = requests.event(fn.logical_id)
                    except Exception as failed:  # this sample is lost, not the section
                        problems[fn.logical_id] = f"{type(failed).__name__}: {failed}"[:300]
                        continue
                    result = sampler.run(fn, variant, payload_for(fn, stack, event))
                    with record:
                        samples[fn.logical_id][name].append(result)

            done_rounds, per_function_s = 0, 0.0
            plan = list(functions)
            resampled: list[str] = []
            for round_no in range(max(1, rounds)):
                if round_no:  # later rounds: only the functions whose verdict a sample's noise could turn
                    plan = [f for f in functions if borderline(summarise(samples, baselines)[f.logical_id])]
                    if not plan or time.perf_counter() - began + per_function_s * len(plan) > budget_s:
                        break
                    resampled = sorted({*resampled, *(f.logical_id for f in plan)})
                round_began = time.perf_counter()
                order: queue.Queue[tpl.Function] = queue.Queue()
                shuffled = list(plan)
                random.Random(round_no).shuffle(shuffled)
                for fn in shuffled:
                    order.put(fn)

                def worker(round_no: int = round_no, order: queue.Queue[tpl.Function] = order) -> None:
                    while True:
                        try:
                            fn = order.get_nowait()
                        except queue.Empty:
                            return
                        one(fn, round_no)

                threads = [threading.Thread(target=worker) for _ in range(workers)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                done_rounds += 1
                per_function_s = (time.perf_counter() - round_began) / len(plan)
                elapsed = time.perf_counter() - began
                print(
                    f"cold starts: round {done_rounds} ({len(plan)} functions) done at {elapsed:.0f} s", file=sys.stderr
                )
            served = endpoint.requests
    finally:
        hub.close()
    per_function = summarise(samples, baselines)
    for logical, problem in problems.items():
        per_function[logical]["event_problem"] = problem
    return {
        "functions": len(functions),
        "rounds": done_rounds,
        "resampled": resampled,
        "workers": workers,
        "build": built,
        "variants": variants_built,
        "metric": "CPU time of the whole process (user + system) from its start, medians; wall time beside it",
        "targets": {"cold_start_max_ratio": TARGETS["cold_start"], "first_request_max_ratio": TARGETS["first_request"]},
        "summary": verdicts(per_function),
        "baseline": baseline_spread(baselines),
        "per_function": per_function,
        "aws_requests_served": served,
        "seconds": round(time.perf_counter() - began, 1),
    }


def run(stack: LocalStack, data: dict[str, Any], *, quick: bool = False) -> dict[str, Any]:
    try:
        return bench(stack, data, quick=quick)
    except Exception as failed:
        traceback.print_exc()
        return {"error": f"{type(failed).__name__}: {failed}"}
