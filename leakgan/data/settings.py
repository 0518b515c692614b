"""The settings of a text dataset (a `type: text` block of config.yaml), typed and checked."""
from __future__ import annotations

import dataclasses
import math
import re

from leakgan.errors import UserError

FORMATS = ("text", "text.gz", "coco-json", "coco-zip")
PRE_TOKENIZERS = ("whitespace_split", "whitespace", "char")
ENGINES = ("python", "hf")
ALL = "all"  # num_train / num_test: every sentence that passes the filters
SHARE = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")  # num_test: a share of the sentences kept (no test_source)
SUFFIX_FORMATS = ((".gz", "text.gz"), (".zip", "coco-zip"), (".json", "coco-json"))  # format: auto, by the source's name


@dataclasses.dataclass(frozen=True)
class CorpusSettings:
    """The settings of one text dataset that change the prepared files (see dataset_text.schema.yaml)."""

    name: str
    format: str
    member: str
    test_member: str | None
    lowercase: bool
    pre_tokenizer: str
    engine: str
    min_freq: int
    min_len: int
    max_len: int
    poem_shape: tuple[int, int] | None
    num_train: int | str  # a count, or ALL
    num_test: int | str
    pad_token: str
    max_bad_lines: float
    max_line_bytes: int

    @classmethod
    def from_block(cls, name: str, block: dict) -> "CorpusSettings":
        """Settings from a dataset block of config.yaml (unknown keys are the schema's business)."""
        from leakgan.config.schema import load_schema

        fields = {f.name for f in dataclasses.fields(cls)}
        # the schema's `default:` values are the one source of defaults for dataset keys
        defaults = {k: p["default"] for k, p in load_schema("dataset_text.schema.yaml")["properties"].items()
                    if "default" in p}
        values = {k: v for k, v in {**defaults, **block}.items() if k in fields and k != "name"}
        if values.get("format") == "auto":
            source = str(block.get("source", ""))
            values["format"] = next((f for suffix, f in SUFFIX_FORMATS if source.lower().endswith(suffix)), "text")
        missing = sorted(fields - set(values) - {"name"})
        if missing:
            raise UserError(f"config.yaml: {cls.key_of(name, missing[0])} must be set")
        cls._check_types(name, values)
        if values.get("poem_shape") is not None:
            values["poem_shape"] = tuple(values["poem_shape"])
        settings = cls(name=name, **values)
        settings.check()
        return settings

    @classmethod
    def _check_types(cls, name: str, values: dict) -> None:
        """Stop with one line naming the key of a value of the wrong type or range (a block given by hand to
        `leakgan prepare --settings` has not been through config validation). Allowed names are left to
        `check`, which says them in its own words."""
        from leakgan.config.schema import check, load_schema

        properties = load_schema("dataset_text.schema.yaml")["properties"]
        schema = {"type": "object",
                  "properties": {k: {kk: vv for kk, vv in p.items() if kk != "enum"}
                                 for k, p in properties.items() if k in values}}
        check(values, schema, ("datasets", name))

    def test_share(self) -> float | None:
        """num_test as a share (0.1 for '10%'), or None when it is a count or 'all'."""
        found = SHARE.fullmatch(str(self.num_test))
        return float(found.group(1)) / 100 if found else None

    def test_count(self, kept: int) -> int:
        """How many of `kept` sentences go to the test set when there is no test_source."""
        share = self.test_share()
        return self.num_test if share is None else max(1, math.floor(kept * share + 0.5))

    def sample_size(self) -> int | None:
        """Sentences to sample from source (train + test when there is no test_source); None: keep all."""
        if self.num_train == ALL:
            return None
        share = self.test_share()
        if share is None:
            return self.num_train + self.num_test
        return self.num_train + max(1, math.ceil(self.num_train * share / (1 - share)))

    @staticmethod
    def key_of(name: str, setting: str) -> str:
        return f"datasets.{name}.{setting}"

    def key(self, setting: str) -> str:
        return self.key_of(self.name, setting)

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
        for setting in ("num_train", "num_test"):
            value = getattr(self, setting)
            share = SHARE.fullmatch(str(value)) if setting == "num_test" else None
            if share is not None and 0 < float(share.group(1)) < 100:
                continue
            if value != ALL and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise UserError(f"config.yaml: {self.key(setting)} is {value!r}; give a number of sentences of at "
                                f"least 1, or '{ALL}' for every sentence that passes the filters"
                                + (", or a share such as '10%'" if setting == "num_test" else ""))
        if not 0 <= self.max_bad_lines <= 1:
            raise UserError(f"config.yaml: {self.key('max_bad_lines')} ({self.max_bad_lines}) must be a fraction "
                            "of lines between 0 and 1 (0.001 = 0.1%)")
        if self.max_line_bytes < 1:
            raise UserError(f"config.yaml: {self.key('max_line_bytes')} must be at least 1")

