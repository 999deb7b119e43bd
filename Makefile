# The two commands of the README: `make run` and `make test`. Each creates what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

.PHONY: install run test bench build-vocabularies browser docs
install: $(BIN)/.installed

# Debian packages the tests drive, installed here when missing: Chromium for the browser tests (no browser
# download), Virtuoso 7.2 for the remote-store tests, PostgreSQL for the shared accounts database (the tests
# start both: tests/engines.py) and OpenRefine 3.6 for the reconciliation test (tests/test_openrefine.py). An install interrupted earlier is finished first: apt refuses to run until it is.
HAVE_PACKAGES = command -v chromium >/dev/null && command -v virtuoso-t >/dev/null && command -v openrefine >/dev/null && \
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
browser:
	@$(HAVE_PACKAGES) || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -q && { DEBIAN_FRONTEND=noninteractive dpkg --configure -a || true; } && \
	  { command -v chromium >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } && \
	  { command -v virtuoso-t >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends virtuoso-opensource-7-bin; } && \
	  { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends postgresql; } && \
	  { command -v openrefine >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q openrefine; }; \
	  else sudo apt-get install -y -q chromium virtuoso-opensource-7-bin postgresql openrefine; fi; } \
	  || echo "chromium, virtuoso, postgresql or openrefine could not be installed: their tests will be skipped"

run: $(BIN)/.installed
	$(BIN)/vocabserver serve --host $(HOST) --port $(PORT)

test: $(BIN)/.installed browser
	$(BIN)/python -m pytest

# The documentation as a site on :8000 (docs/, mkdocs.yml); the suite builds it with broken links refused.
docs: $(BIN)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

bench: $(BIN)/.installed
	$(BIN)/python bench/bench_load.py

build-vocabularies: $(BIN)/.installed
	$(BIN)/vocabserver build-vocabularies --from ../shared/data
	$(BIN)/python -m vocabserver.lexicons.readme_table
