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

KERBEROS_PACKAGES := krb5-kdc krb5-admin-server krb5-user libkrb5-dev
KERBEROS_STAMP := $(VENV)/.kerberos-installed

.PHONY: venv kerberos stack manifests lint typecheck contracts unit test faults demo dev-up dev-down clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

# The dev stack's KDC and the participant's gssapi package, for the GSSAPI tests. As root (CI) the
# Debian packages are installed; otherwise the GSSAPI tests say what to install.
kerberos: venv
	@if ! command -v krb5kdc >/dev/null 2>&1 || ! command -v krb5-config >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(KERBEROS_PACKAGES) >/dev/null; \
	  else \
	    echo "kerberos: not root, so not installing; the GSSAPI tests need: sudo apt-get install $(KERBEROS_PACKAGES)"; \
	  fi; \
	fi
	@if command -v krb5-config >/dev/null 2>&1 && [ ! -f $(KERBEROS_STAMP) -o $(STAMP) -nt $(KERBEROS_STAMP) ]; then \
	  $(BIN)/python -m pip install -q -e '.[test,kerberos]' && touch $(KERBEROS_STAMP); \
	fi

$(CHECKOV):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q '$(CHECKOV_SPEC)'

# Builds (or reuses from the user's cache directory) Kafka, etcd, kube-apiserver, helm, ...
stack: venv
	$(BIN)/kserve-participant dev build

# Renders deploy/kubernetes/ from the Helm chart (their one source); the tests check they match.
manifests: venv
	$(BIN)/kserve-participant dev manifests

lint: venv
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: venv
	$(BIN)/mypy

contracts: venv
	$(BIN)/lint-imports

test: venv kerberos stack lint typecheck contracts $(CHECKOV)
	KSP_CHECKOV=$(abspath $(CHECKOV)) $(BIN)/pytest

# The fault suite at full size on its own stack; prints the figures table of docs/reliability.md.
faults: venv stack
	$(BIN)/python -m tests.integration.faults

demo: venv stack
	$(BIN)/kserve-participant demo

dev-up: venv stack
	$(BIN)/kserve-participant dev up

dev-down: venv
	$(BIN)/kserve-participant dev down

clean-venv:
	rm -rf $(VENV) $(CHECKOV_VENV)
