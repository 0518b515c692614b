"""The Snakemake workflow's conventions: snakefmt formatting, `snakemake --lint`, rule docstrings, the smoke plan."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, planned_jobs, snakemake, tool_env

SMOKE = ["--config", "scale=smoke"]
SNAKEFILES = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]
# The one lint we accept: rules run the project's own `leakgan` CLI from the environment
# the pipeline is started in (see README), not from per-rule conda envs or containers.
CONDA_ADVICE = "Specify a conda environment or container for each rule."

# `rule NAME:`, `checkpoint NAME:` or `use rule OLD as NEW with:` at the start of a line.
RULE_START = re.compile(r"^(?:rule|checkpoint)\s+(\w+)\s*:|^use\s+rule\s+\w+\s+as\s+(\w+)\s+with\s*:", re.M)


def test_snakefiles_are_found():
    names = {p.name for p in SNAKEFILES}
    assert {"Snakefile", "common.smk", "evaluate.smk", "report.smk"} <= names, names


def test_snakefmt_check_passes():
    if importlib.util.find_spec("snakefmt") is None:
        pytest.skip("snakefmt is not installed (it comes with the test extra: pip install -e '.[test]')")
    proc = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "--compact-diff", *map(str, SNAKEFILES)],
                          cwd=REPO, env=tool_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, (
        "snakefmt would reformat (run `snakefmt Snakefile workflow/rules/`):\n" + proc.stdout + proc.stderr)


def lint_warnings(output: str) -> dict[str, set[str]]:
    """Parse `snakemake --lint` text into {'rule NAME' or 'snakefile PATH': {lint title, ...}}."""
    warnings: dict[str, set[str]] = {}
    scope = None
    for line in output.splitlines():
        header = re.match(r"Lints for (rule \w+|snakefile \S+?)(?: \(line \d+, .*\))?:$", line)
        if header:
            scope = header.group(1)
            warnings.setdefault(scope, set())
            continue
        item = re.match(r"    \* (.*?):$", line)
        if item:
            assert scope is not None, f"lint item outside a 'Lints for' block: {line!r}"
            warnings[scope].add(item.group(1))
    return warnings


def test_lint_reports_only_the_conda_advice(tmp_path):
    proc = snakemake(tmp_path, "--lint", *SMOKE, check=False, timeout=120)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and "Error" not in output, output[-3000:]
    warnings = lint_warnings(output)
    if not warnings:  # nothing to lint at all: the workflow even gained envs
        assert "Congratulations, your workflow is in a good condition!" in output, output[-3000:]
        return
    # The parser understood the output: every shell rule gets the conda advice, e.g. the oracle.
    assert CONDA_ADVICE in warnings.get("rule oracle", set()), output[-3000:]
    others = {(scope, title) for scope, titles in warnings.items() for title in titles if title != CONDA_ADVICE}
    assert others == set(), f"snakemake --lint warns about: {sorted(others)}"


def rule_bodies() -> dict[str, tuple[str, str]]:
    """{rule name: (file name, first non-blank line of its body)} for every rule in the workflow files."""
    rules: dict[str, tuple[str, str]] = {}
    for path in SNAKEFILES:
        text = path.read_text()
        for match in RULE_START.finditer(text):
            name = match.group(1) or match.group(2)
            rest = text[match.end():].splitlines()[1:]
            first = next((line.strip() for line in rest if line.strip()), "")
            assert name not in rules, f"rule {name} defined twice"
            rules[name] = (path.name, first)
    return rules


def test_every_rule_has_a_docstring(tmp_path):
    rules = rule_bodies()
    missing = sorted(f"{name} ({file})" for name, (file, first) in rules.items() if not first.startswith('"""'))
    assert not missing, f"rules without a docstring as the first line of their body: {missing}"
    # The regex saw every rule Snakemake knows about (and nothing else).
    listed = snakemake(tmp_path, "--list-rules", *SMOKE, timeout=120).stdout
    known = {line.split()[0] for line in listed.splitlines() if line and not line[0].isspace()}
    assert set(rules) == known


def test_smoke_dry_run_plans_the_synthetic_20_jobs(tmp_path):
    proc = snakemake(tmp_path, "-n", *SMOKE, "--", "results/synthetic-20/nll.json", timeout=120)
    # one seed (seeds: [42]): mle and leakgan, LeakGAN also at the matched α, each model's frontier
    assert planned_jobs(proc.stdout) == {
        "oracle": 1, "pretrain": 2, "adversarial": 1, "sample": 3, "sample_real": 1, "evaluate_synthetic": 4,
        "frontier": 2, "collect": 1, "aggregate": 1,
    }


def test_seeds_make_one_chain_each_and_share_the_data_stages(tmp_path):
    proc = snakemake(tmp_path, "-n", *SMOKE, "seeds=[1, 2, 3]", "--", "results/synthetic-20/nll.json", timeout=120)
    assert planned_jobs(proc.stdout) == {
        "oracle": 1, "pretrain": 6, "adversarial": 3, "sample": 9, "sample_real": 3, "evaluate_synthetic": 12,
        "frontier": 6, "collect": 3, "aggregate": 1,
    }
    # a dataset's own seeds win over the global list
    own = snakemake(tmp_path, "-n", *SMOKE, "seeds=[1, 2, 3]", "datasets={synthetic-20: {seeds: [5]}}", "--",
                    "results/synthetic-20/nll.json", timeout=120)
    assert "results/synthetic-20/seed5/nll.json" in own.stdout and "seed1/" not in own.stdout
