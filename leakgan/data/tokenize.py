"""Splitting normalised text into tokens (word level or character level), and the poems' shape filter."""
from __future__ import annotations

import itertools
import re
import unicodedata

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


