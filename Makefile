# Set-up and entry points. `make run` and `make test` create .venv when it is
# missing and install the project into it, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORES  ?= 2

.PHONY: run test test-fast test-cluster install clean-results

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

SNAKEMAKE := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakemake --profile profiles/default --cores $(CORES)

# The demo: MLE and LeakGAN on equal budgets, a three-α frontier, the table and the HTML report.
run: $(STAMP)
	$(SNAKEMAKE) --config scale=demo -- results/synthetic-20/nll.json report
	$(SNAKEMAKE) --config scale=demo --report results/report.html -- report
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/leakgan table results/synthetic-20/nll.json
	@echo "The report (tables, training curves, the frontier, Figures 4 and 5): results/report.html"

# Tests run on TEST_WORKERS pytest-xdist workers (2 cores: 2; 0 runs them in the pytest process itself).
TEST_WORKERS ?= 2

# Every tier: unit, workflow (dry runs, lint) and e2e (whole smoke runs); a few minutes. The e2e tier's shared
# runs start in the background at once and are made while the other tests run (tests/e2e/conftest.py).
test: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q --durations=15 -n $(TEST_WORKERS) --dist worksteal

# The fast tiers only: the package's unit tests and the workflow's dry runs and checks (no training run); an idle
# worker takes tests from the other's queue (about 80 s on 2 idle cores, against 92 s with a file per worker).
test-fast: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q --durations=15 -n $(TEST_WORKERS) --dist worksteal tests/unit tests/workflow

# The workflow on a one-node SLURM cluster started on this machine (needs root: it installs
# slurm-wlm and munge with apt-get when missing); 10 to 25 minutes on 2 cores.
test-cluster: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,slurm]"
	LEAKGAN_CLUSTER_TEST=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q -m cluster --durations=10 tests/cluster/test_cluster.py

clean-results:
	rm -rf results logs checkpoints benchmarks/out .snakemake
