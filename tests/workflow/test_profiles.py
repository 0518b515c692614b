"""The Snakemake profiles: every key is an option Snakemake knows, and a dry run through each plans
the same jobs as a plain local dry run (no cluster needed; tests/cluster/test_cluster.py runs one)."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO, planned_jobs, tool_env

PROFILES = REPO / "profiles"
TARGET = "results/synthetic-20/nll.json"
SMOKE = ["--config", "scale=smoke"]


def profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def dry_run(workdir, *args: str) -> str:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--dry-run",
           *args, *SMOKE, "--", TARGET]
    proc = subprocess.run(cmd, cwd=workdir, env=tool_env(), capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    return output


def known_options() -> set[str]:
    """Long option names (without --) of Snakemake's command line, with those of installed plugins."""
    from snakemake.cli import get_argument_parser

    parser = get_argument_parser()
    return {opt[2:] for action in parser._actions for opt in action.option_strings if opt.startswith("--")}


def test_default_profile_sets_only_executor_independent_options():
    settings = profile("default")
    assert set(settings) <= known_options()
    assert settings["keep-going"] is True and settings["rerun-incomplete"] is True
    assert settings["show-failed-logs"] is True
    # Snakemake applies profiles/default to every run, cluster runs included, and its keys win over
    # --profile's: a `cores` here would cap every SLURM job's threads at the submitting node's cores.
    assert not {"cores", "jobs", "executor", "retries", "default-resources"} & set(settings)


def test_slurm_profile_options():
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="pip install '.[slurm]'")
    settings = profile("slurm")
    assert set(settings) <= known_options()
    assert settings["executor"] == "slurm"
    assert settings["retries"] >= 1
    assert {"mem_mb", "runtime"} <= set(settings["default-resources"])
    # The partition is the user's to set; a value committed here would be wrong on every other cluster.
    assert "slurm_partition" not in settings["default-resources"]


def test_dry_runs_through_the_profiles_plan_the_local_plan(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="pip install '.[slurm]'")
    plain = planned_jobs(dry_run(tmp_path, "--workflow-profile", "none"))
    assert plain and plain["adversarial"] == 1
    on_slurm = dry_run(tmp_path, "--profile", str(PROFILES / "slurm"))
    assert "Using profile" in on_slurm and "profiles/slurm" in on_slurm
    assert planned_jobs(on_slurm) == plain
    local = dry_run(tmp_path, "--profile", str(PROFILES / "default"), "--cores", "2")
    assert planned_jobs(local) == plain
