"""The `oracle` stage: build (or load) the oracle LSTM and sample its train and test sequences."""
from __future__ import annotations

import argparse
import json

import torch

from leakgan.errors import UserError
from leakgan.files import write_json, write_tokens
from leakgan.models.oracle import Oracle, load_oracle_pickle
from leakgan.seeding import stage_seed, torch_generator


def build_oracle(dataset: dict, oracle_settings: dict, seed: int) -> Oracle:
    """The standard oracle when `oracle_params` names a file, else a seeded N(0, init_std) one."""
    path = dataset.get("oracle_params")
    if path:
        oracle = Oracle.from_arrays(load_oracle_pickle(path), source=str(path))
        expected = dataset.get("vocab_size")
        if expected is not None and expected != oracle.vocab_size:
            raise UserError(
                f"{path}: the oracle has a vocabulary of {oracle.vocab_size} but the dataset's vocab_size is "
                f"{expected}; set datasets.<name>.vocab_size to {oracle.vocab_size} or drop oracle_params"
            )
        return oracle
    gen = torch_generator(seed, "oracle-params")
    return Oracle.random(dataset["vocab_size"], oracle_settings["emb_dim"], oracle_settings["hidden_dim"],
                         oracle_settings["init_std"], gen)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", type=json.loads, required=True, help="the dataset's config block (JSON)")
    parser.add_argument("--oracle-settings", type=json.loads, required=True, help="the `oracle` config block (JSON)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--oracle-out", required=True, help="where to save the oracle (.pt)")
    parser.add_argument("--data-dir", required=True, help="folder for train.txt, test.txt and vocab.json")
    parser.add_argument("--batch-size", type=int, default=1000)


def run(args: argparse.Namespace) -> int:
    ds = args.dataset
    torch.manual_seed(stage_seed(args.seed, "oracle-global"))
    oracle = build_oracle(ds, args.oracle_settings, args.seed)
    train = oracle.sample(ds["num_train"], ds["seq_len"], torch_generator(args.seed, "oracle-train"), args.batch_size)
    test = oracle.sample(ds["num_test"], ds["seq_len"], torch_generator(args.seed, "oracle-test"), args.batch_size)
    oracle.save(args.oracle_out)
    write_tokens(f"{args.data_dir}/train.txt", train.numpy())
    write_tokens(f"{args.data_dir}/test.txt", test.numpy())
    write_json(f"{args.data_dir}/vocab.json", {"size": oracle.vocab_size, "pad_id": None, "tokens": None,
                                               "seq_len": ds["seq_len"], "source": "oracle"})
    return 0
