# Burnrate verbs. `make demo` and `make test` are the whole set-up on a fresh machine with Python 3.11:
# each creates/updates the local virtualenv (.venv) by itself.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages the test suite drives for real: a headless browser and a Prometheus server.
SYSTEM_PACKAGES := chromium chromium-driver prometheus
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-spark lint fmt bench venv system-deps clean help
.DEFAULT_GOAL := help

help:  ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)  ## create or update the virtualenv

system-deps:  ## install the Debian packages the tests need (chromium, prometheus) when missing
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

demo: $(STAMP)  ## generate the demo workload, ingest it, build, detect, alert, and serve the dashboard
	$(BIN)/burnrate demo


# The Spark build has its own virtualenv, so the default install stays light (needs Java 17 or later).
SPARK_VENV  ?= .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed

$(SPARK_STAMP): pyproject.toml
	@test -x $(SPARK_VENV)/bin/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/python -m pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

test: $(STAMP) system-deps  ## run the whole test suite (the Spark comparison in its own venv)
	$(BIN)/python -m pytest
	@$(MAKE) --no-print-directory test-spark

test-spark: $(SPARK_STAMP)  ## only the Spark part: build the models on a local Spark and compare them with the DuckDB build
	$(SPARK_VENV)/bin/python -m pytest -m spark tests/spark

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)  ## format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

SCALE ?= 1m
bench: $(STAMP)  ## run the benchmark at SCALE (1m, 3m, 10m requests)
	$(BIN)/burnrate bench --scale $(SCALE)

clean:  ## remove the virtualenv and generated data
	rm -rf $(VENV) $(SPARK_VENV) data target logs .pytest_cache
