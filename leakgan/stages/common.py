"""What several stages share: the training arguments and JSON blocks checked against their schema."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from leakgan.errors import UserError


def json_block(text: str, option: str, schema: str | None = None, key: str = "") -> dict:
    """A JSON object given on the command line, checked against a config schema when one is named."""
    try:
        block = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{option}: not valid JSON ({exc})") from None
    if not isinstance(block, dict):
        raise UserError(f"{option}: expected a JSON object (a block of config.yaml)")
    if schema is not None:
        from leakgan.config.schema import check_block

        check_block(block, schema, key or option)
    return block


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every training stage shares: settings, data, seed, device, outputs."""
    parser.add_argument("--settings", required=True, help="the model's settings for this stage (JSON)")
    parser.add_argument("--train", required=True, help="training token file")
    parser.add_argument("--test", required=True, help="held-out token file (NLL-test)")
    parser.add_argument("--vocab", required=True, help="vocab.json of the dataset")
    parser.add_argument("--oracle", default=None, help="oracle .pt for the oracle-NLL curve (synthetic data)")
    parser.add_argument("--seed", type=int, required=True, help="the training chain's seed")
    parser.add_argument("--training", default='{"validation_fraction": 0, "select": "last"}',
                        help="model selection (config block `training`, JSON): validation_fraction, select")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="JSON-lines file of the training curve")


def training_job(args: argparse.Namespace, model: str, **extra):
    """The TrainingJob of a training stage's arguments (data read and checked, device resolved)."""
    import torch

    from leakgan.io import append_jsonl, read_dataset, write_jsonl
    from leakgan.report.tensorboard import LiveCurve
    from leakgan.seeding import resolve_device
    from leakgan.train.job import TrainingJob
    from leakgan.train.selection import split_validation

    if args.threads:
        torch.set_num_threads(args.threads)
    settings = json_block(args.settings, "--settings")
    training = json_block(args.training, "--training")
    try:
        fraction, select = float(training["validation_fraction"]), str(training["select"])
        keep = str(training.get("keep_checkpoints", "last"))
    except (KeyError, TypeError, ValueError):
        raise UserError("--training: expected the config block `training` "
                        '(e.g. {"validation_fraction": 0.05, "select": "best_validation"})') from None
    device = resolve_device(args.device)
    vocab, train, test = read_dataset(args.vocab, args.train, args.test)
    train, validation = split_validation(train, fraction, args.seed)
    if select == "best_validation" and validation is None:
        raise UserError("--training: select best_validation needs validation_fraction above 0")
    oracle = None
    if args.oracle:
        from leakgan.models.oracle import Oracle

        oracle = Oracle.load(args.oracle, device)
    # The live curve grows point by point beside the output while the stage runs (watch it with
    # `tail -f <curve>.part`); the finished stage writes the curve whole and atomically, then removes it.
    live = live_curve(args.metrics)
    write_jsonl(live, [])
    board = LiveCurve(args.metrics)
    from leakgan import registry

    return TrainingJob(spec=registry.get(model), settings=settings, vocab=vocab, train=train, test=test, seed=args.seed,
                       device=device, oracle=oracle, validation=validation, select=select, keep_checkpoints=keep,
                       on_point=lambda point: (append_jsonl(live, point), board.point(point)),
                       on_resume=lambda curve: write_jsonl(live, curve), **extra)


def live_curve(metrics: str) -> str:
    """Where a training stage's curve grows while it runs: its output's name plus `.part`."""
    return f"{metrics}.part"


def write_training_outputs(args: argparse.Namespace, result) -> int:
    """Write a trainer's (checkpoint, curve); nothing when it stopped early on purpose."""
    from leakgan.io import save_torch, write_jsonl

    if result is None:
        return 0
    checkpoint, curve = result
    save_torch(args.out, checkpoint)
    write_jsonl(args.metrics, curve)
    Path(live_curve(args.metrics)).unlink(missing_ok=True)
    return 0


def name_path_pairs(items: list[str]) -> dict[str, str]:
    """NAME=PATH arguments (as the rules pass them) -> {name: path}."""
    out = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep:
            raise UserError(f"expected NAME=PATH, got {item!r}")
        out[name] = path
    return out


def add_scoring_arguments(parser: argparse.ArgumentParser) -> None:
    """The scoring options evaluate and frontier share."""
    parser.add_argument("--test", required=True, help="held-out token file")
    parser.add_argument("--vocab", required=True, help="vocab.json")
    parser.add_argument("--oracle", default=None, help="oracle .pt (synthetic data)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--max-n", type=int, default=5, help="highest BLEU order (text data)")
    parser.add_argument("--smoothing", default="none", choices=["none", "method1"], help="BLEU smoothing (text data)")
    parser.add_argument("--test-sequences", type=int, default=None,
                        help="NLL-test on the first this many test sequences (default: all)")
    parser.add_argument("--reference-lm", default=None,
                        help="the dataset's reference LM (`leakgan lm`; text data): adds the LM score and Fréchet distance")


def scoring_inputs(args: argparse.Namespace):
    """(device, vocab, test tokens, oracle or None, reference LM or None) of the scoring options."""
    import torch

    from leakgan.io import read_tokens, read_vocab
    from leakgan.seeding import resolve_device

    if args.test_sequences is not None and args.test_sequences < 1:
        raise UserError(f"--test-sequences must be at least 1, not {args.test_sequences}")
    device = resolve_device(args.device)
    vocab = read_vocab(args.vocab)
    test = torch.from_numpy(read_tokens(args.test, vocab["size"]))
    oracle = reference = None
    if args.oracle:
        from leakgan.models.oracle import Oracle

        oracle = Oracle.load(args.oracle, device)
    if args.reference_lm:
        from leakgan.eval.lm import load_reference

        reference = load_reference(args.reference_lm).to(device)
    return device, vocab, test, oracle, reference
