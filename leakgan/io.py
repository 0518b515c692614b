"""Every file format the pipeline writes and reads, in one place.

Atomic output (content goes to a temporary file in the destination folder and
is renamed into place only when complete, so a killed job never leaves a file
that looks finished), token files, JSON and JSON lines, `vocab.json`, and
checkpoints. No other module opens these formats itself.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from leakgan.errors import UserError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_WRITE_ERRORS = {errno.ENOSPC: "no space left on the device", errno.EROFS: "the file system is read-only",
                 errno.EACCES: "permission denied", errno.EDQUOT: "disk quota exceeded",
                 errno.EISDIR: "it is a folder", errno.ENOTDIR: "a part of the path is not a folder"}


def _write_error(path: Path, exc: OSError) -> UserError:
    reason = _WRITE_ERRORS.get(exc.errno, exc.strerror or str(exc))
    return UserError(f"{path}: cannot be written ({reason}); nothing was written")


def check_output(path: str | os.PathLike, inputs=()) -> str:
    """What an output path is: 'file' (a regular file or nothing yet: written atomically) or 'stream' (a FIFO or a
    character device such as /dev/null: written through). One clear line for a symbolic link, a folder or
    anything else, and for an output that is one of the `inputs`."""
    path = Path(path)
    for source in inputs:
        if source is not None and path.exists() and Path(source).exists() and os.path.samefile(path, source):
            raise UserError(f"{path}: that is an input of this command; give another output file")
    if path.is_symlink():
        raise UserError(f"{path}: a symbolic link; give the file it points to ({os.path.realpath(path)}) "
                        "or another name (outputs never replace a link)")
    if not path.exists():
        return "file"
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "stream"
    if stat.S_ISDIR(mode):
        raise UserError(f"{path}: a folder; give a file name")
    raise UserError(f"{path}: not a regular file (a socket or block device); give a file name")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds.

    The target must be a regular file or absent (`check_output`); a file system that refuses the write
    (full, read-only, no permission) is one clear line, and the temporary file is removed.
    """
    path = Path(path)
    if check_output(path) != "file":
        raise UserError(f"{path}: not a regular file; an output that is replaced atomically must be one")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from None
    # mkstemp makes the file private (0600); a finished output gets the mode the umask gives, as open() would.
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
            os.replace(tmp_path, path)
        except OSError as exc:
            if exc.errno in _WRITE_ERRORS:
                raise _write_error(path, exc) from None
            raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def emit_text(out: str | None, text: str, inputs=()) -> None:
    """A command's text: printed (out None), written through a FIFO or device, or written atomically to a file
    that is not one of the command's `inputs`."""
    import sys

    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    if check_output(out, inputs) == "stream":
        try:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise _write_error(Path(out), exc) from None
        return
    write_text(out, text)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, obj) -> None:
    """Write JSON atomically, keys sorted and floats as Python prints them (deterministic)."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def readable_file(path: str | os.PathLike, what: str = "file", fix: str = "") -> Path:
    """`path` as a Path when it is a regular file that can be opened; one clear line otherwise: missing, a folder,
    a symbolic link to nothing (dangling, or a loop of links), a FIFO or device, no permission."""
    path = Path(path)
    tail = f"; {fix}" if fix else ""
    if path.is_symlink() and not path.exists():
        try:
            os.stat(path)
            reason = "a symbolic link that cannot be followed"
        except OSError as exc:
            reason = ("a loop of symbolic links" if exc.errno == errno.ELOOP
                      else f"a symbolic link to {os.readlink(path)}, which does not exist")
        raise UserError(f"{path}: {reason}; point it at the {what} or give the {what} itself")
    if not path.exists():
        raise UserError(f"{path}: {what} not found{tail}")
    if path.is_dir():
        raise UserError(f"{path}: a folder, not a {what}; give the {what} itself")
    if not path.is_file():
        raise UserError(f"{path}: not a regular file (a FIFO, socket or device); give the {what} itself")
    if not os.access(path, os.R_OK):
        raise UserError(f"{path}: cannot be read (permission denied)")
    return path


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (a bad byte at offset {exc.start}), so not a {what}; "
                        "delete it and re-run the stage that writes it") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def parse_json(text: str, where: str, fix: str = "delete it and re-run the stage that writes it"):
    """JSON text (NaN and Infinity literals included, as Python writes them), or one line naming `where`:
    not JSON, or nested too deeply to be a file of this pipeline (Python's parser would overflow its stack)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: not valid JSON ({exc}); {fix}") from None
    except RecursionError:
        raise UserError(f"{where}: JSON nested too deeply (thousands of levels) to be a file of this pipeline; "
                        f"{fix}") from None


def read_json(path: str | os.PathLike):
    """Read a JSON file, or stop with a clear message naming it (missing, a folder, a broken link, not UTF-8,
    not JSON, nested too deeply)."""
    path = readable_file(path, "JSON file")
    return parse_json(_read_text(path, "JSON file"), str(path))


def write_tokens(path: str | os.PathLike, sequences: np.ndarray | Sequence[Sequence[int]]) -> None:
    """Write sequences of token ids, one sequence per line, ids separated by spaces."""
    lines = [" ".join(str(int(t)) for t in seq) for seq in sequences]
    write_text(path, "\n".join(lines) + ("\n" if lines else ""))


def read_tokens(path: str | os.PathLike, vocab_size: int | None = None) -> np.ndarray:
    """Read a token file written by `write_tokens` into an int64 array (all lines the same length)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found")
    if path.is_dir():
        raise UserError(f"{path}: a folder, not a token file")
    rows: list[list[int]] = []
    try:
        with open(path, encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append([int(tok) for tok in line.split()])
                except ValueError:
                    raise UserError(f"{path}:{lineno}: expected integer token ids separated by spaces") from None
                too_large = next((t for t in rows[-1] if t >= 2**63), None)
                if too_large is not None:
                    raise UserError(f"{path}:{lineno}: token id {too_large} is too large to be one")
                negative = next((t for t in rows[-1] if t < 0), None)
                if negative is not None:
                    raise UserError(f"{path}:{lineno}: token id {negative} is negative; token ids are 0 or more")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a text file of token ids (it is not UTF-8)") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not rows:
        raise UserError(f"{path}: no sequences in file")
    length = len(rows[0])
    for lineno, row in enumerate(rows, 1):
        if len(row) != length:
            raise UserError(f"{path}: sequence {lineno} has {len(row)} tokens, expected {length} like the first")
    array = np.asarray(rows, dtype=np.int64)
    if vocab_size is not None and (array.min() < 0 or array.max() >= vocab_size):
        bad = int(array.min()) if array.min() < 0 else int(array.max())
        raise UserError(f"{path}: token id {bad} outside the vocabulary of {vocab_size} (ids 0..{vocab_size - 1})")
    return array


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Read a JSON-lines file of objects (a training curve), or stop with one line naming the file and line:
    missing, a folder, not UTF-8, a line cut mid-JSON (a killed job) or a line that is not a JSON object."""
    path = readable_file(path, "JSON-lines file", "run the stage that writes it")
    records = []
    for lineno, line in enumerate(_read_text(path, "JSON-lines file").split("\n"), 1):
        if not line.strip():
            continue
        record = parse_json(line, f"{path}:{lineno}", "the file is truncated or damaged: delete it and re-run "
                                                      "the stage that writes it")
        if not isinstance(record, dict):
            raise UserError(f"{path}:{lineno}: a JSON {type_name(record)}, not an object (a curve point); "
                            "delete the file and re-run the stage that writes it")
        records.append(record)
    return records


def type_name(value) -> str:
    """What a JSON value is, in words: 'object', 'list', 'string', 'number', 'true/false', 'null'."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "number"


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> None:
    """Write JSON lines atomically."""
    write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))


def append_jsonl(path: str | os.PathLike, record: dict) -> None:
    """Add one JSON line to a file and flush it (a training curve that can be watched while it grows)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")
        handle.flush()


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


# ---------------------------------------------------------------- vocab.json

def write_vocab(path: str | os.PathLike, size: int, tokens: list[str] | None, pad_id: int | None, seq_len: int,
                **extra) -> None:
    """vocab.json: the vocabulary size, the words (None for synthetic ids), the padding id and the length."""
    write_json(path, {"size": size, "pad_id": pad_id, "tokens": tokens, "seq_len": seq_len, **extra})


def read_vocab(path: str | os.PathLike) -> dict:
    """A vocab.json written by a data stage, checked for the fields every reader needs."""
    vocab = read_json(path)
    if not isinstance(vocab, dict) or not isinstance(vocab.get("size"), int) or isinstance(vocab.get("size"), bool):
        raise UserError(f"{path}: expected a JSON object with an integer 'size'; re-run the data stage")
    tokens = vocab.get("tokens")
    if tokens is not None and (not isinstance(tokens, list) or len(tokens) != vocab["size"]):
        raise UserError(f"{path}: 'tokens' must list {vocab['size']} words; re-run the data stage")
    return vocab


def read_dataset(vocab_path, train_path, test_path):
    """vocab.json and the train/test token files, checked against each other: (vocab, train, test) as tensors."""
    import torch

    vocab = read_vocab(vocab_path)
    train = torch.from_numpy(read_tokens(train_path, vocab["size"]))
    test = torch.from_numpy(read_tokens(test_path, vocab["size"]))
    if train.shape[1] != test.shape[1]:
        raise UserError(f"{test_path}: sequences have {test.shape[1]} tokens but {train_path} has {train.shape[1]}; "
                        "re-run the data stage")
    return vocab, train, test


# ---------------------------------------------------------------- checkpoints

def read_checkpoint(path: str | os.PathLike, what: str = "checkpoint") -> dict:
    """A checkpoint dict (tensors and plain data only), or one clear line if the file is missing or damaged."""
    import torch

    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: {what} not found; run the training stage that writes it")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise UserError(f"{path}: damaged or foreign {what} ({type(exc).__name__}); delete it and re-run training") from None
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("model"), str):
        raise UserError(f"{path}: not a {what} of this pipeline (no 'model' entry); delete it and re-run training")
    return ckpt
