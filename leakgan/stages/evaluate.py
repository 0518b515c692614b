"""`leakgan evaluate`: score one model's samples (oracle NLL and NLL-test; BLEU, self-BLEU and the LM score for text)."""
from __future__ import annotations

import argparse

from leakgan.stages.common import add_scoring_arguments, scoring_inputs


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=["synthetic", "text"])
    parser.add_argument("--samples", required=True, help="the model's samples (token file)")
    parser.add_argument("--checkpoint", default="", help="model checkpoint (empty or absent for the real data)")
    parser.add_argument("--temperature", type=float, required=True,
                        help="α the samples were drawn at; NLL-test is that of the model at this α (logits / α)")
    add_scoring_arguments(parser)
    parser.add_argument("--words-out", default=None, help="decoded samples, one sentence per line (text data)")
    parser.add_argument("--out", required=True, help="scores JSON to write")


def main(args: argparse.Namespace) -> int:
    import torch

    from leakgan.eval.scores import score_samples
    from leakgan.io import read_tokens, write_json, write_text

    device, vocab, test, oracle, reference = scoring_inputs(args)
    samples = torch.from_numpy(read_tokens(args.samples, vocab["size"]))
    model = ckpt = None
    if args.checkpoint:
        from leakgan.registry import load_model_and_checkpoint

        model, ckpt = load_model_and_checkpoint(args.checkpoint, device)
    scores, hypotheses = score_samples(args.kind, samples, test, vocab, args.vocab, args.temperature, model, oracle,
                                       args.batch_size, args.max_n, args.smoothing, args.samples,
                                       args.test_sequences, reference)
    if ckpt is not None and isinstance(ckpt.get("budget"), dict):
        scores["budget"] = ckpt["budget"]
    if hypotheses is not None and args.words_out:
        write_text(args.words_out, "".join(" ".join(h) + "\n" for h in hypotheses))
    write_json(args.out, scores)
    return 0
