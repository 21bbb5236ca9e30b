# Set-up is two commands: `make run` (offline demo) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-under-load bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

run: install
	$(VENV)/bin/warta demo

# three workers on two cores: the crawl, daemon and reliability tests spend most of their time
# waiting on child processes, servers and timeouts (the suite uses about one core on average with
# two workers; a third cut its time by a quarter); --dist loadscope keeps each module's shared
# fixtures (a crawled site, a demo run) on one worker
PYTEST_ARGS ?= -n 3 --dist loadscope

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite beside two busy loops, three times in a row: CI's busy two-core machine, on purpose.
test-under-load: install
	@for run in 1 2 3; do \
		echo "run $$run of 3, beside two busy loops"; \
		( while :; do :; done ) & first=$$!; ( while :; do :; done ) & second=$$!; \
		$(PY) -m pytest $(PYTEST_ARGS); status=$$?; kill $$first $$second; \
		[ $$status -eq 0 ] || exit $$status; \
	done

bench: install
	$(PY) -m bench

# mypy cannot follow setuptools' package-dir mapping, so it reads a tree of links laid out as installed:
# build/typecheck/warta/{cli,daemon,...} and build/typecheck/warta/{config,storage,crawler,feeds,archive}
TYPECHECK := build/typecheck/warta

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@rm -rf build/typecheck && mkdir -p $(TYPECHECK)
	@for entry in warta/*.py warta/*/; do ln -s "$(CURDIR)/$${entry%/}" $(TYPECHECK)/; done
	@for layer in config storage crawler feeds archive; do ln -s "$(CURDIR)/$$layer" $(TYPECHECK)/$$layer; done
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
