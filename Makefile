# Two commands do everything on a fresh machine (see README):
#   make serve   install what is needed, then run `gridlink serve`
#   make test    install what is needed, then run every check and test
# Everything installs into this folder: .tools/ (the pinned uv) and .venv/ (the locked packages).

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

WIDGET := widget

.PHONY: install serve test lint typecheck pytest widget-build widget-test bench bench-webhooks bench-data bench-widget bench-budget bench-dashboard bench-greenbutton bench-greenbutton-upload bench-hot-paths bench-scale clean fuzz fuzz-all fuzz-long

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced

serve: install widget-build
	$(BIN)/gridlink serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# tests/operations put Debian's PgBouncer and nginx (installed if missing) in front of Gridlink;
# they start fleets of processes, so they run alone: beside them, the timing tests (request
# budgets, long-polls) saw their sleepers woken late.
# The browser tests (tests/e2e) drive Debian's Chromium (installed if missing) against the built
# widget; run apart with --dist loadfile, so each of their modules starts one server.
pytest: install widget-build
	scripts/ensure-postgres
	scripts/ensure-chromium
	scripts/ensure-debian-tools
	$(BIN)/pytest -n $(PYTEST_WORKERS) --ignore=tests/e2e --ignore=tests/operations
	$(BIN)/pytest tests/operations
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile tests/e2e

$(WIDGET)/node_modules/.installed: $(WIDGET)/package.json $(WIDGET)/package-lock.json
	cd $(WIDGET) && npm ci --no-audit --no-fund
	@touch $@

# What `gridlink serve` serves: the loader at /connect.js and the Connect page (/connect/frame,
# /connect/link) with its assets under /connect/ui/.
widget-build: $(WIDGET)/node_modules/.installed
	cd $(WIDGET) && npm run build

# The widget packages (connect.js loader, React hook, Connect UI): types, unit tests, build.
widget-test: $(WIDGET)/node_modules/.installed
	cd $(WIDGET) && npm run typecheck && npm test && npm run build

test: lint typecheck widget-test pytest

bench: install
	scripts/ensure-postgres
	$(BIN)/python bench/foundation.py

bench-webhooks: install
	scripts/ensure-postgres
	$(BIN)/python bench/webhooks.py

bench-data: install
	scripts/ensure-postgres
	$(BIN)/python bench/data.py

bench-budget: install
	scripts/ensure-postgres
	$(BIN)/python bench/request_budget.py

# The dashboard's overview and credentials list with 100,000 credentials, on both databases.
bench-dashboard: install widget-build
	scripts/ensure-postgres
	$(BIN)/python bench/dashboard.py

# A year of hourly Green Button readings uploaded to stored readings, on both databases.
bench-greenbutton-upload: install
	scripts/ensure-postgres
	$(BIN)/python bench/greenbutton_upload.py

# Connect tokens against the raw driver, a meter-year as JSON, `gridlink --version` and cold
# start, on both databases (issue 15; see bench/README.md).
bench-hot-paths: install
	scripts/ensure-postgres
	$(BIN)/python bench/hot_paths.py

# 1, 2 and 4 worker processes behind 2 API processes and PgBouncer on a PostgreSQL of their own:
# sign-ins, backfills, database connections, CPU per process (issue 15; see bench/README.md).
bench-scale: install
	scripts/ensure-postgres
	scripts/ensure-debian-tools
	$(BIN)/python bench/scale.py

# A 24-month backfill and a daily sync per connector against the utilities' HTTP fakes.
bench-backfill: install
	$(BIN)/python bench/backfill.py

# Green Button parse times against a bare lxml parse and two peer parsers (see bench/README.md).
# The peers are pinned (uv group "bench", bench/node/package-lock.json) and installed here only.
BENCH_NODE := bench/node

$(BENCH_NODE)/node_modules/.installed: $(BENCH_NODE)/package.json $(BENCH_NODE)/package-lock.json
	cd $(BENCH_NODE) && npm ci --no-audit --no-fund
	@touch $@

bench-greenbutton: install $(BENCH_NODE)/node_modules/.installed
	$(UV) sync --frozen --group bench --python $(PYTHON)
	$(BIN)/python bench/greenbutton_parse.py

bench-widget: install widget-build
	scripts/ensure-chromium
	$(BIN)/python bench/widget.py

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache $(WIDGET)/node_modules

# Control 41: coverage-guided fuzzing of the parsers of outside input (fuzz/targets.py) with
# Atheris, pinned here and added for the run only (it is not in uv.lock). One target:
#   make fuzz TARGET=eia SECONDS=600
# Every target in turn (the nightly job): make fuzz-all SECONDS=600
# The test suite runs a bounded Hypothesis budget of the same parsers; fuzz-long raises it.
ATHERIS := atheris==3.0.0
SECONDS ?= 600
TARGET ?= eia
FUZZ_TARGETS := eia webhook_signature webhook_verify_command cursor token basic_auth retry_after urls units master_keys duration

fuzz: install
	$(UV) run --no-sync --with '$(ATHERIS)' python fuzz/run.py $(TARGET) -max_total_time=$(SECONDS)

fuzz-all: install
	for target in $(FUZZ_TARGETS); do \
		$(UV) run --no-sync --with '$(ATHERIS)' python fuzz/run.py $$target -max_total_time=$(SECONDS) || exit 1; \
	done

fuzz-long: install
	GRIDLINK_FUZZ_EXAMPLES=20000 $(BIN)/pytest -n $(PYTEST_WORKERS) tests/test_fuzz_parsers.py
