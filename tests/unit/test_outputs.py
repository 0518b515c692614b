"""Outputs are written through a temporary file beside the target and renamed into place, never onto an input,
never replacing a link, a FIFO or a device; a write the file system refuses is one line and leaves nothing."""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
import torch

from leakgan.cli import main
from leakgan.errors import UserError
from leakgan.io import atomic_path, check_output, emit_text, write_text, write_tokens


def generate_ids(tmp_path: Path, out) -> int:
    ids = tmp_path / "samples.ids.txt"
    write_tokens(ids, [[1, 2, 3], [4, 5, 6]])
    return main(["generate", "--from-ids", str(ids), "--out", str(out)])


def test_a_symlink_is_refused_and_its_target_untouched(tmp_path, capsys):
    target = tmp_path / "target.txt"
    target.write_text("keep\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert generate_ids(tmp_path, link) == 2
    err = capsys.readouterr().err
    assert f"{link}: a symbolic link; give the file it points to ({target})" in err and "Traceback" not in err
    assert link.is_symlink() and target.read_text() == "keep\n"


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert generate_ids(tmp_path, fifo) == 0
        assert os.read(reader, 100) == b"1 2 3\n4 5 6\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, not replaced by a regular file


def test_a_character_device_is_written_through(tmp_path):
    assert check_output("/dev/null") == "stream"
    assert generate_ids(tmp_path, "/dev/null") == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_device_is_one_line(tmp_path, capsys):
    assert generate_ids(tmp_path, "/dev/full") == 2
    assert "/dev/full: cannot be written (no space left on the device); nothing was written" in capsys.readouterr().err


def test_the_output_may_not_be_an_input(tmp_path, capsys):
    ids = tmp_path / "samples.ids.txt"
    write_tokens(ids, [[1, 2, 3]])
    before = ids.read_bytes()
    assert main(["generate", "--from-ids", str(ids), "--out", str(ids)]) == 2
    assert f"{ids}: that is an input of this command; give another output file" in capsys.readouterr().err
    assert ids.read_bytes() == before


def test_a_folder_is_refused(tmp_path, capsys):
    assert generate_ids(tmp_path, tmp_path) == 2
    assert f"{tmp_path}: a folder; give a file name" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_line_and_leaves_nothing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(UserError, match="cannot be written .permission denied."):
            write_text(folder / "x.txt", "a\n")
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_a_refused_write_inside_the_block_removes_the_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(UserError, match="out.txt: cannot be written .no space left on the device."):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_printing_needs_no_file(capsys):
    emit_text(None, "a b\n")
    assert capsys.readouterr().out == "a b\n"


def test_generate_refuses_a_tiny_temperature_and_too_many_sentences(tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    ckpt.write_bytes(b"")
    assert main(["generate", str(ckpt), "-n", "2", "--temperature", "1e-39"]) == 2
    assert "--temperature must be at least 0.05" in capsys.readouterr().err
    assert main(["generate", str(ckpt), "-n", "1000000000"]) == 2
    assert "-n N is required: how many sentences to generate, 1 to 1,000,000 (got 1000000000)" in capsys.readouterr().err


def test_a_checkpoint_with_nan_weights_is_refused(tmp_path, capsys):
    from leakgan.io import save_torch
    from leakgan.models.mle import MLEConfig, MLEGenerator

    model = MLEGenerator(MLEConfig(vocab_size=5, seq_len=3, emb_dim=2, hidden_dim=2))
    with torch.no_grad():
        model.out.weight.fill_(float("nan"))
    save_torch(tmp_path / "nan.pt", model.checkpoint("mle", {}, None))
    assert main(["generate", str(tmp_path / "nan.pt"), "-n", "2"]) == 2
    assert "the model's weights hold NaN or infinite values" in capsys.readouterr().err


def test_a_training_curve_grows_beside_its_output_and_is_renamed_at_the_end(tmp_path):
    from leakgan.stages.common import live_curve, write_training_outputs

    metrics = tmp_path / "pretrain.jsonl"
    live = Path(live_curve(str(metrics)))
    assert live.name == "pretrain.jsonl.part"
    live.write_text('{"epoch": 0}\n')  # what a killed stage leaves: never the output's own name
    args = type("Args", (), {"out": str(tmp_path / "pretrain.pt"), "metrics": str(metrics)})
    write_training_outputs(args, ({"model": "mle"}, [{"epoch": 0}, {"epoch": 1}]))
    assert metrics.read_text() == '{"epoch": 0}\n{"epoch": 1}\n' and not live.exists()
