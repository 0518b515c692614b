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
    parser.add_argument("--max-n", type=int, default=5, help="highest BLEU order (text data)")
    parser.add_argument("--smoothing", default="none", choices=["none", "method1"], help="BLEU smoothing (text data)")
    parser.add_argument("--words-out", default=None, help="decoded samples, one sentence per line (text data)")
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
    hypotheses = None
    if args.kind == "text":
        hypotheses = decode(samples, vocab, args.vocab)
        scores.update(text_scores(hypotheses, decode(test, vocab, args.vocab), args.max_n, args.smoothing))
    for key, value in scores.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{args.samples}: {key} is {value}; the model diverged — lower its learning rate")
    if hypotheses is not None and args.words_out:
        from leakgan.files import write_text

        write_text(args.words_out, "".join(" ".join(h) + "\n" for h in hypotheses))
    write_json(args.out, scores)
    return 0


def decode(tokens: torch.Tensor, vocab: dict, vocab_path: str = "vocab.json") -> list[list[str]]:
    """Token ids → words, padding removed (real text; the vocabulary lists the words)."""
    words = vocab.get("tokens")
    if not words:
        raise UserError(f"{vocab_path}: has no 'tokens' list to decode with; re-run the data stage")
    pad = vocab.get("pad_id")
    return [[words[t] for t in row if t != pad] for row in tokens.tolist()]


def text_scores(hypotheses: list[list[str]], references: list[list[str]], max_n: int, smoothing: str) -> dict:
    """BLEU-2..max_n against the whole test set, self-BLEU, and sacrebleu's corpus BLEU."""
    from leakgan.metrics.bleu import bleu_scores, sacrebleu_corpus, self_bleu

    references = [r for r in references if r]
    bleu = bleu_scores(hypotheses, references, max_n=max_n, smoothing=smoothing)
    out = {f"bleu{n}": v for n, v in bleu.items()}
    if len(hypotheses) >= 2:
        out.update({f"self_bleu{n}": v for n, v in self_bleu(hypotheses, max_n=max_n, smoothing=smoothing).items()})
    sacre = sacrebleu_corpus(hypotheses, references)
    out["sacrebleu"] = sacre["score"]
    out["sacrebleu_signature"] = sacre["signature"]
    out["smoothing"] = smoothing
    return out


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
    # NAME:STAGE=PATH curves are concatenated in the order given, each point tagged with its stage.
    for name, path in _pairs(args.curves).items():
        base, _, stage = name.partition(":")
        points = [dict(p, stage=stage) if stage else p for p in read_jsonl(path)]
        result["models"].setdefault(base, {}).setdefault("curve", []).extend(points)
    write_json(args.out, result)
    return 0
