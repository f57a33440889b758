# make demo — set up and assess the bundled example firms into ./demo-output/
# make test — set up and run lint plus the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup sysdeps lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

sysdeps:
	@bash scripts/install-system-deps.sh

demo: setup sysdeps
	$(BIN)/exportkit doctor || true
	$(BIN)/exportkit assess --examples -o demo-output --db demo-output/market.duckdb
	@echo "demo-output: results in ./demo-output/ (results.json, portfolio.xlsx, firms/*.json)"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup sysdeps lint
	$(BIN)/pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output
