# The two commands: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .sam-venv
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
PYTEST_WORKERS ?= 2
export SAM_CLI_TELEMETRY := 0

.PHONY: run test test-deep lint build bench fuzz soak lock clean help browser

help:
	@echo "make run    serve the whole platform on 127.0.0.1:3000 (PORT, RATE_SCALE to change)"
	@echo "make test   unit, integration (moto), template and browser tests"
	@echo "make browser  install Debian's chromium for the browser tests when missing (apt-get)"
	@echo "make lint   ruff, mypy, cfn-lint on the template expanded by samtranslator"
	@echo "make build  sam build (SAM CLI in its own venv)"
	@echo "make bench  every benchmark in one run -> bench/results/*.json, docs/benchmarks.md, a PNG chart"
	@echo "make fuzz   schemathesis on every API of a local stack, many more examples than make test"
	@echo "make soak   minutes of concurrent providers, operators and players with faults, then the books"
	@echo "make lock   re-pin requirements-dev.lock and layers/shared/requirements.txt"

# The project's venv, from the lock; rebuilt when the lock changes.
$(VENV)/.installed: requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

run: $(VENV)/.installed
	$(PY) -m local

test: $(VENV)/.installed browser
	$(PY) -m pytest -n $(PYTEST_WORKERS) tests

# Debian's Chromium (and its driver) for tests/browser, which Playwright drives by its path. Never
# `playwright install`: it downloads a browser of its own, which a closed network refuses. Cheap when
# chromium is on PATH; else apt-get, as root or through `sudo -n`; when that can't be done, one loud
# line and on we go (the browser tests then skip, loudly). CHROMIUM=some-bogus-name tries the install path.
CHROMIUM ?= chromium
CHROMIUM_APT := chromium chromium-driver
browser:
	@command -v $(CHROMIUM) >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "!!!!! make browser: $(CHROMIUM) is missing and there is no root nor passwordless sudo to apt-get install $(CHROMIUM_APT): BROWSER TESTS WILL BE SKIPPED !!!!!"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	echo "!!!!! make browser: $(CHROMIUM) is missing and there is no apt-get to install $(CHROMIUM_APT): BROWSER TESTS WILL BE SKIPPED !!!!!"; exit 0; fi; \
	log=$$(mktemp -t browser-apt.XXXXXX); \
	if $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$$log" 2>&1 \
	&& $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(CHROMIUM_APT) >>"$$log" 2>&1 \
	&& command -v $(CHROMIUM) >/dev/null 2>&1; then rm -f "$$log"; \
	else tail -n 5 "$$log"; \
	echo "!!!!! make browser: apt-get install $(CHROMIUM_APT) did not give a $(CHROMIUM) on PATH (log: $$log): BROWSER TESTS WILL BE SKIPPED !!!!!"; fi

# The ledger's property test with many more sequences (minutes).
test-deep: $(VENV)/.installed
	LEDGER_EXAMPLES=$${LEDGER_EXAMPLES:-300} $(PY) -m pytest -p no:xdist tests/integration/test_wallet_stateful.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check layers functions local tests bench
	$(PY) -m mypy layers/shared/casino functions local
	$(PY) -m local.lint_template

# The SAM CLI pins its own boto3: it lives in its own venv, never in the project's.
$(SAM_VENV)/.installed:
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_CLI_VERSION)
	touch $@

build: $(SAM_VENV)/.installed
	PATH="$(abspath $(SAM_VENV))/bin:$$PATH" $(SAM) build --template-file template.yaml

bench: $(VENV)/.installed
	$(PY) -m bench

# The fuzz tests of make test, with many more examples per operation (FUZZ_EXAMPLES).
fuzz: $(VENV)/.installed
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(PY) -m pytest -p no:xdist tests/fuzz

# Load with faults on a local stack, loopback only, bounded (SOAK_SECONDS, SOAK_CLIENTS).
soak: $(VENV)/.installed
	$(PY) -m bench.soak

lock:
	$(PYTHON) -m venv .build/pip-tools && .build/pip-tools/bin/pip install --quiet pip-tools
	.build/pip-tools/bin/pip-compile --quiet --extra dev --strip-extras --no-header --output-file requirements-dev.lock pyproject.toml
	.build/pip-tools/bin/pip-compile --quiet --strip-extras --no-header --constraint requirements-dev.lock --output-file layers/shared/requirements.txt pyproject.toml
	sed -i '/^--/d' requirements-dev.lock layers/shared/requirements.txt

clean:
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache .build
