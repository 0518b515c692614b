"""Reading raw corpora: text, gzip text, COCO caption JSON (alone or in a zip), in blocks of whole lines.

Hostile or careless input stops with one line naming the file: a text file
that is really UTF-16, gzip, zip or another compressed format is named as
such from its first bytes, before any line is counted; a line longer than
`max_line_bytes` is refused before it is read whole (memory stays bounded by
a block plus that limit); lines that are not UTF-8, and lines holding a NUL
byte or another C0 control character (anything below 0x20 but tab, and a
carriage return only as part of a CRLF line end), are bad lines: skipped,
never tokenized, counted with the number of the first one (and a guess at
the encoding of the first line that is not UTF-8), up to `max_bad_lines`
(see `BadLines` and `check_bad_lines`).
"""
from __future__ import annotations

import dataclasses
import gzip
import io
import json
import re
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np

from leakgan.data.settings import CorpusSettings
from leakgan.errors import UserError

BATCH = 8192  # captions per block of a COCO file
BLOCK_BYTES = 1 << 22
SNIFF_BYTES = 1 << 12  # how much of a file's start decides whether it is UTF-16, compressed, ...
UTF8_BOM = b"\xef\xbb\xbf"


@dataclasses.dataclass
class ReadCounts:
    """How many lines a reader has passed on."""

    lines: int = 0


# ---------------------------------------------------------------- lines that are not UTF-8

# What a guessed encoding is called in messages, and how to make the file UTF-8.
_RECODE = "re-encode the file as UTF-8 (e.g. `iconv -f {} -t UTF-8 FILE > FILE.utf8`)"
_ENCODINGS = {
    "cp1252": ("Latin-1/cp1252", _RECODE.format("CP1252")),
    "latin-1": ("Latin-1", _RECODE.format("LATIN1")),
    "gb18030": ("a multi-byte legacy encoding such as GBK/GB18030", _RECODE.format("GB18030")),
    "utf-16": ("UTF-16", _RECODE.format("UTF-16")),
    "damaged-utf-8": ("damaged UTF-8: stray or cut bytes among valid UTF-8 text",
                      "drop the damaged bytes (e.g. `iconv -f UTF-8 -t UTF-8 -c FILE > FILE.utf8`)"),
}


# A C0 control character that makes a line bad: below 0x20 except tab and line feed, and a carriage return
# that does not end a line (CRLF files stay readable). NUL bytes glued into words ('gro\x00up') are the usual case.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\r(?!\n|\Z)")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|\r(?!\n|\Z)")
_CONTROL_CODES = np.array([c for c in range(32) if c not in (9, 10, 13)])


def _has_control(body) -> bool:
    """Whether a block (bytes, its final line break dropped) holds a `_CONTROL_BYTES` character, at numpy speed
    (a regular expression over a 4 MiB block costs more than decoding it)."""
    codes = np.frombuffer(body, dtype=np.uint8)
    counts = np.bincount(codes[codes < 32], minlength=32)
    if counts[_CONTROL_CODES].any():
        return True
    if not counts[13]:
        return False
    data = bytes(body)
    return counts[13] != data.count(b"\r\n") + data.endswith(b"\r")


@dataclasses.dataclass
class BadLines:
    """Lines that are not valid UTF-8 (how many, the first one's number, 1-based, and a guess at its encoding),
    and lines holding control characters (how many, the first one's number)."""

    count: int = 0
    first: int | None = None
    guess: str | None = None  # a key of _ENCODINGS
    control: int = 0
    first_control: int | None = None

    def add(self, other: "BadLines") -> None:
        """Fold in the bad lines of a later block."""
        if other.count and (self.first is None or (other.first is not None and other.first < self.first)):
            self.first, self.guess = other.first, other.guess
        self.count += other.count
        if other.control and (self.first_control is None or
                              (other.first_control is not None and other.first_control < self.first_control)):
            self.first_control = other.first_control
        self.control += other.control

    @property
    def total(self) -> int:
        """Every bad line: not UTF-8, or holding a control character."""
        return self.count + self.control

    def describe(self) -> str:
        """'first at line N (probably ...)'."""
        label = _ENCODINGS.get(self.guess or "", ("an unknown encoding", ""))[0]
        return f"first at line {self.first} (probably {label})"

    def fix(self) -> str:
        """How to make the file UTF-8."""
        return _ENCODINGS.get(self.guess or "", ("", _RECODE.format("<its encoding>")))[1]


def guess_encoding(line: bytes) -> str:
    """A guess at the encoding of a line that is not UTF-8 (a key of _ENCODINGS)."""
    if line.count(0) * 4 >= max(len(line), 1):
        return "utf-16"
    decoded = line.decode("utf-8", "replace")
    damaged = decoded.count("\ufffd")
    if sum(1 for c in decoded if c >= "\x80" and c != "\ufffd") >= 2 * damaged:
        # Mostly valid multi-byte UTF-8 with a few bad bytes: a damaged UTF-8 file, not another encoding.
        return "damaged-utf-8"
    high = sum(1 for b in line if b >= 0x80)
    if high * 2 > len(line.strip()):
        # Mostly non-ASCII bytes: East Asian text in a legacy encoding rather than accented Latin letters.
        try:
            line.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError:
            pass
    try:
        line.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


CONTROL_FIX = "remove those characters (e.g. `tr -d '\\000-\\010\\013\\014\\016-\\037' < FILE > FILE.clean`)"


def _bad_kinds(bad: BadLines) -> str:
    """'3 not valid UTF-8, first at line 7 (probably Latin-1); 2 with a NUL or other control character, first at
    line 9'."""
    parts = []
    if bad.count:
        parts.append(f"{bad.count} not valid UTF-8, {bad.describe()}")
    if bad.control:
        parts.append(f"{bad.control} with a NUL or other control character, first at line {bad.first_control}")
    return "; ".join(parts)


def check_bad_lines(path, settings: CorpusSettings, lines: int, bad: BadLines, stage: str = "prepare") -> None:
    """Stop when more than `max_bad_lines` of a file's lines are bad (not UTF-8, or holding a control character);
    below that, warn on stderr (one line)."""
    if not bad.total:
        return
    share = bad.total / max(lines, 1)
    key = settings.key("max_bad_lines")
    if share > settings.max_bad_lines:
        fix = "; ".join(f for f, n in ((bad.fix(), bad.count), (CONTROL_FIX, bad.control)) if n)
        raise UserError(
            f"{path}: {bad.total} of {lines} lines ({share * 100:.4g}%) are bad ({_bad_kinds(bad)}); "
            f"{fix}, or raise {key} (now {settings.max_bad_lines:g}) to skip them"
        )
    print(f"leakgan {stage}: warning: {path}: skipping {bad.total} of {lines} bad lines ({_bad_kinds(bad)}); "
          f"counted in stats.json (the limit is {key} = {settings.max_bad_lines:g})", file=sys.stderr)


def decode_block(block: bytes | str, start: int = 0) -> tuple[str | None, BadLines]:
    """The text of a block without its final line break, and its bad lines (dropped): lines that are not UTF-8
    and lines holding a control character (`_CONTROL_BYTES`).

    `start` is the number of lines before the block, so that the first bad line is numbered in the file.
    """
    if isinstance(block, str):  # COCO captions, decoded from JSON (where "\u0000" is a NUL too)
        if _CONTROL_CHARS.search(block) is None:
            return block, BadLines()
        good, bad = [], BadLines()
        for index, line in enumerate(block.split("\n")):
            if _CONTROL_CHARS.search(line) is None:
                good.append(line)
            else:
                if bad.first_control is None:
                    bad.first_control = start + index + 1
                bad.control += 1
        return ("\n".join(good) if good else None), bad
    body = memoryview(block)[:-1] if block.endswith(b"\n") else memoryview(block)
    control = _has_control(body)
    if not control:
        try:
            return str(body, "utf-8"), BadLines()
        except UnicodeDecodeError:
            pass
    # Rare: find the bad lines one by one, keep the rest.
    good, bad = [], BadLines()
    for index, line in enumerate(bytes(body).split(b"\n")):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            if bad.first is None:
                bad.first, bad.guess = start + index + 1, guess_encoding(line)
            bad.count += 1
            continue
        if control and _CONTROL_BYTES.search(line) is not None:
            if bad.first_control is None:
                bad.first_control = start + index + 1
            bad.control += 1
            continue
        good.append(text)
    return ("\n".join(good) if good else None), bad


# ---------------------------------------------------------------- line files

def _sniff(path: Path, head: bytes, settings: CorpusSettings, compressed: bool) -> None:
    """Name a file that is not UTF-8 line text from its first bytes (UTF-16/32, gzip, zip, ...)."""
    fmt = settings.key("format")
    what = None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        what, iconv = "UTF-32 text (it starts with a UTF-32 byte-order mark)", "UTF-32"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        what, iconv = "UTF-16 text (it starts with a UTF-16 byte-order mark)", "UTF-16"
    elif head.count(0) * 4 >= len(head) > 0:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if max(even, odd) >= 0.9 * (even + odd):
            order = "BE" if even > odd else "LE"
            what, iconv = f"UTF-16{order} text (every other byte is NUL)", f"UTF-16{order}"
        else:
            raise UserError(f"{path}: is binary data (NUL bytes), not one sentence per line; "
                            f"check the dataset's `source` and {fmt}")
    if what:
        raise UserError(f"{path}: is {what}, not UTF-8; re-encode it as UTF-8 "
                        f"(e.g. `iconv -f {iconv} -t UTF-8 FILE > FILE.utf8`) and point the dataset's `source` at that")
    if compressed:
        return
    if head.startswith(b"\x1f\x8b"):
        raise UserError(f"{path}: is gzip-compressed but {fmt} is 'text'; set {fmt} to text.gz")
    if head.startswith(b"PK\x03\x04"):
        raise UserError(f"{path}: is a zip archive but {fmt} is 'text'; set {fmt} to coco-zip (COCO captions) "
                        "or unzip it and point the dataset's `source` at the text file")
    for magic, name in ((b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd")):
        if head.startswith(magic):
            raise UserError(f"{path}: is {name}-compressed, which is not read; decompress it (or recompress it "
                            f"with gzip and set {fmt} to text.gz)")
    if head[:3] == b"BZh" and head[4:10] == b"1AY&SY":
        raise UserError(f"{path}: is bzip2-compressed, which is not read; decompress it (or recompress it "
                        f"with gzip and set {fmt} to text.gz)")


def _check_line_lengths(path: Path, block: bytes, before: int, settings: CorpusSettings) -> int:
    """The number of lines in a block; stop at a line longer than max_line_bytes (numbered in the file)."""
    limit = settings.max_line_bytes
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) if len(block) > limit else None
    lines = (block.count(b"\n") if ends is None else len(ends)) + (not block.endswith(b"\n"))
    if ends is None:
        return lines
    bounds = np.concatenate(([-1], ends, [] if block.endswith(b"\n") else [len(block)]))
    too_long = np.flatnonzero(np.diff(bounds) - 1 > limit)
    if len(too_long):
        line = before + int(too_long[0]) + 1
        raise UserError(
            f"{path}: line {line} is longer than {limit} bytes ({settings.key('max_line_bytes')}); "
            f"a corpus holds one sentence per line: split the file into lines, fix {settings.key('format')} "
            "if it is not line text, or raise max_line_bytes"
        )
    return lines


def _text_blocks(path: Path, handle, counts: ReadCounts, settings: CorpusSettings, compressed: bool) -> Iterator[bytes]:
    """Whole lines in blocks of about BLOCK_BYTES, undecoded (decoding happens where the block is tokenized).

    Memory stays below BLOCK_BYTES + max_line_bytes whatever the file: a block's
    unfinished last line is completed with `readline(limit)`, and a line that
    does not end within the limit is refused.
    """
    first = True
    try:
        while True:
            block = handle.read(BLOCK_BYTES)
            if not block:
                return
            if first:
                first = False
                _sniff(path, block[:SNIFF_BYTES], settings, compressed)
                if block.startswith(UTF8_BOM):
                    block = block[len(UTF8_BOM):]
                    if not block:
                        continue
            if not block.endswith(b"\n"):
                block += handle.readline(settings.max_line_bytes + 1)
            counts.lines += _check_line_lengths(path, block, counts.lines, settings)
            yield block
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise UserError(
            f"{path}: truncated or corrupt gzip data after line {counts.lines} ({exc}); "
            f"download it again or fix {settings.key('format')}"
        ) from None


# ---------------------------------------------------------------- COCO captions

def _coco_blocks(path: Path, data: bytes, counts: ReadCounts, settings: CorpusSettings) -> Iterator[str]:
    try:
        doc = json.loads(data)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise UserError(f"{path}: not valid JSON ({exc}); fix {settings.key('format')} (text or text.gz for line files)") from None
    except RecursionError:
        raise UserError(f"{path}: JSON nested too deeply to be a COCO captions file; "
                        f"fix the dataset's `source` or {settings.key('format')}") from None
    annotations = doc.get("annotations") if isinstance(doc, dict) else None
    if not isinstance(annotations, list) or not all(isinstance(a, dict) and isinstance(a.get("caption"), str) for a in annotations):
        raise UserError(
            f"{path}: not a COCO captions file (needs an 'annotations' list of objects with a 'caption' string); "
            f"fix {settings.key('format')} or the source"
        )
    del doc, data
    for start in range(0, len(annotations), BATCH):
        batch = annotations[start:start + BATCH]
        counts.lines += len(batch)
        # A caption is one sentence even if it holds a line break.
        yield "\n".join(a["caption"].replace("\n", " ") for a in batch)


def _error_name(exc: BaseException) -> str:
    """'zlib.error', 'zipfile.BadZipFile', 'EOFError'."""
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _zip_member(path: Path, member: str, settings: CorpusSettings) -> bytes:
    """The bytes of a member of a zip file, or one line saying why not."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise UserError(f"{path}: not a zip file ({exc}); fix {settings.key('format')}") from None
    with archive:
        try:
            info = archive.getinfo(member)
        except KeyError:
            raise UserError(f"{path}: has no member '{member}'; fix {settings.key('member')} (or test_member)") from None
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise UserError(
                f"{path}: member '{member}' cannot be read ({_error_name(exc)}: {exc}); the archive is corrupt, "
                "truncated or uses an unsupported compression: delete it and download it again, or unzip it "
                f"yourself and set {settings.key('format')} to coco-json"
            ) from None


# ---------------------------------------------------------------- any format

def read_blocks(path: str | Path, settings: CorpusSettings, counts: ReadCounts,
                member: str | None = None) -> Iterator[bytes | str]:
    """Yield the raw sentences of a corpus file in blocks of whole lines (see `decode_block`)."""
    from leakgan.io import readable_file

    # missing, a folder, a dangling link or a loop of links, a FIFO: one line naming the file
    path = readable_file(path, "corpus file",
                         f"fix the `source` (or `test_source`) of datasets.{settings.name} in config.yaml")
    if settings.format == "text":
        with open(path, "rb") as handle:
            yield from _text_blocks(path, handle, counts, settings, compressed=False)
    elif settings.format == "text.gz":
        with gzip.open(path, "rb") as handle:
            yield from _text_blocks(path, io.BufferedReader(handle, 1 << 20), counts, settings, compressed=True)
    elif settings.format == "coco-json":
        yield from _coco_blocks(path, path.read_bytes(), counts, settings)
    else:
        member = member or settings.member
        yield from _coco_blocks(Path(f"{path}:{member}"), _zip_member(path, member, settings), counts, settings)


def normalise(text: str, lowercase: bool) -> str:
    """NFC, optionally lower-cased (a block of lines at once: neither step crosses a line break)."""
    text = unicodedata.normalize("NFC", text)
    return text.lower() if lowercase else text
