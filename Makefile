# The two commands a newcomer needs: `make demo` (run the seed workflow) and `make test` (everything CI runs).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

# checkov lives in its own environment: it pins packaging<24, which pytest cannot use.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_SPEC := checkov>=3.2,<4

.PHONY: venv stack lint typecheck contracts unit test demo dev-up dev-down clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

$(CHECKOV):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q '$(CHECKOV_SPEC)'

# Builds (or reuses from the user's cache directory) Kafka, etcd and kube-apiserver.
stack: venv
	$(BIN)/kserve-participant dev build

lint: venv
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: venv
	$(BIN)/mypy

contracts: venv
	$(BIN)/lint-imports

test: venv stack lint typecheck contracts $(CHECKOV)
	KSP_CHECKOV=$(abspath $(CHECKOV)) $(BIN)/pytest

demo: venv stack
	$(BIN)/kserve-participant demo

dev-up: venv stack
	$(BIN)/kserve-participant dev up

dev-down: venv
	$(BIN)/kserve-participant dev down

clean-venv:
	rm -rf $(VENV) $(CHECKOV_VENV)
