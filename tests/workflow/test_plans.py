"""Which jobs a target plans (dry runs): an ablation arm trains only its adversarial stage, from its base model's
pretraining."""
from __future__ import annotations

from tests.conftest import planned_jobs, snakemake


def test_an_arm_trains_only_its_adversarial_stage_from_its_base_models_pretraining(tmp_path):
    proc = snakemake(tmp_path, "-n", "-p", "--cores", "2", "--config", "scale=smoke",
                     "models=[leakgan, leakgan_authors, leakgan_mle]", "--",
                     "results/synthetic-20/seed42/leakgan_authors/scores.json",
                     "results/synthetic-20/seed42/leakgan_mle/frontier.json", timeout=300)
    counts = planned_jobs(proc.stdout)
    assert counts["pretrain"] == 1 and counts["adversarial"] == 2  # leakgan's pretraining serves both arms
    block = proc.stdout.split("wildcards: dataset=synthetic-20, seed=42, model=leakgan_authors")[0]
    block = block[block.rindex("rule adversarial:"):]
    assert "input: results/synthetic-20/seed42/leakgan/pretrain.pt" in block
    commands = [line.split("leakgan adversarial", 1)[1] for line in proc.stdout.splitlines()
                if "leakgan adversarial" in line]
    authors = next(c for c in commands if "leakgan_authors" in c)
    assert "--model leakgan " in authors and '"loss_reduction":"scalar"' in authors
    assert "--checkpoint-dir checkpoints/synthetic-20/seed42/leakgan_authors/adversarial " in authors
