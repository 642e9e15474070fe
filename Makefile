# The two commands of the README:
#   make demo   create the environment, build the demo data if absent, open the dashboard
#   make test   lint (ruff, sqlfluff) and run every test, browser tests included
SHELL := /bin/bash
UV := $(or $(shell command -v uv 2>/dev/null),python3 -m uv)
PORT ?= 8501

.PHONY: demo test env chromium bench lint

env:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	@# A new environment gets its bytecode compiled once: where PYTHONDONTWRITEBYTECODE is set,
	@# every app start would otherwise compile ~800 modules (half of the first paint).
	@if [ -d .venv ]; then $(UV) sync --locked --quiet; \
	else $(UV) sync --locked --quiet --compile-bytecode; fi

demo: env
	$(UV) run dashboard demo --if-missing
	$(UV) run dashboard app --port $(PORT)

chromium:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run sqlfluff lint queries

test: env chromium lint
	$(UV) run pytest

bench: env
	$(UV) run python benchmarks/run.py
