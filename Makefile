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
	# Until `exportkit assess` exists: score the example firms shipped in the package.
	$(BIN)/exportkit questionnaire score "$$($(BIN)/python -c 'from exportkit.resources import examples_dir; print(examples_dir())')"
	@echo "demo-output: see ./demo-output/"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup sysdeps lint
	$(BIN)/pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output
