"""Train longer = continue: more epochs resume from the newest checkpoint of the same run, fewer reuse a kept one,
and either way the outputs are byte-for-byte those of an uninterrupted run of the new length."""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pytest
import torch

from leakgan.config.resolve import base_block, resolve_block
from leakgan.io import write_json, write_tokens
from leakgan.stages import adversarial as adversarial_stage
from leakgan.stages import pretrain as pretrain_stage

torch.set_num_threads(1)
pytestmark = pytest.mark.slow  # trains tiny models a dozen times (a minute or two)
V, T = 30, 8
TINY = dict(emb_dim=8, hidden_dim=8, goal_size=4, step_size=4, dis_emb_dim=8, filter_sizes=[1, 2, 8],
            num_filters=[4, 4, 4], batch_size=16, dis_batch_size=32, pretrain_rounds=1, pretrain_d_steps=1,
            pretrain_g_epochs=2, d_epochs=1, num_negatives=40, adversarial_epochs=2, d_steps=1, rollout_num=2,
            mle_every=2, checkpoint_every=1, eval_every=2, eval_samples=20)
MLE = dict(emb_dim=8, hidden_dim=8, batch_size=16, lr=0.01, epochs=3, eval_every=2, curve_samples=20,
           grad_clip=5.0, temperature=1.0)


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    gen = torch.Generator().manual_seed(0)
    write_tokens(folder / "train.txt", torch.randint(0, V, (40, T), generator=gen).numpy())
    write_tokens(folder / "test.txt", torch.randint(0, V, (20, T), generator=gen).numpy())
    write_json(folder / "vocab.json", {"size": V, "pad_id": None})
    return folder


def args(data: Path, out: Path, model: str, settings: dict, keep: str, **kw) -> argparse.Namespace:
    training = {"validation_fraction": 0.1, "select": "best_validation", "keep_checkpoints": keep}
    return argparse.Namespace(model=model, settings=json.dumps(settings), train=str(data / "train.txt"),
                              test=str(data / "test.txt"), vocab=str(data / "vocab.json"), oracle=None, seed=3,
                              device="cpu", threads=0, training=json.dumps(training), out=str(out / "model.pt"),
                              metrics=str(out / "curve.jsonl"), checkpoint_dir=str(out / "ckpt"), **kw)


def leakgan_settings(**over) -> dict:
    return resolve_block({**base_block("leakgan"), **TINY, **over}, "synthetic", "leakgan")


@pytest.fixture(scope="module")
def pretrained(data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pre")
    pretrain_stage.main(args(data, out, "leakgan", leakgan_settings(), "last"))
    return out / "model.pt"


def adversarial(data, out, pretrained, epochs, keep="last"):
    out.mkdir(exist_ok=True)
    assert adversarial_stage.main(args(data, out, "leakgan", leakgan_settings(adversarial_epochs=epochs), keep,
                                       pretrained=str(pretrained))) == 0
    return sha(out / "model.pt"), (out / "curve.jsonl").read_text()


def test_more_adversarial_epochs_continue_the_run(data, pretrained, tmp_path, capsys):
    run = tmp_path / "run"
    adversarial(data, run, pretrained, 3)  # epoch 3 is evaluated only because it is the last
    capsys.readouterr()
    longer = adversarial(data, run, pretrained, 5)
    assert "resuming leakgan after epoch 3" in capsys.readouterr().err
    assert sorted(p.name for p in (run / "ckpt").iterdir()) == ["epoch-00005.pt"]
    assert longer == adversarial(data, tmp_path / "whole", pretrained, 5)


def test_fewer_adversarial_epochs_reuse_a_kept_checkpoint(data, pretrained, tmp_path, capsys):
    run = tmp_path / "run"
    adversarial(data, run, pretrained, 4, keep="all")
    capsys.readouterr()
    shorter = adversarial(data, run, pretrained, 2, keep="all")
    err = capsys.readouterr().err
    assert "resuming leakgan after epoch 2" in err and "leakgan adversarial:" not in err.split("resuming")[1][:0]
    assert shorter == adversarial(data, tmp_path / "whole", pretrained, 2, keep="all")
    # with keep_checkpoints: last only the newest stayed, so a shorter run starts again and says so
    kept_last = tmp_path / "last"
    adversarial(data, kept_last, pretrained, 4)
    capsys.readouterr()
    assert adversarial(data, kept_last, pretrained, 2) == shorter
    assert "at or before epoch 2 was kept" in capsys.readouterr().err


@pytest.mark.parametrize("first, then", [(3, 5), (5, 3)])
def test_mle_epochs_continue_and_the_selection_is_an_uninterrupted_runs(data, tmp_path, first, then):
    def mle(out: Path, epochs: int):
        out.mkdir(exist_ok=True)
        assert pretrain_stage.main(args(data, out, "mle", {**MLE, "epochs": epochs}, "all")) == 0
        return sha(out / "model.pt"), (out / "curve.jsonl").read_text()

    run = tmp_path / "run"
    mle(run, first)
    assert mle(run, then) == mle(tmp_path / "whole", then)
