"""The command line: stage list and one-line errors."""
from __future__ import annotations

import subprocess
import sys

from leakgan.cli import COMMANDS, main


def test_help_lists_every_stage():
    proc = subprocess.run([sys.executable, "-m", "leakgan.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for stage in ("oracle", "pretrain", "sample", "evaluate", "adversarial", "prepare", "bleu"):
        assert stage in COMMANDS
        assert f"    {stage}" in proc.stdout


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
    assert "damaged or foreign checkpoint" in capsys.readouterr().err
