"""Why LeakGAN collapses on real text: step its adversarial training from a pretrained model and watch.

Run (from the repository root) on a LeakGAN model folder of a text run, e.g. one of experiments/text_tables.py:
    python experiments/text_collapse.py --model experiments/out/coco/results/coco/seed1/leakgan --steps 20
    python experiments/text_collapse.py --model ... --steps 20 --set reward=constant     # no information from D
    python experiments/text_collapse.py --model ... --extra-d-steps 5 --steps 20         # D first trained on this G
    python experiments/text_collapse.py --model ... --epochs 4 --set g_steps=10 --set mle_every=1 \\
        --set mle_epoch_fraction=0.05                                                    # interleaved training

The folder holds `pretrain.pt` (the model the adversarial stage starts from) and `adversarial.pt` (whose
resolved settings the steps use; `--set KEY=VALUE` changes one, the value read as JSON). The data (train.txt,
test.txt of the dataset) is found at ../../data from the model folder, or given with --data.

It prints two tables. First, where the pretrained generator's WORKER reward goes: the mean intrinsic reward
(Eq. 9, or the authors' form when the settings say so) of word tokens and of the end of the sentence (the
first pad token of a row) at each position, on 256 samples at α = train_temperature. Then the training: every
`--every` steps (or after every epoch with --epochs) the share of empty sentences and the mean length of 500
samples at α = 1, D's mean probability of "real" for those samples, for 500 test sentences and for the empty
sentence, and NLL-test on 2,000 test sentences. Single-threaded; about 5 s per generator step at COCO sizes.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leakgan import registry  # noqa: E402
from leakgan.errors import UserError  # noqa: E402
from leakgan.io import read_checkpoint, read_tokens  # noqa: E402
from leakgan.eval.scores import sentence_ids  # noqa: E402
from leakgan.models.leakgan import LeakGANModel  # noqa: E402
from leakgan.report.render import markdown_table  # noqa: E402
from leakgan.train import leakgan as train_leakgan  # noqa: E402


def settings_with(base: dict, assignments: list[str]) -> dict:
    """`base` with each KEY=VALUE of `assignments` set (VALUE read as JSON, else kept as a string)."""
    out = dict(base)
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or key not in base:
            raise UserError(f"--set {item!r}: expected KEY=VALUE with a key of the LeakGAN block "
                            f"(known: {', '.join(sorted(base))})")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def sentence_masks(tokens: torch.Tensor, pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(words, ends) [B, T]: the tokens before a row's first pad token, and that first pad token (its end)."""
    is_pad = tokens == pad
    before = is_pad.cumsum(dim=1)
    return ~is_pad & (before == 0), is_pad & (before == 1)


def mean_and_count(values: torch.Tensor, mask: torch.Tensor) -> tuple[float, int]:
    """The mean of `values` where `mask` holds (nan over none) and how many that is."""
    return (float(values[mask].mean()) if mask.any() else float("nan")), int(mask.sum())


def reward_by_position(tokens: torch.Tensor, rewards: torch.Tensor, pad: int, positions) -> list[tuple]:
    """Per position t: (t, mean reward of word tokens, their count, mean reward of ends of sentence, their count).

    The end of a sentence is the first pad token of a row; pads after it are neither. A mean over no tokens is nan.
    """
    words, ends = sentence_masks(tokens, pad)
    return [(t, *mean_and_count(rewards[:, t], words[:, t]), *mean_and_count(rewards[:, t], ends[:, t]))
            for t in positions]


def empty_share_and_length(samples: torch.Tensor, pad: int) -> tuple[float, float]:
    """Share of empty sentences and the mean sentence length, a sentence ending at its first pad token."""
    lengths = [len(sentence_ids(row, pad)) for row in samples.tolist()]
    return sum(n == 0 for n in lengths) / len(lengths), sum(lengths) / len(lengths)


@torch.no_grad()
def intrinsic_table(model: LeakGANModel, s, pad: int, seed: int) -> list[tuple]:
    """`reward_by_position` of 256 samples at every position holding a word or an end, after a row over all."""
    trace = model.trace(256, s.train_temperature, torch.Generator().manual_seed(seed), ())
    out = model.teacher_forced(trace.tokens, s.train_temperature, features=trace.features)
    rewards = train_leakgan.worker_rewards(s, out)
    rows = reward_by_position(trace.tokens, rewards, pad, range(trace.tokens.shape[1]))
    words, ends = sentence_masks(trace.tokens, pad)
    overall = ("all", *mean_and_count(rewards, words), *mean_and_count(rewards, ends))
    return [overall] + [row for row in rows if row[2] + row[4] > 0]


@torch.no_grad()
def probe(model: LeakGANModel, test: torch.Tensor, pad: int, generator: torch.Generator) -> dict:
    D = model.discriminator
    was = model.training, D.training
    model.eval()
    D.eval()
    samples = model.sample(500, 1.0, generator, 500)
    empty, length = empty_share_and_length(samples, pad)
    point = {"empty": empty, "length": length, "d_samples": float(D.real_prob(samples).mean()),
             "d_test": float(D.real_prob(test[:500]).mean()),
             "d_empty": float(D.real_prob(torch.full((1, test.shape[1]), pad, dtype=test.dtype)).mean()),
             "nll_test": model.nll(test[:2000], 1000)}
    model.train(was[0])
    D.train(was[1])
    return point


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="a LeakGAN model folder with pretrain.pt and adversarial.pt")
    p.add_argument("--data", default=None, help="the dataset's data folder (train.txt, test.txt); "
                                                "default: ../../data from --model")
    p.add_argument("--steps", type=int, default=20, help="policy-gradient steps (without --epochs)")
    p.add_argument("--every", type=int, default=5, help="steps between probes")
    p.add_argument("--epochs", type=int, default=0, help="whole adversarial epochs instead of steps "
                                                        "(g_steps, interleaved MLE, D: the stage's own epoch)")
    p.add_argument("--extra-d-steps", type=int, default=0, help="D steps against the pretrained G before training")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change one setting")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    for name in ("steps", "every", "epochs", "extra_d_steps"):
        if getattr(a, name) < (1 if name == "every" else 0):
            p.error(f"--{name.replace('_', '-')} must be {'at least 1' if name == 'every' else '0 or more'}")
    try:
        return run(a)
    except UserError as exc:
        print(f"text_collapse.py: {exc}", file=sys.stderr)
        return 2


def run(a: argparse.Namespace) -> int:
    torch.set_num_threads(1)
    folder = Path(a.model)
    data = Path(a.data) if a.data else folder.parent.parent / "data"
    pretrained = read_checkpoint(folder / "pretrain.pt")
    stage = read_checkpoint(folder / "adversarial.pt")
    if pretrained.get("model") != "leakgan":
        raise UserError(f"{folder / 'pretrain.pt'}: a checkpoint of '{pretrained.get('model')}', not of leakgan")
    pad = pretrained.get("pad_id")
    if pad is None:
        raise UserError(f"{folder / 'pretrain.pt'}: no pad token (a synthetic-data model); this check is for text")
    cls = registry.get("leakgan").settings
    # keys added to the block after the run are pretraining's (which has run): config.yaml's values fill them
    base = {**cls.defaults("text").to_dict(), **stage["settings"]}
    s = cls.from_dict(settings_with(base, a.set), stage="adversarial")
    train = torch.as_tensor(read_tokens(data / "train.txt"))
    test = torch.as_tensor(read_tokens(data / "test.txt"))
    model = LeakGANModel.from_checkpoint(pretrained, "cpu")
    run_ = train_leakgan.LeakGANRun(model, s, train, test, a.seed, None, stage="adversarial")
    if "dis_opt" in pretrained:
        run_.dis_opt.load_state_dict(pretrained["dis_opt"])
    _, test_length = empty_share_and_length(test, pad)
    print(f"# {folder}: {len(train):,} training and {len(test):,} test sentences (mean length {test_length:.2f}), "
          f"pad id {pad}\n")
    print("WORKER reward of the pretrained generator by position (256 samples):\n")
    rows = intrinsic_table(model, s, pad, a.seed)
    cells = [[str(t), f"{w:.3f}", str(n), f"{e:.3f}", str(m)] for t, w, n, e, m in rows]
    print("\n".join(markdown_table(["position", "words", "n", "end of sentence", "n"], cells)) + "\n")
    if a.extra_d_steps:
        started = time.time()
        loss = run_.train_discriminator(a.extra_d_steps)
        print(f"D: {a.extra_d_steps} steps against the pretrained G, loss {loss:.3f} ({time.time() - started:.0f} s)\n")
    generator = torch.Generator().manual_seed(a.seed)
    header = ["after", "empty", "length", "D(samples)", "D(test)", "D(empty)", "NLL-test"]
    table = []

    def record(label: str) -> None:
        q = probe(model, test, pad, generator)
        table.append([label, f"{q['empty']:.3f}", f"{q['length']:.2f}", f"{q['d_samples']:.3f}", f"{q['d_test']:.3f}",
                      f"{q['d_empty']:.3f}", f"{q['nll_test']:.3f}"])
        print(" | ".join(table[-1]), file=sys.stderr, flush=True)

    record("start")
    model.train()
    if a.epochs:
        for epoch in range(1, a.epochs + 1):
            run_.train_epoch(epoch)
            record(f"epoch {epoch}")
    else:
        for step in range(1, a.steps + 1):
            train_leakgan.adversarial_step(run_)
            if step % a.every == 0 or step == a.steps:
                record(f"step {step}")
    print("Training (500 samples at α = 1 per row):\n")
    print("\n".join(markdown_table(header, table)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
