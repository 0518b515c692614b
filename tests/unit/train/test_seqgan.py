"""The baselines SeqGAN, SeqGAN (rescaled) and RankGAN on SeqGAN's loop: rewards, REINFORCE, the critics, the
delayed rollout network, and the registry's pretrain/adversarial trainers (checkpoints, resuming, refusals)."""
from __future__ import annotations

import copy
import math
import re

import pytest
import torch

from leakgan import registry
from leakgan.config.resolve import base_block, setting_stage
from leakgan.config.schema import STAGE_ORDER
from leakgan.errors import UserError
from leakgan.io import read_checkpoint, save_torch
from leakgan.kernels import score_rollouts
from leakgan.models.discriminator import Discriminator, DiscriminatorConfig
from leakgan.models.mle import MLEConfig, MLEGenerator
from leakgan.models.ranker import Ranker
from leakgan.registry import load_model
from leakgan.train import rankgan, seqgan
from leakgan.train.job import TrainingJob
from leakgan.train.rankgan import RankerCritic
from leakgan.train.seqgan import SeqGANRun, adversarial_step, rollout_rewards, update_rollout_model

torch.set_num_threads(1)

V, T = 30, 8
NAMES = ["seqgan", "seqgan_rescaled", "rankgan"]
# what each model's trainers build: the critic's module, the critic around it, its random streams, its rewards
PARTS = {"seqgan": (Discriminator, seqgan.discriminator_critic, seqgan.STREAMS, seqgan.mean_rewards),
         "seqgan_rescaled": (Discriminator, seqgan.discriminator_critic, seqgan.STREAMS, seqgan.rescaled_rewards),
         "rankgan": (Ranker, rankgan.ranker_critic, rankgan.STREAMS, seqgan.mean_rewards)}


TINY = dict(emb_dim=8, hidden_dim=8, batch_size=16, pretrain_epochs=2, dis_emb_dim=8, filter_sizes=[1, 2, T],
            num_filters=[4, 4, 4], dis_batch_size=16, pretrain_d_steps=1, d_epochs=1, num_negatives=32,
            adversarial_epochs=2, d_steps=1, rollout_num=2, checkpoint_every=10, eval_every=1, eval_samples=16,
            gen_batch=64)


EXTRA = {"seqgan": {}, "seqgan_rescaled": {}, "rankgan": {"ref_size": 4, "comparison_size": 4}}


def tiny_settings(name: str, **over):
    return registry.get(name).settings.defaults(**{**TINY, **EXTRA[name], **over})


def generator(seed: int = 0, vocab: int = V, length: int = T) -> MLEGenerator:
    torch.manual_seed(seed)
    return MLEGenerator(MLEConfig(vocab_size=vocab, seq_len=length, emb_dim=8, hidden_dim=8)).eval()


def make_run(name: str, seed: int = 0, **over) -> SeqGANRun:
    s = tiny_settings(name, **over)
    cfg = DiscriminatorConfig(vocab_size=V, seq_len=T, emb_dim=8, filter_sizes=(1, 2, T), num_filters=(4, 4, 4),
                              dropout=s.dropout, l2_reg=s.l2_reg)
    module_class, make_critic, streams, rewards = PARTS[name]
    module = module_class(cfg)
    module.reset_parameters(torch.Generator().manual_seed(seed + 100))
    data = torch.randint(0, V, (48, T), generator=torch.Generator().manual_seed(seed + 200))
    job = TrainingJob(spec=registry.get(name), settings=s.to_dict(), vocab={"size": V, "pad_id": None},
                      train=data[:32], test=data[32:], seed=seed, device=torch.device("cpu"))
    return SeqGANRun(job, s, generator(seed), make_critic(job, s, module), streams=streams, rewards=rewards)


def distinct_samples(n: int = 16) -> torch.Tensor:
    samples = torch.randint(0, V, (n, T), generator=torch.Generator().manual_seed(5))
    assert len({tuple(row) for row in samples.tolist()}) == n
    return samples


def params(module: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def changed(before: dict, module: torch.nn.Module) -> set:
    return {k for k, v in module.named_parameters() if not torch.equal(before[k], v)}


def test_rollout_chunk_setting_does_not_change_the_rewards():
    # rollout_chunk is a memory knob ("most rollouts stepped (and scored) at a time"): not a training input
    samples = distinct_samples(16)
    rewards = []
    for chunk in (4096, 5):
        run = make_run("seqgan", rollout_num=2, rollout_chunk=chunk)
        rewards.append(rollout_rewards(run, samples, copy.deepcopy(run.generator))[0])
    gap = float((rewards[0] - rewards[1]).abs().max())
    assert gap < 1e-6, f"rewards with rollout_chunk=5 differ from rollout_chunk=4096 by up to {gap:.3g}"


def _scores_again(run: SeqGANRun, samples: torch.Tensor, rollout_model: MLEGenerator, sample_state, shuffle_state):
    """The scores [R, T, B] that rollout_rewards saw, rebuilt from the same random states."""
    s, B = run.settings, samples.shape[0]
    run.sample_rng.set_state(sample_state)
    run.shuffle_rng.set_state(shuffle_state)
    rollouts = rollout_model.rollouts(samples, s.rollout_num, 1.0, run.sample_rng, s.rollout_chunk)
    flat = rollouts.reshape(-1, T)
    critic = run.critic.module.eval()
    with torch.no_grad():
        if isinstance(run.critic, RankerCritic):
            comparison = run.critic.real_subset(s.comparison_size, run.streams)
            references = run.critic.real_subset(s.ref_size, run.streams)
            partial, full = (critic.scores(x, comparison, references, s.gamma) for x in (flat, samples))
        else:
            partial, full = critic.real_prob(flat), critic.real_prob(samples)
    return torch.cat([partial.view(s.rollout_num, T - 1, B), full.expand(s.rollout_num, 1, B)], dim=1)


@pytest.mark.parametrize("name", NAMES)
def test_rollout_rewards_match_the_critic_on_the_same_rollouts(name):
    run = make_run(name, rollout_num=3)
    rollout_model = copy.deepcopy(run.generator)
    samples = distinct_samples(16)
    sample_state, shuffle_state = run.sample_rng.get_state(), run.shuffle_rng.get_state()
    rewards, mean_score = rollout_rewards(run, samples, rollout_model)
    assert rewards.shape == (16, T)
    assert torch.isfinite(rewards).all()
    scores = _scores_again(run, samples, rollout_model, sample_state, shuffle_state)
    assert mean_score == pytest.approx(float(scores.mean()), abs=1e-6)
    with torch.no_grad():
        if name == "rankgan":
            assert (rewards <= 0).all()
            assert torch.allclose(rewards, scores.mean(dim=0).T, atol=1e-6)
        elif name == "seqgan":
            assert ((rewards > 0) & (rewards < 1)).all()
            assert torch.allclose(rewards, scores.mean(dim=0).T, atol=1e-6)
            # the last token's reward is D on the sentence itself
            assert torch.allclose(rewards[:, -1], run.critic.module.real_prob(samples), atol=1e-6)
        else:
            assert torch.allclose(rewards, score_rollouts(scores.contiguous(), run.settings.delta), atol=1e-6)


def test_rescaled_rewards_are_eq11_of_the_ranks():
    run = make_run("seqgan_rescaled", rollout_num=3)
    rollout_model = copy.deepcopy(run.generator)
    samples = distinct_samples(16)
    sample_state, shuffle_state = run.sample_rng.get_state(), run.shuffle_rng.get_state()
    rewards, _ = rollout_rewards(run, samples, rollout_model)
    means = _scores_again(run, samples, rollout_model, sample_state, shuffle_state).mean(dim=0).T  # [B, T]
    delta, B = run.settings.delta, 16
    expected = sorted(1 / (1 + math.exp(-delta * (0.5 - r / B))) for r in range(1, B + 1))
    for col in range(T):
        assert len(set(means[:, col].tolist())) == B, "ties: the check below needs distinct scores"
        assert sorted(rewards[:, col].tolist()) == pytest.approx(expected, abs=1e-6)
        # the highest mean score gets the highest reward (rank 1)
        assert int(rewards[:, col].argmax()) == int(means[:, col].argmax())


def test_rollout_rewards_of_a_degenerate_rollout_model_score_the_forced_completions():
    run = make_run("seqgan", rollout_num=2)
    rollout_model = copy.deepcopy(run.generator)
    with torch.no_grad():
        rollout_model.out.bias.zero_()
        rollout_model.out.bias[4] = 50.0
    samples = distinct_samples(8)
    rewards, _ = rollout_rewards(run, samples, rollout_model)
    forced = torch.stack([torch.cat([samples[:, :g], torch.full((8, T - g), 4)], dim=1) for g in range(1, T)])
    with torch.no_grad():
        expected = run.critic.module.real_prob(forced.reshape(-1, T)).view(T - 1, 8).T
    assert torch.allclose(rewards[:, :-1], expected, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_adversarial_step_changes_only_the_generator(name):
    run = make_run(name)
    rollout_model = copy.deepcopy(run.generator)
    g0, c0, r0 = params(run.generator), params(run.critic.module), params(rollout_model)
    result = adversarial_step(run, rollout_model)
    assert set(result) == {"mean_score", "mean_reward", "g_loss"} and math.isfinite(result["g_loss"])
    assert changed(g0, run.generator) == set(g0)  # every tensor of G moved
    assert changed(c0, run.critic.module) == set()
    assert changed(r0, rollout_model) == set()
    assert all(p.grad is None for p in run.critic.module.parameters())
    assert all(p.grad is None for p in rollout_model.parameters())


@pytest.mark.parametrize("name", ["seqgan", "rankgan"])
def test_critic_training_changes_only_the_critic(name):
    run = make_run(name)
    g0, c0 = params(run.generator), params(run.critic.module)
    loss = run.train_critic(1)
    assert math.isfinite(loss)
    moved = changed(c0, run.critic.module)
    assert changed(g0, run.generator) == set()
    assert all(p.grad is None for p in run.generator.parameters())
    if name == "rankgan":
        # the ranker trains its encoder; D's classifier stays unused
        assert {"cnn.embedding.weight", "cnn.convs.0.weight", "cnn.highway.gate.weight"} <= moved
        assert not any(k.startswith("cnn.classifier.") for k in moved)
    else:
        assert moved == set(c0)


def _sequence_log_prob(G: MLEGenerator, sample: torch.Tensor) -> float:
    with torch.no_grad():
        return float(torch.log_softmax(G(sample), dim=-1).gather(-1, sample.unsqueeze(-1)).sum())


@pytest.mark.parametrize("reward", [0.7, -0.7])
def test_reinforce_step_follows_the_sign_of_the_reward(monkeypatch, reward):
    run = make_run("seqgan", batch_size=4)
    sample = distinct_samples(1).expand(4, T).clone()  # one fixed sample, four times
    monkeypatch.setattr(run.generator, "sample", lambda *args, **kwargs: sample.clone())
    monkeypatch.setattr(seqgan, "rollout_rewards", lambda *args: (torch.full((4, T), reward), reward))
    before = _sequence_log_prob(run.generator, sample[:1])
    with torch.no_grad():
        log_probs = torch.log_softmax(run.generator(sample), dim=-1).gather(-1, sample.unsqueeze(-1)).squeeze(-1)
    result = adversarial_step(run, copy.deepcopy(run.generator))
    assert result["g_loss"] == pytest.approx(float(-(log_probs * reward).sum()), rel=1e-5)
    assert result["mean_reward"] == pytest.approx(reward)
    after = _sequence_log_prob(run.generator, sample[:1])
    assert (after > before + 1e-3) if reward > 0 else (after < before - 1e-3)


def test_rollout_model_moves_toward_g_by_the_rate():
    rollout, G = generator(0), generator(1)
    old, theirs = params(rollout), params(G)
    update_rollout_model(rollout, G, 0.8)
    now = params(rollout)
    assert torch.equal(now["embedding.weight"], theirs["embedding.weight"])
    others = [k for k in now if not k.startswith("embedding.")]
    assert sorted(others) == sorted(["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
                                     "out.weight", "out.bias"])
    for k in others:
        expected = old[k] * 0.8 + theirs[k] * 0.2
        assert torch.allclose(now[k], expected, rtol=0, atol=1e-7), k
        assert not torch.equal(now[k], old[k]) and not torch.equal(now[k], theirs[k])
    assert params(G).keys() == theirs.keys() and all(torch.equal(params(G)[k], v) for k, v in theirs.items())


def stage_settings(name: str, stage: str, **over) -> dict:
    """The block as the rule passes it to `stage`: only the keys that stage (or an earlier one) reads."""
    block = {**base_block(name), **TINY, **EXTRA[name], **over}
    return {k: v for k, v in block.items() if STAGE_ORDER.index(setting_stage(name, k)) <= STAGE_ORDER.index(stage)}


def _data():
    gen = torch.Generator().manual_seed(0)
    return torch.randint(0, V, (40, T), generator=gen), torch.randint(0, V, (20, T), generator=gen)


def make_job(name: str, stage: str, vocab: int = V, **kw) -> TrainingJob:
    train, test = _data()
    return TrainingJob(spec=registry.get(name), settings=stage_settings(name, stage), vocab={"size": vocab, "pad_id": None},
                       train=train, test=test, seed=3, device=torch.device("cpu"), **kw)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """name -> (checkpoint, curve, path of the saved checkpoint), each pretrained once for the module."""
    folder = tmp_path_factory.mktemp("seqgan-pretrained")
    done = {}

    def get(name):
        if name not in done:
            ckpt, curve = pretrain(make_job(name, "pretrain"))
            path = folder / f"{name}-pre.pt"
            save_torch(path, ckpt)
            done[name] = (ckpt, curve, path)
        ckpt, curve, path = done[name]
        # a fresh copy from the file each time, as the adversarial stage reads it (the adversarial trainer
        # updates the critic's optimizer state in place: see test_adversarial_leaves_its_pretrained_input_alone)
        return read_checkpoint(path), curve, path

    return get


def pretrain(job: TrainingJob):
    """The registry's first-stage trainer of the job's model."""
    return job.spec.trainer("pretrain")(job)


def adversarial(job: TrainingJob):
    """The registry's adversarial trainer of the job's model."""
    return job.spec.trainer("adversarial")(job)


def adv_job(name, pretrained, tmp_path, ckpt_name="ckpt", **kw) -> TrainingJob:
    ckpt, _, path = pretrained(name)
    return make_job(name, "adversarial", pretrained=ckpt, pretrained_path=path, checkpoint_dir=tmp_path / ckpt_name,
                    **kw)


def assert_same_tensors(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.mark.parametrize("name", NAMES)
def test_pretrain_writes_a_loadable_checkpoint_and_curve(name, pretrained, tmp_path):
    ckpt, curve, path = pretrained(name)
    assert ckpt["model"] == name and ckpt["vocab_size"] == V and ckpt["seq_len"] == T
    assert ckpt["settings"] == stage_settings(name, "pretrain")
    assert ckpt["critic_config"]["filter_sizes"] == [1, 2, T] and ckpt["critic_config"]["num_filters"] == [4, 4, 4]
    assert [p["epoch"] for p in curve] == [0, 1, 2] and all(p["phase"] == "pretrain" for p in curve)
    assert math.isfinite(curve[-1]["d_loss"]) and "d_loss" not in curve[0]
    model = load_model(path, "cpu")
    assert isinstance(model, MLEGenerator)
    assert_same_tensors(model.state_dict(), ckpt["state"])
    samples = model.sample(5, 1.0, torch.Generator().manual_seed(0), 5)
    assert samples.shape == (5, T) and int(samples.max()) < V


def test_all_baselines_start_from_the_same_pretrained_generator(pretrained):
    states = [pretrained(name)[0]["state"] for name in NAMES]
    assert_same_tensors(states[0], states[1])
    assert_same_tensors(states[0], states[2])
    # ... and the critics differ (their own init streams; the ranker is another module)
    assert not torch.equal(pretrained("seqgan")[0]["critic"]["embedding.weight"],
                           pretrained("seqgan_rescaled")[0]["critic"]["embedding.weight"])
    assert set(pretrained("rankgan")[0]["critic"]) == {f"cnn.{k}" for k in pretrained("seqgan")[0]["critic"]}


@pytest.mark.parametrize("name", NAMES)
def test_adversarial_writes_a_loadable_checkpoint_and_curve(name, pretrained, tmp_path):
    ckpt, metrics = adversarial(adv_job(name, pretrained, tmp_path))
    assert ckpt["model"] == name and ckpt["epoch"] == 2
    assert [p["epoch"] for p in metrics] == [1, 2] and all(p["phase"] == "adversarial" for p in metrics)
    assert {"mean_score", "mean_reward", "g_loss", "d_loss", "nll_test"} <= set(metrics[0])
    assert all(math.isfinite(p[k]) for p in metrics for k in ("mean_reward", "g_loss", "d_loss", "nll_test"))
    # G trained: its weights are not the pretrained ones
    assert any(not torch.equal(v, pretrained(name)[0]["state"][k]) for k, v in ckpt["state"].items())
    save_torch(tmp_path / "adv.pt", ckpt)
    model = load_model(tmp_path / "adv.pt", "cpu")
    assert isinstance(model, MLEGenerator)
    assert_same_tensors(model.state_dict(), ckpt["state"])
    # the last curve point is the NLL-test of the returned G on the first eval_samples test sequences
    assert model.nll(_data()[1][:16], 7) == pytest.approx(metrics[-1]["nll_test"], abs=1e-5)


@pytest.mark.parametrize("name", ["seqgan", "rankgan"])
def test_stopped_and_resumed_run_equals_the_uninterrupted_run(name, pretrained, tmp_path):
    whole, whole_metrics = adversarial(adv_job(name, pretrained, tmp_path, "whole"))
    assert adversarial(adv_job(name, pretrained, tmp_path, "split", stop_after=1)) is None
    assert [p.name for p in (tmp_path / "split").iterdir()] == ["epoch-00001.pt"]
    split, split_metrics = adversarial(adv_job(name, pretrained, tmp_path, "split"))
    assert_same_tensors(split["state"], whole["state"])
    assert_same_tensors(split["critic"], whole["critic"])
    assert split_metrics == whole_metrics
    assert [p["epoch"] for p in split_metrics] == [1, 2]


def test_adversarial_refuses_a_checkpoint_of_another_model(pretrained, tmp_path):
    _, _, path = pretrained("seqgan")
    with pytest.raises(UserError, match=re.escape(f"{path}: a 'seqgan' checkpoint, not rankgan")):
        adversarial(make_job("rankgan", "adversarial", pretrained=pretrained("seqgan")[0], pretrained_path=path,
                              checkpoint_dir=tmp_path / "c"))
    mle_ckpt = {**pretrained("seqgan")[0], "model": "mle"}
    with pytest.raises(UserError, match=re.escape(f"{path}: a 'mle' checkpoint, not seqgan")):
        adversarial(make_job("seqgan", "adversarial", pretrained=mle_ckpt, pretrained_path=path,
                              checkpoint_dir=tmp_path / "c"))


def test_adversarial_refuses_a_checkpoint_of_another_vocabulary(pretrained, tmp_path):
    job = adv_job("seqgan_rescaled", pretrained, tmp_path, vocab=V + 5)
    with pytest.raises(UserError, match=re.escape(f"{job.pretrained_path}: trained for vocabulary {V} and length {T}, "
                                                  f"but the data have {V + 5} and {T}")):
        adversarial(job)


def test_adversarial_refuses_an_incomplete_checkpoint(pretrained, tmp_path):
    ckpt, _, path = pretrained("seqgan")
    broken = {k: v for k, v in ckpt.items() if k != "critic"}
    job = make_job("seqgan", "adversarial", pretrained=broken, pretrained_path=path, checkpoint_dir=tmp_path / "c")
    with pytest.raises(UserError, match=re.escape(f"{path}: not a complete seqgan checkpoint")):
        adversarial(job)


def test_adversarial_leaves_its_pretrained_input_alone(pretrained, tmp_path):
    job = adv_job("seqgan", pretrained, tmp_path)
    kept = copy.deepcopy(job.pretrained)
    adversarial(job)
    state = job.pretrained["dis_opt"]["state"]
    touched = sorted(f"dis_opt.state.{i}.{k}" for i in state for k in state[i]
                     if not torch.equal(state[i][k], kept["dis_opt"]["state"][i][k]))
    assert not touched, f"the adversarial trainer changed job.pretrained in place: {touched[:3]}"
    assert_same_tensors(job.pretrained["critic"], kept["critic"])
    assert_same_tensors(job.pretrained["state"], kept["state"])
