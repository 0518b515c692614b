"""The corpus stage's work: a raw corpus → frequency- and length-filtered token files.

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

import collections
import itertools
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from leakgan.data.parallel import fixed_mmap_threshold, map_blocks
from leakgan.data.readers import BATCH, BadLines, ReadCounts, check_bad_lines, decode_block, normalise, read_blocks
from leakgan.data.settings import ALL, CorpusSettings
from leakgan.data.tokenize import _MARK, END, Tokenizer, poem_shape_ok
from leakgan.errors import UserError
from leakgan.io import write_json, write_text, write_vocab

# Mixed into the seed so this stage's random stream differs from other stages'.
STAGE_TAG = 0x636F7270

# ---------------------------------------------------------------- the two passes

def _progress(desc: str, progress: bool):
    return tqdm(desc=desc, unit=" lines", file=sys.stderr, disable=not progress, mininterval=1.0)


def _numbered(blocks, counts: ReadCounts):
    """(lines before the block, block) for each block, so a worker can number the lines it finds bad."""
    before = 0
    for block in blocks:
        start, before = before, counts.lines  # the reader has counted the block's lines before yielding it
        yield start, block


# Per-process state of the block functions: set once per pass (in each worker
# process when the pass runs on several), so a block travels alone.
_STATE: dict = {}  # a worker process's own: set by the pool's initializer, read by its blocks



def _init_state(settings: CorpusSettings, vocab: dict[str, int] | None) -> None:
    fixed_mmap_threshold()
    _STATE["settings"] = settings
    _STATE["tokenizer"] = Tokenizer(settings.pre_tokenizer, settings.engine)
    if vocab is not None:
        lookup = dict(vocab)
        lookup[_MARK] = lookup[END] = -2  # line end; -1 = a word under min_freq
        _STATE["lookup"] = lookup


def _count_block(item: tuple[int, bytes | str]) -> tuple[collections.Counter, BadLines]:
    text, bad = decode_block(item[1], item[0])
    if text is None:
        return collections.Counter(), bad
    return collections.Counter(_STATE["tokenizer"].block_tokens(normalise(text, _STATE["settings"].lowercase))), bad


def _filter_block(item: tuple[int, bytes | str]) -> tuple[np.ndarray, np.ndarray, dict, BadLines]:
    """The sentences of a block that pass every filter (-1-padded id rows, lengths), the rejection counts
    and the bad lines (not UTF-8, or holding a control character)."""
    settings, tokenizer, lookup = _STATE["settings"], _STATE["tokenizer"], _STATE["lookup"]
    max_len = settings.max_len
    text, bad = decode_block(item[1], item[0])
    invalid = {"invalid_utf8": bad.count, "control_chars": bad.control}
    if text is None:
        return np.zeros((0, max_len), dtype=np.int32), np.zeros(0, dtype=np.int32), invalid, bad
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
    rejected = {**invalid, "empty": int(empty.sum()), "rare_word": int((~empty & rare).sum()),
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
    return rows, lengths[kept].astype(np.int32), rejected, bad



def count_words(path, settings: CorpusSettings, progress: bool, workers: int = 1) -> collections.Counter:
    """Pass 1: how often each token occurs in a corpus file.

    Stops (see `check_bad_lines`) when more than `max_bad_lines` of its lines are not UTF-8, else warns.
    """
    counts, words, bad = ReadCounts(), collections.Counter(), BadLines()
    blocks = _numbered(read_blocks(path, settings, counts), counts)
    with _progress(f"count {Path(path).name}", progress) as bar:
        if workers <= 1:
            # Counting the tokens straight in (C code) beats merging a Counter per block (a Python loop).
            _init_state(settings, None)
            tokenizer = _STATE["tokenizer"]
            for start, block in blocks:
                text, block_bad = decode_block(block, start)
                bad.add(block_bad)
                if text is not None:
                    words.update(tokenizer.block_tokens(normalise(text, settings.lowercase)))
                bar.update(counts.lines - bar.n)
        else:
            for block_words, block_bad in map_blocks(_count_block, blocks, workers, _init_state, (settings, None)):
                words.update(block_words)
                bad.add(block_bad)
                bar.update(counts.lines - bar.n)
    check_bad_lines(path, settings, counts.lines, bad)
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


class KeepAll:
    """Every sentence of a stream, in stream order (`num_train: all` / `num_test: all`); draws no random numbers."""

    def __init__(self, max_len: int):
        self.max_len, self.seen = max_len, 0
        self._rows: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []

    def offer(self, rows: np.ndarray, lengths: np.ndarray) -> None:
        self.seen += len(rows)
        self._rows.append(rows)
        self._lengths.append(lengths)

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._rows:
            return np.zeros((0, self.max_len), dtype=np.int32), np.zeros(0, dtype=np.int32)
        return np.concatenate(self._rows), np.concatenate(self._lengths)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def filter_and_sample(path, settings: CorpusSettings, vocab: dict[str, int], k: int | None, rng: np.random.Generator,
                      progress: bool, member: str | None = None, workers: int = 1) -> tuple[Reservoir | KeepAll, dict, np.ndarray]:
    """Pass 2: drop rare-word, wrong-length and wrong-shape sentences; sample k of the rest (k None: keep them all)."""
    counts, rejected, bad = ReadCounts(), collections.Counter(), BadLines()
    reservoir = KeepAll(settings.max_len) if k is None else Reservoir(k, settings.max_len, rng)
    # ids run from 0 (first pass) or 1 (the test pass, whose vocabulary leaves id 0 to the pad token)
    word_counts = np.zeros(max(vocab.values(), default=-1) + 1, dtype=np.int64)
    histogram = np.zeros(settings.max_len + 1, dtype=np.int64)
    blocks = _numbered(read_blocks(path, settings, counts, member), counts)
    with _progress(f"filter {Path(path).name}", progress) as bar:
        for rows, lengths, block_rejected, block_bad in map_blocks(_filter_block, blocks, workers, _init_state,
                                                                   (settings, vocab)):
            rejected.update(block_rejected)
            bad.add(block_bad)
            if len(rows):
                word_counts += np.bincount(rows[rows >= 0], minlength=len(word_counts))
                histogram += np.bincount(lengths, minlength=settings.max_len + 1)
                reservoir.offer(rows, lengths)
            bar.update(counts.lines - bar.n)
    # bad lines, skipped before tokenizing: not UTF-8, or holding a NUL or another control character
    invalid = rejected["invalid_utf8"] + rejected["control_chars"]
    after_freq = counts.lines - invalid - rejected["empty"] - rejected["rare_word"]
    stats = {
        "lines_read": counts.lines,
        "invalid_utf8": rejected["invalid_utf8"],
        # the first line that is not UTF-8 (1-based) and a guess at its encoding; null when every line is
        "first_invalid_utf8_line": bad.first,
        "invalid_utf8_encoding_guess": bad.guess,
        # lines with a NUL byte or another C0 control character (not tab; CR only in a CRLF line end)
        "control_chars": rejected["control_chars"],
        "first_control_char_line": bad.first_control,
        "rejected": {key: rejected[key] for key in ("empty", "rare_word", "too_short", "too_long", "poem_shape")},
        "sentences": {"nonempty": counts.lines - invalid - rejected["empty"],
                      "after_min_freq": after_freq,
                      "after_length": after_freq - rejected["too_short"] - rejected["too_long"],
                      "after_filters": reservoir.seen},
        # the share of the non-empty sentences each filter dropped, and of all filters together
        "dropped_share": {"min_freq": _share(rejected["rare_word"], counts.lines - invalid - rejected["empty"]),
                          "length": _share(rejected["too_short"] + rejected["too_long"],
                                           counts.lines - invalid - rejected["empty"]),
                          "all_filters": _share(counts.lines - invalid - rejected["empty"] - reservoir.seen,
                                                counts.lines - invalid - rejected["empty"])},
        # index = sentence length in tokens, value = surviving sentences of that length
        "length_histogram": histogram.tolist(),
    }
    return reservoir, stats, word_counts


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


def dropped_by_filter(stats: dict, rare: str = "had a word under min_freq") -> str:
    """How many lines each filter dropped, in words (for the message when too few sentences are left)."""
    r = stats["rejected"]
    return (f"of {stats['lines_read']} lines {r['empty']} were empty, {r['rare_word']} {rare}, "
            f"{r['too_short']} were too short, {r['too_long']} too long, {r['poem_shape']} of the wrong poem shape, "
            f"{stats['invalid_utf8']} not UTF-8, {stats['control_chars']} with control characters; "
            f"{stats['sentences']['after_filters']} passed")


def prepare(settings: CorpusSettings, source: str | Path, out_dir: str | Path, seed: int,
            test_source: str | Path | None = None, progress: bool = True, workers: int = 1) -> dict:
    """Run the corpus stage; write vocab.json, train/test (.txt and .words.txt) and stats.json; return the stats."""
    rng = np.random.default_rng([seed, STAGE_TAG])
    words = count_words(source, settings, progress, workers)

    # Ids of the words that pass min_freq, most frequent first (ties by the word) so ids are reproducible.
    frequent = sorted((w for w, c in words.items() if c >= settings.min_freq), key=lambda w: (-words[w], w))
    kept_ids = {w: i for i, w in enumerate(frequent)}
    if test_source and settings.test_share() is not None:
        raise UserError(f"config.yaml: {settings.key('num_test')} is a share ({settings.num_test}) of the sentences "
                        "kept, but the test set comes from test_source; give a number or 'all'")
    if settings.num_test == ALL and not test_source:
        raise UserError(f"config.yaml: {settings.key('num_test')} is 'all', which needs a test_source (without one the "
                        "test set is sampled from source and nothing would be left to train on); give a number")
    if settings.num_train == ALL:
        k = None  # keep every sentence that passes the filters
    else:
        k = settings.num_train if test_source else settings.sample_size()
    reservoir, stats, pool_counts = filter_and_sample(source, settings, kept_ids, k, rng, progress, workers=workers)
    thresholds = (f"min_freq={settings.min_freq}, min_len={settings.min_len}, max_len={settings.max_len}"
                  + (f", poem_shape={list(settings.poem_shape)}" if settings.poem_shape else ""))
    if reservoir.seen == 0:
        raise UserError(f"{source}: no sentence is left after filtering ({thresholds}): {dropped_by_filter(stats)}; "
                        f"lower {settings.key('min_freq')} or widen min_len/max_len")
    num_test = None if test_source else settings.test_count(reservoir.seen if k is None else k)
    if k is None and not test_source and reservoir.seen <= num_test:
        raise UserError(f"{source}: only {reservoir.seen} sentences are left after filtering ({thresholds}): "
                        f"{dropped_by_filter(stats)}; none would be left for training after the {num_test} "
                        f"test sentences: lower {settings.key('num_test')} or loosen the filters")
    if k is not None and reservoir.seen < k:
        raise UserError(f"{source}: only {reservoir.seen} sentences are left after filtering ({thresholds}): "
                        f"{dropped_by_filter(stats)}; fewer than the {k} asked for: "
                        f"lower {settings.key('num_train')} / num_test or loosen the filters")

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
        test_k = None if settings.num_test == ALL else settings.num_test
        test_res, test_stats, _ = filter_and_sample(test_source, settings, final_vocab, test_k, rng,
                                                    progress, member=settings.test_member, workers=workers)
        check_bad_lines(test_source, settings, test_stats["lines_read"],
                        BadLines(test_stats["invalid_utf8"], test_stats["first_invalid_utf8_line"],
                                 test_stats["invalid_utf8_encoding_guess"], test_stats["control_chars"],
                                 test_stats["first_control_char_line"]))
        if test_res.seen == 0 or (test_k is not None and test_res.seen < test_k):
            raise UserError(f"{test_source}: only {test_res.seen} test sentences are left after filtering with the "
                            f"training vocabulary ({thresholds}): {dropped_by_filter(test_stats, 'had a word outside the training vocabulary')}; "
                            f"fewer than {settings.num_test}: lower {settings.key('num_test')}")
        test_rows, test_len = test_res.sample()
        tperm = rng.permutation(len(test_rows))
        test_rows, test_len = test_rows[tperm], test_len[tperm]
    else:
        test_rows, test_len = rows[perm[:num_test]], lengths[perm[:num_test]]
        train_rows, train_len = rows[perm[num_test:]], lengths[perm[num_test:]]

    if test_stats is not None:
        # in the test file a "rare word" is a word outside the training vocabulary
        test_stats["rejected"]["outside_training_vocabulary"] = test_stats["rejected"].pop("rare_word")
        test_stats["dropped_share"]["outside_training_vocabulary"] = test_stats["dropped_share"].pop("min_freq")
    stats.update({
        "source": str(source),
        "test_source": str(test_source) if test_source else None,
        # the settings that decided what was kept (num_train/num_test 'all': every sentence that passed)
        "filters": {"lowercase": settings.lowercase, "pre_tokenizer": settings.pre_tokenizer,
                    "min_freq": settings.min_freq, "min_len": settings.min_len, "max_len": settings.max_len,
                    "poem_shape": list(settings.poem_shape) if settings.poem_shape else None,
                    "num_train": settings.num_train, "num_test": settings.num_test},
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
    write_text(out_dir / "train.txt", train_ids)
    write_text(out_dir / "test.txt", test_ids)
    write_text(out_dir / "train.words.txt", train_words)
    write_text(out_dir / "test.words.txt", test_words)
    write_vocab(out_dir / "vocab.json", len(tokens), tokens, pad_id, settings.max_len,
                counts=[0] + [int(pool_counts[i]) for i in order])
    write_json(out_dir / "stats.json", stats)  # last: its presence means the others are complete
    return stats

