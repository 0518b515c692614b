"""`leakgan frontier`: a trained model sampled and scored at every α of the quality-diversity frontier.

One process per model and seed: for each α it draws `--num` sequences
(each α from its own random stream of the seed) and scores them as the
evaluate stage does — oracle NLL (synthetic) or BLEU-2..n and self-BLEU
(text), and NLL-test of the model at that α (logits / α), so both axes of
the frontier move with α.
"""
from __future__ import annotations

import argparse
import sys

import torch
from tqdm import tqdm

from leakgan.errors import UserError
from leakgan.io import read_tokens, read_vocab, write_json
from leakgan.seeding import resolve_device, torch_generator


def _temperatures(text: str) -> list[float]:
    try:
        values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise UserError(f"--temperatures: expected numbers separated by commas, got {text!r}") from None
    from leakgan.models.sampling import MIN_TEMPERATURE

    if not values or any(not v >= MIN_TEMPERATURE for v in values):
        raise UserError(f"--temperatures: every α must be at least {MIN_TEMPERATURE} (lower is argmax in float32), "
                        f"got {text!r}")
    return values


def stream_name(alpha: float) -> str:
    """α in a random stream's name: its short form (1, 0.67) unless that rounds it (then every digit)."""
    short = f"{alpha:g}"
    return short if float(short) == alpha else repr(alpha)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=["synthetic", "text"])
    parser.add_argument("--checkpoint", required=True, help="the model's final checkpoint")
    parser.add_argument("--temperatures", required=True, help="α values, comma-separated (e.g. 1.0,0.8,0.5)")
    parser.add_argument("--test", required=True, help="held-out token file")
    parser.add_argument("--vocab", required=True, help="vocab.json")
    parser.add_argument("--oracle", default=None, help="oracle .pt (synthetic data)")
    parser.add_argument("--num", type=int, required=True, help="samples per α")
    parser.add_argument("--seed", type=int, required=True, help="the chain's seed")
    parser.add_argument("--stream", default="frontier", help="random stream prefix (one stream per α)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--max-n", type=int, default=5, help="highest BLEU order (text data)")
    parser.add_argument("--smoothing", default="none", choices=["none", "method1"])
    parser.add_argument("--out", required=True, help="JSON: one scores object per α, highest α first")


def main(args: argparse.Namespace) -> int:
    from leakgan.registry import load_model
    from leakgan.eval.scores import score_samples

    temperatures = sorted(set(_temperatures(args.temperatures)), reverse=True)
    if args.num < 1:
        raise UserError(f"--num must be at least 1, got {args.num}")
    device = resolve_device(args.device)
    vocab = read_vocab(args.vocab)
    test = torch.from_numpy(read_tokens(args.test, vocab["size"]))
    oracle = None
    if args.oracle:
        from leakgan.models.oracle import Oracle

        oracle = Oracle.load(args.oracle, device)
    model = load_model(args.checkpoint, device)
    points = []
    for alpha in tqdm(temperatures, desc="frontier", unit="α", file=sys.stderr):
        gen = torch_generator(args.seed, f"{args.stream}-{stream_name(alpha)}", device)
        with torch.inference_mode():
            samples = model.sample(args.num, alpha, gen, args.batch_size)
        scores, _ = score_samples(args.kind, samples, test, vocab, args.vocab, alpha, model, oracle,
                                  args.batch_size, args.max_n, args.smoothing, f"{args.checkpoint} at α={alpha:g}")
        points.append(scores)
    write_json(args.out, {"points": points})
    return 0
