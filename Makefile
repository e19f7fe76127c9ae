# d2lnotes: `make lab` opens the book, `make test` checks it. Every target installs what it needs first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Notebooks run in parallel worker processes; one OpenMP thread each keeps two workers from fighting over 2 cores.
WORKERS ?= 2
PORT   ?= 8888
# JupyterLab refuses to run as root (containers, CI) without this flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: install lab test unit notebooks test-browser book test-gpu bench clean check-python results

install: $(STAMP)

check-python:
	@$(PYTHON) tools/check_python.py

$(STAMP): pyproject.toml tools/check_python.py
	@$(PYTHON) tools/check_python.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=book --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) $(ROOT_FLAG)

# Unit tests, every notebook under nbval in smoke mode, then the book in a real browser.
test: $(STAMP)
	$(BIN)/python -m pytest tests -q -p no:cacheprovider --ignore=tests/browser
	D2LNOTES_SMOKE=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest book -q -p no:cacheprovider --nbval-lax \
	    --nbval-current-env -n $(WORKERS) --dist loadfile --durations=0
	$(MAKE) test-browser

# JupyterLab in headless Chromium (Debian's chromium and chromium-driver, installed here when running as root):
# runs a chapter-1 notebook, moves a slider during a run, clicks Stop; screenshots in _build/browser/.
test-browser: $(STAMP)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq chromium chromium-driver >/dev/null; \
	    else echo "test-browser needs Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver"; exit 1; fi; }
	D2LNOTES_SMOKE=1 $(BIN)/python -m pytest tests/browser -q -p no:cacheprovider

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q --ignore=tests/browser

notebooks: $(STAMP)
	D2LNOTES_SMOKE=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest book -q --nbval-lax --nbval-current-env \
	    -n $(WORKERS) --dist loadfile --durations=0

# Run notebooks in a budget and record their times and figures in results/<budget>.json and the README:
#   make results BUDGET=cpu NOTEBOOKS="book/04_cnn_families/01_alexnet.ipynb book/04_cnn_families/02_vgg.ipynb"
BUDGET ?= cpu
NOTEBOOKS ?= $(sort $(wildcard book/*/[0-9]*.ipynb))
results: $(STAMP)
	$(BIN)/python tools/run_budget.py --budget $(BUDGET) $(NOTEBOOKS)

# Executed notebooks and HTML in _build/ (smoke or full as D2LNOTES_SMOKE says); book/ is never written.
book: $(STAMP)
	$(BIN)/python tools/build_book.py --out _build

# Full mode on a GPU: needs a CUDA 11.7 machine, sm_50..sm_86 (Maxwell to Ampere; not Hopper), and
# `pip install mxnet-cu117==1.9.1` in place of mxnet. Not verified on this project's CPU-only CI.
test-gpu: $(STAMP)
	$(BIN)/python -c "import mxnet as mx, sys; n = mx.context.num_gpus(); print(f'{n} GPU(s)'); sys.exit(n == 0)" \
	    || { echo "no GPU visible to MXNet: install mxnet-cu117==1.9.1 on a CUDA 11.7 machine (see README)"; exit 1; }
	D2LNOTES_SMOKE=0 $(BIN)/python -m pytest book -q --nbval-lax --nbval-current-env --nbval-cell-timeout=36000

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/families.py
	$(BIN)/python bench/end_to_end.py

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find book -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
