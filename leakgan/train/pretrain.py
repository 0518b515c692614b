"""The `pretrain` stage: MLE training of the baseline, or LeakGAN's interleaved pretraining."""
from __future__ import annotations

import argparse
import json

import torch

from leakgan.errors import UserError
from leakgan.files import read_json, read_tokens, save_torch, write_jsonl
from leakgan.seeding import resolve_device


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments every training stage shares: settings, data, seed, device, outputs."""
    parser.add_argument("--settings", type=json.loads, required=True, help="the model's config block (JSON)")
    parser.add_argument("--train", required=True, help="training token file")
    parser.add_argument("--test", required=True, help="held-out token file (NLL-test)")
    parser.add_argument("--vocab", required=True, help="vocab.json of the dataset")
    parser.add_argument("--oracle", default=None, help="oracle .pt for the oracle-NLL curve (synthetic data)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--metrics", required=True, help="JSON-lines file of the training curve")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, choices=["mle", "leakgan"])
    add_training_arguments(parser)


def load_data(args) -> tuple[dict, torch.Tensor, torch.Tensor]:
    """vocab.json and the train/test token files of a stage's arguments, checked against each other."""
    vocab = read_json(args.vocab)
    if not isinstance(vocab, dict) or not isinstance(vocab.get("size"), int):
        raise UserError(f"{args.vocab}: expected a JSON object with an integer 'size'; re-run the data stage")
    train = torch.from_numpy(read_tokens(args.train, vocab["size"]))
    test = torch.from_numpy(read_tokens(args.test, vocab["size"]))
    if train.shape[1] != test.shape[1]:
        raise UserError(f"{args.test}: sequences have {test.shape[1]} tokens but {args.train} has {train.shape[1]}; "
                        "re-run the data stage")
    return vocab, train, test


def load_oracle(path, device):
    """The oracle for oracle-NLL metrics, or None for real data."""
    if not path:
        return None
    from leakgan.models.oracle import Oracle

    return Oracle.load(path, device)


def run(args: argparse.Namespace) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.model == "leakgan":
        from leakgan.train.leakgan import pretrain_stage

        return pretrain_stage(args) or 0
    from leakgan.train.mle import train_mle

    device = resolve_device(args.device)
    vocab, train, test = load_data(args)
    model, curve = train_mle(train, test, vocab["size"], args.settings, args.seed, device,
                             load_oracle(args.oracle, device))
    save_torch(args.out, model.checkpoint(args.settings, vocab.get("pad_id")))
    write_jsonl(args.metrics, curve)
    return 0
