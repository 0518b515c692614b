"""Seeds for each stage, derived from the single config seed.

Every stage gets its own stream (`stage_seed(seed, "oracle-train")`), so that
adding samples to one stage never shifts the random numbers of another.
"""
from __future__ import annotations

import functools
import hashlib

import torch

from leakgan.devices import choose_device, default_lock_dir, shared_chains


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
    """Map the config's device setting (cpu, cuda, auto) to a torch device.

    On a machine with GPUs a local job takes a free slot of the device pool (`leakgan.devices`: one of
    resources.chains_per_gpu slots per GPU, held until the process ends), so the jobs Snakemake runs side by
    side spread over every GPU; under SLURM the job uses the GPU it was given.
    """
    from leakgan.errors import UserError

    if name == "cpu":
        return torch.device("cpu")
    if name not in ("cuda", "auto"):
        raise UserError(f"config key 'device': {name!r} is not one of cpu, cuda, auto")
    if name == "auto" and not torch.cuda.is_available():
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("config key 'device' is cuda but no CUDA GPU is visible; set device: cpu or auto")
    device = torch.device(_pooled_device(name, shared_chains()))
    if device.index is not None:
        torch.cuda.set_device(device)  # CUDA graphs and streams use the current device
    return device


@functools.lru_cache(maxsize=None)
def _pooled_device(name: str, chains_per_gpu: int) -> str:
    """This process's one slot of the device pool (cached: a second call must not take a second slot)."""
    device, _ = choose_device(name, default_lock_dir(), chains_per_gpu)  # the lease lasts until the process ends
    return device
