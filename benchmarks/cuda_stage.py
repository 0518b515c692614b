"""Three pipeline stages end to end on one device: the oracle, LeakGAN's pretraining and its adversarial training.

Run (from the repository root):

    python benchmarks/cuda_stage.py --device cuda                       # paper sizes, a few epochs
    python benchmarks/cuda_stage.py --smoke                             # the path, on the CPU, tiny sizes

It calls the same `leakgan oracle`, `leakgan pretrain` and `leakgan adversarial` commands that the workflow's
rules run, with the paper's LeakGAN settings (the registry's defaults: Table 7's D, 10,000 negatives, 5 D steps
of 3 epochs, 4 rollouts) on synthetic-20 (a seeded random N(0, 1) oracle of vocabulary 5,000, 10,000 training
and 10,000 test sequences), but with a short schedule: one pretraining round of one D step and one G epoch,
then `--epochs` adversarial epochs. The stages take their device through the package's device pool, as a local
Snakemake job does. The table gives each stage's wall time, the adversarial stage's wall time over its epochs
(start-up and the evaluations included, so an upper bound on an epoch's cost) and the oracle NLL of the samples
after pretraining and after the adversarial epochs. It needs neither Snakemake nor the shared data.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAPER = {"vocab_size": 5000, "seq_len": 20, "num_train": 10000, "num_test": 10000}
SMOKE = {"vocab_size": 60, "seq_len": 8, "num_train": 300, "num_test": 100}
SMOKE_MODEL = dict(emb_dim=8, hidden_dim=8, dis_emb_dim=8, filter_sizes=[1, 2, 8], num_filters=[8, 8, 8],
                   num_negatives=200, gen_batch=200, eval_samples=200, rollout_num=2)


def stage_settings(smoke: bool, epochs: int, device: str) -> dict:
    """The paper's LeakGAN settings with the short schedule (JSON-ready)."""
    import dataclasses

    from leakgan import registry

    extra = dict(SMOKE_MODEL) if smoke else {"gen_batch": 10000 if device == "cuda" else 1000}
    settings = registry.get("leakgan").settings.defaults(
        pretrain_rounds=1, pretrain_d_steps=1, pretrain_g_epochs=1, adversarial_epochs=epochs,
        eval_every=epochs, checkpoint_every=epochs, **extra)
    return dataclasses.asdict(settings)


def run_stage(argv: list[str]) -> float:
    """One `leakgan` command in this process; its wall seconds. A failing stage ends the benchmark with its code."""
    from leakgan.cli import main

    start = time.perf_counter()
    code = main(argv)
    if code:
        sys.exit(f"cuda_stage: `leakgan {argv[0]}` failed with exit code {code}")
    return time.perf_counter() - start


def curve(path: Path) -> list[dict]:
    """A stage's training curve (JSON lines)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--epochs", type=int, default=5, help="adversarial epochs (default 5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", default=None, help="where the stages write (default: a temporary folder)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the path (numbers mean nothing)")
    a = p.parse_args()
    if a.epochs < 1:
        p.error(f"--epochs must be at least 1, got {a.epochs}")
    import torch

    from leakgan.io import read_checkpoint

    if a.device == "cuda" and not torch.cuda.is_available():
        sys.exit("cuda_stage: --device cuda but torch sees no CUDA GPU; use --device cpu")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(a.workdir or tmp)
        data, run = work / "data", work / "seed" / "leakgan"
        sizes = SMOKE if a.smoke else PAPER
        dataset = json.dumps({"type": "synthetic", "oracle_params": None, **sizes})
        oracle = json.dumps({"emb_dim": 32, "hidden_dim": 32, "init_std": 1.0})
        settings = json.dumps(stage_settings(a.smoke, a.epochs, a.device))
        common = ["--settings", settings, "--train", str(data / "train.txt"), "--test", str(data / "test.txt"),
                  "--vocab", str(data / "vocab.json"), "--oracle", str(work / "oracle.pt"), "--seed", str(a.seed),
                  "--device", a.device, "--threads", "1"]
        times = {"oracle": run_stage(["oracle", "--dataset", dataset, "--oracle-settings", oracle, "--seed", "42",
                                      "--oracle-out", str(work / "oracle.pt"), "--data-dir", str(data)])}
        times["pretrain"] = run_stage(["pretrain", "--model", "leakgan", *common, "--checkpoint-dir",
                                       str(work / "ck" / "pretrain"), "--out", str(run / "pretrain.pt"),
                                       "--metrics", str(run / "pretrain.jsonl")])
        times["adversarial"] = run_stage(["adversarial", "--model", "leakgan", *common, "--pretrained",
                                          str(run / "pretrain.pt"), "--checkpoint-dir", str(work / "ck" / "adv"),
                                          "--out", str(run / "adversarial.pt"),
                                          "--metrics", str(run / "adversarial.jsonl")])
        before = [q for q in curve(run / "pretrain.jsonl") if "oracle_nll" in q][-1]
        after = [q for q in curve(run / "adversarial.jsonl") if "oracle_nll" in q][-1]
        epochs = read_checkpoint(run / "adversarial.pt").get("epoch")
    name = torch.cuda.get_device_name(0) if a.device == "cuda" else "CPU"
    print(f"cuda_stage: synthetic-20{' (smoke sizes)' if a.smoke else ''}, LeakGAN, device {a.device} ({name}), "
          f"{a.epochs} adversarial epochs after 1 pretraining round; torch {torch.__version__}")
    print(f"{'stage':<12}  {'wall (s)':>9}")
    print(f"{'-' * 12}  {'-' * 9}")
    for stage, seconds in times.items():
        print(f"{stage:<12}  {seconds:9.1f}")
    print(f"oracle NLL of the samples: {before['oracle_nll']:.3f} after pretraining (D accuracy "
          f"{before.get('d_accuracy', float('nan')):.3f}), {after['oracle_nll']:.3f} after adversarial epoch "
          f"{after['epoch']} (checkpoint's epoch: {epochs})")
    print(f"seconds per adversarial epoch (the stage's wall time over its epochs, start-up and evaluation included): "
          f"{times['adversarial'] / a.epochs:.2f}")

if __name__ == "__main__":
    main()
