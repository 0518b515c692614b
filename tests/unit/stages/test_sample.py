"""`leakgan sample`: an incomplete checkpoint is one line naming the file, and nothing is written."""
from __future__ import annotations

from pathlib import Path

import torch

from tests.unit.oneline import assert_nothing_written, assert_one_line, run


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
