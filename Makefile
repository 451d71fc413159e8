# The two commands of the README: `make example` grades the bundled example class,
# `make test` runs every test. Both set up .venv first (pinned CPU torch, see constraints.txt).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: example test lint validate bench export clean

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,dask]'
	touch $(STAMP)

example: $(STAMP)
	$(BIN)/grader batch examples/class --out out/example

# pytest exits 5 when it collected nothing: that is a broken suite, so say so and fail.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; fi; exit $$rc

validate: $(STAMP)
	$(BIN)/grader validate

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) out
