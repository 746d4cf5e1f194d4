# Portail citoyen: local run, tests and lint.  `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
ifndef PYTHON
PYTHON := $(shell command -v python3.11 || command -v python3)
endif
# Written when the packages are installed (it holds their list); `make venv` re-installs only
# when a pyproject.toml, constraints.txt or requirements-dev.txt is newer than it, or when a
# package appeared or went away.
STAMP := $(VENV)/.portail-installed

# Every package of the monorepo, services discovered by wildcard (order: shared code first).
PACKAGES := $(patsubst %/pyproject.toml,%,$(wildcard \
	contracts/pyproject.toml chassis/pyproject.toml services/*/pyproject.toml \
	gateway/pyproject.toml devstack/pyproject.toml))

.PHONY: help venv system-deps run test lint clean distclean FORCE

ifneq ($(strip $(PACKAGES)),$(strip $(shell cat $(STAMP) 2>/dev/null)))
$(STAMP): FORCE
endif
FORCE:

help: ## Cette aide / this help
	@echo "Portail citoyen : cibles make / make targets"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

venv: $(STAMP) ## Environnement Python .venv avec tous les paquets / virtualenv with every package

$(STAMP): constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@if [ ! -x $(BIN)/python ]; then \
		if [ -z "$(PYTHON)" ]; then echo "Python 3.11 est requis / Python 3.11 is required: apt-get install python3 python3-venv"; exit 1; fi; \
		echo "Création de $(VENV) avec $(PYTHON)"; \
		if ! $(PYTHON) -m venv $(VENV); then \
			rm -rf $(VENV); \
			if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
				apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv && \
				$(PYTHON) -m venv $(VENV); \
			else \
				echo "Installez / install: sudo apt-get install python3-venv"; exit 1; \
			fi; \
		fi; \
	fi
	$(BIN)/python -m pip install -c constraints.txt --upgrade pip
	$(BIN)/python -m pip install -c constraints.txt "setuptools<81" wheel
	$(BIN)/python -m pip install -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	@echo "$(PACKAGES)" > $@

system-deps: ## Chromium et polices pour les tests navigateur / Chromium and fonts for browser tests
	@if [ -x /usr/bin/chromium ]; then \
		echo "Chromium : $$(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			chromium fonts-dejavu-core fonts-liberation; \
	else \
		echo "Chromium manque / Chromium is missing: sudo apt-get install chromium fonts-dejavu-core fonts-liberation"; \
		echo "(les tests navigateur échoueront sans lui / browser tests will fail without it)"; \
	fi

run: venv ## Lance tout le portail en local / run the whole portal locally
	$(BIN)/python -m devstack.run

test: venv system-deps ## Tous les tests (unit, integration, contract, e2e+browser) / every test tier
	$(BIN)/python -m devstack.testrun

lint: venv ## ruff check + ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean: ## Supprime caches et résultats de tests / remove caches and test results
	rm -rf test-results .pytest_cache .ruff_cache build
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean ## clean + .venv et var/ (bases locales, courriels, secrets) / also .venv and var/
	rm -rf $(VENV) var
