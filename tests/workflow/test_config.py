"""The config through the Snakefile: a bad value, dataset name or target stops the workflow before any job with
one line; --configfile strings stay strings; a dataset's default paths plan its jobs (dry runs)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import planned_jobs, require_shared, snakemake

TARGET = "results/synthetic-20/nll.json"


@pytest.mark.parametrize(
    "value, message",
    [
        ("mle={epochs: -1}", "leakgan: config error: config key 'mle.epochs': -1 is less than the minimum of 0"),
        ("mle={learning_rate: 0.1}", "leakgan: config error: config key 'mle.learning_rate' is not known"),
        ("seed=abc", "leakgan: config error: config key 'seed': 'abc' is not of type 'integer'"),
    ],
)
def test_bad_config_fails_before_any_job(tmp_path, value, message):
    proc = snakemake(tmp_path, "--config", "scale=smoke", value, "--", TARGET, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()


SENTENCES = [f"the cat number {i % 9} sat on mat {i % 4}" for i in range(2000)]


def text_block(source: str, **extra) -> dict:
    """A small text dataset block (mle only: no discriminator windows to fit max_len)."""
    return {"type": "text", "source": source, "format": "text", "min_freq": 1, "max_len": 10,
            "num_train": 30, "num_test": 10, "models": ["mle"], **extra}


def write_config(workdir: Path, datasets: dict) -> Path:
    path = workdir / "hostile-config.yaml"
    path.write_text(yaml.safe_dump({"datasets": datasets}), encoding="utf-8")
    return path


def no_pwned(*roots: Path) -> None:
    for root in roots:
        found = [p for p in root.rglob("PWNED")]
        assert not found, found


def test_target_with_command_substitution_runs_nothing(tmp_path):
    proc = snakemake(tmp_path, "--config", "scale=smoke", "--", "results/y$(touch PWNED)/data/stats.json", check=False)
    assert proc.returncode != 0
    assert "No rule to produce results/y$(touch PWNED)/data/stats.json" in proc.stdout + proc.stderr
    no_pwned(tmp_path, Path.cwd())
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


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


def test_configfile_strings_are_not_coerced_through_snakemake(tmp_path):
    (tmp_path / "2024").write_text("".join(s + "\n" for s in SENTENCES[:50]), encoding="utf-8")
    (tmp_path / "q.yaml").write_text('datasets:\n  poems:\n    pad_token: "~"\n    source: "2024"\n', encoding="utf-8")
    proc = snakemake(tmp_path, "-n", "-p", "--configfile", "q.yaml", "--config", "scale=smoke", "seed=7", "--",
                     "results/poems/data/stats.json", check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    command = next(l for l in proc.stdout.splitlines() if "leakgan prepare" in l)
    assert '"pad_token":"~"' in command and '"source":"2024"' in command and "--seed 7 " in command


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
