"""Running a stage through the command line in-process, and checking its one-line errors (issue #15)."""
from __future__ import annotations

import json
from pathlib import Path

from leakgan import cli


SENTENCES = [f"the cat number {i % 9} sat on mat {i % 4}" for i in range(2000)]


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
