"""`leakgan evaluate`: score one model's samples (oracle NLL and NLL-test; BLEU and self-BLEU for text)."""
from __future__ import annotations

import argparse
import torch

from leakgan.errors import UserError
from leakgan.io import read_tokens, read_vocab, write_json, write_text
from leakgan.eval.scores import score_samples
from leakgan.seeding import resolve_device


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=["synthetic", "text"])
    parser.add_argument("--samples", required=True, help="the model's samples (token file)")
    parser.add_argument("--test", required=True, help="held-out token file")
    parser.add_argument("--vocab", required=True, help="vocab.json")
    parser.add_argument("--checkpoint", default="", help="model checkpoint (empty or absent for the real data)")
    parser.add_argument("--oracle", default=None, help="oracle .pt (synthetic data)")
    parser.add_argument("--temperature", type=float, required=True,
                        help="α the samples were drawn at; NLL-test is that of the model at this α (logits / α)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--max-n", type=int, default=5, help="highest BLEU order (text data)")
    parser.add_argument("--smoothing", default="none", choices=["none", "method1"], help="BLEU smoothing (text data)")
    parser.add_argument("--words-out", default=None, help="decoded samples, one sentence per line (text data)")
    parser.add_argument("--out", required=True, help="scores JSON to write")


def main(args: argparse.Namespace) -> int:
    device = resolve_device(args.device)
    vocab = read_vocab(args.vocab)
    samples = torch.from_numpy(read_tokens(args.samples, vocab["size"]))
    test = torch.from_numpy(read_tokens(args.test, vocab["size"]))
    oracle = model = ckpt = None
    if args.oracle:
        from leakgan.models.oracle import Oracle

        oracle = Oracle.load(args.oracle, device)
    if args.checkpoint:
        from leakgan.registry import load_model_and_checkpoint

        model, ckpt = load_model_and_checkpoint(args.checkpoint, device)
    scores, hypotheses = score_samples(args.kind, samples, test, vocab, args.vocab, args.temperature, model, oracle,
                                       args.batch_size, args.max_n, args.smoothing, args.samples)
    if ckpt is not None and isinstance(ckpt.get("budget"), dict):
        scores["budget"] = ckpt["budget"]
    if hypotheses is not None and args.words_out:
        write_text(args.words_out, "".join(" ".join(h) + "\n" for h in hypotheses))
    write_json(args.out, scores)
    return 0
