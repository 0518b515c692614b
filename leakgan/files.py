"""Atomic file output and the token-file format shared by every stage.

Every stage writes through these helpers: content goes to a temporary file in
the destination folder and is renamed into place only when complete, so a
killed job never leaves a file that looks finished.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from leakgan.errors import UserError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj) -> None:
    """Write JSON atomically, keys sorted and floats as Python prints them (deterministic)."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path: str | os.PathLike):
    """Read a JSON file, or stop with a clear message naming it."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); delete it and re-run the stage that writes it")


def write_tokens(path: str | os.PathLike, sequences: np.ndarray | Sequence[Sequence[int]]) -> None:
    """Write sequences of token ids, one sequence per line, ids separated by spaces."""
    lines = [" ".join(str(int(t)) for t in seq) for seq in sequences]
    write_text(path, "\n".join(lines) + ("\n" if lines else ""))


def read_tokens(path: str | os.PathLike, vocab_size: int | None = None) -> np.ndarray:
    """Read a token file written by `write_tokens` into an int64 array (all lines the same length)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found")
    rows: list[list[int]] = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append([int(tok) for tok in line.split()])
            except ValueError:
                raise UserError(f"{path}:{lineno}: expected integer token ids separated by spaces")
    if not rows:
        raise UserError(f"{path}: no sequences in file")
    length = len(rows[0])
    for lineno, row in enumerate(rows, 1):
        if len(row) != length:
            raise UserError(f"{path}: sequence {lineno} has {len(row)} tokens, expected {length} like the first")
    array = np.asarray(rows, dtype=np.int64)
    if vocab_size is not None and (array.min() < 0 or array.max() >= vocab_size):
        raise UserError(f"{path}: token id {int(array.max())} outside the vocabulary of {vocab_size}")
    return array


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Read a JSON-lines file."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> None:
    """Write JSON lines atomically."""
    write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))


def save_torch(path: str | os.PathLike, obj) -> None:
    """torch.save through memory, then atomically.

    Saving straight to the temporary file would record its random name inside
    the zip archive, so the same model would not give the same bytes twice.
    """
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
