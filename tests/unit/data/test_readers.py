"""Hostile or careless input (issue #15): one clear line, a non-zero exit, nothing half-written.

One test per case of the issue: shell injection through URLs, targets and
dataset names; lines dropped in silence (Latin-1, UTF-16, gzip read as text);
validation holes; tracebacks that must be one line; data integrity of the
oracle pickle and of written files; bounded memory on long lines; messages
that say what is true. Tests that run Snakemake are marked slow.
"""
from __future__ import annotations

import builtins
import gzip
import io
import json
import os
import pickle
import re
import shutil
import stat
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from leakgan import cli
from leakgan import config as leakgan_config
from leakgan.data import readers
from leakgan.data.settings import CorpusSettings
from leakgan.errors import UserError
from leakgan.io import write_text
from leakgan.models.oracle import PARAM_NAMES, Oracle, load_oracle_pickle
from tests.conftest import planned_jobs, require_shared, snakemake

OUTPUTS = ("train.txt", "test.txt", "vocab.json", "train.words.txt", "test.words.txt", "stats.json")
SENTENCES = [f"the cat number {i % 9} sat on mat {i % 4}" for i in range(2000)]
# The standard oracle layout: embedding V×E, W* E×H, U* H×H, b* H, Wo H×V, bo V.
SHAPES = {"embedding": ("V", "E"), "Wo": ("H", "V"), "bo": ("V",),
          **{f"{kind}{gate}": dims for gate in ("i", "f", "og", "c")
             for kind, dims in (("W", ("E", "H")), ("U", ("H", "H")), ("b", ("H",)))}}


# ---------------------------------------------------------------- helpers

def run(capsys, *argv: str) -> tuple[int, list[str]]:
    """A stage through the command line: (exit status, stderr lines)."""
    rc = cli.main([str(a) for a in argv])
    return rc, capsys.readouterr().err.strip().splitlines()


def prepare(capsys, source: Path, out: Path, name: str = "mine", **block) -> tuple[int, list[str]]:
    settings = {"type": "text", "max_len": 10, "num_train": 30, "num_test": 10, **block}
    return run(capsys, "prepare", "--dataset", name, "--settings", json.dumps(settings), "--source", source,
               "--seed", "1", "--out-dir", out, "--no-progress")


def assert_one_line(rc: int, err: list[str], stage: str, message: str, exact: bool = True) -> None:
    """Exit status 2 and exactly one line `leakgan <stage>: error: <message>` (or containing `message`)."""
    assert rc == 2, err
    assert len(err) == 1, err
    prefix = f"leakgan {stage}: error: "
    assert err[0].startswith(prefix), err[0]
    if exact:
        assert err[0] == prefix + message
    else:
        assert message in err[0], (message, err[0])


def assert_nothing_written(*paths: Path) -> None:
    for path in paths:
        assert not path.exists() or (path.is_dir() and not any(path.iterdir())), f"{path} was written"


def text_block(source: str, **extra) -> dict:
    """A small text dataset block (mle only: no discriminator windows to fit max_len)."""
    return {"type": "text", "source": source, "format": "text", "min_freq": 1, "max_len": 10,
            "num_train": 30, "num_test": 10, "models": ["mle"], **extra}


def write_config(workdir: Path, datasets: dict) -> Path:
    path = workdir / "hostile-config.yaml"
    path.write_text(yaml.safe_dump({"datasets": datasets}), encoding="utf-8")
    return path


def oracle_arrays(V: int = 7, E: int = 3, H: int = 4, dtype=np.float32, seed: int = 0) -> list[np.ndarray]:
    """15 arrays of the standard oracle layout."""
    rng = np.random.default_rng(seed)
    sizes = {"V": V, "E": E, "H": H}
    return [rng.normal(size=tuple(sizes[d] for d in SHAPES[n])).astype(dtype) for n in PARAM_NAMES]


def no_pwned(*roots: Path) -> None:
    for root in roots:
        found = [p for p in root.rglob("PWNED")]
        assert not found, found


# ---------------------------------------------------------------- 1. shell injection

@pytest.mark.slow
def test_urls_with_shell_characters_are_quoted_and_work(tmp_path):
    corpus = "".join(s + "\n" for s in SENTENCES[:60])
    for name in ("x;touch PWNED;.txt", "a(1).txt", "b c.txt"):
        (tmp_path / "src" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "src" / name).write_text(corpus, encoding="utf-8")
    src = (tmp_path / "src").as_posix()
    configfile = write_config(tmp_path, {
        "inj": text_block(f"file://{src}/x%3Btouch%20PWNED%3B.txt"),
        "paren": text_block(f"file://{src}/a(1).txt"),
        "space": text_block(f"file://{src}/b%20c.txt"),
    })
    proc = snakemake(tmp_path, "--configfile", str(configfile), "--config", "scale=smoke", "--",
                     *(f"results/{n}/data/stats.json" for n in ("inj", "paren", "space")), check=False)
    no_pwned(tmp_path, Path.cwd())
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("inj", "paren", "space"):
        stats = json.loads((tmp_path / "results" / name / "data" / "stats.json").read_text(encoding="utf-8"))
        assert stats["lines_read"] == 60 and stats["num_train"] == 30
    # Downloads land under plain-word names.
    names = sorted(p.name for p in (tmp_path / "resources" / "downloads").rglob("*") if p.is_file())
    assert all(re.fullmatch(r"[0-9a-f]{8}-[A-Za-z0-9._-]+", n) for n in names), names
    assert any(n.endswith("-x_touch_PWNED_.txt") for n in names)


@pytest.mark.slow
def test_target_with_command_substitution_runs_nothing(tmp_path):
    proc = snakemake(tmp_path, "--config", "scale=smoke", "--", "results/y$(touch PWNED)/data/stats.json", check=False)
    assert proc.returncode != 0
    assert "No rule to produce results/y$(touch PWNED)/data/stats.json" in proc.stdout + proc.stderr
    no_pwned(tmp_path, Path.cwd())
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bad name", "it's"])
def test_dataset_name_with_space_or_quote_is_refused_before_any_job(tmp_path, name):
    (tmp_path / "c.txt").write_text("a b c\n" * 50, encoding="utf-8")
    configfile = write_config(tmp_path, {name: text_block(str(tmp_path / "c.txt"))})
    proc = snakemake(tmp_path, "--configfile", str(configfile), "--config", "scale=smoke", "--",
                     "results/synthetic-20/data/train.txt", check=False)
    assert proc.returncode != 0
    lines = [l for l in proc.stderr.splitlines() if l.startswith("leakgan: config error:")]
    assert len(lines) == 1, proc.stderr
    assert "config key 'datasets'" in lines[0] and repr(name) in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


# ---------------------------------------------------------------- 2. lines dropped in silence

def test_latin1_corpus_above_the_threshold_stops_naming_line_and_encoding(tmp_path, capsys):
    src = tmp_path / "latin1.txt"
    src.write_bytes("".join(s + (" café" if i % 2 else "") + "\n" for i, s in enumerate(SENTENCES[:1000]))
                    .encode("latin-1"))
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out)
    assert_one_line(rc, err, "prepare",
                    f"{src}: 500 of 1000 lines (50%) are not valid UTF-8, first at line 2 (probably Latin-1/cp1252); "
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
    assert err[0] == (f"leakgan prepare: warning: {src}: skipping 1 of 2000 lines that are not valid UTF-8, "
                      "first at line 1501 (probably Latin-1/cp1252); counted in stats.json "
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
    assert_one_line(rc, err, "prepare", f"{src}: 1 of 2000 lines (0.05%) are not valid UTF-8, first at line 1501",
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

    with pytest.raises(UserError, match=re.escape(f"{src}: 2 of 500 lines (0.4%) are not valid UTF-8, first at line 334 ")):
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
    assert_one_line(rc, err, "prepare", f"{src}: 1 of 100 lines (1%) are not valid UTF-8, first at line 100 "
                                        f"(probably {guess}); ", exact=False)
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


def test_max_bad_lines_is_a_schema_setting_with_its_default():
    props = leakgan_config.load_schema("dataset_text.schema.yaml")["properties"]
    assert props["max_bad_lines"]["default"] == 0.001 and props["max_bad_lines"]["description"]
    assert props["max_line_bytes"]["default"] == 1_000_000 and props["max_line_bytes"]["description"]
    with pytest.raises(leakgan_config.ConfigError, match=r"config key 'datasets.wmt.max_bad_lines': 2 is greater"):
        leakgan_config.load(overrides={"datasets": {"wmt": {"max_bad_lines": 2}}})


# ---------------------------------------------------------------- 3. validation holes

@pytest.mark.parametrize("overrides,message", [
    ({"seed": "42.0"}, "config key 'seed': 42.0 is not an integer (write it without '.0')"),
    ({"mle": {"epochs": 2.0}}, "config key 'mle.epochs': 2.0 is not an integer (write it without '.0')"),
    ({"mle": {"lr": ".nan"}}, "config key 'mle.lr': nan is not a finite number"),
    ({"mle": {"lr": ".inf"}}, "config key 'mle.lr': inf is not a finite number"),
    ({"scales": {"smoke": 5}}, "config key 'scales.smoke': must be a mapping of config keys, not 5"),
    ({"datasets": {"wmt": {"min_len": 60}}},
     "config key 'datasets.wmt.min_len': 60 is above datasets.wmt.max_len (51); no sentence could pass"),
    ({"leakgan": {"filter_sizes": [1, 2, 30], "num_filters": [4, 4, 4]}},
     "config key 'leakgan (for datasets.synthetic-20).filter_sizes': a window of 30 tokens does not fit "
     "sequences of 20; drop the windows above 20"),
    ({"leakgan": {"filter_sizes": [1, 2], "num_filters": [4, 4, 4]}},
     "config key 'leakgan (for datasets.synthetic-20).num_filters': 3 entries but filter_sizes has 2; "
     "give one filter count per window size"),
])
def test_config_values_that_are_refused(overrides, message):
    with pytest.raises(UserError) as info:
        leakgan_config.load(overrides=overrides)
    assert str(info.value) == message


def test_configfile_strings_are_not_coerced_but_config_values_are():
    base = leakgan_config.read_yaml(leakgan_config.CONFIG_FILE)
    from_file = {"datasets": {"poems": {"pad_token": "~", "source": "2024"}}}
    cfg = leakgan_config.resolve(base, overrides=from_file, typed={"seed": "7", "scale": "smoke"})
    assert cfg["datasets"]["poems"]["pad_token"] == "~" and cfg["datasets"]["poems"]["source"] == "2024"
    assert cfg["seed"] == 7 and cfg["datasets"]["poems"]["num_train"] == 300


@pytest.mark.slow
def test_configfile_strings_are_not_coerced_through_snakemake(tmp_path):
    (tmp_path / "2024").write_text("".join(s + "\n" for s in SENTENCES[:50]), encoding="utf-8")
    (tmp_path / "q.yaml").write_text('datasets:\n  poems:\n    pad_token: "~"\n    source: "2024"\n', encoding="utf-8")
    proc = snakemake(tmp_path, "-n", "-p", "--configfile", "q.yaml", "--config", "scale=smoke", "seed=7", "--",
                     "results/poems/data/stats.json", check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    command = next(l for l in proc.stdout.splitlines() if "leakgan prepare" in l)
    assert '"pad_token":"~"' in command and '"source":"2024"' in command and "--seed 7 " in command


@pytest.mark.slow
def test_a_bad_value_keeps_the_previous_good_outputs(tmp_path):
    snakemake(tmp_path, "--config", "scale=smoke", "--", "results/synthetic-20/data/train.txt")
    train = tmp_path / "results" / "synthetic-20" / "data" / "train.txt"
    before = train.read_bytes()
    proc = snakemake(tmp_path, "--config", "scale=smoke", "seed=42.0", "--", "results/synthetic-20/data/train.txt",
                     check=False)
    assert proc.returncode != 0
    assert "leakgan: config error: config key 'seed': 42.0 is not an integer (write it without '.0')" in proc.stderr
    assert train.read_bytes() == before


# ---------------------------------------------------------------- 4. tracebacks become one line

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


def _dump(path: Path, obj, protocol: int = 4) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


@pytest.mark.parametrize("index,change,message", [
    (0, lambda a: a.ravel(), "array embedding has 1 dimension(s) (shape (21,)), expected 2 (V×E)"),
    (3, lambda a: a.reshape(1, -1), "array bi has 2 dimension(s) (shape (1, 4)), expected 1 (H)"),
    (5, lambda a: a.astype(np.int64), "array Uf has dtype int64, expected floating point (float32 or float64); "
                                      "use the standard target_params.pkl"),
    (5, lambda a: a.astype(object), "array Uf has dtype object, expected floating point (float32 or float64); "
                                    "use the standard target_params.pkl"),
    (4, lambda a: a.tolist(), "array Wf is a list, not a numpy array; use the standard target_params.pkl"),
    (2, lambda a: a[:, :-1], "array Ui has shape (4, 3), expected (4, 4) (H×H with V=7, E=3, H=4 from embedding and Wi)"),
    (13, lambda a: a[:, :-1], "array Wo has shape (4, 6), expected (4, 7) (H×V with V=7, E=3, H=4 from embedding and Wi)"),
    (14, lambda a: a[:-1], "array bo has shape (6,), expected (7,) (V with V=7, E=3, H=4 from embedding and Wi)"),
])
def test_oracle_pickle_with_malformed_arrays_is_refused(tmp_path, index, change, message):
    arrays = oracle_arrays()
    arrays[index] = change(arrays[index])
    path = _dump(tmp_path / "oracle.pkl", arrays)
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert str(info.value) == f"{path}: {message}"
    with pytest.raises(UserError) as info:  # the constructor checks too
        Oracle.from_arrays(arrays, source="given")
    assert str(info.value) == f"given: {message}"


def test_oracle_stage_with_a_malformed_pickle_is_one_line(tmp_path, capsys):
    arrays = oracle_arrays()
    arrays[0] = arrays[0].ravel()
    path = _dump(tmp_path / "oracle.pkl", arrays)
    dataset = {"type": "synthetic", "seq_len": 5, "vocab_size": 7, "num_train": 3, "num_test": 3, "oracle_params": str(path)}
    oracle_settings = {"emb_dim": 3, "hidden_dim": 4, "init_std": 1.0}
    out = tmp_path / "results"
    rc, err = run(capsys, "oracle", "--dataset", json.dumps(dataset), "--oracle-settings", json.dumps(oracle_settings),
                  "--seed", "1", "--oracle-out", out / "oracle" / "oracle.pt", "--data-dir", out / "data")
    assert_one_line(rc, err, "oracle", f"{path}: array embedding has 1 dimension(s) (shape (21,)), expected 2 (V×E)")
    assert_nothing_written(out)


def _mle_checkpoint_without_state(tmp_path: Path) -> Path:
    path = tmp_path / "pretrain.pt"
    torch.save({"model": "mle", "config": {"vocab_size": 10, "seq_len": 5, "emb_dim": 4, "hidden_dim": 4}}, path)
    return path


def test_checkpoint_without_state_is_one_line(tmp_path, capsys):
    ckpt = _mle_checkpoint_without_state(tmp_path)
    out = tmp_path / "samples"
    rc, err = run(capsys, "sample", "--checkpoint", ckpt, "--num", "5", "--seed", "1", "--out", out / "s.txt")
    assert_one_line(rc, err, "sample", "not a complete MLE checkpoint (KeyError: 'state'); "
                                       "delete it and re-run the MLE pretrain stage", exact=False)
    assert_nothing_written(out)


def test_checkpoint_without_state_names_the_file(tmp_path, capsys):
    ckpt = _mle_checkpoint_without_state(tmp_path)
    rc, err = run(capsys, "sample", "--checkpoint", ckpt, "--num", "5", "--seed", "1", "--out", tmp_path / "s.txt")
    assert rc == 2 and err[0].startswith(f"leakgan sample: error: {ckpt}: not a complete MLE checkpoint")


def test_oracle_stage_with_an_empty_dataset_block_names_the_missing_key(tmp_path, capsys):
    out = tmp_path / "results"
    rc, err = run(capsys, "oracle", "--dataset", "{}", "--oracle-settings", "{}", "--seed", "1",
                  "--oracle-out", out / "oracle.pt", "--data-dir", out / "data")
    assert_one_line(rc, err, "oracle", "config key '--dataset': 'type' is a required property")
    assert_nothing_written(out)


@pytest.mark.parametrize("settings,message", [
    ({"max_len": "x"}, "config.yaml: datasets.mine.num_test must be set"),
    ({"max_len": "x", "num_train": 3, "num_test": 1},
     "config key 'datasets.mine.max_len': 'x' is not of type 'integer' "
     "[longest sentence kept, in tokens; also the padded length of train.txt/test.txt]"),
    ({"max_len": 5, "num_train": 1.5, "num_test": 1}, "config key 'datasets.mine.num_train': 1.5 is not an integer "
                                                      "(write it without '.0')"),
    ({"max_len": 5, "num_train": 3, "num_test": 1, "lowercase": "yes"}, "config key 'datasets.mine.lowercase': 'yes' "
     "is not of type 'boolean' [lower-case every sentence after NFC normalisation]"),
])
def test_prepare_with_wrongly_typed_settings_is_one_line(tmp_path, capsys, settings, message):
    src = tmp_path / "c.txt"
    src.write_text("a b c\n" * 50, encoding="utf-8")
    out = tmp_path / "out"
    rc, err = run(capsys, "prepare", "--dataset", "mine", "--settings", json.dumps(settings), "--source", src,
                  "--seed", "1", "--out-dir", out, "--no-progress")
    assert_one_line(rc, err, "prepare", message)
    assert_nothing_written(out)


@pytest.mark.slow
def test_poems_default_path_plans_the_prepare_job(tmp_path):
    poems = require_shared("poems", "poems.txt")
    raw = tmp_path / "resources" / "raw" / "poems" / "poems.txt"
    raw.parent.mkdir(parents=True)
    with open(poems, encoding="utf-8") as src:
        raw.write_text("".join(line for _, line in zip(range(2000), src)), encoding="utf-8")
    proc = snakemake(tmp_path, "-n", "--config", "scale=smoke", "--", "results/poems/data/stats.json", check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "InputFunctionException" not in proc.stdout + proc.stderr
    assert planned_jobs(proc.stdout) == {"prepare": 1}


# ---------------------------------------------------------------- 5. data integrity

@pytest.mark.parametrize("value,kind", [(np.nan, "NaN"), (np.inf, "infinite (or beyond float32)"),
                                        (-np.inf, "infinite (or beyond float32)")])
def test_oracle_pickle_with_non_finite_weights_is_refused(tmp_path, value, kind):
    arrays = oracle_arrays()
    arrays[7][1, 2] = value
    path = _dump(tmp_path / "oracle.pkl", arrays)
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert str(info.value) == (f"{path}: array Wog holds 1 {kind} value(s); every oracle weight must be a finite "
                               "number: use the standard target_params.pkl")


def test_float64_weight_beyond_float32_is_refused(tmp_path):
    arrays = oracle_arrays(dtype=np.float64)
    arrays[14][0] = 1e300
    with pytest.raises(UserError, match=r"array bo holds 1 infinite \(or beyond float32\) value"):
        load_oracle_pickle(_dump(tmp_path / "oracle.pkl", arrays))


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_array_pickles_of_every_protocol_are_accepted(tmp_path, protocol, dtype):
    arrays = oracle_arrays(dtype=dtype)
    loaded = load_oracle_pickle(_dump(tmp_path / "oracle.pkl", arrays, protocol))
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(arrays, loaded))
    oracle = Oracle.from_arrays(loaded)
    assert (oracle.vocab_size, oracle.emb_dim, oracle.hidden_dim) == (7, 3, 4)
    assert torch.equal(oracle.Wo, torch.from_numpy(arrays[13].astype(np.float32)))


def test_standard_oracle_file_still_loads():
    arrays = load_oracle_pickle(require_shared("oracle", "target_params.pkl"))
    assert arrays[0].shape == (5000, 32) and all(np.isfinite(a).all() for a in arrays)


class _Calls:
    """Unpickling it calls `func(*args)`."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
@pytest.mark.parametrize("func,pattern", [
    (os.system, r"(posix|os|nt)\.system"),
    (builtins.eval, r"(__builtin__|builtins)\.eval"),
    (builtins.exec, r"(__builtin__|builtins)\.exec"),
    (shutil.rmtree, r"shutil\.rmtree"),
    (np.load, r"numpy\.[\w.]*load"),
])
def test_any_other_callable_is_refused_before_it_runs(tmp_path, protocol, func, pattern):
    marker = tmp_path / "PWNED"
    victim = tmp_path / "victim"
    victim.mkdir()
    args = {os.system: (f"touch {marker}",), builtins.eval: (f"open({str(marker)!r}, 'w')",),
            builtins.exec: (f"open({str(marker)!r}, 'w')",), shutil.rmtree: (str(victim),),
            np.load: (str(marker),)}[func]
    path = _dump(tmp_path / "evil.pkl", [_Calls(func, *args)] + oracle_arrays()[1:], protocol)
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert re.fullmatch(rf"{re.escape(str(path))}: refusing to load: the pickle asks for {pattern}, but an oracle "
                        r"file may hold only numpy arrays; use the standard target_params\.pkl", str(info.value))
    assert not marker.exists() and victim.exists()


def test_codecs_encode_is_admitted_only_as_numpy_uses_it(tmp_path):
    # Python 3 pickles of protocol 0-2 store bytes as _codecs.encode(text, 'latin1'); no other use is allowed.
    path = tmp_path / "codec.pkl"
    path.write_bytes(b"c_codecs\nencode\n(Vabc\nVrot13\ntR.")
    with pytest.raises(UserError) as info:
        load_oracle_pickle(path)
    assert str(info.value) == (f"{path}: not a readable oracle pickle (UnpicklingError: _codecs.encode(str, 'rot13') "
                               "is not how numpy stores bytes)")


def test_crafted_empty_arrays_larger_than_the_file_are_refused(tmp_path):
    arrays = [_Calls(np.ndarray, (20000, 20000))] + oracle_arrays()[1:]  # 3 GB claimed, never filled
    path = _dump(tmp_path / "big.pkl", arrays)
    with pytest.raises(UserError, match=r"big\.pkl: (its arrays claim \d+ bytes, more than the file holds|"
                                        r"not a readable oracle pickle \(MemoryError)"):
        load_oracle_pickle(path)


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_written_files_get_the_mode_the_umask_gives(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_text(tmp_path / "results" / "x.txt", "x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "results" / "x.txt").stat().st_mode) == mode
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["x.txt"]  # no temporary left


# ---------------------------------------------------------------- 6. resources

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


# ---------------------------------------------------------------- 7. messages

def test_dns_failure_says_nothing_was_downloaded(tmp_path, capsys):
    url = "http://nonexistent.invalid/x.txt"
    out = tmp_path / "downloads" / "x.txt"
    started = time.monotonic()
    rc, err = run(capsys, "download", url, "--out", out, "--retries", "0", "--timeout", "5", "--no-progress")
    assert time.monotonic() - started < 60
    assert_one_line(rc, err, "download", f"{url}: nothing downloaded after 1 tries (host 'nonexistent.invalid' not found (",
                    exact=False)
    assert err[0].endswith("); check the URL (the dataset's `source` in config.yaml) and the network connection")
    assert "bytes kept" not in err[0] and ".part" not in err[0]
    assert list(tmp_path.iterdir()) == []  # no .part file, not even the folder


def test_prepare_says_which_filter_dropped_how_many_lines(tmp_path, capsys):
    lines = (["a b c d"] * 20 + [""] * 3 + ["a b zzz0", "a b zzz1"] + ["a b"] * 4 + ["a b c d a b c d"] * 5)
    src = tmp_path / "small.txt"
    src.write_bytes("".join(l + "\n" for l in lines).encode() + "café a b\n".encode("latin-1"))
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out, min_freq=2, min_len=3, max_len=6, max_bad_lines=0.1)
    assert rc == 2 and len(err) == 2, err
    assert err[0].startswith(f"leakgan prepare: warning: {src}: skipping 1 of 35 lines that are not valid UTF-8")
    assert err[1] == (f"leakgan prepare: error: {src}: only 20 sentences are left after filtering (min_freq=2, "
                      "min_len=3, max_len=6): of 35 lines 3 were empty, 2 had a word under min_freq, 4 were too short, "
                      "5 too long, 0 of the wrong poem shape, 1 not UTF-8; 20 passed; fewer than the 40 asked for: "
                      "lower datasets.mine.num_train / num_test or loosen the filters")
    assert_nothing_written(out)


def test_prepare_breakdown_counts_poem_shapes(tmp_path, capsys):
    good, bad = "秦川雄帝宅，函谷壮皇居。绮殿千寻起，离宫百雉余。", "秦川雄帝宅，函谷壮皇居。"
    src = tmp_path / "poems.txt"
    src.write_text("".join(l + "\n" for l in [good] * 3 + [bad] * 2), encoding="utf-8")
    out = tmp_path / "out"
    rc, err = prepare(capsys, src, out, name="poems", pre_tokenizer="char", max_len=24, poem_shape=[4, 5])
    assert_one_line(rc, err, "prepare", "of 5 lines 0 were empty, 0 had a word under min_freq, 0 were too short, "
                                        "0 too long, 2 of the wrong poem shape, 0 not UTF-8; 3 passed", exact=False)
    assert_nothing_written(out)
