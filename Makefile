PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
DEMO_DB := demo/shipshape.db
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint chromium bench serve lock clean

# constraints.txt pins every package to the versions CI tested; `make lock` renews it.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	mkdir -p demo && rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	SHIPSHAPE_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/shipshape demo --workdir demo
	$(BIN)/shipshape simulate --days 1 --orders-per-day 150 --replications 3 --seed 7 \
	  --store-dir demo/twin --json demo/twin.json --html demo/twin.html

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two test processes (pytest-xdist): most tests wait on a server, a broker or a disk, so two
# share the machine's cores well.
test: lint chromium
	$(BIN)/python -m pytest -n 2

# The browser tests drive Debian's chromium (never a downloaded browser); without it they skip.
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	  else \
	    echo "$(CHROMIUM) is missing and this is not root: run 'sudo apt-get install -y chromium'"; \
	    echo "(the browser tests skip without it)"; \
	  fi; }

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

serve: $(STAMP)
	$(BIN)/shipshape serve

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	echo "# pinned by make lock on $$(date -u +%F) with $$(.lock-venv/bin/python -V)" > constraints.txt
	.lock-venv/bin/python -m pip freeze --exclude-editable | sort -f >> constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) demo test-artifacts .mypy_cache .ruff_cache build src/*.egg-info
