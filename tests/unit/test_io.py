"""Atomic outputs and the token-file format."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from leakgan.errors import UserError
from leakgan.io import atomic_path, read_tokens, write_json, write_text, write_tokens


def test_atomic_path_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "out" / "model.pt"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_tokens_round_trip_and_errors(tmp_path):
    path = tmp_path / "t.txt"
    write_tokens(path, np.array([[1, 2, 3], [4, 5, 6]]))
    assert path.read_text() == "1 2 3\n4 5 6\n"
    assert read_tokens(path).tolist() == [[1, 2, 3], [4, 5, 6]]
    with pytest.raises(UserError, match="token id 6 outside the vocabulary of 5"):
        read_tokens(path, vocab_size=5)
    path.write_text("1 2\n3\n")
    with pytest.raises(UserError, match="sequence 2 has 1 tokens, expected 2"):
        read_tokens(path)
    path.write_text("1 x\n")
    with pytest.raises(UserError, match=r"t.txt:1: expected integer token ids"):
        read_tokens(path)


def test_json_is_deterministic(tmp_path):
    write_json(tmp_path / "a.json", {"b": 1.5, "a": [1, 2]})
    assert (tmp_path / "a.json").read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1.5\n}\n'


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_written_files_get_the_mode_the_umask_gives(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_text(tmp_path / "results" / "x.txt", "x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "results" / "x.txt").stat().st_mode) == mode
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["x.txt"]  # no temporary left
