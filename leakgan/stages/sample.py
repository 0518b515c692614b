"""`leakgan sample`: draw sequences from a trained model (or from the oracle: the "real" row)."""
from __future__ import annotations

import argparse

import torch

from leakgan.errors import UserError
from leakgan.io import write_tokens
from leakgan.seeding import resolve_device, torch_generator


def configure(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="a model checkpoint written by pretrain or adversarial")
    source.add_argument("--oracle", help="sample the oracle itself (synthetic data's real distribution)")
    parser.add_argument("--seq-len", type=int, help="sequence length (with --oracle)")
    parser.add_argument("--num", type=int, required=True, help="number of sequences")
    parser.add_argument("--temperature", type=float, default=1.0, help="α: logits are divided by it")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--stream", default="samples", help="name of the random stream (derived from the seed)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--out", required=True, help="token file to write")


def main(args: argparse.Namespace) -> int:
    from leakgan.models.sampling import MIN_TEMPERATURE

    if args.num < 1:
        raise UserError(f"--num must be at least 1, not {args.num}")
    if not args.temperature >= MIN_TEMPERATURE:
        raise UserError(f"--temperature must be at least {MIN_TEMPERATURE} (lower is argmax in float32), "
                        f"not {args.temperature}")
    device = resolve_device(args.device)
    gen = torch_generator(args.seed, args.stream, device)
    if args.oracle:
        from leakgan.models.oracle import Oracle

        if not args.seq_len:
            raise UserError("--seq-len is required with --oracle")
        samples = Oracle.load(args.oracle, device).sample(args.num, args.seq_len, gen, args.batch_size)
    else:
        from leakgan.registry import load_model

        model = load_model(args.checkpoint, device)
        with torch.inference_mode():
            samples = model.sample(args.num, args.temperature, gen, args.batch_size)
    write_tokens(args.out, samples.numpy())
    return 0
