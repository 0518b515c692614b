"""`leakgan oracle`: build (or load) the oracle LSTM and sample its train and test sequences."""
from __future__ import annotations

import argparse

import torch

from leakgan.data.synthetic import build_oracle
from leakgan.io import write_tokens, write_vocab
from leakgan.seeding import stage_seed, torch_generator
from leakgan.stages.common import json_block


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, help="the dataset's config block (JSON)")
    parser.add_argument("--oracle-settings", required=True, help="the `oracle` config block (JSON)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--oracle-out", required=True, help="where to save the oracle (.pt)")
    parser.add_argument("--data-dir", required=True, help="folder for train.txt, test.txt and vocab.json")
    parser.add_argument("--batch-size", type=int, default=1000)


def main(args: argparse.Namespace) -> int:
    ds = json_block(args.dataset, "--dataset", "dataset_synthetic.schema.yaml", "--dataset")
    oracle_settings = json_block(args.oracle_settings, "--oracle-settings", "oracle", "--oracle-settings")
    torch.manual_seed(stage_seed(args.seed, "oracle-global"))
    oracle = build_oracle(ds, oracle_settings, args.seed)
    train = oracle.sample(ds["num_train"], ds["seq_len"], torch_generator(args.seed, "oracle-train"), args.batch_size)
    test = oracle.sample(ds["num_test"], ds["seq_len"], torch_generator(args.seed, "oracle-test"), args.batch_size)
    oracle.save(args.oracle_out)
    write_tokens(f"{args.data_dir}/train.txt", train.numpy())
    write_tokens(f"{args.data_dir}/test.txt", test.numpy())
    write_vocab(f"{args.data_dir}/vocab.json", oracle.vocab_size, None, None, ds["seq_len"], source="oracle")
    return 0
