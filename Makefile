# dbaudit.postgresql: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SANDBOX ?= default
# Architectures of the Lambda zips shipped in the tarball (arm64 needs its wheels from PyPI once).
LAMBDA_ARCHITECTURES ?= x86_64

.PHONY: help bootstrap sandbox-up sandbox-down sandbox-status demo test lint ruff sanity ansible-lint unit integration lambda-zips build changelog clean

help:
	@echo "make demo      - set up, start the sandbox, run enable_audit on it and show the result"
	@echo "make test      - set up and run every check: ruff, ansible-test sanity, ansible-lint, unit, integration"
	@echo "make bootstrap - .venv with pinned dependencies, PostgreSQL 15 + pgAudit"
	@echo "make sandbox-up | sandbox-down | sandbox-status [SANDBOX=name]"

bootstrap:
	@scripts/bootstrap.sh

sandbox-up: bootstrap
	@$(BIN)/python -m sandbox up --name $(SANDBOX)

sandbox-down:
	@$(BIN)/python -m sandbox down --name $(SANDBOX)

sandbox-status:
	@$(BIN)/python -m sandbox status --name $(SANDBOX)

demo: bootstrap
	@scripts/demo.sh

test: bootstrap
	@scripts/test.sh

ruff:
	@$(BIN)/ruff check .

sanity:
	@scripts/sanity.sh

ansible-lint:
	@PATH="$(CURDIR)/$(BIN):$$PATH" ANSIBLE_CONFIG=$(CURDIR)/ansible.cfg ANSIBLE_HOME=$(CURDIR)/.venv/ansible-home $(BIN)/ansible-lint --offline

lint: ruff sanity ansible-lint

unit:
	@$(BIN)/python -m pytest -q tests/unit

integration:
	@$(BIN)/python -m pytest -q tests/integration

# The Lambda zips are built once, here, and shipped in the tarball (roles/alerting_common/files/lambda/):
# the roles deploy them and never build at run time.
lambda-zips:
	@$(BIN)/python lambdas/build_zips.py $(foreach arch,$(LAMBDA_ARCHITECTURES),--arch $(arch))

build: lambda-zips
	@$(BIN)/ansible-galaxy collection build --force --output-path build/

clean:
	rm -rf build .pytest_cache .ruff_cache
