"""`leakgan download`: fetch a raw corpus, resumably, with checksum verification.

Bytes go to `<out>.part`; an interrupted transfer is resumed from its end with
an HTTP Range request (by this call's retries or by the next run), and the
file is renamed to `<out>` only once complete and, when a sha256 is given,
verified. A checksum mismatch deletes the `.part` file so that the next run
starts clean instead of resuming garbage.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from tqdm import tqdm

from leakgan.errors import UserError

CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(url: str, part: Path, timeout: float, progress: bool) -> bool:
    """Append the rest of `url` to `part`; True when the server says the file is complete."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "leakgan-download"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            # Range not satisfiable: the part file already holds the whole resource.
            return True
        raise
    with response:
        status = getattr(response, "status", 200)
        if have and status != 206:
            have = 0  # the server ignored the Range header: start over
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        with open(part, "ab" if have else "wb") as out, tqdm(
            total=total, initial=have, unit="B", unit_scale=True, desc=Path(urlparse(url).path).name,
            file=sys.stderr, disable=not progress, mininterval=1.0,
        ) as bar:
            while True:
                try:
                    block = response.read(CHUNK)
                except http.client.IncompleteRead as exc:
                    # Keep what arrived before the cut so the next try resumes after it.
                    out.write(exc.partial)
                    bar.update(len(exc.partial))
                    return False
                if not block:
                    break
                out.write(block)
                bar.update(len(block))
        got = part.stat().st_size
        return total is None or got >= total


def _reason(url: str, exc: BaseException | None) -> str:
    """Why a try failed, in words ('host x not found' rather than '<urlopen error [Errno -2] ...>')."""
    if exc is None:
        return "the server closed the connection early"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return f"host '{urlparse(url).hostname}' not found ({reason.strerror})"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror + (f": {reason.filename}" if reason.filename else "")
    return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


def download(url: str, out: str | os.PathLike, sha256: str | None = None, retries: int = 3,
             timeout: float = 60.0, progress: bool = True) -> Path:
    """Download `url` to `out` (resuming `out.part`), verify `sha256` if given, rename atomically."""
    out = Path(out)
    part = out.with_name(out.name + ".part")
    if urlparse(url).scheme not in ("http", "https", "file"):
        raise UserError(f"{url}: not an http, https or file URL; set the dataset's `source` to a URL or a local path")
    if retries < 0 or not timeout > 0:
        raise UserError(f"{url}: --retries must be 0 or more and --timeout above 0 (got {retries} and {timeout})")
    made = [d for d in (out.parent, *out.parent.parents) if not d.exists()]  # deepest first
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _download(url, out, part, sha256, retries, timeout, progress)
    except BaseException:
        if not part.exists():  # nothing kept to resume: leave no folder behind either
            for folder in made:
                try:
                    folder.rmdir()
                except OSError:
                    break
        raise


def _download(url: str, out: Path, part: Path, sha256: str | None, retries: int, timeout: float,
              progress: bool) -> Path:
    complete, last_error = False, None
    for _ in range(retries + 1):
        last_error = None
        try:
            complete = _fetch(url, part, timeout, progress)
        except urllib.error.HTTPError as exc:
            raise UserError(f"{url}: HTTP {exc.code} {exc.reason}; check the dataset's `source` in config.yaml") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            last_error, complete = exc, False
        if complete:
            break
    if not complete:
        have = part.stat().st_size if part.exists() else 0
        tries = f"{retries + 1} tries"
        if have == 0:
            # Nothing arrived (a wrong host, no network): no part file is kept, and there is nothing to resume.
            if part.exists():
                part.unlink()
            raise UserError(
                f"{url}: nothing downloaded after {tries} ({_reason(url, last_error)}); "
                "check the URL (the dataset's `source` in config.yaml) and the network connection"
            )
        raise UserError(
            f"{url}: download incomplete after {tries} ({_reason(url, last_error)}); {have} bytes kept in {part}, "
            "run again to resume or check the dataset's `source` in config.yaml"
        )
    if sha256:
        actual = sha256_file(part)
        if actual.lower() != sha256.strip().lower():
            part.unlink()
            raise UserError(
                f"{url}: sha256 {actual} does not match the expected {sha256}; "
                "the file changed upstream or is corrupt: fix the dataset's `sha256` (or `test_sha256`) in config.yaml"
            )
    os.replace(part, out)
    return out
