# The two set-up commands of the README: `make demo` and `make test`.
# Both work on a fresh clone: they install uv with pip if missing, then the locked env.

PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
export CLEMENCY_LAKE ?= $(CURDIR)/lake

.PHONY: install demo test fuzz lint typecheck sqllint fmt bench airflow clean

$(BIN)/clemency: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen
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

test: lint
	$(BIN)/pytest

# The property/fuzz tests with the long Hypothesis profile (`make test` runs them bounded);
# what it finds is kept in test-artifacts/hypothesis and replayed first next time.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/test_fuzz.py --hypothesis-show-statistics

bench: install
	$(BIN)/python -m benchmarks

airflow: install
	scripts/airflow-local

clean:
	rm -rf lake test-artifacts transforms/target .airflow
