"""Seeds for each stage, derived from the single config seed.

Every stage gets its own stream (`stage_seed(seed, "oracle-train")`), so that
adding samples to one stage never shifts the random numbers of another.
"""
from __future__ import annotations

import hashlib

import torch


def stage_seed(seed: int, name: str) -> int:
    """A 63-bit seed for the named stream, stable across Python versions and machines."""
    digest = hashlib.sha256(f"{int(seed)}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def torch_generator(seed: int, name: str, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch.Generator seeded for the named stream."""
    gen = torch.Generator(device=device)
    gen.manual_seed(stage_seed(seed, name))
    return gen


def resolve_device(name: str) -> torch.device:
    """Map the config's device setting (cpu, cuda, auto) to a torch device."""
    from leakgan.errors import UserError

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("config key 'device' is cuda but no CUDA GPU is visible; set device: cpu or auto")
    return torch.device(name)
