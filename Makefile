# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := imbalance-lab
STAMP  := $(VENV)/.installed
CONFIG ?= configs/default.yaml

.PHONY: setup run test lint unit browser bench lock clean

# Create the venv, install the pinned lock, the project (editable, no extra
# resolution), and a Jupyter kernel inside the venv (--sys-prefix), so that
# papermill never picks up a stale user-level kernel.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (imbalance-lab)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Headless Chromium from Debian's packages, for the report's browser test.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the report's browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "WARNING: could not install chromium; browser tests will be skipped"; }

# The report is written even when some units failed (it lists them); the
# sweep's exit code is kept. Given the config, the report reads the folder the
# sweep wrote (results/<name>, whatever the file is called); after bad input
# (2) or an interrupt (130) there is nothing new to report.
run: setup
	$(BIN)/imbalance-lab sweep $(CONFIG); status=$$?; \
	if [ $$status -le 1 ]; then $(BIN)/imbalance-lab report $(CONFIG) || exit $$?; fi; \
	exit $$status

lint: setup
	$(BIN)/ruff check src tests benchmarks

test: setup browser lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/run_all.py

# Re-pin every dependency (needs the package registry).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -e '.[dev]'
	{ echo "# Exact versions tested on Python 3.11 (x86_64 Linux). Regenerate with: make lock"; \
	  .lockenv/bin/pip freeze --exclude-editable | grep -v '^imbalance-lab'; } > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
