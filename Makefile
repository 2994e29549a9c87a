# The two commands of the README: `make run` (Anvil, contracts deployed) and `make test`.
SHELL := /bin/bash
export PATH := $(CURDIR)/.cache/bin:$(CURDIR)/.venv/bin:$(PATH)
export SOLCX_BINARY_PATH := $(CURDIR)/.cache/solcx
# Ape keeps its data (dependency cache, compiled dependencies) inside the project, not in $HOME.
export APE_DATA_FOLDER := $(CURDIR)/.cache/ape
APE := .venv/bin/ape
NETWORK ?= ethereum:local:foundry

.PHONY: setup compile run deploy test test-contracts lint clean

setup:
	@tools/bootstrap.sh

compile: setup
	$(APE) compile
	.venv/bin/python tools/export_abi.py

run: setup
	tools/run.sh

deploy: setup
	$(APE) run deploy --network $(NETWORK)

test: setup
	APE_FOUNDRY_HOST=auto $(APE) test $(or $(TESTS),tests/) $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check bridge tests scripts
	.venv/bin/mypy bridge

clean:
	rm -rf .build .cache/ape
