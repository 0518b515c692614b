import argparse
import dataclasses
import hashlib
import json
import math
import shutil
from pathlib import Path

import jsonschema
import pytest
import torch
import yaml

from leakgan import semantics
from leakgan.config import base_block, load_schema
from leakgan.errors import UserError
from leakgan.io import read_jsonl, write_json, write_tokens
from leakgan.models.registry import load_model
from leakgan.stages import adversarial as adversarial_stage_module
from leakgan.stages import pretrain as pretrain_stage_module
from leakgan.train.leakgan import LeakGANRun, LeakGANSettings, build_model, mle_epoch, segment_rewards

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
V, T = 30, 8
TINY = dict(emb_dim=8, hidden_dim=8, goal_size=4, step_size=4, dis_emb_dim=8, filter_sizes=[1, 2, 8],
            num_filters=[4, 4, 4], batch_size=16, dis_batch_size=32, pretrain_rounds=1, pretrain_d_steps=1,
            pretrain_g_epochs=2, d_epochs=1, num_negatives=40, adversarial_epochs=2, d_steps=1, rollout_num=2,
            mle_every=2, checkpoint_every=1, eval_every=1, eval_samples=20)


def pretrain_stage(args):
    return pretrain_stage_module.main(args)


def adversarial_stage(args, stop_after=None):
    return adversarial_stage_module.main(args, stop_after=stop_after)


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """Token files, vocab and one pretrained checkpoint (pre.pt), made once for the module."""
    folder = tmp_path_factory.mktemp("pretrained")
    gen = torch.Generator().manual_seed(0)
    write_tokens(folder / "train.txt", torch.randint(0, V, (40, T), generator=gen).numpy())
    write_tokens(folder / "test.txt", torch.randint(0, V, (20, T), generator=gen).numpy())
    write_json(folder / "vocab.json", {"size": V, "pad_id": None})
    pretrain_stage(stage_args(folder, out=str(folder / "pre.pt"), metrics=str(folder / "pre.jsonl")))
    return folder


@pytest.fixture
def data(pretrained, tmp_path):
    shutil.copytree(pretrained, tmp_path, dirs_exist_ok=True)
    return tmp_path


def stage_args(folder: Path, **kw) -> argparse.Namespace:
    base = dict(model="leakgan", settings=json.dumps({**base_block("leakgan"), **TINY}), train=str(folder / "train.txt"),
                test=str(folder / "test.txt"), vocab=str(folder / "vocab.json"), oracle=None, seed=3, device="cpu",
                threads=0, training=json.dumps({"validation_fraction": 0.05, "select": "best_validation"}))
    return argparse.Namespace(**{**base, **kw})


def adv_args(folder: Path, name: str, **kw) -> argparse.Namespace:
    paths = dict(pretrained=str(folder / "pre.pt"), out=str(folder / f"{name}.pt"),
                 metrics=str(folder / f"{name}.jsonl"), checkpoint_dir=str(folder / f"{name}-ckpt"))
    return stage_args(folder, **{**paths, **kw})


def test_config_block_matches_settings_and_schema():
    block = yaml.safe_load((ROOT / "config.yaml").read_text())["leakgan"]
    assert set(block) == {f.name for f in dataclasses.fields(LeakGANSettings)}
    schema = load_schema("leakgan.schema.yaml")
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(block)
    assert all("description" in prop and "type" in prop for prop in schema["properties"].values())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate({**block, "rollout_num": 0})
    s = LeakGANSettings.from_dict(semantics.resolve(block, "synthetic"))
    assert (s.goal_size, s.step_size, s.rollout_num, s.delta, s.mle_every) == (16, 4, 4, 12.0, 15)
    assert s.temperature == pytest.approx(2 / 3, abs=1e-4)


def test_unknown_or_inconsistent_settings_are_user_errors():
    with pytest.raises(UserError, match="'leakgan.rollout' is not known"):
        LeakGANSettings.from_dict({**base_block("leakgan"), "rollout": 4})
    with pytest.raises(UserError, match="both be set or both null"):
        build_model(LeakGANSettings.defaults(filter_sizes=[1, 2]), V, T, 0)
    with pytest.raises(UserError, match="does not fit"):
        build_model(LeakGANSettings.defaults(filter_sizes=[1, 9], num_filters=[2, 2]), V, T, 0)


def test_mle_pretraining_learns_a_tiny_language():
    # Two fixed sentences: after the first token everything is determined, so the
    # NLL can fall far below log |V| = 2.30.
    s = LeakGANSettings.defaults(emb_dim=8, hidden_dim=16, goal_size=4, dis_emb_dim=8, filter_sizes=[1, 2, 8],
                                 num_filters=[4, 4, 4], batch_size=16, lr=0.01)
    data = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8], [8, 7, 6, 5, 4, 3, 2, 1]]).repeat(32, 1)
    run = LeakGANRun(build_model(s, 10, T, 0), s, data, data[:4], 0)
    before = run.model.nll(data)
    losses = [mle_epoch(run) for _ in range(10)]
    assert before > 2.2
    assert losses[-1][0] < 0.6 * losses[0][0]  # WORKER MLE
    assert losses[-1][1] < losses[0][1] - 0.3  # MANAGER Eq. 10: the cosine rises
    assert run.model.nll(data) < 1.2


@pytest.mark.parametrize("rollouts", ["batched", "sequential"])
def test_segment_rewards_are_rescaled_ranks(rollouts):
    s = LeakGANSettings.defaults(**{**TINY, "rollouts": rollouts})
    run = LeakGANRun(build_model(s, V, T, 0), s, torch.zeros(4, T, dtype=torch.long), torch.zeros(4, T, dtype=torch.long), 0)
    trace = run.model.trace(16, 1.0, run.sample_rng, range(s.step_size, T, s.step_size))
    rewards, mean_reward = segment_rewards(run, trace)
    assert rewards.shape == (16, 2) and 0.0 < mean_reward < 1.0
    # Eq. 11 without ties: each column is a permutation of σ(δ(0.5 − r/B)), r = 1..B
    expected = sorted(1 / (1 + math.exp(-s.delta * (0.5 - r / 16))) for r in range(1, 17))
    for col in range(2):
        assert sorted(rewards[:, col].tolist()) == pytest.approx(expected, abs=1e-6)


def test_pretrain_and_adversarial_stages_write_loadable_checkpoints(data):
    pre = read_jsonl(data / "pre.jsonl")
    assert [p["epoch"] for p in pre] == [1, 2] and all("nll_test" in p and "d_accuracy" in p for p in pre)
    adversarial_stage(adv_args(data, "adv"))
    adv = read_jsonl(data / "adv.jsonl")
    assert [p["epoch"] for p in adv] == [1, 2]
    assert {"mean_reward", "manager_loss", "worker_loss", "d_loss", "nll_test", "d_accuracy"} <= set(adv[0])
    assert "mle_worker_loss" in adv[1] and "mle_worker_loss" not in adv[0]  # mle_every = 2
    model = load_model(data / "adv.pt", "cpu")
    samples = model.sample(5, 0.6667, torch.Generator().manual_seed(0), 5)
    assert samples.shape == (5, T) and int(samples.max()) < V
    # another batch size may take another matrix-library path (e.g. on AVX-512 hosts): float32 tolerance
    assert model.nll(samples, 5) == pytest.approx(model.nll(samples, 2), rel=1e-6)
    # only the newest resumable checkpoint is kept
    assert [p.name for p in (data / "adv-ckpt").iterdir()] == ["epoch-00002.pt"]


def test_killed_adversarial_run_resumes_to_the_same_bytes(data):
    adversarial_stage(adv_args(data, "whole"))
    adversarial_stage(adv_args(data, "split"), stop_after=1)  # "killed" after epoch 1's checkpoint
    assert not (data / "split.pt").exists()
    assert [p.name for p in (data / "split-ckpt").iterdir()] == ["epoch-00001.pt"]
    adversarial_stage(adv_args(data, "split"))
    assert sha256(data / "split.pt") == sha256(data / "whole.pt")
    assert read_jsonl(data / "split.jsonl") == read_jsonl(data / "whole.jsonl")


def test_same_seed_gives_the_same_pretrained_bytes(data):
    pretrain_stage(stage_args(data, out=str(data / "b.pt"), metrics=str(data / "b.jsonl")))
    pretrain_stage(stage_args(data, seed=4, out=str(data / "c.pt"), metrics=str(data / "c.jsonl")))
    assert sha256(data / "pre.pt") == sha256(data / "b.pt") != sha256(data / "c.pt")


def test_adversarial_stage_rejects_a_checkpoint_for_another_vocabulary(data):
    write_json(data / "vocab.json", {"size": V + 5, "pad_id": None})
    with pytest.raises(UserError, match=r"pre\.pt: trained for vocabulary 30 .* re-run the LeakGAN pretrain"):
        adversarial_stage(adv_args(data, "adv"))


def test_corrupt_pretrained_checkpoint_is_a_user_error(data):
    (data / "pre.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match=r"pre\.pt: damaged or foreign checkpoint"):
        adversarial_stage(adv_args(data, "adv"))


def test_stale_checkpoints_of_other_settings_are_not_resumed(data):
    adversarial_stage(adv_args(data, "whole"))
    other = adv_args(data, "other")
    other.settings = json.dumps({**base_block("leakgan"), **TINY, "delta": 16.0})
    adversarial_stage(other, stop_after=1)
    # same folder, original settings: the delta-16 checkpoint must be discarded, not resumed
    adversarial_stage(adv_args(data, "again", checkpoint_dir=str(data / "other-ckpt")))
    assert [p.name for p in (data / "other-ckpt").iterdir()] == ["epoch-00002.pt"]
    assert sha256(data / "again.pt") == sha256(data / "whole.pt")
