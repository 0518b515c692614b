"""LeakGAN's training: the run (MLE epochs, segment rewards, the adversarial step and the ablation's controls),
and its two stages through `leakgan pretrain` / `leakgan adversarial` (checkpoints, curves, resuming, refusals)."""
import argparse
import hashlib
import json
import math
import shutil
from pathlib import Path

import pytest
import torch

from leakgan import registry
from leakgan.config.resolve import base_block, resolve_block
from leakgan.errors import UserError
from leakgan.io import read_jsonl, write_json, write_tokens
from leakgan.registry import load_model
from leakgan.stages import adversarial as adversarial_stage_module
from leakgan.stages import pretrain as pretrain_stage_module
from leakgan.train.leakgan import (LeakGANRun, adversarial_step, build_model, constant_reward, mle_epoch,
                                   segment_rewards)

torch.set_num_threads(1)

LeakGANSettings = registry.get("leakgan").settings
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


def resolved_block(**overrides) -> dict:
    """The default `leakgan` block with its null keys filled from its semantics, as the workflow passes it to a
    stage (these stages see no oracle: the text resolution), then `overrides`."""
    return {**resolve_block(base_block("leakgan"), "text", "leakgan"), **overrides}


def stage_args(folder: Path, **kw) -> argparse.Namespace:
    base = dict(model="leakgan", settings=json.dumps(resolved_block(**TINY)), train=str(folder / "train.txt"),
                test=str(folder / "test.txt"), vocab=str(folder / "vocab.json"), oracle=None, seed=3, device="cpu",
                threads=0, training=json.dumps({"validation_fraction": 0.05, "select": "best_validation"}),
                checkpoint_dir=None)
    return argparse.Namespace(**{**base, **kw})


def adv_args(folder: Path, name: str, **kw) -> argparse.Namespace:
    paths = dict(pretrained=str(folder / "pre.pt"), out=str(folder / f"{name}.pt"),
                 metrics=str(folder / f"{name}.jsonl"), checkpoint_dir=str(folder / f"{name}-ckpt"))
    return stage_args(folder, **{**paths, **kw})



# ---------------------------------------------------------------- the run


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


def test_constant_reward_is_the_mean_rescaled_activation_over_ranks():
    # B = 2, δ = 12: ranks 1 and 2 give σ(0) = 0.5 and σ(-6)
    assert constant_reward(2, 12.0) == pytest.approx((0.5 + 1 / (1 + math.exp(6))) / 2, abs=1e-12)
    assert constant_reward(2, 12.0) == pytest.approx(0.2512364, abs=1e-7)


PATHS_TINY = dict(emb_dim=4, hidden_dim=5, goal_size=3, step_size=2, dis_emb_dim=6, filter_sizes=[1, 3],
                  num_filters=[2, 3], batch_size=5, rollout_num=3)


def test_adversarial_step_runs_on_both_paths_with_the_same_shapes():
    train = torch.randint(0, 20, (8, 8), generator=torch.Generator().manual_seed(0))
    results = {}
    for features, rollouts in (("incremental", "batched"), ("full", "sequential")):
        s = LeakGANSettings.defaults(**PATHS_TINY, features=features, rollouts=rollouts)
        run = LeakGANRun(build_model(s, 20, 8, 0), s, train, train, 0)
        assert run.model.feature_mode == features
        results[features] = adversarial_step(run)
    for point in results.values():
        assert set(point) == {"mean_reward", "manager_loss", "worker_loss"} and 0 < point["mean_reward"] < 1



# ---------------------------------------------------------------- the ablation's controls and the authors' optimizers


def _tiny(**overrides) -> tuple[LeakGANSettings, torch.Tensor]:
    s = LeakGANSettings.defaults(filter_sizes=[1, 2], num_filters=[3, 3], dis_emb_dim=4, emb_dim=4, hidden_dim=4,
                                 goal_size=2, batch_size=4, num_negatives=6, dis_batch_size=4, gen_batch=4,
                                 rollout_num=2, **overrides)
    return s, torch.randint(0, 12, (10, 8), generator=torch.Generator().manual_seed(0))


def _run(**overrides) -> LeakGANRun:
    s, data = _tiny(**overrides)
    return LeakGANRun(build_model(s, 12, 8, 0), s, data, data[:4], 0, stage="adversarial")


def test_mle_arm_makes_one_supervised_step_per_generator_update():
    run = _run(generator_update="supervised")
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    point = adversarial_step(run)
    assert set(point) == {"manager_loss", "worker_loss"}  # no reward: D is not asked
    assert run.budget.generator_updates == 1 and run.budget.training_tokens == 4 * 8
    changed = [k for k, v in run.model.state_dict().items() if not torch.equal(v, before[k])]
    assert changed and not any(k.startswith("discriminator.") for k in changed)


def test_constant_reward_arm_draws_no_rollouts_and_divided_rewards_scale_by_rollouts():
    run = _run(reward="constant")
    rng_before = run.sample_rng.get_state()
    point = adversarial_step(run)
    assert "mean_reward" not in point
    # only the traced batch drew numbers: a second run's trace alone reaches the same state
    check = _run(reward="constant")
    check.sample_rng.set_state(rng_before)
    check.model.trace(4, 1.0, check.sample_rng)
    assert torch.equal(check.sample_rng.get_state(), run.sample_rng.get_state())
    plain, divided = _run(), _run(divide_by_rollouts=True)
    trace = plain.model.trace(4, 1.0, plain.sample_rng, plain.model.segment_boundaries())
    trace2 = divided.model.trace(4, 1.0, divided.sample_rng, divided.model.segment_boundaries())
    q, _ = segment_rewards(plain, trace)
    q2, _ = segment_rewards(divided, trace2)
    assert torch.allclose(q2, q / 2)  # rollout_num = 2


def test_separate_optimizer_states_give_interleaved_mle_its_own_adam_pair():
    shared, separate = _run(), _run(optimizer_states="separate")
    assert shared.mle_opts is None
    assert len(separate.mle_opts) == 2 and separate.mle_opts[0] is not separate.worker_opt
    state = separate.state_dict()
    assert len(state["mle_opts"]) == 2
    separate.load_state_dict(state)



# ---------------------------------------------------------------- the stages


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
    other.settings = json.dumps(resolved_block(**TINY, delta=16.0))
    adversarial_stage(other, stop_after=1)
    # same folder, original settings: the delta-16 checkpoint must be discarded, not resumed
    adversarial_stage(adv_args(data, "again", checkpoint_dir=str(data / "other-ckpt")))
    assert [p.name for p in (data / "other-ckpt").iterdir()] == ["epoch-00002.pt"]
    assert sha256(data / "again.pt") == sha256(data / "whole.pt")
