"""`leakgan frontier`: a trained model sampled and scored at every α of the quality-diversity frontier.

One process per model and seed: for each α it draws `--num` sequences
(each α from its own random stream of the seed) and scores them as the
evaluate stage does — oracle NLL (synthetic) or BLEU-2..n, self-BLEU and the
LM score (text), and NLL-test of the model at that α (logits / α), so both
axes of the frontier move with α. With `--reverse-lm`, the α it names also
get the reverse-LM score: an LM of that size trained on those samples,
scored on the real test set.
"""
from __future__ import annotations

import argparse
import sys

from leakgan.errors import UserError
from leakgan.stages.common import add_scoring_arguments, json_block, scoring_inputs


def stream_name(alpha: float) -> str:
    """α in a random stream's name: its short form (1, 0.67) unless that rounds it (then every digit)."""
    short = f"{alpha:g}"
    return short if float(short) == alpha else repr(alpha)


def _temperatures(text: str) -> list[float]:
    from leakgan.models.sampling import MIN_TEMPERATURE

    try:
        values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise UserError(f"--temperatures: expected numbers separated by commas, got {text!r}") from None
    if not values or any(not v >= MIN_TEMPERATURE for v in values):
        raise UserError(f"--temperatures: every α must be at least {MIN_TEMPERATURE} (lower is argmax in float32), "
                        f"got {text!r}")
    return values


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=["synthetic", "text"])
    parser.add_argument("--checkpoint", required=True, help="the model's final checkpoint")
    parser.add_argument("--temperatures", required=True, help="α values, comma-separated (e.g. 1.0,0.8,0.5)")
    parser.add_argument("--num", type=int, required=True, help="samples per α")
    parser.add_argument("--seed", type=int, required=True, help="the chain's seed")
    parser.add_argument("--stream", default="frontier", help="random stream prefix (one stream per α)")
    add_scoring_arguments(parser)
    parser.add_argument("--reverse-lm", default=None,
                        help="the config block evaluate.reverse_lm (JSON; text data): reverse-LM scores at its α")
    parser.add_argument("--out", required=True, help="JSON: one scores object per α, highest α first")


def main(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from leakgan.eval.scores import score_samples
    from leakgan.io import write_json
    from leakgan.registry import load_model
    from leakgan.seeding import torch_generator

    temperatures = sorted(set(_temperatures(args.temperatures)), reverse=True)
    if args.num < 1:
        raise UserError(f"--num must be at least 1, got {args.num}")
    reverse = json_block(args.reverse_lm, "--reverse-lm") if args.reverse_lm else None
    device, vocab, test, oracle, reference = scoring_inputs(args)
    model = load_model(args.checkpoint, device)
    points = []
    for alpha in tqdm(temperatures, desc="frontier", unit="α", file=sys.stderr):
        gen = torch_generator(args.seed, f"{args.stream}-{stream_name(alpha)}", device)
        with torch.inference_mode():
            samples = model.sample(args.num, alpha, gen, args.batch_size)
        scores, _ = score_samples(args.kind, samples, test, vocab, args.vocab, alpha, model, oracle, args.batch_size,
                                  args.max_n, args.smoothing, f"{args.checkpoint} at α={alpha:g}",
                                  args.test_sequences, reference)
        if reverse is not None and (reverse["temperatures"] is None or alpha in reverse["temperatures"]):
            from leakgan.eval.lm import reverse_score

            scores.update(reverse_score(samples[:reverse["samples"]], test, vocab, reverse, args.seed, device))
        points.append(scores)
    write_json(args.out, {"points": points})
    return 0
