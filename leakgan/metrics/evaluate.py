"""The `evaluate` and `collect` stages: score one model's samples, then gather all models' scores."""
from __future__ import annotations

import argparse
import math

import torch

from leakgan.errors import UserError
from leakgan.files import read_json, read_jsonl, read_tokens, write_json


def configure_evaluate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=["synthetic", "text"])
    parser.add_argument("--samples", required=True, help="the model's samples (token file)")
    parser.add_argument("--test", required=True, help="held-out token file")
    parser.add_argument("--vocab", required=True, help="vocab.json")
    parser.add_argument("--checkpoint", default=None, help="model checkpoint (absent for the real data)")
    parser.add_argument("--oracle", default=None, help="oracle .pt (synthetic data)")
    parser.add_argument("--temperature", type=float, required=True, help="α the samples were drawn at")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--out", required=True, help="scores JSON to write")


def run_evaluate(args: argparse.Namespace) -> int:
    from leakgan.seeding import resolve_device

    device = resolve_device(args.device)
    vocab = read_json(args.vocab)
    samples = torch.from_numpy(read_tokens(args.samples, vocab["size"]))
    test = torch.from_numpy(read_tokens(args.test, vocab["size"]))
    scores: dict = {"temperature": args.temperature, "num_samples": int(samples.shape[0])}
    oracle = None
    if args.oracle:
        from leakgan.models.oracle import Oracle

        oracle = Oracle.load(args.oracle, device)
        scores["oracle_nll"] = oracle.nll(samples, args.batch_size)
    if args.checkpoint:
        from leakgan.models import load_model

        scores["nll_test"] = load_model(args.checkpoint, device).nll(test, args.batch_size)
    elif oracle is not None:
        # The real data's NLL-test: the oracle's own NLL on held-out oracle data.
        scores["nll_test"] = oracle.nll(test, args.batch_size)
    if args.kind == "text":
        scores.update(_text_scores(samples, test, vocab))
    for key, value in scores.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{args.samples}: {key} is {value}; the model diverged — lower its learning rate")
    write_json(args.out, scores)
    return 0


def _text_scores(samples, test, vocab) -> dict:
    from leakgan.metrics.bleu import bleu_scores  # noqa: F401  (wired by the BLEU stage)

    raise UserError("text evaluation is not available in this version")


def configure_collect(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--kind", required=True, choices=["synthetic", "text"])
    parser.add_argument("--scores", nargs="+", required=True, metavar="NAME=PATH", help="per-model scores JSON")
    parser.add_argument("--curves", nargs="*", default=[], metavar="NAME=PATH", help="per-model training curves (JSON lines)")
    parser.add_argument("--meta", default="{}", help="extra JSON fields (scale, seed, seq_len)")
    parser.add_argument("--out", required=True)


def _pairs(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep:
            raise UserError(f"expected NAME=PATH, got {item!r}")
        out[name] = path
    return out


def run_collect(args: argparse.Namespace) -> int:
    import json

    result = {"dataset": args.dataset, **json.loads(args.meta), "models": {}}
    for name, path in _pairs(args.scores).items():
        result["models"][name] = read_json(path)
    for name, path in _pairs(args.curves).items():
        base = name.split(":", 1)[0]
        result["models"].setdefault(base, {})["curve"] = read_jsonl(path)
    write_json(args.out, result)
    return 0
