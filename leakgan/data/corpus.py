"""`leakgan prepare`: a raw corpus → frequency- and length-filtered token files.

Two streaming passes over the source. Pass 1 normalises (NFC, optional
lower-casing), tokenizes and counts words; surrounding whitespace never makes a
token, and a line without tokens counts as empty. Pass 2 tokenizes again, drops every
sentence holding a word seen fewer than `min_freq` times (the paper: WMT
4,050, COCO 10), then sentences outside `min_len..max_len` tokens (and, for
poems, of the wrong shape), and keeps a seeded reservoir sample of the
survivors. Memory holds the word counts and the sampled sentences only, never
the corpus. Nothing is written until every check has passed.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import ctypes
import dataclasses
import gzip
import io
import itertools
import json
import multiprocessing
import re
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from tqdm import tqdm

from leakgan.errors import UserError
from leakgan.files import write_json, write_text

FORMATS = ("text", "text.gz", "coco-json", "coco-zip")
PRE_TOKENIZERS = ("whitespace_split", "whitespace", "char")
ENGINES = ("python", "hf")
BATCH = 8192
# Mixed into the seed so this stage's random stream differs from other stages'.
STAGE_TAG = 0x636F7270


@dataclasses.dataclass(frozen=True)
class CorpusSettings:
    """The settings of one text dataset that change the prepared files (see dataset_text.schema.yaml)."""

    name: str
    format: str = "text"
    member: str = "annotations/captions_train2014.json"
    test_member: str | None = None
    lowercase: bool = False
    pre_tokenizer: str = "whitespace_split"
    engine: str = "python"
    min_freq: int = 1
    min_len: int = 1
    max_len: int = 51
    poem_shape: tuple[int, int] | None = None
    num_train: int = 10000
    num_test: int = 1000
    pad_token: str = "<pad>"

    @classmethod
    def from_block(cls, name: str, block: dict) -> "CorpusSettings":
        """Settings from a dataset block of config.yaml (unknown keys are the schema's business)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in block.items() if k in fields and k != "name"}
        if values.get("poem_shape") is not None:
            values["poem_shape"] = tuple(values["poem_shape"])
        settings = cls(name=name, **values)
        settings.check()
        return settings

    def key(self, setting: str) -> str:
        return f"datasets.{self.name}.{setting}"

    def check(self) -> None:
        """Stop with one line naming the config key of an impossible combination."""
        if self.format not in FORMATS:
            raise UserError(f"config.yaml: {self.key('format')} is '{self.format}', expected one of {', '.join(FORMATS)}")
        if self.pre_tokenizer not in PRE_TOKENIZERS:
            raise UserError(f"config.yaml: {self.key('pre_tokenizer')} is '{self.pre_tokenizer}', "
                            f"expected one of {', '.join(PRE_TOKENIZERS)}")
        if self.engine not in ENGINES:
            raise UserError(f"config.yaml: {self.key('engine')} is '{self.engine}', expected one of {', '.join(ENGINES)}")
        if not 1 <= self.min_len <= self.max_len:
            raise UserError(f"config.yaml: {self.key('min_len')} ({self.min_len}) must be between 1 and "
                            f"{self.key('max_len')} ({self.max_len})")
        if self.num_train < 1 or self.num_test < 1:
            raise UserError(f"config.yaml: {self.key('num_train')} and num_test must be at least 1")


# ---------------------------------------------------------------- reading

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


# ---------------------------------------------------------------- tokenizing

_WORD_RE = re.compile(r"\w+|[^\w\s]+")


def hf_pre_tokenizer(name: str):
    """The Hugging Face `tokenizers` pre-tokenizer that defines the split `name`."""
    from tokenizers import Regex, pre_tokenizers

    if name == "whitespace_split":
        return pre_tokenizers.WhitespaceSplit()
    if name == "whitespace":
        return pre_tokenizers.Whitespace()
    return pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Split(Regex("."), "isolated")])


class Tokenizer:
    """Splits normalised text into tokens: per sentence, or all tokens of a block at once (for counting).

    engine 'hf' runs the Hugging Face pre-tokenizer sentence by sentence;
    'python' computes the same split with str/re built-ins over whole blocks,
    several times faster on a few cores (the tests check that both agree on
    the project's corpora). Every split skips whitespace, so a line without
    tokens is an empty line.
    """

    def __init__(self, name: str, engine: str = "python"):
        self.name, self.engine = name, engine
        if engine == "hf":
            pre = hf_pre_tokenizer(name)
            self.split = lambda lines: [[piece for piece, _ in pre.pre_tokenize_str(s)] for s in lines]
        elif name == "whitespace_split":
            self.split = lambda lines: [s.split() for s in lines]
        elif name == "whitespace":
            findall = _WORD_RE.findall
            self.split = lambda lines: [findall(s) for s in lines]
        else:
            self.split = lambda lines: [list("".join(s.split())) for s in lines]

    def block_tokens(self, text: str):
        """Every token of a block of lines, in order (what pass 1 counts)."""
        if self.engine == "hf":
            return itertools.chain.from_iterable(self.split(text.split("\n")))
        if self.name == "whitespace_split":
            return text.split()
        if self.name == "whitespace":
            return _WORD_RE.findall(text)
        return "".join(text.split())

    def flat_tokens(self, text: str) -> list:
        """Every token of a block with `END` after each line's tokens (pass 2 works on this, vectorised)."""
        if self.engine == "python" and _MARK not in text:
            # One C-level call per block: line breaks become a private-use mark
            # that no split glues to a neighbour.
            marked = text.replace("\n", f" {_MARK} ") + f" {_MARK}"
            if self.name == "whitespace_split":
                flat = marked.split()
            elif self.name == "whitespace":
                flat = _MARKED_WORD_RE.findall(marked)
            else:
                flat = list("".join(marked.split()))
            return flat
        out: list = []
        for tokens in self.split(text.split("\n")):
            out.extend(tokens)
            out.append(END)
        return out


# Line ends in a flat token list: the mark where the fast path could insert it,
# else an object that no corpus token can equal.
_MARK = "\ue000"
END = object()
_MARKED_WORD_RE = re.compile(r"\w+|[^\w\s\ue000]+|\ue000")


def batch_tokenizer(name: str, engine: str = "python") -> Callable[[list[str]], list[list[str]]]:
    """A function turning a batch of normalised sentences into lists of tokens."""
    return Tokenizer(name, engine).split


def poem_shape_ok(tokens: list[str], shape: tuple[int, int]) -> bool:
    """True when the tokens, cut at punctuation, form `shape[0]` lines of `shape[1]` characters."""
    lines, chars = shape
    runs, run = [], 0
    for tok in tokens:
        if unicodedata.category(tok[0]).startswith("P"):
            if run:
                runs.append(run)
            run = 0
        else:
            run += len(tok)
    if run:
        runs.append(run)
    return runs == [chars] * lines


# ---------------------------------------------------------------- the two passes

def _progress(desc: str, progress: bool):
    return tqdm(desc=desc, unit=" lines", file=sys.stderr, disable=not progress, mininterval=1.0)


# Per-process state of the block functions: set once per pass (in each worker
# process when the pass runs on several), so a block travels alone.
_STATE: dict = {}


def _fixed_mmap_threshold() -> None:
    """Keep glibc from moving multi-megabyte buffers onto the heap (Linux only; a no-op elsewhere).

    glibc raises its mmap threshold each time a large mmap-ed buffer is freed,
    after which the per-block text and id arrays come from the heap, and the
    heap, fragmented by small objects in between, grew with the number of
    blocks read (measured: 222 MB after 500,000 lines, 451 MB after 2,000,000;
    156 MB with the threshold fixed at 1 MiB).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _init_state(settings: CorpusSettings, vocab: dict[str, int] | None) -> None:
    _fixed_mmap_threshold()
    _STATE["settings"] = settings
    _STATE["tokenizer"] = Tokenizer(settings.pre_tokenizer, settings.engine)
    if vocab is not None:
        lookup = dict(vocab)
        lookup[_MARK] = lookup[END] = -2  # line end; -1 = a word under min_freq
        _STATE["lookup"] = lookup


def _count_block(block: bytes | str) -> collections.Counter:
    text, _ = decode_block(block)
    if text is None:
        return collections.Counter()
    return collections.Counter(_STATE["tokenizer"].block_tokens(normalise(text, _STATE["settings"].lowercase)))


def _filter_block(block: bytes | str) -> tuple[np.ndarray, np.ndarray, dict]:
    """The sentences of a block that pass every filter (-1-padded id rows, lengths) and the rejection counts."""
    settings, tokenizer, lookup = _STATE["settings"], _STATE["tokenizer"], _STATE["lookup"]
    max_len = settings.max_len
    text, invalid = decode_block(block)
    if text is None:
        return np.zeros((0, max_len), dtype=np.int32), np.zeros(0, dtype=np.int32), {"invalid_utf8": invalid}
    flat = tokenizer.flat_tokens(normalise(text, settings.lowercase))
    ids = np.fromiter(map(lookup.get, flat, itertools.repeat(-1)), dtype=np.int64, count=len(flat))
    ends = np.flatnonzero(ids == -2)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    line_of = np.repeat(np.arange(len(ends)), lengths + 1)
    rare = np.bincount(line_of[ids == -1], minlength=len(ends)) > 0
    empty = lengths == 0
    freq_ok = ~empty & ~rare
    short, long_ = freq_ok & (lengths < settings.min_len), freq_ok & (lengths > max_len)
    ok = freq_ok & ~short & ~long_
    rejected = {"invalid_utf8": invalid, "empty": int(empty.sum()), "rare_word": int((~empty & rare).sum()),
                "too_short": int(short.sum()), "too_long": int(long_.sum()), "poem_shape": 0}
    if settings.poem_shape is not None:
        for j in np.flatnonzero(ok):
            if not poem_shape_ok(flat[starts[j]:ends[j]], settings.poem_shape):
                ok[j] = False
                rejected["poem_shape"] += 1
    kept = np.flatnonzero(ok)
    width = np.arange(max_len)
    # Position p of line j is flat token starts[j] + p.
    pos = np.minimum(starts[kept, None] + width[None, :], max(len(ids) - 1, 0))
    rows = np.where(width[None, :] < lengths[kept, None], ids[pos] if len(ids) else -1, -1).astype(np.int32)
    return rows, lengths[kept].astype(np.int32), rejected


def _map_blocks(func, blocks: Iterator[str], workers: int, state: tuple) -> Iterator:
    """func over blocks, results in block order; on `workers` processes when more than one."""
    _fixed_mmap_threshold()  # the reading process too, not only the workers
    if workers <= 1:
        _init_state(*state)
        yield from map(func, blocks)
        return
    # spawn, not fork: the caller may run threads (a test's HTTP server), which fork does not copy safely.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_init_state,
                                                initargs=state) as pool:
        pending: collections.deque = collections.deque()
        for block in blocks:
            pending.append(pool.submit(func, block))
            # A bounded queue: the file is never read far ahead of the workers.
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def count_words(path, settings: CorpusSettings, progress: bool, workers: int = 1) -> collections.Counter:
    """Pass 1: how often each token occurs in a corpus file."""
    counts, words = ReadCounts(), collections.Counter()
    blocks = read_blocks(path, settings, counts)
    with _progress(f"count {Path(path).name}", progress) as bar:
        if workers <= 1:
            # Counting the tokens straight in (C code) beats merging a Counter per block (a Python loop).
            _init_state(settings, None)
            tokenizer = _STATE["tokenizer"]
            for block in blocks:
                text, _ = decode_block(block)
                if text is not None:
                    words.update(tokenizer.block_tokens(normalise(text, settings.lowercase)))
                bar.update(counts.lines - bar.n)
            return words
        for block_words in _map_blocks(_count_block, blocks, workers, (settings, None)):
            words.update(block_words)
            bar.update(counts.lines - bar.n)
    return words


class Reservoir:
    """A seeded uniform sample of k sentences from a stream (Algorithm R; one draw per item after the first k)."""

    def __init__(self, k: int, max_len: int, rng: np.random.Generator):
        self.k, self.rng, self.seen = k, rng, 0
        self.rows = np.full((k, max_len), -1, dtype=np.int32)
        self.lengths = np.zeros(k, dtype=np.int32)

    def offer(self, rows: np.ndarray, lengths: np.ndarray) -> None:
        """Consider a batch of sentences (-1-padded rows of token ids), in stream order."""
        n = len(rows)
        index = np.arange(self.seen, self.seen + n, dtype=np.int64)
        slots = index.copy()
        late = index >= self.k
        if late.any():
            draws = self.rng.random(int(late.sum()))
            slots[late] = (draws * (index[late] + 1)).astype(np.int64)
        self.seen += n
        take = np.flatnonzero(slots < self.k)
        # A slot hit twice in one batch keeps the later sentence, as one-by-one sampling would.
        slot_rev, first_rev = np.unique(slots[take][::-1], return_index=True)
        take = take[::-1][first_rev]
        self.rows[slot_rev] = rows[take]
        self.lengths[slot_rev] = lengths[take]

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """The sampled rows (-1 padded) and their lengths, in slot order."""
        n = min(self.seen, self.k)
        return self.rows[:n], self.lengths[:n]


def filter_and_sample(path, settings: CorpusSettings, vocab: dict[str, int], k: int, rng: np.random.Generator,
                      progress: bool, member: str | None = None, workers: int = 1) -> tuple[Reservoir, dict, np.ndarray]:
    """Pass 2: drop rare-word, wrong-length and wrong-shape sentences; sample k of the rest."""
    counts, rejected = ReadCounts(), collections.Counter()
    reservoir = Reservoir(k, settings.max_len, rng)
    word_counts = np.zeros(len(vocab), dtype=np.int64)
    histogram = np.zeros(settings.max_len + 1, dtype=np.int64)
    blocks = read_blocks(path, settings, counts, member)
    with _progress(f"filter {Path(path).name}", progress) as bar:
        for rows, lengths, block_rejected in _map_blocks(_filter_block, blocks, workers, (settings, vocab)):
            rejected.update(block_rejected)
            if len(rows):
                word_counts += np.bincount(rows[rows >= 0], minlength=len(vocab))
                histogram += np.bincount(lengths, minlength=settings.max_len + 1)
                reservoir.offer(rows, lengths)
            bar.update(counts.lines - bar.n)
    invalid = rejected["invalid_utf8"]
    after_freq = counts.lines - invalid - rejected["empty"] - rejected["rare_word"]
    stats = {
        "lines_read": counts.lines,
        "invalid_utf8": invalid,
        "rejected": {key: rejected[key] for key in ("empty", "rare_word", "too_short", "too_long", "poem_shape")},
        "sentences": {"nonempty": counts.lines - invalid - rejected["empty"],
                      "after_min_freq": after_freq,
                      "after_length": after_freq - rejected["too_short"] - rejected["too_long"],
                      "after_filters": reservoir.seen},
        # index = sentence length in tokens, value = surviving sentences of that length
        "length_histogram": histogram.tolist(),
    }
    return reservoir, stats, word_counts


# ---------------------------------------------------------------- the stage

def _lines(rows: np.ndarray, lengths: np.ndarray, tokens: list[str], pad_id: int) -> tuple[str, str]:
    """The id lines (padded) and word lines (pads stripped) of sampled rows."""
    id_str = [str(i) for i in range(len(tokens))].__getitem__  # cheaper than str() per token
    word = tokens.__getitem__
    id_parts, word_parts = [], []
    # In slices: a list of Python ints per token of 200,000 rows would cost more than the rest of the stage.
    for start in range(0, len(rows), BATCH):
        ids = np.where(rows[start:start + BATCH] < 0, pad_id, rows[start:start + BATCH]).tolist()
        id_parts.append("".join(" ".join(map(id_str, row)) + "\n" for row in ids))
        word_parts.append("".join(" ".join(map(word, row[:n])) + "\n"
                                  for row, n in zip(ids, lengths[start:start + BATCH].tolist())))
    return "".join(id_parts), "".join(word_parts)


def prepare(settings: CorpusSettings, source: str | Path, out_dir: str | Path, seed: int,
            test_source: str | Path | None = None, progress: bool = True, workers: int = 1) -> dict:
    """Run the corpus stage; write vocab.json, train/test (.txt and .words.txt) and stats.json; return the stats."""
    rng = np.random.default_rng([seed, STAGE_TAG])
    words = count_words(source, settings, progress, workers)

    # Ids of the words that pass min_freq, most frequent first (ties by the word) so ids are reproducible.
    frequent = sorted((w for w, c in words.items() if c >= settings.min_freq), key=lambda w: (-words[w], w))
    kept_ids = {w: i for i, w in enumerate(frequent)}
    k = settings.num_train if test_source else settings.num_train + settings.num_test
    reservoir, stats, pool_counts = filter_and_sample(source, settings, kept_ids, k, rng, progress, workers=workers)
    thresholds = (f"min_freq={settings.min_freq}, min_len={settings.min_len}, max_len={settings.max_len}"
                  + (f", poem_shape={list(settings.poem_shape)}" if settings.poem_shape else ""))
    if reservoir.seen == 0:
        raise UserError(f"{source}: no sentence is left after filtering ({thresholds}); "
                        f"lower {settings.key('min_freq')} or widen min_len/max_len")
    if reservoir.seen < k:
        raise UserError(f"{source}: only {reservoir.seen} sentences are left after filtering ({thresholds}), "
                        f"fewer than the {k} asked for; lower {settings.key('num_train')} / num_test")

    # The final vocabulary: words of the surviving sentences; the pad token takes id 0.
    pad_id = 0
    order = [i for i in np.argsort(-pool_counts, kind="stable").tolist() if pool_counts[i] > 0]
    if settings.pad_token in kept_ids and pool_counts[kept_ids[settings.pad_token]] > 0:
        raise UserError(f"{source}: the corpus contains the pad token '{settings.pad_token}'; "
                        f"set {settings.key('pad_token')} to another string")
    tokens = [settings.pad_token] + [frequent[i] for i in order]
    remap = np.full(len(frequent) + 1, -1, dtype=np.int32)  # index -1 keeps padding at -1
    remap[np.asarray(order, dtype=np.int64)] = np.arange(1, len(order) + 1, dtype=np.int32)

    rows, lengths = reservoir.sample()
    rows = remap[rows]
    perm = rng.permutation(len(rows))
    test_stats = None
    if test_source:
        train_rows, train_len = rows[perm], lengths[perm]
        final_vocab = {w: i for i, w in enumerate(tokens) if i != pad_id}
        test_res, test_stats, _ = filter_and_sample(test_source, settings, final_vocab, settings.num_test, rng,
                                                    progress, member=settings.test_member, workers=workers)
        if test_res.seen < settings.num_test:
            raise UserError(f"{test_source}: only {test_res.seen} test sentences are left after filtering with the "
                            f"training vocabulary ({thresholds}), fewer than {settings.num_test}; lower {settings.key('num_test')}")
        test_rows, test_len = test_res.sample()
        tperm = rng.permutation(len(test_rows))
        test_rows, test_len = test_rows[tperm], test_len[tperm]
    else:
        test_rows, test_len = rows[perm[: settings.num_test]], lengths[perm[: settings.num_test]]
        train_rows, train_len = rows[perm[settings.num_test:]], lengths[perm[settings.num_test:]]

    stats.update({
        "source": str(source),
        "test_source": str(test_source) if test_source else None,
        "vocabulary": {"read": len(words), "after_min_freq": len(frequent), "after_filters": len(order),
                       "size_with_pad": len(tokens)},
        "words_read": int(sum(words.values())),
        "num_train": int(len(train_rows)),
        "num_test": int(len(test_rows)),
        "test": test_stats,
    })

    train_ids, train_words = _lines(train_rows, train_len, tokens, pad_id)
    test_ids, test_words = _lines(test_rows, test_len, tokens, pad_id)
    out_dir = Path(out_dir)
    vocab = {"size": len(tokens), "pad_id": pad_id, "tokens": tokens, "seq_len": settings.max_len,
             "counts": [0] + [int(pool_counts[i]) for i in order]}
    write_text(out_dir / "train.txt", train_ids)
    write_text(out_dir / "test.txt", test_ids)
    write_text(out_dir / "train.words.txt", train_words)
    write_text(out_dir / "test.words.txt", test_words)
    write_json(out_dir / "vocab.json", vocab)
    write_json(out_dir / "stats.json", stats)  # last: its presence means the others are complete
    return stats


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of `leakgan prepare`."""
    parser.add_argument("--dataset", required=True, help="dataset name (as under `datasets:` in config.yaml)")
    parser.add_argument("--settings", required=True, help="the dataset's config block as JSON")
    parser.add_argument("--source", required=True, help="raw corpus file (text, .gz, COCO JSON or zip)")
    parser.add_argument("--test-source", default=None, help="raw held-out corpus file; default: sample the test set from --source")
    parser.add_argument("--seed", type=int, required=True, help="seed of the train/test sampling")
    parser.add_argument("--out-dir", required=True, help="folder for vocab.json, train.txt, test.txt, *.words.txt, stats.json")
    parser.add_argument("--threads", type=int, default=1,
                        help="worker processes for tokenizing (default 1; the output does not depend on it)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    """Prepare one dataset (see `prepare`)."""
    try:
        block = json.loads(args.settings)
    except json.JSONDecodeError as exc:
        raise UserError(f"--settings: not valid JSON ({exc})") from None
    if not isinstance(block, dict):
        raise UserError("--settings: expected a JSON object (the dataset's block of config.yaml)")
    settings = CorpusSettings.from_block(args.dataset, block)
    stats = prepare(settings, args.source, args.out_dir, args.seed, args.test_source,
                    progress=not args.no_progress, workers=args.threads)
    print(f"{args.dataset}: {stats['num_train']} train / {stats['num_test']} test sentences, "
          f"vocabulary {stats['vocabulary']['size_with_pad']}", file=sys.stderr)
    return 0
