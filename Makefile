# The two commands of the README: `make run` (Anvil, contracts deployed) and `make test`.
SHELL := /bin/bash
export PATH := $(CURDIR)/.cache/bin:$(CURDIR)/.venv/bin:$(PATH)
export SOLCX_BINARY_PATH := $(CURDIR)/.cache/solcx
# Ape keeps its data (dependency cache, compiled dependencies) inside the project, not in $HOME.
export APE_DATA_FOLDER := $(CURDIR)/.cache/ape
APE := .venv/bin/ape
NETWORK ?= ethereum:local:foundry
ACCOUNT ?= TEST::0

.PHONY: setup compile run deploy test lint bench clean

setup:
	@tools/bootstrap.sh

compile: setup
	$(APE) compile
	.venv/bin/python tools/export_abi.py

run: setup
	tools/run.sh

deploy: setup
	$(APE) run deploy --network $(NETWORK) --account $(ACCOUNT)

# Lint first (seconds), then every test against real Anvil chains, SQLite and PostgreSQL.
# APE_FOUNDRY_HOST=auto: the tests' Anvil takes a free port, never the one `make run` uses.
test: setup lint
	@tools/ensure-postgres.sh
	@tools/ensure-chromium.sh
	APE_FOUNDRY_HOST=auto $(APE) test $(or $(TESTS),tests/) $(PYTEST_ARGS)

# Gas, throughput and lookup scale against baselines measured in the same run: bench/results.{json,md}.
bench: compile
	@tools/ensure-postgres.sh
	APE_FOUNDRY_HOST=auto .venv/bin/python -m bench $(BENCH_ARGS)

lint: setup
	.venv/bin/ruff check bridge tests scripts tools bench
	.venv/bin/ruff format --check bridge tests scripts tools bench
	.venv/bin/mypy bridge

clean:
	rm -rf .build .cache/ape
