"""The authors' semantics keys, the leak ablation's MANAGER inputs and the baselines' public-code options.

Hand examples with the numbers worked out in comments; every model is tiny so each test takes well under 2 s.
"""
from __future__ import annotations

import math
import types

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from leakgan import registry
from leakgan.config import resolve
from leakgan.config.schema import presets
from leakgan.config.schema import DEFAULT_CONFIG
from leakgan.config.yaml_files import read_yaml
from leakgan.models import generation
from leakgan.models.discriminator import Discriminator, DiscriminatorConfig
from leakgan.models.leakgan import GeneratorConfig, LeakGANModel, intrinsic_reward, intrinsic_reward_authors
from leakgan.models.mle import MLEConfig, MLEGenerator
from leakgan.models.prefix_features import prefix_features
from leakgan.models.ranker import Ranker, batch_log_softmax, mean_reference_scores
from leakgan.train import leakgan as train_leakgan
from leakgan.train import reference
from leakgan.train.leakgan import LeakGANRun, build_model, real_rows, score_with_real
from leakgan.train.rankgan import ranker_critic
from leakgan.train.seqgan import SeqGANRun, discriminator_critic

torch.set_num_threads(1)

REPO_RECIPES = DEFAULT_CONFIG.parents[2] / "recipes"
V, T = 12, 8
TINY = dict(emb_dim=4, hidden_dim=5, goal_size=3, step_size=2, dis_emb_dim=4, filter_sizes=[1, 2, 8],
            num_filters=[2, 2, 2], batch_size=4, dis_batch_size=8, pretrain_rounds=1, pretrain_d_steps=1,
            pretrain_g_epochs=1, d_epochs=1, num_negatives=8, adversarial_epochs=1, g_steps=1, d_steps=1,
            rollout_num=2, mle_every=0, checkpoint_every=1, eval_every=1, eval_samples=4, gen_batch=8)
ARMS = ["leakgan_authors", "leakgan_authors_a1", "leakgan_authors_first_a1", "leakgan_authors_neg_a1",
        "leakgan_no_leak", "leakgan_random_d", "leakgan_mle", "leakgan_constant"]


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """One-time costs of a process, paid once here rather than by whichever test comes first: torch's first
    optimizer imports torch._dynamo (seconds) and the rescaling kernels load their compiled Numba code."""
    torch.optim.Adam([nn.Parameter(torch.zeros(1))], lr=0.1)
    score_with_real(torch.rand(2, 2, 3), None, 12.0)
    score_with_real(torch.rand(2, 2, 3, dtype=torch.float64), None, 12.0)


def settings(kind: str = "synthetic", **overrides):
    return registry.get("leakgan").settings.defaults(kind, **{**TINY, **overrides})


def data(rows: int = 40, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, V, (rows, T), generator=torch.Generator().manual_seed(seed))


def tiny_model(step_size: int = 2, seed: int = 0, **gen) -> LeakGANModel:
    dis = DiscriminatorConfig(V, T, emb_dim=4, filter_sizes=(1, 2, T), num_filters=(2, 2, 2))
    cfg = GeneratorConfig(V, T, dis.feature_dim, emb_dim=4, hidden_dim=5, goal_size=3, step_size=step_size, **gen)
    model = LeakGANModel(cfg, dis)
    model.reset_parameters(torch.Generator().manual_seed(seed))
    return model.eval()


def greedy(logits, generator):
    return logits.argmax(dim=-1)


# ---------------------------------------------------------------- 1. intrinsic reward

def test_the_authors_intrinsic_reward_on_a_hand_example():
    # c = 2, T = 4, F = 2. Features f_0..f_4 and segment goals G_0, G_1:
    #   f_0 = (0, 0), f_1 = (1, 0), f_2 = (1, 1), f_3 = (0, 1), f_4 = (0, 3);  G_0 = (1, 0), G_1 = (0, 1).
    # r_t = cos(f_{t+1} − f_{2⌊t/2⌋}, G_{⌊t/2⌋}):
    #   t = 0: f_1 − f_0 = (1, 0)  vs (1, 0): 1
    #   t = 1: f_2 − f_0 = (1, 1)  vs (1, 0): 1/√2
    #   t = 2: f_3 − f_2 = (−1, 0) vs (0, 1): 0
    #   t = 3: f_4 − f_2 = (−1, 2) vs (0, 1): 2/√5
    features = torch.tensor([[[0., 0.], [1., 0.], [1., 1.], [0., 1.], [0., 3.]]])
    goals = torch.tensor([[[1., 0.], [0., 1.]]])
    r = intrinsic_reward_authors(features, goals, 2)
    torch.testing.assert_close(r, torch.tensor([[1.0, 1 / math.sqrt(2), 0.0, 2 / math.sqrt(5)]]))
    # Eq. 9 with sub-goals g_0..g_3 = G_0, G_0, G_1, G_1 is another number at t = 1: the mean of
    # cos(f_2 − f_1, g_1) = cos((0, 1), (1, 0)) = 0 and cos(f_2 − f_0, g_0) = 1/√2
    sub_goals = goals.repeat_interleave(2, dim=1)
    assert float(intrinsic_reward(features, sub_goals, 2)[0, 1]) == pytest.approx(0.5 / math.sqrt(2))


def test_the_adversarial_step_uses_the_reward_its_settings_name(monkeypatch):
    calls = []
    real_authors, real_eq9 = train_leakgan.intrinsic_reward_authors, train_leakgan.intrinsic_reward
    monkeypatch.setattr(train_leakgan, "intrinsic_reward_authors", lambda *a: calls.append("authors") or real_authors(*a))
    monkeypatch.setattr(train_leakgan, "intrinsic_reward", lambda *a: calls.append("eq9") or real_eq9(*a))
    train = data()
    for choice in ("authors", "eq9"):
        s = settings(intrinsic_reward=choice, reward="constant")
        run = LeakGANRun(build_model(s, V, T, 1), s, train, train[:4], 1, stage="adversarial")
        train_leakgan.adversarial_step(run)
    assert calls == ["authors", "eq9"]


# ---------------------------------------------------------------- 2. goal alignment

class CountingManager(nn.Module):
    """A MANAGER whose k-th read (k = 0, 1, ...) of a feature x returns (2^k, x[:F−1]): a goal's first
    coordinate names the reads summed into it, the rest sums the features read."""

    def __init__(self, hidden: int):
        super().__init__()
        self.hidden = hidden

    def forward(self, x, state=None):
        B, L, F_ = x.shape
        start = torch.zeros(B) if state is None else state[0][0, :, 0]
        count = start[:, None] + torch.arange(L, dtype=x.dtype)
        out = torch.cat([2.0 ** count[..., None], x[..., :F_ - 1]], dim=-1)
        h = (start + L)[None, :, None].expand(1, B, self.hidden).contiguous()
        return out, (h, h.clone())


def counting_model():
    model = tiny_model()
    model.manager = CountingManager(model.cfg.hidden_dim)
    with torch.no_grad():
        model.goal_init.zero_()
    goals = []
    project = model.goal_embedding
    model.goal_embedding = lambda g: (goals.append(g.detach().clone()), project(g))[1]
    return model, goals


def reads(goal: torch.Tensor) -> list[int]:
    """Which reads (bits of the first coordinate) a goal sums."""
    n = int(round(float(goal[0].detach())))
    return [k for k in range(16) if n >> k & 1]


def test_the_goal_alignments_of_sampling_teacher_forcing_and_rollouts():
    # c = 2, T = 8. Tokens t of segment s = ⌊t/2⌋ use G_s; read k of the MANAGER is its k-th feature.
    model, goals = counting_model()
    x = torch.zeros(1, T, dtype=torch.long)
    # paper, free sampling: segment s ≥ 1 sums g_{2s−1}, g_{2s} (reads 1+2, 3+4, 5+6)
    model.goal_alignment = "paper"
    tokens = model.generate(x, 0, 1.0, torch.Generator().manual_seed(0))[0]
    assert [reads(g[0]) for g in goals[::2]] == [[], [1, 2], [3, 4], [5, 6]]
    # authors, free sampling (their _g_recurrence): g_{2s−2}, g_{2s−1} (reads 0+1, 2+3, 4+5)
    goals.clear()
    model.goal_alignment = "authors"
    model.generate(x, 0, 1.0, torch.Generator().manual_seed(0))
    assert [reads(g[0]) for g in goals[::2]] == [[], [0, 1], [2, 3], [4, 5]]
    # teacher forcing (their preTrain) is the loss's alignment under both
    for alignment in ("paper", "authors"):
        model.goal_alignment = alignment
        out = model.teacher_forced(tokens)
        assert [reads(g) for g in out.goals[0]] == [[], [1, 2], [3, 4], [5, 6]]
    # the authors' rollout from b = 2: the prefix teacher-forced (segment 1: reads 1, 2 of f_1, f_2); the
    # first free step reads f_2 again (read 3); then the sampler's alignment: reads 3+4 = f_2 + f_3, 5+6 = f_4 + f_5
    goals.clear()
    rolled = model.rollout(tokens, 2, 1.0, torch.Generator().manual_seed(1))
    assert torch.equal(rolled[:, :2], tokens[:, :2])
    seen = [reads(g[0]) for g in goals]
    assert seen[2] == [1, 2] and seen[4] == [3, 4] and seen[6] == [5, 6]
    f = model.leaked_features(rolled)[0, :, :-1]  # [T+1, F−1]: the features the MANAGER read (its last coordinate dropped)
    torch.testing.assert_close(goals[2][0, 1:], f[1] + f[2])
    torch.testing.assert_close(goals[4][0, 1:], f[2] + f[3])  # f_2 read twice
    torch.testing.assert_close(goals[6][0, 1:], f[4] + f[5])


@pytest.mark.parametrize("manager_input", ["feature", "frozen_random"])
def test_the_authors_batched_rollouts_equal_their_one_at_a_time_rollouts(manager_input):
    model = tiny_model(step_size=3, seed=3, initial_goal="per_row", initial_goal_rows=4)
    model.goal_alignment, model.manager_input = "authors", manager_input
    if manager_input == "frozen_random":
        model.add_frozen_discriminator(torch.Generator().manual_seed(9))
    trace = model.trace(6, 1.0, torch.Generator().manual_seed(2), (3, 6))
    rollouts, _ = model.batched_rollouts(trace, 2, 1.0, torch.Generator(), sampler=greedy)
    expected = reference.sequential_rollouts(model, trace.tokens, (3, 6), 2, 1.0, torch.Generator(), greedy)
    assert torch.equal(rollouts, expected)
    # and free sampling in one batch is step-by-step generation
    sampled = model.sample(6, 1.0, torch.Generator().manual_seed(2), batch_size=6)
    assert torch.equal(sampled, trace.tokens)


# ---------------------------------------------------------------- 3. per-row initial goals

def test_per_row_initial_goals_shape_rows_and_checkpoint(tmp_path):
    s = settings(initial_goal="per_row", batch_size=3)
    model = build_model(s, V, T, 1).eval()
    F_ = model.dis_cfg.feature_dim
    assert tuple(model.goal_init.shape) == (3, F_) and not torch.equal(model.goal_init[0], model.goal_init[1])
    # each row its own, cycling past batch_size rows; `offset` continues the count of a larger call
    torch.testing.assert_close(model.teacher_forced(data(5)).goals[:, 0], model.goal_init[[0, 1, 2, 0, 1]])
    torch.testing.assert_close(generation.start(model, 5, offset=4).goal, model.goal_init[[1, 2, 0, 1, 2]])
    # shared: one vector
    assert tuple(build_model(settings(), V, T, 1).goal_init.shape) == (F_,)
    # the checkpoint records it, from_checkpoint rebuilds it
    ckpt = model.checkpoint("leakgan", s.to_dict(), None)
    assert ckpt["generator_config"]["initial_goal"] == "per_row" and ckpt["generator_config"]["initial_goal_rows"] == 3
    torch.save(ckpt, tmp_path / "m.pt")
    again = LeakGANModel.from_checkpoint(torch.load(tmp_path / "m.pt", weights_only=False))
    assert torch.equal(again.goal_init, model.goal_init)
    test = data(7, seed=1)
    assert again.nll(test, batch_size=2) == model.nll(test, batch_size=2)
    g = lambda: torch.Generator().manual_seed(4)  # noqa: E731
    assert torch.equal(again.sample(7, 1.0, g(), batch_size=5), model.sample(7, 1.0, g(), batch_size=5))


# ---------------------------------------------------------------- 4. mle_epoch_fraction

@pytest.mark.parametrize("fraction,batches,rows", [(1.0, [4] * 10, 40), (0.25, [4, 4, 2], 10), (0.05, [2], 2)])
def test_an_mle_epoch_sees_its_fraction_of_the_data(monkeypatch, fraction, batches, rows):
    train = data(40)
    s = settings(mle_epoch_fraction=fraction)
    run = LeakGANRun(build_model(s, V, T, 1), s, train, train[:4], 1)
    seen = []
    monkeypatch.setattr(train_leakgan, "mle_step", lambda run, batch, opts=None: seen.append(batch.clone()) or (1.0, 1.0))
    train_leakgan.mle_epoch(run)
    assert [len(b) for b in seen] == batches
    first = torch.cat(seen)
    assert len(first) == rows and len({tuple(r.tolist()) for r in first}) == len(first)  # without replacement
    seen.clear()
    train_leakgan.mle_epoch(run)
    if fraction < 1:  # a fresh random part each epoch
        assert not torch.equal(torch.cat(seen), first)


@pytest.mark.parametrize("order, expected", [
    ("d_first", ["D", "G", "G", "D", "G", "G"]),  # the authors': each round opens with D
    ("g_first", ["G", "G", "D", "G", "G", "D"]),  # D last: it learns from the generator it will judge
])
def test_pretrain_order_places_each_rounds_d_phase(monkeypatch, order, expected):
    train = data(40)
    s = settings(pretrain_rounds=2, pretrain_g_epochs=2, pretrain_order=order)
    run = LeakGANRun(build_model(s, V, T, 1), s, train, train[:4], 1)
    calls = []
    monkeypatch.setattr(LeakGANRun, "train_discriminator", lambda self, steps: calls.append("D") or 0.5)
    monkeypatch.setattr(train_leakgan, "mle_epoch", lambda run, opts=None: calls.append("G") or (1.0, 2.0))
    points = [run.train_epoch(epoch) for epoch in range(1, 5)]
    assert calls == expected
    assert [p["round"] for p in points] == [1, 1, 2, 2] and points[-1]["d_loss"] == 0.5


# ---------------------------------------------------------------- 5. ranking with real rows

def reference_with_real(probs: np.ndarray, real: np.ndarray, delta: float) -> np.ndarray:
    """Plain numpy: each column's B generated means ranked (high to low, ties averaged) among B + P values."""
    gen, rows = probs.mean(axis=0).T, real.mean(axis=0)  # [B, S], [P]
    B, S = gen.shape
    out = np.empty((B, S))
    for s in range(S):
        column = np.concatenate([gen[:, s], rows])
        for b in range(B):
            rank = (column > gen[b, s]).sum() + ((column == gen[b, s]).sum() + 1) / 2
            out[b, s] = 1 / (1 + np.exp(-delta * (0.5 - rank / len(column))))
    return out


def test_generated_rows_are_ranked_among_real_rows():
    # R = 2 repeats, S = 2 columns, B = 3 generated rows, P = 2 real rows.
    probs = torch.tensor([[[0.2, 0.6, 0.9], [0.1, 0.5, 0.3]],
                          [[0.4, 0.6, 0.7], [0.3, 0.5, 0.3]]], dtype=torch.float64)  # [R, S, B]
    real = torch.tensor([[0.5, 0.8], [0.7, 0.8]], dtype=torch.float64)  # [R, P]: means 0.6 and 0.8
    # Column 0: generated means 0.3, 0.6, 0.8 among real 0.6, 0.8 -> ranks 5, 3.5, 1.5 of 5;
    # column 1: 0.2, 0.5, 0.3 -> ranks 5, 3, 4. Row 0, column 0: sigmoid(12 (0.5 − 5/5)) = sigmoid(−6).
    out = score_with_real(probs, real, 12.0)
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out.numpy(), reference_with_real(probs.numpy(), real.numpy(), 12.0), rtol=1e-12)
    assert float(out[0, 0]) == pytest.approx(1 / (1 + math.exp(6)))
    assert float(out[1, 0]) == pytest.approx(1 / (1 + math.exp(-12 * (0.5 - 3.5 / 5))))
    # no real rows: the plain rescaling over B
    np.testing.assert_allclose(score_with_real(probs, None, 12.0).numpy(),
                               reference_with_real(probs.numpy(), np.zeros((2, 0)), 12.0), rtol=1e-12)


def test_the_number_of_real_rows_follows_the_authors_ramp():
    run = types.SimpleNamespace(settings=types.SimpleNamespace(rescale_with_real=64), epoch=1, train=torch.zeros(100, T))
    counts = []
    for epoch in (1, 2, 3, 10, 129, 500):
        run.epoch = epoch
        counts.append(real_rows(run))
    assert counts == [0, 0, 1, 4, 64, 64]  # min(64, ⌊(epoch − 1)/2⌋): their pos_num at total_batch = epoch − 1
    run.settings.rescale_with_real = 0
    assert real_rows(run) == 0


def test_segment_rewards_draw_real_rows_and_rank_them_with_the_rollouts():
    train = data(40)
    s = settings(rescale_with_real=3, rollout_num=2)
    run = LeakGANRun(build_model(s, V, T, 1), s, train, train[:4], 1, stage="adversarial")
    model = run.model
    trace = model.trace(4, 1.0, run.sample_rng, model.segment_boundaries())
    states = run.sample_rng.get_state(), run.shuffle_rng.get_state()
    rewards, _ = train_leakgan.segment_rewards(run, trace, real=3)
    # by hand from the same streams: the rollouts' D scores [R, S, B]; per repeat 3 training rows drawn from
    # the shuffle stream, D on the whole real sentences [R, P]; then the numpy ranking over B + P = 7 rows
    run.sample_rng.set_state(states[0])
    run.shuffle_rng.set_state(states[1])
    with model.discriminator_eval() as D, torch.no_grad():
        _, partial = model.batched_rollouts(trace, 2, s.train_temperature, run.sample_rng, s.rollout_chunk)
        probs = torch.cat([partial, D.real_prob_of(trace.features[:, T]).expand(2, 1, 4)], dim=1)
        index = torch.stack([torch.randperm(40, generator=run.shuffle_rng)[:3] for _ in range(2)])
        real = D.real_prob(train[index.reshape(-1)]).view(2, 3)
    expected = reference_with_real(probs.double().numpy(), real.double().numpy(), s.delta)
    assert rewards.shape == (4, 4)
    np.testing.assert_allclose(rewards.double().numpy(), expected, rtol=0, atol=1e-6)
    # another number than without the real rows (ranks over 7 rows, not 4)
    alone = reference_with_real(probs.double().numpy(), np.zeros((2, 0)), s.delta)
    assert np.abs(expected - alone).max() > 1e-3


# ---------------------------------------------------------------- 6. the MANAGER's input

def recording_manager(model):
    inputs = []
    forward = model.manager.forward
    model.manager.forward = lambda x, state=None: (inputs.append(x.detach().clone()), forward(x, state))[1]
    return inputs


def test_without_the_leak_the_manager_reads_zeros():
    model = tiny_model()
    model.manager_input = "zero"
    inputs = recording_manager(model)
    tokens = data(3)
    out = model.teacher_forced(tokens)
    assert torch.equal(inputs[-1], torch.zeros(3, T, model.dis_cfg.feature_dim))
    assert float(out.features.abs().sum()) > 0  # the losses keep D's features
    inputs.clear()
    model.trace(3, 1.0, torch.Generator().manual_seed(0), (2, 4))
    assert inputs and all(float(x.abs().sum()) == 0 for x in inputs)


def test_frozen_random_leaks_a_fixed_random_d_while_the_trained_d_moves():
    train = data(40)
    s = settings(manager_input="frozen_random")
    model = build_model(s, V, T, 1)
    run = LeakGANRun(model, s, train, train[:4], 7, stage="adversarial")
    frozen = model.frozen_discriminator
    assert frozen is not None and not frozen.training
    before = {k: v.clone() for k, v in frozen.state_dict().items()}
    trained = {k: v.clone() for k, v in model.discriminator.state_dict().items()}
    assert not torch.equal(before["embedding.weight"], trained["embedding.weight"])  # another D
    # seeded: the same chain seed gives the same frozen D
    other = build_model(s, V, T, 1)
    LeakGANRun(other, s, train, train[:4], 7, stage="adversarial")
    assert torch.equal(other.frozen_discriminator.embedding.weight, frozen.embedding.weight)
    run.train_epoch(1)  # one generator step, one D step
    assert all(torch.equal(v, frozen.state_dict()[k]) for k, v in before.items())
    assert any(not torch.equal(v, model.discriminator.state_dict()[k]) for k, v in trained.items())
    # the MANAGER reads the frozen D's prefix features
    inputs = recording_manager(model)
    tokens = train[:3]
    model.teacher_forced(tokens)
    torch.testing.assert_close(inputs[-1], prefix_features(frozen, tokens)[:, :T])
    # the checkpoint keeps the frozen D and the setting
    again = LeakGANModel.from_checkpoint(model.checkpoint("leakgan", s.to_dict(), None))
    assert again.manager_input == "frozen_random"
    assert torch.equal(again.frozen_discriminator.embedding.weight, frozen.embedding.weight)


# ---------------------------------------------------------------- 7. D's negatives

@pytest.mark.parametrize("negatives,expected", [(None, 0.6667), (1.0, 1.0)])
def test_negatives_temperature_is_apart_from_temperature(negatives, expected):
    train = data(40)
    s = settings(temperature=0.6667, negatives_temperature=negatives)
    run = LeakGANRun(build_model(s, V, T, 1), s, train, train[:4], 1)
    alphas = []
    sample = run.model.sample
    run.model.sample = lambda num, temperature, *a, **k: alphas.append(temperature) or sample(num, temperature, *a, **k)
    run.negatives(5)
    assert alphas == [expected]


@pytest.mark.parametrize("model", ["seqgan", "seqgan_rescaled", "rankgan"])
@pytest.mark.parametrize("adversarial_lr, stage, expected", [(None, "adversarial", 0.01), (0.001, "adversarial", 0.001),
                                                             (0.001, "pretrain", 0.01)])
def test_the_baselines_adversarial_learning_rate(model, adversarial_lr, stage, expected):
    """`adversarial_lr` sets G's Adam rate in the adversarial phase only (null: `lr`), and changing it re-runs that
    stage alone."""
    cls = registry.get(model).settings
    assert cls.stage_of("adversarial_lr") == "adversarial"
    s = cls.defaults("text", emb_dim=4, hidden_dim=5, dis_emb_dim=4, filter_sizes=[1, 2], num_filters=[2, 2],
                     lr=0.01, adversarial_lr=adversarial_lr)
    G = MLEGenerator(MLEConfig(vocab_size=V, seq_len=T, emb_dim=4, hidden_dim=5))
    job = types.SimpleNamespace(seed=1, train=data(), device=torch.device("cpu"))
    critic = discriminator_critic(job, s, Discriminator(DiscriminatorConfig(V, T, 4, (1, 2), (2, 2))))
    run = SeqGANRun(job, s, G, critic, stage=stage)
    assert [group["lr"] for group in run.g_opt.param_groups] == [expected]


# ---------------------------------------------------------------- 8. SeqGAN's rollout network

@pytest.mark.parametrize("network", ["current", "delayed"])
def test_the_rollout_network_is_g_itself_under_current(network):
    s = registry.get("seqgan").settings.defaults(
        "synthetic", emb_dim=4, hidden_dim=5, batch_size=4, dis_emb_dim=4, filter_sizes=[1, 2], num_filters=[2, 2],
        rollout_num=2, g_steps=1, d_steps=0, gen_batch=8, rollout_network=network)
    torch.manual_seed(0)
    G = MLEGenerator(MLEConfig(vocab_size=V, seq_len=T, emb_dim=4, hidden_dim=5))
    job = types.SimpleNamespace(seed=1, train=data(), device=torch.device("cpu"))
    critic = discriminator_critic(job, s, Discriminator(DiscriminatorConfig(V, T, 4, (1, 2), (2, 2))))
    run = SeqGANRun(job, s, G, critic, stage="adversarial")
    start = [p.clone() for p in G.parameters()]
    run.train_epoch(1)
    moved = [not torch.equal(a, b) for a, b in zip(start, G.parameters())]
    assert any(moved)  # G took a step
    same = [torch.equal(a, b) for a, b in zip(run.rollout_model.parameters(), G.parameters())]
    if network == "current":
        assert all(same)
    else:  # 0.8 own + 0.2 G's for the LSTM and output layer (the embedding is copied)
        lstm = dict(run.rollout_model.named_parameters())["lstm.weight_ih_l0"]
        theirs = dict(G.named_parameters())["lstm.weight_ih_l0"]
        torch.testing.assert_close(lstm, 0.8 * start[1] + 0.2 * theirs)
        assert not all(same)


def test_rankgan_batch_softmax_scores():
    # y_s = (1, 0), (0, 1); references (1, 0), (1, 1): mean normalised reference m = (1 + 1/√2, 1/√2) / 2,
    # scores γ·cos̄ = (0.8536, 0.3536); p = softmax = (e^0.5/(e^0.5 + 1), 1/(e^0.5 + 1)) = (0.6225, 0.3775)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    refs = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    torch.testing.assert_close(mean_reference_scores(y, refs, 1.0),
                               torch.tensor([(1 + 1 / math.sqrt(2)) / 2, 1 / (2 * math.sqrt(2))]))
    torch.testing.assert_close(batch_log_softmax(y, refs, 1.0).exp(),
                               torch.tensor([math.exp(0.5) / (math.exp(0.5) + 1), 1 / (math.exp(0.5) + 1)]))
    # the critic: one softmax per batch_size rows (one rollout position and repeat)
    s = registry.get("rankgan").settings.defaults(
        "synthetic", batch_size=3, dis_emb_dim=4, filter_sizes=[1, 2], num_filters=[2, 2], rank_score="batch_softmax",
        ref_size=4)
    ranker = Ranker(DiscriminatorConfig(V, T, 4, (1, 2), (2, 2)))
    ranker.reset_parameters(torch.Generator().manual_seed(0))
    job = types.SimpleNamespace(seed=1, train=data(), device=torch.device("cpu"))
    critic = ranker_critic(job, s, ranker)
    streams = types.SimpleNamespace(shuffle=torch.Generator().manual_seed(0))
    scores = critic.score(data(9, seed=2), streams, 64)
    torch.testing.assert_close(scores.view(3, 3).sum(1), torch.ones(3))


# ---------------------------------------------------------------- 9. semantics: paper, presets

# The paper preset before the authors' keys were added, and dropout's old value in config.yaml.
OLD_PAPER = {"loss_reduction": "per_segment", "first_tokens_temperature": None, "positives": "train", "lr": 0.001,
             "delta": 12.0, "divide_by_rollouts": False, "l2_reg": 0.2, "mle_every": 15, "optimizer_states": "shared",
             "dropout": 0.0}
# What each new key computed before it existed.
OLD_BEHAVIOUR = {"intrinsic_reward": "eq9", "goal_alignment": "paper", "initial_goal": "shared",
                 "mle_epoch_fraction": 1.0, "rescale_with_real": 0, "negatives_temperature": None,
                 "manager_input": "feature"}


@pytest.mark.parametrize("kind,name", [("synthetic", "synthetic-20"), ("text", "coco")])
def test_semantics_paper_changes_only_dropout(kind, name):
    config = resolve.load()
    block = resolve.model_settings(config, name, "leakgan")
    changed = {k for k, v in {**OLD_PAPER, **OLD_BEHAVIOUR}.items() if block[k] != v}
    assert changed == {"dropout"} and block["dropout"] == 0.25
    paper = presets(registry.get("leakgan").schema, "paper", kind)
    assert {k: paper[k] for k in OLD_PAPER} == {**OLD_PAPER, "dropout": 0.25}
    authors = presets(registry.get("leakgan").schema, "authors", kind)
    assert authors["dropout"] == 0.0 and authors["intrinsic_reward"] == "authors"
    assert authors["goal_alignment"] == "authors" and authors["initial_goal"] == "per_row"
    assert (authors["mle_epoch_fraction"], authors["rescale_with_real"]) == ((1.0, 0) if kind == "synthetic" else (0.05, 64))
    # the model D trains with that dropout
    assert build_model(settings(kind), V, T, 1).discriminator.dropout.p == 0.25


def test_schema_annotations_of_the_new_keys():
    cls = registry.get("leakgan").settings
    assert "initial_goal" in cls.architecture_keys()
    for key in ("intrinsic_reward", "rescale_with_real", "manager_input"):
        assert cls.stage_of(key) == "adversarial"
    for key in ("goal_alignment", "mle_epoch_fraction", "dropout", "negatives_temperature"):
        assert cls.stage_of(key) == "pretrain"  # D's negatives and pretraining read them
    for model in ("seqgan", "seqgan_rescaled", "rankgan"):
        assert registry.get(model).settings.stage_of("rollout_network") == "adversarial"


# ---------------------------------------------------------------- 10. arms and the recipe

def test_every_arm_resolves_and_validates():
    config = resolve.load(overrides={"models": ["mle", "leakgan", *ARMS]})
    cls = registry.get("leakgan").settings
    got = {}
    for arm in ARMS:
        stage = resolve.stage_settings(config, "synthetic-20", arm, "adversarial")
        s = cls.from_dict(stage, stage="adversarial")
        assert s.initial_goal == "shared"  # an arm keeps its base model's architecture
        got[arm] = (s.manager_input, s.temperature, train_leakgan.negatives_temperature(s), s.first_tokens_temperature,
                    s.intrinsic_reward)
    assert got["leakgan_no_leak"] == ("zero", 0.6667, 0.6667, None, "eq9")
    assert got["leakgan_random_d"] == ("frozen_random", 0.6667, 0.6667, None, "eq9")
    assert got["leakgan_authors"] == ("feature", 0.6667, 0.6667, 0.6667, "authors")
    assert got["leakgan_authors_a1"] == ("feature", 1.0, 1.0, 1.0, "authors")
    assert got["leakgan_authors_first_a1"] == ("feature", 0.6667, 0.6667, 1.0, "authors")
    assert got["leakgan_authors_neg_a1"] == ("feature", 0.6667, 1.0, 0.6667, "authors")
    labels = resolve.model_labels(config)
    assert len({labels[a] for a in ARMS}) == len(ARMS)


def test_the_authors_length40_recipe():
    config = resolve.resolve(read_yaml(DEFAULT_CONFIG), read_yaml(REPO_RECIPES / "authors-length40.yaml"))
    s = resolve.model_settings(config, "synthetic-40", "leakgan")
    assert (s["semantics"], s["emb_dim"], s["hidden_dim"], s["lr"]) == ("authors", 64, 64, 0.0005)
    assert s["filter_sizes"] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30] and sum(s["num_filters"]) == 1880
    assert config["oracle"]["emb_dim"] == 64 and config["datasets"]["synthetic-40"]["oracle_params"] is None
