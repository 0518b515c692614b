"""`leakgan generate`: sentences from a trained model, one per line (words for text data, token ids for synthetic).

SOURCE is a dataset's results folder (`--model`, default the reference model
LeakGAN, or an ablation arm's name; its final checkpoint of `--train-seed`,
default the lowest seed that has it), one seed's folder, or a checkpoint file.
A sentence ends at its first padding token (`leakgan.eval.scores`). `--prefix`
forces the first words (or ids); the same seed on the same device gives the
same lines. `--from-ids FILE` instead decodes a token file already sampled
(the workflow's samples.txt of synthetic datasets comes from it).
"""
from __future__ import annotations

import argparse

from leakgan import registry
from leakgan.errors import UserError
from leakgan.models.sampling import MIN_TEMPERATURE

DEFAULT_TEMPERATURE = 1.0
DEFAULT_SEED = 0
MAX_SENTENCES = 1_000_000  # -n above it: write a file per million
STREAM = "generate"  # the random stream (leakgan.seeding) every generated sentence is drawn from
BATCH_SIZE = 1000  # rows sampled together (fixed: batching changes which random numbers a row gets)
SAMPLING_OPTIONS = ("model", "num", "temperature", "seed", "prefix", "device", "train_seed")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", metavar="RESULTS_DIR_OR_CHECKPOINT",
                        help="a dataset's results folder (results/<dataset>, or one seed's results/<dataset>/seed<k>) "
                             "or a checkpoint file (.pt)")
    parser.add_argument("--train-seed", type=int, default=None, metavar="K",
                        help="which training seed of a results folder (default: the lowest one with the model)")
    parser.add_argument("--model", metavar="NAME", default=None,
                        help="which model or ablation arm of a results folder (default: the reference model, LeakGAN);"
                             " with a checkpoint file, the checkpoint's own model (giving another is an error)")
    parser.add_argument("-n", "--num", type=int, default=None, metavar="N",
                        help=f"number of sentences (required; at most {MAX_SENTENCES:,})")
    parser.add_argument("--temperature", type=float, default=None, metavar="α",
                        help=f"logits are divided by α (default {DEFAULT_TEMPERATURE}; at least {MIN_TEMPERATURE}; "
                             "lower is more conservative)")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"random seed (default: {DEFAULT_SEED}); the same seed gives the same sentences")
    parser.add_argument("--prefix", default=None, metavar="WORDS",
                        help="every sentence starts with these words (text data) or token ids (synthetic data)")
    parser.add_argument("--vocab", default=None, metavar="PATH",
                        help="the dataset's vocab.json (default: data/vocab.json of the dataset folder the checkpoint "
                             "or --from-ids file lies in)")
    parser.add_argument("--from-ids", default=None, metavar="FILE",
                        help="decode this token file (e.g. results/<dataset>/seed<k>/<model>/samples.ids.txt) "
                             "instead of sampling a model")
    parser.add_argument("--device", default=None, choices=["cpu", "cuda", "auto"], help="default: cpu")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="write the sentences to FILE (atomically, never onto an input) instead of printing them")


def main(args: argparse.Namespace) -> int:
    from leakgan.io import emit_text

    if args.from_ids is not None:
        given = [f"--{name.replace('_', '-')}" if name != "num" else "-n"
                 for name in SAMPLING_OPTIONS if getattr(args, name) is not None]
        if args.source is not None:
            raise UserError("give either RESULTS_DIR_OR_CHECKPOINT (sample a model) or --from-ids FILE, not both")
        if given:
            raise UserError(f"--from-ids decodes FILE as it is; leave out {', '.join(given)} (for sampling a model)")
        emit_text(args.out, lines_from_ids(args.from_ids, args.vocab), inputs=[args.from_ids, args.vocab])
    else:
        text, inputs = lines_from_model(args)
        emit_text(args.out, text, inputs=inputs)
    return 0


def lines_from_model(args: argparse.Namespace) -> tuple[str, list]:
    """Every check first (nothing is sampled or written before they pass), then the sentences, one per line,
    and the files they were made from."""
    import inspect

    import torch

    from leakgan import trained
    from leakgan.eval.scores import format_lines
    from leakgan.seeding import resolve_device, torch_generator

    if args.source is None:
        raise UserError("give a results folder (results/<dataset>) or a checkpoint file, or --from-ids FILE")
    if args.num is None or not 1 <= args.num <= MAX_SENTENCES:
        raise UserError(f"-n N is required: how many sentences to generate, 1 to {MAX_SENTENCES:,}"
                        + (f" (got {args.num})" if args.num is not None else ""))
    temperature = DEFAULT_TEMPERATURE if args.temperature is None else args.temperature
    if not temperature >= MIN_TEMPERATURE:  # also refuses nan
        raise UserError(f"--temperature must be at least {MIN_TEMPERATURE} (lower is argmax in float32), not {temperature}")
    device = resolve_device(args.device or "cpu")
    ckpt_path, vocab_path, ckpt = trained.locate(args.source, args.model, registry.reference().name, args.train_seed)
    vocab = trained.find_vocab(args.vocab, vocab_path, ckpt, ckpt_path)
    model = trained.load(ckpt, ckpt_path, device)
    vocab_size = vocab["size"] if vocab else ckpt.get("vocab_size")
    prefix = trained.encode_prefix(args.prefix, vocab, vocab_size, ckpt.get("seq_len"), args.vocab or vocab_path)
    if prefix and "prefix" not in inspect.signature(model.sample).parameters:
        raise UserError(f"--prefix: model '{ckpt['model']}' cannot start sentences with given words; "
                        "leave --prefix out")
    if args.out is not None:
        from leakgan.io import check_output

        check_output(args.out, [ckpt_path, vocab_path])
    generator = torch_generator(DEFAULT_SEED if args.seed is None else args.seed, STREAM, device)
    with torch.inference_mode():
        tokens = model.sample(args.num, temperature, generator, BATCH_SIZE, **({"prefix": prefix} if prefix else {}))
    return format_lines(tokens.cpu().tolist(), vocab, ckpt.get("pad_id")), [ckpt_path, vocab_path]


def lines_from_ids(path: str, vocab_path: str | None) -> str:
    """The sentences of a token file: decoded with --vocab (else ../data/vocab.json beside it, if there)."""
    from pathlib import Path

    from leakgan.eval.scores import format_lines
    from leakgan.io import read_tokens, read_vocab
    from leakgan.trained import dataset_vocab

    default = dataset_vocab(Path(path))
    vocab = read_vocab(vocab_path) if vocab_path is not None else (read_vocab(default) if default.is_file() else None)
    tokens = read_tokens(path, vocab["size"] if vocab else None)
    return format_lines(tokens.tolist(), vocab)
