"""Where a result came from: the code, the libraries, the device, each model's settings, the data.

`leakgan aggregate` stores this as the `provenance` block of
results/<dataset>/nll.json and bleu.json, so a number can be traced to the
code and settings that made it.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def settings_hash(settings: dict) -> str:
    """sha256 of a settings block in canonical JSON (sorted keys, no spaces): equal settings, equal hash."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit(root: Path = PACKAGE_ROOT) -> dict | None:
    """{"commit", "dirty"} of the checkout the code runs from; None outside a git checkout or without git."""
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}


def environment(device: str) -> dict:
    """The project's version and commit, the versions of torch, numba, CUDA and Python, and the device setting."""
    import platform

    import torch

    return {"leakgan": _version("leakgan"), "git": git_commit(), "python": platform.python_version(),
            "torch": torch.__version__, "numba": _version("numba"), "cuda": torch.version.cuda,
            "cuda_available": torch.cuda.is_available(), "device": device,
            "cpu": platform.processor() or platform.machine()}


def _lengths(path: Path, pad_id) -> dict:
    """Sequences and their lengths (tokens before padding) of a token file."""
    lengths = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            ids = [int(t) for t in line.split()]
            if pad_id is not None and pad_id in ids:
                ids = ids[:ids.index(pad_id)]
            lengths.append(len(ids))
    if not lengths:
        return {"sequences": 0}
    return {"sequences": len(lengths), "min_length": min(lengths), "max_length": max(lengths),
            "mean_length": sum(lengths) / len(lengths)}


def dataset_statistics(data_dir: str | Path) -> dict:
    """Vocabulary size, train/test sequences and lengths, and the prepare stage's stats.json when there is one."""
    from leakgan.io import read_json

    data_dir = Path(data_dir)
    vocab = read_json(data_dir / "vocab.json")
    out = {"vocab_size": vocab.get("size")}
    for split in ("train", "test"):
        if (data_dir / f"{split}.txt").is_file():
            out[split] = _lengths(data_dir / f"{split}.txt", vocab.get("pad_id"))
    if (data_dir / "stats.json").is_file():
        out["prepare"] = read_json(data_dir / "stats.json")
    return out


def provenance(device: str, model_settings: dict[str, dict], data_dir: str | Path | None) -> dict:
    """The `provenance` block of an aggregate result."""
    return {"environment": environment(device),
            "models": {m: {"settings": s, "sha256": settings_hash(s)} for m, s in model_settings.items()},
            "data": dataset_statistics(data_dir) if data_dir is not None else None}
