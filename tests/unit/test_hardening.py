"""Hardening, second pass: bad input is one line, a non-zero exit and nothing written (issue items 4, 5, 10, 11,
13, 15, and `leakgan generate --from-ids`)."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leakgan import cli
from tests.conftest import REPO, planned_jobs, snakemake, tool_env

# ---------------------------------------------------------------- helpers


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """`leakgan ARGV` in this process: (exit status, stdout, stderr)."""
    rc = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def error_line(err: str, stage: str) -> str:
    """The one error line of a stage's stderr (progress bars and warnings aside), checked for no traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(f"leakgan {stage}: error: ")]
    assert len(lines) == 1, err
    return lines[0]


def refused(capsys, stage: str, *argv: str) -> str:
    """Run a stage that must refuse its input: exit status 2, one error line (returned)."""
    rc, _, err = run_cli(capsys, stage, *argv)
    assert rc == 2, err
    return error_line(err, stage)


def write(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj) if not isinstance(obj, str) else obj, encoding="utf-8")
    return path


def deep_json(path: Path, depth: int = 100_000) -> Path:
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


SCORES = {"temperature": 1.0, "num_samples": 10, "oracle_nll": 8.5, "nll_test": 7.0,
          "budget": {"pretrain": {"epochs": 2}}}


def seed_result(seed: int, **models) -> dict:
    models = models or {"mle": {"temperature": 1.0, "oracle_nll": 8.0 + seed, "nll_test": 7.0,
                                "curve": [{"epoch": 0, "nll_test": 9.0}, {"epoch": 1, "train_loss": 3.0}]},
                        "leakgan": {"temperature": 1.0, "oracle_nll": 7.0 + seed, "nll_test": 7.5}}
    return {"dataset": "x", "seed": seed, "models": models,
            "frontier": {"mle": [{"temperature": 1.0, "nll_test": 7.0, "oracle_nll": 8.0 + seed}],
                         "leakgan": [{"temperature": 1.0, "nll_test": 7.5, "oracle_nll": 7.0 + seed}]}}


# ---------------------------------------------------------------- item 4: NaN in one seed's scores


@pytest.mark.parametrize("where, key, value, literal", [
    (("models", "mle", "oracle_nll"), "models.mle.oracle_nll", math.nan, "NaN"),
    (("frontier", "leakgan", 0, "oracle_nll"), "frontier.leakgan[0].oracle_nll", math.inf, "Infinity"),
    (("models", "mle", "curve", 1, "train_loss"), "models.mle.curve[1].train_loss", -math.inf, "-Infinity"),
])
def test_aggregate_refuses_a_non_finite_value_in_one_seed(tmp_path, capsys, where, key, value, literal):
    good = write(tmp_path / "seed1.json", seed_result(1))
    bad = seed_result(2)
    node = bad
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    bad_path = tmp_path / "seed2.json"
    bad_path.write_text(json.dumps(bad), encoding="utf-8")  # Python writes NaN / Infinity literals
    assert literal in bad_path.read_text()
    out = tmp_path / "agg.json"
    line = refused(capsys, "aggregate", "--dataset", "x", "--runs", f"1={good}", f"2={bad_path}", "--out", out)
    assert line.startswith(f"leakgan aggregate: error: {bad_path}: {key} is {literal}; ")
    if where[0] != "models" or "curve" not in where:
        assert line.endswith("re-run that seed's evaluation")
    assert not out.exists()


def test_aggregate_of_finite_seeds_still_works(tmp_path, capsys):
    runs = [f"{k}={write(tmp_path / f'seed{k}.json', seed_result(k))}" for k in (1, 2)]
    rc, _, err = run_cli(capsys, "aggregate", "--dataset", "x", "--runs", *runs, "--out", tmp_path / "agg.json")
    assert rc == 0, err
    result = json.loads((tmp_path / "agg.json").read_text())
    assert result["models"]["mle"]["stats"]["oracle_nll"]["n"] == 2


# ---------------------------------------------------------------- item 10: collect


@pytest.fixture
def collect_files(tmp_path):
    scores = write(tmp_path / "scores.json", SCORES)
    curve = tmp_path / "curve.jsonl"
    curve.write_text('{"epoch": 0, "nll_test": 9.0}\n{"epoch": 1, "nll_test": 8.0}\n', encoding="utf-8")
    return scores, curve


def _collect(tmp_path, *extra):
    return ("--dataset", "x", "--kind", "synthetic", *extra, "--out", tmp_path / "nll.json")


def test_collect_of_good_files(tmp_path, capsys, collect_files):
    scores, curve = collect_files
    frontier = write(tmp_path / "frontier.json", {"points": [{"temperature": 0.5, "nll_test": 9.0},
                                                             {"temperature": 1.0, "nll_test": 7.0}]})
    rc, _, err = run_cli(capsys, "collect", *_collect(tmp_path, "--scores", f"mle={scores}", "--curves",
                                                      f"mle={curve}", "--frontier", f"mle={frontier}"))
    assert rc == 0, err
    result = json.loads((tmp_path / "nll.json").read_text())
    assert len(result["models"]["mle"]["curve"]) == 2 and result["frontier"]["mle"][0]["temperature"] == 1.0


def test_collect_truncated_curve(tmp_path, capsys, collect_files):
    scores, curve = collect_files
    curve.write_text('{"epoch": 0, "nll_test": 9.0}\n{"epoch": 1, "nll_te', encoding="utf-8")  # cut mid-JSON
    line = refused(capsys, "collect", *_collect(tmp_path, "--scores", f"mle={scores}", "--curves", f"mle={curve}"))
    assert f"{curve}:2: not valid JSON" in line and "truncated or damaged" in line
    assert not (tmp_path / "nll.json").exists()


def test_collect_missing_curve(tmp_path, capsys, collect_files):
    scores, _ = collect_files
    missing = tmp_path / "nothing.jsonl"
    line = refused(capsys, "collect", *_collect(tmp_path, "--scores", f"mle={scores}", "--curves", f"mle={missing}"))
    assert line == f"leakgan collect: error: {missing}: JSON-lines file not found; run the stage that writes it"
    assert not (tmp_path / "nll.json").exists()


@pytest.mark.parametrize("content, shown", [([1, 2], "a list"), ("x", "'x' (a string)")])
def test_collect_scores_not_an_object(tmp_path, capsys, content, shown):
    scores = tmp_path / "scores.json"
    scores.write_text(json.dumps(content), encoding="utf-8")
    line = refused(capsys, "collect", *_collect(tmp_path, "--scores", f"mle={scores}"))
    assert line == (f"leakgan collect: error: {scores}: the file is {shown}, expected an object (a model's scores); "
                    "re-run that model's evaluation")
    assert not (tmp_path / "nll.json").exists()


def test_collect_frontier_temperature_not_a_number(tmp_path, capsys, collect_files):
    scores, _ = collect_files
    frontier = write(tmp_path / "frontier.json", {"points": [{"temperature": "hot", "nll_test": 1.0}]})
    line = refused(capsys, "collect", *_collect(tmp_path, "--scores", f"mle={scores}", "--frontier",
                                                f"mle={frontier}"))
    assert line == (f"leakgan collect: error: {frontier}: points[0].temperature is 'hot' (a string), expected a "
                    "number above 0; re-run `leakgan frontier` for that model")
    assert not (tmp_path / "nll.json").exists()


def test_collect_deep_json(tmp_path, capsys):
    scores = deep_json(tmp_path / "scores.json")
    line = refused(capsys, "collect", *_collect(tmp_path, "--scores", f"mle={scores}"))
    assert f"{scores}: JSON nested too deeply" in line
    assert not (tmp_path / "nll.json").exists()


def test_collect_deep_curve_line(tmp_path, capsys, collect_files):
    scores, curve = collect_files
    curve.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    line = refused(capsys, "collect", *_collect(tmp_path, "--scores", f"mle={scores}", "--curves", f"mle={curve}"))
    assert f"{curve}:1: JSON nested too deeply" in line


# ---------------------------------------------------------------- item 10: aggregate


@pytest.mark.parametrize("edit, expected", [
    (lambda r: r["models"].__setitem__("mle", 5),
     "models.mle is 5 (a number), expected an object (a model's scores)"),
    (lambda r: r.__setitem__("frontier", [1]),
     "frontier is a list, expected an object (model -> frontier points)"),
    (lambda r: r["frontier"]["mle"][0].pop("temperature"),
     "frontier.mle[0] has no 'temperature' (the α it was sampled at)"),
    (lambda r: r["models"]["mle"].__setitem__("curve", [[1]]),
     "models.mle.curve[0] is a list, expected an object (a curve point)"),
    (lambda r: r.__setitem__("models", []),
     "models is a list, expected an object (model name -> scores)"),
], ids=["model-is-5", "frontier-is-a-list", "point-without-temperature", "curve-of-lists", "models-is-a-list"])
def test_aggregate_refuses_a_wrong_shape(tmp_path, capsys, edit, expected):
    good = write(tmp_path / "seed1.json", seed_result(1))
    result = seed_result(2)
    edit(result)
    bad = write(tmp_path / "seed2.json", result)
    out = tmp_path / "agg.json"
    line = refused(capsys, "aggregate", "--dataset", "x", "--runs", f"1={good}", f"2={bad}", "--out", out)
    assert line.startswith(f"leakgan aggregate: error: {bad}: {expected}; ")
    assert not out.exists()


# ---------------------------------------------------------------- item 10: table


def test_table_on_a_folder(tmp_path, capsys):
    line = refused(capsys, "table", tmp_path)
    assert line == f"leakgan table: error: {tmp_path}: a folder, not a JSON file; give the JSON file itself"


def test_table_on_deep_json(tmp_path, capsys):
    path = deep_json(tmp_path / "nll.json")
    assert f"{path}: JSON nested too deeply" in refused(capsys, "table", path)


@pytest.mark.parametrize("content, expected", [
    ({"models": 5}, "models is 5 (a number), expected an object (model name -> scores)"),
    ({"models": {"mle": [1]}}, "models.mle is a list, expected an object (a model's scores)"),
    ({"models": {"mle": {"oracle_nll": 1.0}}, "seeds": 3}, "seeds is 3 (a number), expected a list (the seeds)"),
    ([1], "the file is a list, expected an object (an nll.json or bleu.json)"),
])
def test_table_on_a_wrong_shape(tmp_path, capsys, content, expected):
    good = write(tmp_path / "good.json", {"dataset": "x", "seed": 1, "models": {"mle": {"oracle_nll": 1.0}}})
    path = write(tmp_path / "nll.json", content)
    rc, out, err = run_cli(capsys, "table", good, path)
    assert rc == 2 and out == ""  # nothing printed, not even the good file's table
    assert error_line(err, "table").startswith(f"leakgan table: error: {path}: {expected}; ")


def test_read_json_not_utf8(tmp_path):
    from leakgan.errors import UserError
    from leakgan.io import read_json

    path = tmp_path / "x.json"
    path.write_bytes(b'{"a": "\xff\xfe"}')
    with pytest.raises(UserError, match=r"x.json: not UTF-8 text \(a bad byte at offset 7\), so not a JSON file"):
        read_json(path)


# ---------------------------------------------------------------- generate --from-ids


@pytest.mark.parametrize("content, expected", [
    (b"1 2 12345678901234567890123\n", ":1: token id 12345678901234567890123 is too large to be one"),
    (b"\xff\xfe\x00\x01binary\x80\n", ": not a text file of token ids (it is not UTF-8)"),
    (b"1 -1 2\n", ":1: token id -1 is negative; token ids are 0 or more"),
])
def test_generate_from_ids_refuses(tmp_path, capsys, content, expected):
    ids = tmp_path / "samples.ids.txt"
    ids.write_bytes(content)
    out = tmp_path / "out.txt"
    line = refused(capsys, "generate", "--from-ids", ids, "--out", out)
    assert line == f"leakgan generate: error: {ids}{expected}"
    assert not out.exists()


def test_generate_from_ids_negative_with_a_vocabulary(tmp_path, capsys):
    ids = tmp_path / "samples.ids.txt"
    ids.write_text("1 -1 2\n")
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"size": 5, "pad_id": None, "tokens": None, "seq_len": 3}))
    assert "token id -1" in refused(capsys, "generate", "--from-ids", ids, "--vocab", vocab)


def test_generate_from_ids_folder(tmp_path, capsys):
    line = refused(capsys, "generate", "--from-ids", tmp_path)
    assert line == f"leakgan generate: error: {tmp_path}: a folder, not a token file"


def test_cli_subprocess_one_line(tmp_path):
    """The installed command: exit 2, one line, no traceback (what a Snakemake rule sees)."""
    proc = subprocess.run([str(Path(sys.executable).parent / "leakgan"), "table", str(tmp_path)],
                          capture_output=True, text=True, env=tool_env())
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"leakgan table: error: {tmp_path}: a folder, not a JSON file; give the JSON file itself\n"


# ---------------------------------------------------------------- item 10: prepare with broken links


PREPARE_SETTINGS = json.dumps({"format": "text", "lowercase": True, "pre_tokenizer": "whitespace_split",
                               "min_freq": 1, "min_len": 1, "max_len": 10, "num_train": 50, "num_test": 10,
                               "max_bad_lines": 0.001, "max_line_bytes": 1000000})


def _prepare(source: Path, out_dir: Path) -> tuple[str, ...]:
    return ("--dataset", "mine", "--settings", PREPARE_SETTINGS, "--source", source, "--seed", "1",
            "--out-dir", out_dir, "--no-progress")


def test_prepare_symlink_loop_source(tmp_path, capsys):
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    line = refused(capsys, "prepare", *_prepare(tmp_path / "a", tmp_path / "out"))
    assert line == (f"leakgan prepare: error: {tmp_path / 'a'}: a loop of symbolic links; point it at the corpus "
                    "file or give the corpus file itself")
    assert not (tmp_path / "out").exists()


def test_prepare_dangling_symlink_source(tmp_path, capsys):
    os.symlink(tmp_path / "gone.txt", tmp_path / "link.txt")
    line = refused(capsys, "prepare", *_prepare(tmp_path / "link.txt", tmp_path / "out"))
    assert line == (f"leakgan prepare: error: {tmp_path / 'link.txt'}: a symbolic link to {tmp_path / 'gone.txt'}, "
                    "which does not exist; point it at the corpus file or give the corpus file itself")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["loop", "dangling"])
def test_workflow_broken_symlink_source_is_one_line(tmp_path, kind):
    source = tmp_path / "corpus.txt"
    if kind == "loop":
        os.symlink(tmp_path / "other.txt", source)
        os.symlink(source, tmp_path / "other.txt")
        why = "is a loop of symbolic links"
    else:
        os.symlink(tmp_path / "gone.txt", source)
        why = f"is a symbolic link to {tmp_path / 'gone.txt'}, which does not exist"
    proc = snakemake(tmp_path, "-n", *_text_config(source), "--", "results/mine/data/train.txt", check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "MissingInputException" not in proc.stderr + proc.stdout
    assert (f"leakgan: config error: config key 'datasets.mine.source': {source} {why}; "
            "point it (or the link) at the corpus file") in proc.stderr
    assert not (tmp_path / "results").exists()


# ---------------------------------------------------------------- item 5: a changed corpus with an older mtime


def _corpus_lines(n: int, seed: int) -> str:
    import random

    rng = random.Random(seed)
    words = "the a cat dog sat on mat ran far near big small red blue green old new".split()
    return "".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 9))) + "\n" for _ in range(n))


def _text_config(source: Path) -> list[str]:
    block = (f"datasets={{mine: {{type: text, source: {source}, format: text, min_freq: 1, min_len: 1, "
             "max_len: 20, num_train: 100, num_test: 20}}")
    return ["--config", "scale=smoke", block]


@pytest.mark.slow
def test_prepare_planned_again_when_content_changes_but_mtime_does_not(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(_corpus_lines(300, 0), encoding="utf-8")
    target = ["--", "results/mine/data/train.txt"]
    snakemake(tmp_path, *_text_config(corpus), *target)
    assert (tmp_path / "results/mine/data/train.txt").is_file()
    # nothing changed: nothing planned
    assert planned_jobs(snakemake(tmp_path, "-n", *_text_config(corpus), *target).stdout) == {}
    # same size, other content, the old modification time put back (cp -p, tar, curl -R)
    before = corpus.stat()
    changed = corpus.read_text(encoding="utf-8").replace("cat", "cow")
    assert len(changed) == before.st_size
    corpus.write_text(changed, encoding="utf-8")
    os.utime(corpus, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert corpus.stat().st_mtime_ns == before.st_mtime_ns
    dry = snakemake(tmp_path, "-n", *_text_config(corpus), *target)
    assert planned_jobs(dry.stdout) == {"prepare": 1}, dry.stdout[-2000:]
    assert "Params have changed" in dry.stdout


@pytest.mark.slow
def test_a_fresh_copy_of_the_same_corpus_plans_nothing(tmp_path):
    """A newer modification time with the same bytes (a re-synced share, an unpacked archive) re-runs nothing:
    the local corpus is tracked by its fingerprint. Snakemake's own checksum of small inputs is turned off here
    (--max-checksum-file-size 1), as for a corpus over its 1 MB default, so the test sees the rule's own doing."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(_corpus_lines(300, 0), encoding="utf-8")
    target = ["--max-checksum-file-size", "1", "--", "results/mine/data/train.txt"]
    snakemake(tmp_path, *_text_config(corpus), *target)
    later = corpus.stat().st_mtime_ns + 3_600 * 10**9
    os.utime(corpus, ns=(later, later))
    dry = snakemake(tmp_path, "-n", *_text_config(corpus), *target)
    assert planned_jobs(dry.stdout) == {}, dry.stdout[-2000:]
    # a real change is still seen, through the fingerprint
    corpus.write_text(_corpus_lines(300, 1), encoding="utf-8")
    dry = snakemake(tmp_path, "-n", *_text_config(corpus), *target)
    assert planned_jobs(dry.stdout) == {"prepare": 1} and "Params have changed" in dry.stdout, dry.stdout[-2000:]


def test_fingerprint_reads_three_mib_of_a_large_file(tmp_path):
    from leakgan.data.sources import FINGERPRINT_CHUNK, fingerprint

    big = tmp_path / "big.txt"
    size = 4 << 30  # a sparse 4 GiB file
    with open(big, "wb") as handle:
        handle.truncate(size)
    start = time.perf_counter()
    first = fingerprint(big)
    assert time.perf_counter() - start < 2.0
    assert first.startswith(f"{size}:") and fingerprint(big) == first
    with open(big, "r+b") as handle:  # one byte in the middle MiB
        handle.seek(size // 2)
        handle.write(b"x")
    assert fingerprint(big) != first
    small = write(tmp_path / "small.txt", "a b c\n")
    assert fingerprint(small).startswith("6:") and FINGERPRINT_CHUNK == 1 << 20
    assert fingerprint(tmp_path / "absent.txt") == "-"


def test_sources_module_does_not_import_torch():
    code = "import sys, leakgan.data.sources; assert 'torch' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ---------------------------------------------------------------- item 11: NUL bytes and control characters


def _corpus_with_control_lines(path: Path) -> Path:
    lines = [b"the group met", b"the gro\x00up met", b"the cat sat\r", b"the dog\x0bran", b"a bell\x07rang"]
    lines += [f"the cat sat on the mat {i}".encode() for i in range(3000)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_prepare_skips_and_counts_lines_with_control_characters(tmp_path, capsys):
    source = _corpus_with_control_lines(tmp_path / "corpus.txt")
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "prepare", *_prepare(source, out))
    assert rc == 0, err
    assert "Traceback" not in err
    assert (f"leakgan prepare: warning: {source}: skipping 3 of 3005 bad lines (3 with a NUL or other control "
            "character, first at line 2)") in err
    stats = json.loads((out / "stats.json").read_text())
    assert stats["control_chars"] == 3 and stats["first_control_char_line"] == 2
    assert stats["invalid_utf8"] == 0 and stats["lines_read"] == 3005
    assert stats["sentences"]["nonempty"] == 3002  # the CRLF line is kept
    tokens = json.loads((out / "vocab.json").read_text())["tokens"]
    assert not [t for t in tokens if any(ord(c) < 32 for c in t)]
    assert "group" in tokens and "gro\x00up" not in tokens and "gro" not in tokens and "bell" not in tokens
    words = (out / "train.words.txt").read_text(encoding="utf-8") + (out / "test.words.txt").read_text()
    assert "\x00" not in words and "\x0b" not in words


def test_prepare_refuses_too_many_control_character_lines(tmp_path, capsys):
    source = tmp_path / "corpus.txt"
    source.write_bytes(b"".join(b"the cat sat %d\n" % i for i in range(100)) + b"bad\x00line\n" * 5)
    out = tmp_path / "out"
    line = refused(capsys, "prepare", *_prepare(source, out))
    assert line.startswith(f"leakgan prepare: error: {source}: 5 of 105 lines (4.762%) are bad (5 with a NUL or "
                           "other control character, first at line 101); remove those characters")
    assert "raise datasets.mine.max_bad_lines (now 0.001) to skip them" in line
    assert not out.exists()


def test_decode_block_counts_control_lines_in_coco_text():
    from leakgan.data.readers import decode_block

    text, bad = decode_block("a caption\nan\x00other\nthird one", start=10)
    assert text == "a caption\nthird one" and bad.control == 1 and bad.first_control == 12 and bad.count == 0


# ---------------------------------------------------------------- item 13: divergence


def _mle_job(lr: float):
    import torch

    from leakgan import registry
    from leakgan.train.job import TrainingJob
    from leakgan.train.mle import MLESchedule

    gen = torch.Generator().manual_seed(0)
    train, test = torch.randint(0, 12, (64, 8), generator=gen), torch.randint(0, 12, (16, 8), generator=gen)
    job = TrainingJob(spec=registry.get("mle"), settings={}, vocab={"size": 12, "pad_id": None}, train=train,
                      test=test, seed=1, device=torch.device("cpu"), validation=train[:8], select="best_validation")
    schedule = MLESchedule(emb_dim=8, hidden_dim=8, batch_size=16, lr=lr, epochs=3, eval_every=1,
                           curve_samples=16, grad_clip=5.0)
    return job, schedule


def test_mle_divergence_is_flagged():
    from leakgan.errors import UserError
    from leakgan.train.mle import train_mle

    job, schedule = _mle_job(1e6)
    with pytest.raises(UserError) as info:
        train_mle(job, schedule)
    message = str(info.value)
    assert message.startswith("mle: training diverged at epoch 1 (train_loss = ")
    assert message.endswith("); lower its learning rate (config key 'mle.lr')")
    assert "\n" not in message


def test_mle_sane_learning_rate_is_not_flagged():
    from leakgan.train.mle import train_mle

    _, curve = train_mle(*_mle_job(0.01))
    assert [p["epoch"] for p in curve] == [0, 1, 2, 3]


def test_check_diverged_nan_and_adversarial_points():
    from leakgan.errors import UserError
    from leakgan.train.loop import check_diverged

    job, _ = _mle_job(0.01)
    with pytest.raises(UserError, match=r"^mle: training diverged at epoch 4 \(d_loss = nan\); lower its learning"):
        check_diverged({"epoch": 4, "phase": "adversarial", "d_loss": math.nan}, job)
    with pytest.raises(UserError, match=r"epoch 2 \(worker_loss = 1e\+02\)"):
        check_diverged({"epoch": 2, "phase": "pretrain", "worker_loss": 100.0}, job)
    # an adversarial worker_loss is a REINFORCE loss, not an NLL: any finite size is allowed
    check_diverged({"epoch": 5, "phase": "adversarial", "worker_loss": 100.0, "nll_test": 2.0}, job)
    with pytest.raises(UserError, match=r"epoch 5 \(nll_test = 1e\+02\)"):
        check_diverged({"epoch": 5, "phase": "adversarial", "nll_test": 100.0}, job)


@pytest.mark.slow
def test_pretrain_stage_divergence_is_one_line_and_writes_no_checkpoint(tmp_path, capsys):
    import torch

    from leakgan.io import write_tokens, write_vocab

    gen = torch.Generator().manual_seed(0)
    write_tokens(tmp_path / "train.txt", torch.randint(0, 12, (64, 8), generator=gen).tolist())
    write_tokens(tmp_path / "test.txt", torch.randint(0, 12, (16, 8), generator=gen).tolist())
    write_vocab(tmp_path / "vocab.json", 12, None, None, 8)
    settings = {"emb_dim": 8, "hidden_dim": 8, "batch_size": 16, "lr": 1e6, "epochs": 2, "eval_every": 1,
                "curve_samples": 16, "grad_clip": 5.0, "temperature": 1.0}
    ckpt = tmp_path / "mle.pt"
    line = refused(capsys, "pretrain", "--model", "mle", "--settings", json.dumps(settings),
                   "--train", tmp_path / "train.txt", "--test", tmp_path / "test.txt", "--vocab",
                   tmp_path / "vocab.json", "--seed", "1", "--out", ckpt, "--metrics", tmp_path / "curve.jsonl",
                   "--training", json.dumps({"validation_fraction": 0.1, "select": "best_validation"}))
    assert line.startswith("leakgan pretrain: error: mle: training diverged at epoch 1 (")
    assert line.endswith("lower its learning rate (config key 'mle.lr')")
    assert not ckpt.exists()


# ---------------------------------------------------------------- item 15: --train-seed of a seed with no folder


def test_generate_train_seed_without_folder(tmp_path, capsys):
    results = tmp_path / "results" / "ds"
    for k in (1, 2):
        (results / f"seed{k}" / "mle").mkdir(parents=True)
    out = tmp_path / "out.txt"
    line = refused(capsys, "generate", results, "--train-seed", "7", "-n", "1", "--out", out)
    assert line == (f"leakgan generate: error: {results}: seed 7 has no folder there (seed7/); seeds there: 1, 2 "
                    "(pass one of them to --train-seed)")
    assert not out.exists()


def test_generate_train_seed_other_than_a_seed_folder(tmp_path, capsys):
    folder = tmp_path / "results" / "ds" / "seed1"
    folder.mkdir(parents=True)
    line = refused(capsys, "generate", folder, "--train-seed", "2", "-n", "1")
    assert f"{folder}: the folder of seed 1, not of seed 2" in line


# ---------------------------------------------------------------- output into a closed pipe


def test_table_into_a_closed_pipe_is_quiet(tmp_path):
    """`leakgan table ... | head -n 1`: no BrokenPipeError traceback, the status of a tool stopped by SIGPIPE."""
    big = write(tmp_path / "nll.json", {"dataset": "x", "seed": 1,
                                        "models": {f"model{i}": {"oracle_nll": float(i)} for i in range(20000)}})
    err = tmp_path / "err.txt"
    proc = subprocess.run(["bash", "-c", f"{Path(sys.executable).parent / 'leakgan'} table {big} 2> {err} | head -n 1;"
                                         " echo ${PIPESTATUS[0]}"], capture_output=True, text=True, env=tool_env())
    assert proc.stdout.splitlines() == ["x (scale=?, seed=1)", "141"]
    assert err.read_text() == ""
