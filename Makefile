# Restore: two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install install-gpu run test test-fast lint bench worker gpu-check clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(STAMP)

# GPU hosts only (never part of `make test`): the CUDA build of torch over the CPU one.
install-gpu: install
	$(BIN)/pip install --disable-pip-version-check -r requirements-gpu.txt
	$(BIN)/python -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)"

# The engine-level GPU check (no Django needed); see docs/benchmarks.md. On a host with this venv
# the ncnn files come from the installed packages; NCNN=DIR uses a carried folder instead.
NCNN ?= var/gpu-check/ncnn
gpu-check:
	test -d $(NCNN) || bash scripts/gpu_check.sh --pack $(NCNN)
	bash scripts/gpu_check.sh $(NCNN) --out var/gpu-check/report.json $(GPU_CHECK_ARGS)

run: install
	bash scripts/run.sh

test: install
	bash scripts/test.sh

test-fast: install
	$(BIN)/pytest -m "not slow" -q

lint: install
	$(BIN)/ruff check .

# bench_load needs PostgreSQL and Redis on 127.0.0.1 (it creates and drops its own databases);
# this is the short run, docs/benchmarks.md ("Web load") has the full one.
bench: install
	$(BIN)/python manage.py bench_engine
	$(BIN)/python manage.py bench_jobs
	$(BIN)/python manage.py bench_load --users 1,8,32 --seconds 5 --warmup 1

worker: install
	$(BIN)/python manage.py qcluster

clean:
	rm -rf $(VENV) var
