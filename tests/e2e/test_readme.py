"""The README tells the truth about `make run`: its command, run at smoke scale, prints a table of the README's form.

The command runs in a copy of the shared synthetic run, whose chains it reuses (its own model list re-gathers
the results only)."""
from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from tests.conftest import REPO, tool_env
from tests.e2e.conftest import copy_run

pytestmark = pytest.mark.slow


def make_run_commands() -> list[list[str]]:
    """The recipe lines of the Makefile's `run` target, as argument lists (make variables filled in; `@echo`
    lines left out)."""
    lines = (REPO / "Makefile").read_text().splitlines()
    variables = dict(re.match(r"^([A-Z]+)\s*:=\s*(.*)$", line).groups() for line in lines
                     if re.match(r"^[A-Z]+\s*:=", line))
    start = next(i for i, line in enumerate(lines) if line.startswith("run:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        if not line.strip().startswith("@"):
            recipe.append(line.strip().replace("$(SNAKEMAKE)", variables["SNAKEMAKE"]))
    commands = []
    for line in recipe:
        words = shlex.split(line)
        words = [w for w in words if not w.startswith("PATH=")]  # the test's environment does this
        words = [re.sub(r"^\$\(BIN\)/", "", w).replace("$(CORES)", "2") for w in words]
        commands.append(words)
    return commands


def readme_table() -> list[str]:
    """The table the README shows for `make run` (the indented block after its title line)."""
    lines = (REPO / "README.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"    synthetic-20 \(scale=demo, ", line))
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line[4:])
    return block


def shape(line: str) -> list[str]:
    """The cells of a table line, every number replaced by its format ('9.999', '9'), so values may differ."""
    return [re.sub(r"\d+", "9", cell) for cell in line.split()]


def test_make_run_prints_the_table_the_readme_shows(tmp_path, synthetic_run):
    workdir = copy_run(synthetic_run, tmp_path / "run")
    commands = make_run_commands()
    assert [c[0] for c in commands] == ["snakemake", "snakemake", "leakgan"]
    *snakes, table = commands
    assert all("scale=demo" in snake for snake in snakes) and table[1:] == ["table", "results/synthetic-20/nll.json"]
    assert snakes[0][-2:] == ["results/synthetic-20/nll.json", "report"]
    assert snakes[1][-4:] == ["--report", "results/report.html", "--", "report"]
    for snake in snakes:
        snake = [("scale=smoke" if w == "scale=demo" else w) for w in snake]
        # the profile path is relative to the repository, the results to the work folder
        snake = [str(REPO / w) if w.startswith("profiles/") else w for w in snake]
        snake[1:1] = ["-s", str(REPO / "Snakefile"), "-d", str(workdir)]
        subprocess.run(snake, cwd=workdir, env=tool_env(), check=True, capture_output=True, timeout=900)
    html = (workdir / "results" / "report.html").read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>") and "nll_curve.png" in html and "figure4.png" in html
    printed = subprocess.run(table, cwd=workdir, env=tool_env(), check=True, capture_output=True, text=True,
                             timeout=120).stdout.splitlines()
    expected = readme_table()
    assert printed[0] == expected[0].replace("scale=demo", "scale=smoke")
    assert printed[1:3] == expected[1:3]  # the header and the rule under it, exactly
    assert [row.split()[0] for row in printed[3:]] == [row.split()[0] for row in expected[3:]]
    # every row has the README's cells and number formats (the values differ: smoke is not demo)
    for ours, theirs in zip(printed[3:], expected[3:]):
        assert shape(ours) == shape(theirs), (ours, theirs)
        assert len(ours) == len(printed[1]), ours  # aligned under the header
