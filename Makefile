# omnistock: every target sets itself up on a machine that has only python3.
#   make demo       generate the default brand and build everything (then print a summary)
#   make test       the whole test suite
#   make dev        Dagster UI + daemon on http://127.0.0.1:3000
#   make dashboard  Streamlit dashboards on http://127.0.0.1:8501
#   make docs       dbt docs of the warehouse (every mart and column) on http://127.0.0.1:8080
#   make lint       ruff (check and format), sqlfluff (DuckDB) and the import contracts

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

export OMNISTOCK_DATA_DIR ?= $(CURDIR)/data
export OMNISTOCK_DAGSTER_STORAGE ?= $(OMNISTOCK_DATA_DIR)/dagster
export DAGSTER_HOME := $(CURDIR)
export UV_PYTHON_DOWNLOADS := never
# dagster-dbt finds dbt on PATH (e.g. when `dagster dev` re-parses the project)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install prepare demo generate run test test-fast lint lint-fix dev dashboard docs clean bench-ingest bench-fulfillment bench-memory

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

# dagster-dbt reads the dbt manifest when the definitions load: parse the project with its preparer
# (pipelines/dbt_project.py; the runner and the tests call the same preparer, prepare_dbt_project()),
# which tells dbt the data folder ($(OMNISTOCK_DATA_DIR)) as the var data_dir, as the build does
prepare: install
	@mkdir -p $(OMNISTOCK_DATA_DIR)/warehouse $(OMNISTOCK_DAGSTER_STORAGE)
	$(BIN)/dagster-dbt project prepare-and-package --file pipelines/dbt_project.py

generate: install
	$(BIN)/omnistock generate --scale default

run: prepare
	$(BIN)/omnistock run

demo: prepare generate run
	@$(BIN)/omnistock summary
	@echo
	@echo "Query it:       .venv/bin/omnistock sql \"select * from marts.inventory_sales_layer limit 10\""
	@echo "Dashboards:     make dashboard   (http://127.0.0.1:8501)"
	@echo "Dagster UI:     make dev         (http://127.0.0.1:3000)"

test: prepare
	$(BIN)/python -m pytest

test-fast: prepare
	$(BIN)/python -m pytest -m "not e2e and not browser"

# settings in pyproject.toml ([tool.ruff]), .sqlfluff and .importlinter
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project --processes 2
	$(BIN)/lint-imports

lint-fix: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project --processes 2

dev: prepare
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -m pipelines.definitions

dashboard: install
	$(BIN)/streamlit run app_streamlit/app.py --server.address 127.0.0.1 --server.port 8501 --server.headless true --browser.gatherUsageStats false

# what each mart and column means, its type, tests and lineage (needs a built warehouse)
docs: install
	$(BIN)/omnistock docs

clean:
	rm -rf $(VENV) $(TOOLS) dbt_project/target dbt_project/logs

bench-ingest: install
	$(BIN)/python -m benchmarks.bench_ingest --rows 5000000

bench-fulfillment: install
	$(BIN)/python -m benchmarks.bench_fulfillment --lines 1000000

# peak memory of `omnistock run` on the double11 day (generated into a temporary folder, ~5 GB, then deleted)
bench-memory: install
	$(BIN)/python -m benchmarks.peak_memory --scale double11
