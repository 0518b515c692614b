"""The workflow on a real SLURM cluster: a one-node cluster on this host (tests/cluster/slurm.sh),
the smoke pipeline submitted through profiles/slurm and snakemake-executor-plugin-slurm.

Run by `make test-cluster` (marker `cluster`, deselected from the normal run). Needs root: the
cluster script installs slurm-wlm and munge with apt-get when they are missing. The test cluster
has no accounting storage, so there is no sacct: the executor polls with squeue, and the test
reads every job's final state and comment from `squeue --states=all` (the cluster keeps finished
jobs visible for an hour, MinJobAge in the script).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, planned_jobs, snakemake, tool_env

pytestmark = pytest.mark.cluster
# A `-m` of your own replaces the `-m 'not cluster'` of pyproject's addopts; this keeps such runs
# (e.g. `pytest -m "not slow"`) from installing packages and starting daemons.
if os.environ.get("LEAKGAN_CLUSTER_TEST") != "1":
    pytest.skip("the SLURM cluster test runs only under `make test-cluster` (LEAKGAN_CLUSTER_TEST=1)",
                allow_module_level=True)

# The one place that names what the cluster runs: targets, config, and the LeakGAN outputs the
# time-limit check retrains (paths are relative to the working directory).
CONFIG = ["--config", "scale=smoke", "seeds=[1, 2]"]
TARGETS = ["results/synthetic-20/nll.json"]
ADVERSARIAL_OUTPUT = "results/synthetic-20/seed1/leakgan/adversarial.pt"
ADVERSARIAL_METRICS = "results/synthetic-20/seed1/leakgan/adversarial.jsonl"
ADVERSARIAL_LOG = "logs/synthetic-20/seed1/leakgan/adversarial.log"
# The kill lands mid-training by construction, however fast the machine: every epoch of the time-limit
# check sleeps EPOCH_DELAY seconds (LEAKGAN_EPOCH_DELAY; results are unchanged), so its 100 epochs take
# at least 100 s and outlive a 1-minute SLURM time limit (SLURM's smallest, enforced within about 30 s
# after it passes): the first attempt is killed. The retry gets an hour.
ADVERSARIAL_EPOCHS = 100
EPOCH_DELAY = "1"
LONG_ADVERSARIAL = f"leakgan={{adversarial_epochs: {ADVERSARIAL_EPOCHS}}}"
TIME_LIMITS = "adversarial:runtime=1+59*(attempt>1)"  # minutes: 1 for attempt 1, 60 for the retries
# Rules that must never run on the submitting node.
HEAVY_RULES = {"oracle", "pretrain", "adversarial", "sample", "sample_real", "evaluate_synthetic", "frontier"}

CLUSTER_SCRIPT = REPO / "tests" / "cluster" / "slurm.sh"
PROFILE = REPO / "profiles" / "slurm"
# No accounting storage on the test cluster: poll with squeue; poll soon after submitting.
EXECUTOR_OPTIONS = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "5"]

RULE_RE = re.compile(r"^(local)?rule (\w+):$")
JOBID_RE = re.compile(r"^\s+jobid: (\d+)$")
SUBMITTED_RE = re.compile(r"^Job (\d+) has been submitted with SLURM jobid (\d+) ")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> dict:
    """Start the one-node cluster; yield the environment that reaches it; stop what was started."""
    if os.geteuid() != 0:
        pytest.fail("the cluster test needs root (apt-get, munge's key, /etc/slurm/slurm.conf)")
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="pip install '.[slurm]' (make test-cluster does)")
    state = tmp_path_factory.mktemp("slurm")
    env = tool_env()
    env["SLURM_CONF"] = str(state / "slurm.conf")
    try:
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "up", str(state)], check=True, timeout=1200)
        yield env
    finally:
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "down", str(state)], timeout=120)


def submit(env: dict, workdir: Path, *args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
           "--profile", str(PROFILE), *EXECUTOR_OPTIONS, *args]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)


def check(proc: subprocess.CompletedProcess) -> str:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"snakemake failed ({proc.returncode}):\n{output[-6000:]}"
    return output


def jobs_in(output: str) -> tuple[dict[int, tuple[str, bool]], dict[int, list[int]]]:
    """From Snakemake's output: {jobid: (rule, local)} and {jobid: [SLURM job ids, in submission order]}."""
    rules: dict[int, tuple[str, bool]] = {}
    submitted: dict[int, list[int]] = {}
    current = None
    for line in output.splitlines():
        if m := RULE_RE.match(line):
            current = (m.group(2), m.group(1) == "local")
        elif (m := JOBID_RE.match(line)) and current is not None:
            rules[int(m.group(1))] = current
            current = None
        elif m := SUBMITTED_RE.match(line):
            submitted.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    return rules, submitted


def slurm_jobs(env: dict) -> dict[int, dict[str, str]]:
    """Every job the cluster knows, finished ones included: {id: {state, time_limit, comment}}."""
    out = subprocess.run(["squeue", "--states=all", "--noheader", "--format=%i|%T|%l|%k"], env=env,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    jobs = {}
    for line in out.splitlines():
        job_id, state, limit, comment = line.strip().split("|", 3)
        jobs[int(job_id)] = {"state": state, "time_limit": limit, "comment": comment}
    return jobs


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("local")
    snakemake(workdir, *CONFIG, "--", *TARGETS)
    return workdir


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory) -> tuple[Path, str]:
    workdir = tmp_path_factory.mktemp("on-slurm")
    output = check(submit(cluster, workdir, *CONFIG, "--", *TARGETS))
    return workdir, output


def test_every_non_local_job_ran_as_a_slurm_job(cluster, slurm_run):
    workdir, output = slurm_run
    rules, submitted = jobs_in(output)
    remote = {job: rule for job, (rule, local) in rules.items() if not local}
    assert remote, "no job was planned for SLURM"
    # Each non-local job was submitted exactly once (nothing failed, nothing was retried) ...
    assert set(submitted) == set(remote)
    assert all(len(ids) == 1 for ids in submitted.values())
    # ... every job the plan counted is either submitted or local ...
    assert sum(planned_jobs(output).values()) == len(rules)
    assert HEAVY_RULES <= set(remote.values())
    # ... and SLURM ran each one to completion, as the rule the executor says it submitted.
    known = slurm_jobs(cluster)
    for job, (slurm_id,) in submitted.items():
        assert known[slurm_id]["state"] == "COMPLETED", (remote[job], known[slurm_id])
        assert known[slurm_id]["comment"].startswith(f"rule_{remote[job]}_wildcards_"), known[slurm_id]
    for target in TARGETS:
        assert (workdir / target).is_file()


def without_wall_times(value):
    """A results JSON value without its measured `wall_time_s` entries (the one thing two runs never share)."""
    if isinstance(value, dict):
        return {k: without_wall_times(v) for k, v in value.items() if k != "wall_time_s"}
    if isinstance(value, list):
        return [without_wall_times(v) for v in value]
    return value


def test_results_equal_a_local_runs_bytes(slurm_run, local_run):
    workdir, _ = slurm_run
    on_slurm = files_under(workdir / "results")
    local = files_under(local_run / "results")
    assert sorted(on_slurm) == sorted(local)
    differ = [name for name in local if on_slurm[name] != local[name]]
    # nll.json records each job's wall time (read from Snakemake's benchmark files); everything else is equal
    assert all(name.endswith("nll.json") for name in differ), differ
    for name in differ:
        assert without_wall_times(json.loads(on_slurm[name])) == without_wall_times(json.loads(local[name])), name


def test_resubmitting_a_finished_run_plans_and_submits_nothing(cluster, slurm_run):
    workdir, _ = slurm_run
    before = set(slurm_jobs(cluster))
    output = check(submit(cluster, workdir, *CONFIG, "--", *TARGETS))
    assert "Nothing to be done" in output
    assert planned_jobs(output) == {}
    assert "has been submitted with SLURM jobid" not in output
    assert set(slurm_jobs(cluster)) == before


def test_a_job_killed_at_its_time_limit_is_retried_and_resumes(cluster, slurm_run, local_run, tmp_path):
    """Adversarial training under a 1-minute limit: SLURM kills attempt 1 (TIMEOUT), the profile's
    retries resubmit it, and the retry resumes from checkpoints/ instead of starting over; the
    result equals an uninterrupted local run of the same schedule."""
    workdir, _ = slurm_run
    config = [*CONFIG, LONG_ADVERSARIAL]
    slow = {**cluster, "LEAKGAN_EPOCH_DELAY": EPOCH_DELAY}  # sbatch passes the environment on to the job
    output = check(submit(slow, workdir, "--set-resources", TIME_LIMITS, *config, "--", ADVERSARIAL_OUTPUT))
    rules, submitted = jobs_in(output)
    [(job, ids)] = submitted.items()
    assert rules[job] == ("adversarial", False)
    known = slurm_jobs(cluster)
    attempts = [(known[i]["state"], known[i]["time_limit"]) for i in ids]
    assert attempts == [("TIMEOUT", "1:00"), ("COMPLETED", "1:00:00")], f"{attempts}\n{output[-4000:]}"
    # The retry continued after the last checkpoint of the killed attempt ...
    log = (workdir / ADVERSARIAL_LOG).read_text()
    resumed = [int(e) for e in re.findall(r"resuming .* after epoch (\d+)", log)]
    assert len(resumed) == 1 and 0 < resumed[0] < ADVERSARIAL_EPOCHS, log[-2000:]
    # ... so every epoch appears once in the curve ...
    curve = [json.loads(line) for line in (workdir / ADVERSARIAL_METRICS).read_text().splitlines()]
    assert [point["epoch"] for point in curve] == list(range(1, ADVERSARIAL_EPOCHS + 1))
    # ... and the checkpoint is the one an uninterrupted run writes.
    uninterrupted = tmp_path / "uninterrupted"
    shutil.copytree(local_run, uninterrupted, symlinks=True)
    snakemake(uninterrupted, *config, "--", ADVERSARIAL_OUTPUT, timeout=1800)  # no delay: the same bytes
    assert (workdir / ADVERSARIAL_OUTPUT).read_bytes() == (uninterrupted / ADVERSARIAL_OUTPUT).read_bytes()
    assert (workdir / ADVERSARIAL_METRICS).read_bytes() == (uninterrupted / ADVERSARIAL_METRICS).read_bytes()
