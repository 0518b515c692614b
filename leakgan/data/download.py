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


def download(url: str, out: str | os.PathLike, sha256: str | None = None, retries: int = 3,
             timeout: float = 60.0, progress: bool = True) -> Path:
    """Download `url` to `out` (resuming `out.part`), verify `sha256` if given, rename atomically."""
    out = Path(out)
    part = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    if urlparse(url).scheme not in ("http", "https", "file"):
        raise UserError(f"{url}: not an http, https or file URL; set the dataset's `source` to a URL or a local path")
    complete, last_error = False, None
    for _ in range(retries + 1):
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
        reason = f" ({last_error})" if last_error else ""
        raise UserError(
            f"{url}: download incomplete after {retries + 1} tries{reason}; {have} bytes kept in {part}, "
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
