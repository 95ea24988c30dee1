# The entry points a newcomer types: `make run` starts the whole stack, `make test` runs every test.
# A fresh machine needs only python3 (3.11) and make: uv is bootstrapped into .tools/, the environment into .venv/.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
# Written after a successful sync: the environment is rebuilt when the lock or any workspace pyproject changes.
VENV_STAMP := $(VENV)/.make-synced
WORKSPACE := pyproject.toml $(wildcard libs/*/pyproject.toml contracts/pyproject.toml services/*/pyproject.toml \
	gateway/pyproject.toml)
# The packages `make lint` type-checks, each with its own mypy run (as each is installed and tested on its own).
MYPY_PACKAGES := $(sort $(wildcard libs/*/src)) contracts/src $(sort $(wildcard services/*/src)) gateway/src
# Their tests too, each package's from its own directory (the tests import `tests.…` of their package), and the
# cross-service tests at the top.
MYPY_TESTS := $(patsubst %/tests,%,$(sort $(wildcard libs/*/tests services/*/tests))) gateway .
PROCFILE := deploy/local/Procfile
# Debian packages the browser test (Chromium driven by Playwright) and the gateway benchmark (wrk) need.
SYSTEM_PACKAGES := chromium chromium-driver wrk
SYSTEM_TOOLS := /usr/bin/chromium /usr/bin/chromedriver /usr/bin/wrk

.PHONY: help env run test fuzz lint contracts keys bench clean distclean system-deps

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV_STAMP): $(UV) uv.lock $(WORKSPACE)
	$(UV) sync --frozen
	@touch $@

env: $(VENV_STAMP) ## Create or update .venv from uv.lock (uv sync --frozen)

keys: $(VENV_STAMP) ## Generate the development context-signing keys in var/keys/ if missing
	@$(VENV)/bin/python tools/devkeys.py

run: $(VENV_STAMP) keys ## Start broker, services, gateway (http://127.0.0.1:8000); Ctrl-C stops all
	@mkdir -p var
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start --procfile $(PROCFILE) --env deploy/local/.env

system-deps: ## Install Chromium and wrk from Debian (apt-get, as root) when they are missing
	@missing=""; for tool in $(SYSTEM_TOOLS); do [ -x "$$tool" ] || missing="$$missing $$tool"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "missing:$$missing -- run 'sudo make system-deps' (apt-get install $(SYSTEM_PACKAGES)) first" >&2; \
		exit 1; \
	fi; \
	echo "installing $(SYSTEM_PACKAGES) (missing:$$missing)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $(SYSTEM_PACKAGES) \
		|| { apt-get -o DPkg::Lock::Timeout=600 update \
			&& apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $(SYSTEM_PACKAGES); }

test: $(VENV_STAMP) system-deps lint ## Lint, then run every test (unit, API, integration with PostgreSQL and Tansu, deploy files)
	$(VENV)/bin/pytest -q

fuzz: $(VENV_STAMP) ## Fuzz the contracts far deeper than make test does (60 examples an operation, ~5 min)
	PORTAL_FUZZ_EXAMPLES=60 $(VENV)/bin/pytest -q tests/contracts/test_fuzz.py tests/e2e/test_public_api_conformance.py

bench: $(VENV_STAMP) system-deps ## Run the benchmarks; results in bench/results/*.json (not a test: numbers, not pass/fail)
	$(VENV)/bin/python bench/identity_tokens.py
	$(VENV)/bin/python bench/delegation_decisions.py
	$(VENV)/bin/python bench/gateway_throughput.py

lint: $(VENV_STAMP) ## ruff check, ruff format --check, and mypy on each package and its tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@for package in $(MYPY_PACKAGES); do echo "$(VENV)/bin/mypy $$package"; $(VENV)/bin/mypy $$package || exit 1; done
	@for dir in $(MYPY_TESTS); do \
		echo "(cd $$dir && mypy --explicit-package-bases tests)"; \
		(cd $$dir && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml --explicit-package-bases \
			--cache-dir $(CURDIR)/.mypy_cache/tests/$$(echo $$dir | tr ./ _-) tests) || exit 1; \
	done

contracts: $(VENV_STAMP) ## Regenerate contracts/ (OpenAPI, event JSON Schemas, AsyncAPI)
	$(VENV)/bin/python tools/export_contracts.py

clean: ## Remove local data (var/: SQLite databases, dev keys) and caches; keeps .venv and .tools
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
	find . -path ./.venv -prune -o -path ./.tools -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean ## Also remove .venv and .tools (the next make bootstraps them again)
	rm -rf $(VENV) .tools
