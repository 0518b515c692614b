"""Reading corpora (leakgan.data.readers) from hostile or careless input (issue #15): lines dropped in silence
(Latin-1, UTF-16, gzip read as text), corrupt archives, bounded reads of long lines; one clear line, a non-zero
exit, nothing half-written."""
from __future__ import annotations

import builtins
import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from leakgan.data import readers
from leakgan.data.settings import CorpusSettings
from leakgan.errors import UserError
from tests.unit.oneline import SENTENCES, assert_nothing_written, assert_one_line, prepare


def test_latin1_corpus_above_the_threshold_stops_naming_line_and_encoding(tmp_path, capsys):
    src = tmp_path / "latin1.txt"
    src.write_bytes("".join(s + (" café" if i % 2 else "") + "\n" for i, s in enumerate(SENTENCES[:1000]))
                    .encode("latin-1"))
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out)
    assert_one_line(rc, err, "prepare",
                    f"{src}: 500 of 1000 lines (50%) are bad (500 not valid UTF-8, first at line 2 (probably Latin-1/cp1252)); "
                    "re-encode the file as UTF-8 (e.g. `iconv -f CP1252 -t UTF-8 FILE > FILE.utf8`), "
                    "or raise datasets.mine.max_bad_lines (now 0.001) to skip them")
    assert_nothing_written(out)


def test_latin1_lines_below_the_threshold_warn_and_are_counted(tmp_path, capsys):
    lines = list(SENTENCES)
    lines[1500] = "un café au lait"
    src = tmp_path / "mostly_utf8.txt"
    src.write_bytes("".join(l + "\n" for l in lines).encode("latin-1"))
    rc, err = prepare(capsys, src, tmp_path / "out")
    assert rc == 0, err
    assert err[0] == (f"leakgan prepare: warning: {src}: skipping 1 of 2000 bad lines (1 not valid UTF-8, "
                      "first at line 1501 (probably Latin-1/cp1252)); counted in stats.json "
                      "(the limit is datasets.mine.max_bad_lines = 0.001)")
    stats = json.loads((tmp_path / "out" / "stats.json").read_text(encoding="utf-8"))
    assert stats["invalid_utf8"] == 1 and stats["first_invalid_utf8_line"] == 1501
    assert stats["invalid_utf8_encoding_guess"] == "cp1252" and stats["lines_read"] == 2000


def test_zero_bad_lines_allowed_stops_at_the_first(tmp_path, capsys):
    lines = list(SENTENCES)
    lines[1500] = "un café au lait"
    src = tmp_path / "one_bad.txt"
    src.write_bytes("".join(l + "\n" for l in lines).encode("latin-1"))
    rc, err = prepare(capsys, src, tmp_path / "out", max_bad_lines=0)
    assert_one_line(rc, err, "prepare", f"{src}: 1 of 2000 lines (0.05%) are bad (1 not valid UTF-8, first at line 1501 (probably Latin-1/cp1252)); ",
                    exact=False)
    assert_nothing_written(tmp_path / "out")


def test_bad_lines_are_numbered_in_the_file_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_BYTES", 50)  # many blocks
    lines = [f"w{i % 7} x{i % 5} y" for i in range(500)]
    lines[333], lines[400] = "caf\xe9", "na\xefve"
    src = tmp_path / "blocks.txt"
    src.write_bytes("\n".join(lines).encode("latin-1"))
    settings = CorpusSettings.from_block("mine", {"max_len": 10, "num_train": 5, "num_test": 5, "max_bad_lines": 0.001})
    from leakgan.data.corpus import count_words

    with pytest.raises(UserError, match=re.escape(f"{src}: 2 of 500 lines (0.4%) are bad (2 not valid UTF-8, first at line 334 ")):
        count_words(src, settings, progress=False)


@pytest.mark.parametrize("line,guess,fix", [
    ("un café au lait".encode("latin-1"), "Latin-1/cp1252", "`iconv -f CP1252 -t UTF-8 FILE > FILE.utf8`"),
    ("床前明月光，疑是地上霜".encode("gbk"), "a multi-byte legacy encoding such as GBK/GB18030",
     "`iconv -f GB18030 -t UTF-8 FILE > FILE.utf8`"),
    ("床前明月光".encode() + b"\xff" + "疑是地上霜".encode(), "damaged UTF-8: stray or cut bytes among valid UTF-8 text",
     "`iconv -f UTF-8 -t UTF-8 -c FILE > FILE.utf8`"),
])
def test_the_encoding_of_bad_lines_is_guessed(tmp_path, capsys, line, guess, fix):
    src = tmp_path / "mixed.txt"
    src.write_bytes("".join(s + "\n" for s in SENTENCES[:99]).encode() + line + b"\n")
    rc, err = prepare(capsys, src, tmp_path / "out")
    assert_one_line(rc, err, "prepare", f"{src}: 1 of 100 lines (1%) are bad (1 not valid UTF-8, first at line 100 "
                                        f"(probably {guess})); ", exact=False)
    assert fix in err[0]
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("encoding,what,iconv", [
    ("utf-16", "UTF-16 text (it starts with a UTF-16 byte-order mark)", "UTF-16"),
    ("utf-16-le", "UTF-16LE text (every other byte is NUL)", "UTF-16LE"),
])
def test_utf16_file_is_named_as_such(tmp_path, capsys, encoding, what, iconv):
    src = tmp_path / "utf16.txt"
    src.write_bytes("".join(s + "\n" for s in SENTENCES).encode(encoding))
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out)
    assert_one_line(rc, err, "prepare",
                    f"{src}: is {what}, not UTF-8; re-encode it as UTF-8 (e.g. `iconv -f {iconv} -t UTF-8 FILE > "
                    "FILE.utf8`) and point the dataset's `source` at that")
    assert_nothing_written(out)


def test_gzip_file_read_as_text_is_named_as_such(tmp_path, capsys):
    src = tmp_path / "corpus.gz"
    src.write_bytes(gzip.compress("".join(s + "\n" for s in SENTENCES).encode()))
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out, format="text")
    assert_one_line(rc, err, "prepare",
                    f"{src}: is gzip-compressed but datasets.mine.format is 'text'; set datasets.mine.format to text.gz")
    assert_nothing_written(out)


def _coco_zip(path: Path, compression: int) -> tuple[bytes, int]:
    doc = {"annotations": [{"id": i, "caption": s} for i, s in enumerate(SENTENCES)]}
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("annotations/captions_train2014.json", json.dumps(doc))
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(raw)).infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)  # the member's data
    return raw, start


@pytest.mark.parametrize("compression,cause", [
    (zipfile.ZIP_DEFLATED, "zlib.error: Error -3 while decompressing data: invalid block type"),
    (zipfile.ZIP_STORED, "zipfile.BadZipFile: Bad CRC-32 for file 'annotations/captions_train2014.json'"),
])
def test_corrupt_zip_member_is_one_line(tmp_path, capsys, compression, cause):
    src = tmp_path / "ann.zip"
    raw, start = _coco_zip(src, compression)
    raw[start] = 0x07 if compression == zipfile.ZIP_DEFLATED else raw[start] ^ 0xFF  # a reserved deflate block / a changed byte
    src.write_bytes(bytes(raw))
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out, name="coco", format="coco-zip")
    assert_one_line(rc, err, "prepare",
                    f"{src}: member 'annotations/captions_train2014.json' cannot be read ({cause}); the archive is "
                    "corrupt, truncated or uses an unsupported compression: delete it and download it again, or "
                    "unzip it yourself and set datasets.coco.format to coco-json")
    assert_nothing_written(out)


def test_deeply_nested_coco_json_is_one_line(tmp_path, capsys):
    src = tmp_path / "deep.json"
    src.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out, name="coco", format="coco-json")
    assert_one_line(rc, err, "prepare", f"{src}: JSON nested too deeply to be a COCO captions file; fix the "
                                        "dataset's `source` or datasets.coco.format")
    assert_nothing_written(out)


@pytest.mark.parametrize("fmt", ["text", "text.gz"])
def test_line_longer_than_max_line_bytes_is_refused(tmp_path, capsys, fmt):
    data = b"a b c\nd e f\n" + b"word " * 1000 + b"\ng h\n"
    src = tmp_path / ("long.gz" if fmt == "text.gz" else "long.txt")
    src.write_bytes(gzip.compress(data) if fmt == "text.gz" else data)
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out, format=fmt, max_line_bytes=1000)
    assert_one_line(rc, err, "prepare",
                    f"{src}: line 3 is longer than 1000 bytes (datasets.mine.max_line_bytes); a corpus holds one "
                    "sentence per line: split the file into lines, fix datasets.mine.format if it is not line text, "
                    "or raise max_line_bytes")
    assert_nothing_written(out)


def test_a_single_line_corpus_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    """Every read is bounded: a block plus max_line_bytes, never the whole line."""
    monkeypatch.setattr(readers, "BLOCK_BYTES", 4096)
    src = tmp_path / "one_line.txt"
    src.write_bytes(b"x" * 200_000)
    requested = []
    real_open = open

    class Recording(io.BufferedReader):
        def read(self, size=-1):
            requested.append(size)
            return super().read(size)

        def readline(self, size=-1):
            requested.append(size)
            return super().readline(size)

    def recording_open(path, mode="r", *args, **kwargs):
        if Path(path) == src:
            return Recording(real_open(path, "rb", buffering=0))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    settings = CorpusSettings.from_block("mine", {"max_len": 10, "num_train": 5, "num_test": 5, "max_line_bytes": 1000})
    with pytest.raises(UserError, match=re.escape(f"{src}: line 1 is longer than 1000 bytes")):
        list(readers.read_blocks(src, settings, readers.ReadCounts()))
    assert requested and all(0 < size <= 4096 for size in requested), requested
