"""Rules re-run when the code they run changes: editing a module re-plans exactly the stages that import it."""
from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO, planned_jobs, snakemake
from tests.e2e.conftest import copy_run

pytestmark = pytest.mark.slow


def test_editing_a_module_reruns_exactly_the_stages_that_import_it(tmp_path, synthetic_run):
    code = tmp_path / "code"
    code.mkdir()
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(REPO / name, code / name)
    for folder in ("workflow", "leakgan", "kernels"):
        shutil.copytree(REPO / folder, code / folder, ignore=shutil.ignore_patterns("__pycache__"))
    target = "results/synthetic-20/data/train.txt"
    # the oracle stage done: the shared run's data, oracle and Snakemake's records of them
    work = copy_run(synthetic_run, tmp_path / "work", "results/synthetic-20/data", "results/synthetic-20/oracle")

    def dry() -> dict:
        return planned_jobs(snakemake(work, "-s", str(code / "Snakefile"), "-n", "--config", "scale=smoke", "--",
                                      target, timeout=300).stdout)

    assert dry() == {}  # the copied code runs the same stages: nothing to do
    # a module the oracle stage does not import: nothing to do
    with open(code / "leakgan" / "eval" / "aggregate.py", "a") as handle:
        handle.write("\n# an edit\n")
    assert dry() == {}
    # the oracle stage's own module: the oracle is planned again
    with open(code / "leakgan" / "stages" / "oracle.py", "a") as handle:
        handle.write("\n# an edit\n")
    assert dry() == {"oracle": 1}
