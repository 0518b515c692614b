"""`leakgan lm`: a dataset's reference language model (real text), for the LM score and the Fréchet distance."""
from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", required=True, help="training token file")
    parser.add_argument("--test", required=True, help="held-out token file (its NLL under the LM is reported)")
    parser.add_argument("--vocab", required=True, help="vocab.json")
    parser.add_argument("--settings", required=True, help="the config block evaluate.lm (JSON)")
    parser.add_argument("--seed", type=int, required=True, help="the data stages' seed (the LM is shared by every seed)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    parser.add_argument("--out", required=True, help="the LM's checkpoint")
    parser.add_argument("--report", required=True, help="JSON: its test NLL, epochs, history")


def main(args: argparse.Namespace) -> int:
    import torch

    from leakgan.eval.lm import train_reference
    from leakgan.io import read_dataset, save_torch, write_json
    from leakgan.seeding import resolve_device
    from leakgan.stages.common import json_block

    if args.threads:
        torch.set_num_threads(args.threads)
    block = json_block(args.settings, "--settings")
    vocab, train, test = read_dataset(args.vocab, args.train, args.test)
    ckpt, report = train_reference(train, test, vocab, block, args.seed, resolve_device(args.device))
    save_torch(args.out, ckpt)
    write_json(args.report, report)
    return 0
