"""Reading raw corpora: text, gzip text, COCO caption JSON (alone or in a zip), in blocks of whole lines."""
from __future__ import annotations

import dataclasses
import gzip
import io
import json
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

from leakgan.data.settings import CorpusSettings
from leakgan.errors import UserError

BATCH = 8192  # captions per block of a COCO file
BLOCK_BYTES = 1 << 22


@dataclasses.dataclass
class ReadCounts:
    """How many lines a reader has passed on."""

    lines: int = 0


def _text_blocks(path: Path, handle, counts: ReadCounts, settings: CorpusSettings) -> Iterator[bytes]:
    """Whole lines in blocks of about BLOCK_BYTES, undecoded (decoding happens where the block is tokenized)."""
    try:
        while True:
            block = handle.read(BLOCK_BYTES)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += handle.readline()
            counts.lines += block.count(b"\n") + (not block.endswith(b"\n"))
            yield block
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise UserError(
            f"{path}: truncated or corrupt gzip data after line {counts.lines} ({exc}); "
            f"download it again or fix {settings.key('format')}"
        ) from None


def decode_block(block: bytes | str) -> tuple[str | None, int]:
    """The text of a block without its final line break, and how many of its lines were not UTF-8 (dropped)."""
    if isinstance(block, str):
        return block, 0
    body = memoryview(block)[:-1] if block.endswith(b"\n") else memoryview(block)
    try:
        return str(body, "utf-8"), 0
    except UnicodeDecodeError:
        # Rare: find the bad lines one by one, keep the rest.
        good, bad = [], 0
        for line in bytes(body).split(b"\n"):
            try:
                good.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                bad += 1
        return ("\n".join(good) if good else None), bad


def _coco_blocks(path: Path, data: bytes, counts: ReadCounts, settings: CorpusSettings) -> Iterator[str]:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); fix {settings.key('format')} (text or text.gz for line files)") from None
    annotations = doc.get("annotations") if isinstance(doc, dict) else None
    if not isinstance(annotations, list) or not all(isinstance(a, dict) and isinstance(a.get("caption"), str) for a in annotations):
        raise UserError(
            f"{path}: not a COCO captions file (needs an 'annotations' list of objects with a 'caption' string); "
            f"fix {settings.key('format')} or the source"
        )
    counts.lines += len(annotations)
    for start in range(0, len(annotations), BATCH):
        # A caption is one sentence even if it holds a line break.
        yield "\n".join(a["caption"].replace("\n", " ") for a in annotations[start:start + BATCH])


def read_blocks(path: str | Path, settings: CorpusSettings, counts: ReadCounts,
                member: str | None = None) -> Iterator[bytes | str]:
    """Yield the raw sentences of a corpus file in blocks of whole lines (see `decode_block`)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found; fix the `source` (or `test_source`) of datasets.{settings.name} in config.yaml")
    if settings.format == "text":
        with open(path, "rb") as handle:
            yield from _text_blocks(path, handle, counts, settings)
    elif settings.format == "text.gz":
        with gzip.open(path, "rb") as handle:
            yield from _text_blocks(path, io.BufferedReader(handle, 1 << 20), counts, settings)
    elif settings.format == "coco-json":
        yield from _coco_blocks(path, path.read_bytes(), counts, settings)
    else:
        member = member or settings.member
        try:
            with zipfile.ZipFile(path) as archive:
                data = archive.read(member)
        except zipfile.BadZipFile as exc:
            raise UserError(f"{path}: not a zip file ({exc}); fix {settings.key('format')}") from None
        except KeyError:
            raise UserError(f"{path}: has no member '{member}'; fix {settings.key('member')} (or test_member)") from None
        yield from _coco_blocks(Path(f"{path}:{member}"), data, counts, settings)


def normalise(text: str, lowercase: bool) -> str:
    """NFC, optionally lower-cased (a block of lines at once: neither step crosses a line break)."""
    text = unicodedata.normalize("NFC", text)
    return text.lower() if lowercase else text

