"""The command line: every stage is reachable, and errors are one line with exit status 2."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from leakgan.cli import main
from leakgan.stages import STAGES


def test_help_lists_every_stage_module():
    proc = subprocess.run([sys.executable, "-m", "leakgan.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for stage in STAGES:
        module = importlib.import_module(f"leakgan.stages.{stage}")
        assert callable(module.configure) and callable(module.main), stage
        assert f"    {stage}" in proc.stdout


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_each_stage_prints_its_own_help(stage, capsys):
    with pytest.raises(SystemExit) as info:
        main([stage, "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: leakgan {stage}")


def test_unknown_stage_exits_2_and_names_it(capsys):
    with pytest.raises(SystemExit) as info:
        main(["trian"])
    assert info.value.code == 2
    assert "invalid choice: 'trian'" in capsys.readouterr().err


def test_user_error_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["sample", "--checkpoint", str(tmp_path / "missing.pt"), "--num", "3", "--seed", "1",
                 "--out", str(tmp_path / "s.txt")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"leakgan sample: error: {tmp_path / 'missing.pt'}: checkpoint not found; run the training stage that writes it\n"
    assert not (tmp_path / "s.txt").exists()


def test_damaged_checkpoint_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x00garbage")
    code = main(["sample", "--checkpoint", str(bad), "--num", "3", "--seed", "1", "--out", str(tmp_path / "s.txt")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged or foreign checkpoint" in err
