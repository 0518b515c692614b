"""The LeakGAN model: segment goals, the MANAGER and WORKER losses (the paper's and the authors' reductions),
generation, sampling, NLL and checkpoints."""
import math

import pytest
import torch

from leakgan import registry
from leakgan.errors import UserError
from leakgan.models.discriminator import DiscriminatorConfig
from leakgan.models.leakgan import (GeneratorConfig, LeakGANModel, intrinsic_reward, manager_loss,
                                      segment_goals, worker_loss)
from leakgan.train.leakgan import FIRST_TOKENS, build_model

LeakGANSettings = registry.get("leakgan").settings

torch.set_num_threads(1)

V, T = 30, 8


def tiny(seed=0, step_size=4) -> LeakGANModel:
    dis = DiscriminatorConfig(vocab_size=V, seq_len=T, emb_dim=8, filter_sizes=(1, 2, 8), num_filters=(3, 4, 5))
    gen = GeneratorConfig(vocab_size=V, seq_len=T, feature_dim=dis.feature_dim, emb_dim=6, hidden_dim=7,
                          goal_size=3, step_size=step_size)
    model = LeakGANModel(gen, dis)
    model.reset_parameters(torch.Generator().manual_seed(seed))
    return model


def tokens(n=5, seed=1):
    return torch.randint(0, V, (n, T), generator=torch.Generator().manual_seed(seed))


def test_segment_goals_hand_computed_for_c_4():
    # sub-goal g_j = j (per feature), T = 12: segment 0 uses the initial goal,
    # segment 1 sums g_1..g_4 = 10, segment 2 sums g_5..g_8 = 26 (g_0 and g_9.. unused)
    sub_goals = torch.arange(12.0)[None, :, None].expand(1, 12, 2)
    init = torch.tensor([-1.0, 7.0])
    goals = segment_goals(sub_goals, init, 4, 3)
    assert goals.tolist() == [[[-1.0, 7.0], [10.0, 10.0], [26.0, 26.0]]]


def test_manager_loss_pairs_each_segment_goal_with_its_feature_change():
    # f_t = (t, 0) for t = 0..4, c = 2: changes (2, 0) and (2, 0)
    features = torch.tensor([[[0.0, 0], [1, 0], [2, 0], [3, 0], [4, 0]]])
    goals = torch.tensor([[[1.0, 0], [0, 1]]])  # cos = 1 and 0
    assert float(manager_loss(features, goals, None, 2)) == pytest.approx(-0.5)  # Eq. 10
    rewards = torch.tensor([[0.5, 1.0]])
    assert float(manager_loss(features, goals, rewards, 2)) == pytest.approx(-0.25)  # Eq. 7


def test_intrinsic_reward_hand_computed():
    # c = 2, T = 2: f_0 = (0, 0), f_1 = (1, 0), f_2 = (1, 1); g_0 = (1, 0), g_1 = (0, 1)
    features = torch.tensor([[[0.0, 0], [1, 0], [1, 1]]])
    sub_goals = torch.tensor([[[1.0, 0], [0, 1]]])
    r = intrinsic_reward(features, sub_goals, 2)
    # r_0 = cos(f_1 − f_0, g_0) = 1; r_1 = ½[cos(f_2 − f_1, g_1) + cos(f_2 − f_0, g_0)] = ½(1 + 1/√2)
    torch.testing.assert_close(r, torch.tensor([[1.0, 0.5 * (1 + 1 / math.sqrt(2))]]))


def test_worker_logits_equal_O_times_w():
    model = tiny()
    hidden, w = torch.randn(4, 7), torch.randn(4, 3)
    direct = (model.worker.output(hidden) @ w[:, :, None]).squeeze(-1)
    assert model.worker.output(hidden).shape == (4, V, 3)
    torch.testing.assert_close(model.worker.logits(hidden, w), direct, rtol=1e-5, atol=1e-6)


def test_teacher_forced_shapes_and_gradient_routing():
    model = tiny()
    out = model.teacher_forced(tokens())
    assert out.features.shape == (5, T + 1, 12) and not out.features.requires_grad
    assert out.sub_goals.shape == (5, T, 12)
    assert out.goals.shape == (5, 2, 12)
    assert out.log_probs.shape == (5, T)
    torch.testing.assert_close(out.sub_goals.norm(dim=-1), torch.ones(5, T))  # Eq. 3
    (-out.log_probs.mean()).backward()
    assert all(p.grad is None for p in model.manager_parameters())
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in model.worker_parameters())
    model.zero_grad(set_to_none=True)
    manager_loss(out.features, out.goals, None, 4).backward()
    assert all(p.grad is None for p in model.worker_parameters())
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in model.manager_parameters())
    assert all(p.grad is None for p in model.discriminator.parameters())


def test_step_by_step_generation_matches_teacher_forcing():
    # The sampling loop's incremental goal bookkeeping must give the same
    # distribution as the vectorised teacher-forced pass.
    model = tiny(step_size=3)  # T = 8 is not a multiple of c: a short last segment
    x = tokens()
    _, stepwise = model.generate(x, T, 1.0, torch.Generator().manual_seed(0))
    torch.testing.assert_close(stepwise, model.teacher_forced(x).log_probs.detach(), rtol=1e-5, atol=1e-5)


def test_rollout_keeps_the_given_prefix():
    model = tiny()
    x = tokens()
    gen = torch.Generator().manual_seed(0)
    assert torch.equal(model.rollout(x, T, 1.0, gen), x)  # full-length prefix: unchanged
    given = torch.tensor([0, 4, 8, 2, 7])
    out = model.rollout(x, given, 1.0, gen)
    for row, g in enumerate(given.tolist()):
        assert torch.equal(out[row, :g], x[row, :g])
    assert not torch.equal(out[1], x[1])  # with 30 words, 4 sampled tokens rarely match by chance
    assert int(out.min()) >= 0 and int(out.max()) < V


def test_sampling_is_reproducible_and_follows_the_seed():
    model = tiny()
    a = model.sample(7, 1.0, torch.Generator().manual_seed(5), batch_size=3)
    b = model.sample(7, 1.0, torch.Generator().manual_seed(5), batch_size=3)
    c = model.sample(7, 1.0, torch.Generator().manual_seed(6), batch_size=3)
    assert a.shape == (7, T) and a.dtype == torch.long
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_temperature_divides_the_logits():
    model = tiny()
    x = tokens()
    lp1 = model.teacher_forced(x, 1.0).log_probs
    lp_half = model.teacher_forced(x, 0.5).log_probs
    _, stepwise_half = model.generate(x, T, 0.5, torch.Generator())
    torch.testing.assert_close(stepwise_half, lp_half.detach(), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(lp1, lp_half)


def test_nll_of_a_uniform_worker_is_log_vocab():
    model = tiny()
    with torch.no_grad():
        model.worker.out.weight.zero_()
        model.worker.out.bias.zero_()
    assert model.nll(tokens(), batch_size=2) == pytest.approx(math.log(V), abs=1e-6)


def test_checkpoint_round_trip_and_errors():
    model = tiny()
    ckpt = model.checkpoint("leakgan", {"emb_dim": 6}, None)
    assert ckpt["model"] == "leakgan" and ckpt["vocab_size"] == V and ckpt["seq_len"] == T
    again = LeakGANModel.from_checkpoint(ckpt, "cpu")
    assert again.nll(tokens()) == pytest.approx(model.nll(tokens()), rel=1e-6)
    del ckpt["generator_config"]
    with pytest.raises(UserError, match="not a complete LeakGAN checkpoint"):
        LeakGANModel.from_checkpoint(ckpt)
    with pytest.raises(UserError, match="0..29"):
        model.nll(torch.full((1, T), V))


# ---------------------------------------------------------------- the authors' semantics: loss reduction, first tokens

# Two sentences, T = 4, c = 2 (two segments), 2-d features chosen so every cosine is known:
# row 0 moves (1, 0) then (0, 1); row 1 moves (0, 1) then (-1, 0).


FEATURES = torch.tensor([[[0., 0.], [0.5, 0.], [1., 0.], [1., 0.5], [1., 1.]],
                         [[0., 0.], [0., 0.5], [0., 1.], [-0.5, 1.], [-1., 1.]]])


GOALS = torch.tensor([[[1., 0.], [1., 1.]],    # cos 1 and 1/√2
                      [[1., 0.], [1., 0.]]])   # cos 0 and -1


Q = torch.tensor([[0.2, 0.4], [0.6, 0.8]])


def test_manager_loss_per_segment_and_scalar_by_hand():
    cos = [1.0, 1 / math.sqrt(2), 0.0, -1.0]
    per_segment = -(0.2 * cos[0] + 0.4 * cos[1] + 0.6 * cos[2] + 0.8 * cos[3]) / 4
    # the authors': -(Σ Q) · mean(cos) / (B · S)
    scalar = -(0.2 + 0.4 + 0.6 + 0.8) * (sum(cos) / 4) / 4
    assert manager_loss(FEATURES, GOALS, Q, 2).item() == pytest.approx(per_segment, abs=1e-7)
    assert manager_loss(FEATURES, GOALS, Q, 2, "scalar").item() == pytest.approx(scalar, abs=1e-7)
    assert scalar == pytest.approx(-0.0883883, abs=1e-6)
    # with rank rescaling every column's ΣQ is the same: the scalar loss no longer sees which segment earned which Q
    swapped = Q[[1, 0]]
    assert manager_loss(FEATURES, GOALS, swapped, 2, "scalar").item() == pytest.approx(scalar, abs=1e-7)
    assert manager_loss(FEATURES, GOALS, swapped, 2).item() != pytest.approx(per_segment, abs=1e-3)


def test_worker_loss_per_token_and_scalar_by_hand():
    intrinsic = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    log_probs = torch.tensor([[-1.0, -2.0], [-3.0, -4.0]])
    assert worker_loss(intrinsic, log_probs).item() == pytest.approx(-(-1.0 + 0.0 - 1.5 - 2.0) / 4)
    # the authors': mean intrinsic reward (0.5) times the NLL of the samples (2.5)
    assert worker_loss(intrinsic, log_probs, "scalar").item() == pytest.approx(0.5 * 2.5)
    with pytest.raises(ValueError, match="unknown loss reduction"):
        worker_loss(intrinsic, log_probs, "sum")


def test_first_tokens_temperature_changes_exactly_the_first_two_steps():
    s = LeakGANSettings.defaults(filter_sizes=[1, 2], num_filters=[3, 3], dis_emb_dim=4, emb_dim=4, hidden_dim=4,
                                 goal_size=2)
    model = build_model(s, 12, 8, 0).eval()
    seen: dict[str, list] = {"plain": [], "first": []}

    def recorder(key):
        def argmax(logits, generator):  # α-invariant choice: both runs emit the same tokens
            seen[key].append(logits.clone())
            return logits.argmax(dim=-1)
        return argmax

    plain = model.trace(3, 1.0, torch.Generator(), sampler=recorder("plain"))
    first = model.trace(3, 1.0, torch.Generator(), sampler=recorder("first"), first_temperature=0.5,
                        first_tokens=FIRST_TOKENS)
    assert torch.equal(plain.tokens, first.tokens)
    for t, (a, b) in enumerate(zip(seen["plain"], seen["first"])):
        if t < 2:
            assert torch.equal(b, a / 0.5), t  # logits × 2 (α = 1/2) at tokens 0 and 1
        else:
            assert torch.equal(b, a), t
    again = model.trace(3, 1.0, torch.Generator(), sampler=recorder("plain"))  # no argument: the plain path
    assert torch.equal(again.features, plain.features)
