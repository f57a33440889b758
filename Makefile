# make demo — set up, match the bundled example firms with the example overseas demands and
#             assess them, into ./demo-output/
# make test — set up and run lint plus the whole test suite
# make bench — every benchmarks/bench_*.py with --quick, one after another (each ends with its
#              machine line, its same-run baseline and one JSON line)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup sysdeps lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

sysdeps:
	@bash scripts/install-system-deps.sh

# The demo writes every format; --briefs 2 (two best markets + the ones each firm named) keeps
# it under a minute on 2 cores (PDFs cost ~0.5 s a page).
demo: setup sysdeps
	$(BIN)/exportkit doctor || true
	rm -rf demo-output
	# match first: the assess index below then links its outputs (demo-output/match/)
	$(BIN)/exportkit match --examples --meetings --lang zh-TW --format json,xlsx,html,pdf \
		-o demo-output/match --db demo-output/market.duckdb
	$(BIN)/exportkit assess --examples --lang zh-TW --format json,xlsx,html,pdf --briefs 2 \
		-o demo-output --db demo-output/market.duckdb
	@echo "demo-output: open ./demo-output/index.html in a browser (every firm's readiness report and country briefs, HTML and PDF; the matchmaking results and exchange-meeting plan under Other documents); results.json, portfolio.xlsx, firms/*.json and match/ beside it"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup sysdeps lint
	$(BIN)/pytest -n 2 --dist loadgroup

# One after another, never in parallel: each benchmark times its own baseline on the same cores.
# The bench extra holds the peers some benchmarks compare with (pyfixest). Every benchmark
# runs even when one fails; the target fails at the end, naming them.
BENCHES := $(sort $(wildcard benchmarks/bench_*.py))
bench: setup
	$(BIN)/python -m pip install -q -e '.[bench]'
	@failed=""; for b in $(BENCHES); do echo "== $$b --quick"; \
		$(BIN)/python $$b --quick || failed="$$failed $$b"; done; \
		if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output
