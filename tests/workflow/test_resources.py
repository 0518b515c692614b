"""What each job asks a scheduler for (threads, memory, time, GPUs), and which jobs run where Snakemake runs."""
from __future__ import annotations

import re

from tests.conftest import REPO, planned_jobs, snakemake

TRAINING = {"pretrain", "adversarial", "reference_lm"}  # reference_lm: the text datasets' LM (issue #27)
MODEL_JOBS = TRAINING | {"sample", "evaluate_synthetic", "evaluate_text", "frontier"}
DATA_JOBS = {"oracle", "prepare", "download"}


def planned(output: str) -> list[dict]:
    """Every job block of a dry run: rule, wildcards, threads and resources."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:\n)", output):
        head = re.match(r"(local)?rule (\w+):\n", block)
        if not head:
            continue
        threads = re.search(r"^    threads: (\d+)$", block, re.M)
        res = re.search(r"^    resources: (.*)$", block, re.M)
        resources = dict(item.split("=", 1) for item in res.group(1).split(", ")) if res else {}
        wildcards = re.search(r"^    wildcards: (.*)$", block, re.M)
        jobs.append({"rule": head.group(2), "local": bool(head.group(1)), "resources": resources,
                     "threads": int(threads.group(1)) if threads else 1,
                     "wildcards": wildcards.group(1) if wildcards else ""})
    return jobs


SWEEP = ["--config", "scale=paper", "device=cuda", "seeds=[1, 2, 3]",
         "models=[mle, seqgan, seqgan_rescaled, rankgan, leakgan]"]
TARGETS = ["results/synthetic-20/nll.json", "results/synthetic-40/nll.json", "results/coco/bleu.json"]


def test_paper_sweep_lists_every_job_with_its_resources(tmp_path):
    proc = snakemake(tmp_path, "-n", "--cores", "8", *SWEEP, "--", *TARGETS, timeout=300)
    jobs = planned(proc.stdout)
    counts = planned_jobs(proc.stdout)
    # 3 datasets x 5 models x 3 seeds chains; the four GANs also train adversarially
    assert counts["pretrain"] == 45 and counts["adversarial"] == 36 and counts["frontier"] == 45
    assert counts["download"] == 1
    # one collect per dataset and seed, one aggregate per dataset, each of the dataset's kind
    aggregated = sorted(j["wildcards"] for j in jobs if j["rule"] == "aggregate")
    assert aggregated == ["result=coco/bleu", "result=synthetic-20/nll", "result=synthetic-40/nll"]
    collected = sorted(j["wildcards"] for j in jobs if j["rule"] == "collect")
    assert collected == sorted(f"result={d}/seed{k}/{kind}" for d, kind in (("coco", "bleu"), ("synthetic-20", "nll"),
                                                                           ("synthetic-40", "nll")) for k in (1, 2, 3))
    for job in jobs:
        res = job["resources"]
        assert "mem_mb" in res and "runtime" in res, job
        if job["rule"] in MODEL_JOBS:
            assert res.get("gpu") == "1", job  # device: cuda
        else:
            assert res.get("gpu", "0") == "0", job
        if job["rule"] in TRAINING:
            # paper scale: 4 threads (config resources.train), 2 days, 8 GB
            assert (job["threads"], res["runtime"], res["mem_mb"]) == (4, "2880", "8000"), job
        if job["rule"] in DATA_JOBS:
            assert res.get("gpu", "0") == "0", job
    # downloads and the light gathering jobs run where Snakemake runs, never on a cluster node
    # (a dry run does not mark them; the cluster test sees them run locally)
    block = re.search(r"^localrules:\n((?:    \w+,?\n)+)", (REPO / "Snakefile").read_text(), re.M)
    local = {name.strip(" ,") for name in block.group(1).splitlines()}
    assert {"download", "collect", "aggregate", "report_tables"} <= local
    assert not local & (MODEL_JOBS | DATA_JOBS - {"download"})
    assert local <= {j["rule"] for j in jobs} | {"report", "report_tables", "report_curve", "report_frontier",
                                                   "synthetic_samples_text"}


def test_on_cpu_no_job_asks_for_a_gpu_and_retries_get_longer(tmp_path):
    first = planned(snakemake(tmp_path, "-n", "--config", "scale=paper", "--", TARGETS[0], timeout=300).stdout)
    assert all(j["resources"].get("gpu", "0") == "0" for j in first)
    second = planned(snakemake(tmp_path, "-n", "--attempt", "2", "--config", "scale=paper", "--", TARGETS[0],
                               timeout=300).stdout)
    runtime = {(j["rule"], j["wildcards"]): int(j["resources"]["runtime"]) for j in first}
    for job in second:
        assert int(job["resources"]["runtime"]) == 2 * runtime[(job["rule"], job["wildcards"])], job
    # --cores caps the threads a training job gets
    assert {j["threads"] for j in first if j["rule"] in TRAINING} == {2}  # the tests run with --cores 2

