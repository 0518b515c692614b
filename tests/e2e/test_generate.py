"""`leakgan generate` on the shared runs' results folders, and the rule that writes a synthetic dataset's
samples.txt through it."""
from __future__ import annotations

import json

import pytest

from leakgan.cli import main
from leakgan.io import write_tokens, write_vocab
from tests.conftest import planned_jobs, snakemake

pytestmark = pytest.mark.slow
RUN = "seed42"  # the results folder of the default training seed


@pytest.fixture
def generate(capsys, monkeypatch):
    """`leakgan generate ARGV` in a folder (in this process): its lines, after checking it exited 0 with nothing on
    stderr."""
    def run(workdir, *argv) -> list[str]:
        monkeypatch.chdir(workdir)
        code = main(["generate", *map(str, argv)])
        out, err = capsys.readouterr()
        assert code == 0 and err == "", err
        return out.splitlines()

    return run


def test_generate_samples_every_model_and_the_arm_of_the_synthetic_run(synthetic_run, generate):
    vocab = json.loads((synthetic_run / "results/synthetic-20/data/vocab.json").read_text())
    for model in ("leakgan", "mle", "seqgan", "seqgan_rescaled", "rankgan", "leakgan_constant"):
        lines = generate(synthetic_run, "results/synthetic-20", "--model", model, "-n", 7, "--seed", 3)
        rows = [[int(t) for t in line.split()] for line in lines]
        assert len(rows) == 7 and all(len(r) == 20 and all(0 <= t < vocab["size"] for t in r) for r in rows), model
    # a results folder defaults to LeakGAN's final checkpoint; the same seed gives the same lines
    assert generate(synthetic_run, "results/synthetic-20", "-n", 5) == generate(
        synthetic_run, f"results/synthetic-20/{RUN}/leakgan/adversarial.pt", "-n", 5)


def test_generate_prints_words_of_the_coco_run_cut_at_the_first_pad(coco_run, generate):
    vocab = json.loads((coco_run / "results/coco/data/vocab.json").read_text())
    words = set(vocab["tokens"]) - {vocab["tokens"][vocab["pad_id"]]}
    for model in ("leakgan", "rankgan"):
        lines = generate(coco_run, "results/coco", "--model", model, "-n", 20, "--prefix", "a man")
        assert len(lines) == 20 and all(line.split()[:2] == ["a", "man"] for line in lines), model
        assert all(set(line.split()) <= words for line in lines), model
    # the evaluation samples decoded by the workflow are `leakgan generate --from-ids` of the sampled ids
    samples = coco_run / f"results/coco/{RUN}/mle/samples.ids.txt"
    decoded = (coco_run / f"results/coco/{RUN}/mle/samples.txt").read_text(encoding="utf-8").splitlines()
    assert generate(coco_run, "--from-ids", samples) == decoded


def test_workflow_makes_samples_txt_of_a_synthetic_dataset(tmp_path):
    plan = snakemake(tmp_path, "-n", "--config", "scale=smoke", "--", "results/synthetic-20/seed42/mle/samples.txt",
                     timeout=120)
    assert planned_jobs(plan.stdout) == {"oracle": 1, "pretrain": 1, "sample": 1, "synthetic_samples_text": 1}
    # The rule itself, on evaluation samples already there: the same sequences, one per line.
    ids = tmp_path / "results" / "synthetic-20" / RUN / "real" / "samples.ids.txt"
    write_tokens(ids, [[3, 1, 4], [1, 5, 9]])
    write_vocab(tmp_path / "results" / "synthetic-20" / "data" / "vocab.json", 10, None, None, 3, source="oracle")
    snakemake(tmp_path, "--config", "scale=smoke", "--allowed-rules", "synthetic_samples_text", "--",
              "results/synthetic-20/seed42/real/samples.txt", timeout=120)
    assert (ids.parent / "samples.txt").read_text() == "3 1 4\n1 5 9\n"
    assert (tmp_path / "logs" / "synthetic-20" / RUN / "real" / "samples_text.benchmark.tsv").exists()
