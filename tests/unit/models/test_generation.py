"""The fast generation paths equal their straightforward references.

Batched rollouts from cached states against one-at-a-time rollouts that re-run
their prefix; one-batch sampling (trace, sample) against step-by-step
generation (and the reference sampling of leakgan.train.reference).
"""
import pytest
import torch

from leakgan.models.discriminator import DiscriminatorConfig
from leakgan.models.leakgan import GeneratorConfig, LeakGANModel
from leakgan.models.sampling import categorical
from leakgan.train import reference

torch.set_num_threads(1)


def greedy(logits, generator):
    return logits.argmax(dim=-1)


def model(vocab=12, seq_len=8, step_size=2, sizes=(1, 3, 8), counts=(4, 3, 5), seed=0) -> LeakGANModel:
    dis = DiscriminatorConfig(vocab, seq_len, emb_dim=6, filter_sizes=sizes, num_filters=counts)
    gen = GeneratorConfig(vocab, seq_len, dis.feature_dim, emb_dim=5, hidden_dim=6, goal_size=3, step_size=step_size)
    m = LeakGANModel(gen, dis)
    m.reset_parameters(torch.Generator().manual_seed(seed))
    return m.eval()


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_trace_sample_and_generate_draw_the_same_sequences(mode):
    m = model()
    m.feature_mode = mode
    traced = m.trace(9, 0.8, torch.Generator().manual_seed(1), boundaries=(2, 4))
    sampled = m.sample(9, 0.8, torch.Generator().manual_seed(1), batch_size=9)
    generated, _ = m.generate(torch.zeros(9, 8, dtype=torch.long), 0, 0.8, torch.Generator().manual_seed(1))
    assert torch.equal(traced.tokens, sampled) and torch.equal(sampled, generated)
    # so does the reference sampling (full features, step by step) with the same sampler
    assert torch.equal(reference.sample(m, 9, 0.8, torch.Generator().manual_seed(1), categorical), sampled)
    assert m.feature_mode == mode
    # the trace's features are D's features of every prefix of what it sampled
    torch.testing.assert_close(traced.features, m.leaked_features(traced.tokens), rtol=1e-5, atol=1e-5)
    assert sorted(traced.states) == [2, 4]


def test_incremental_and_full_modes_generate_the_same_with_a_deterministic_sampler():
    m = model(seed=2)
    out = {}
    for mode in ("incremental", "full"):
        m.feature_mode = mode
        out[mode] = m.sample(7, 1.0, torch.Generator(), batch_size=3, sampler=greedy)
    assert torch.equal(out["incremental"], out["full"])


@pytest.mark.parametrize("chunk", [4096, 5])
def test_batched_rollouts_equal_one_at_a_time_rollouts_with_a_deterministic_sampler(chunk):
    m = model(vocab=15, seq_len=10, step_size=3, sizes=(1, 4, 10), counts=(3, 2, 4), seed=3)
    boundaries = (3, 6, 9)
    trace = m.trace(6, 1.0, torch.Generator().manual_seed(2), boundaries)
    rollouts, probs = m.batched_rollouts(trace, 2, 1.0, torch.Generator(), chunk=chunk, sampler=greedy)
    expected = reference.sequential_rollouts(m, trace.tokens, boundaries, 2, 1.0, torch.Generator(), greedy)
    assert rollouts.shape == (2, 3, 6, 10) and torch.equal(rollouts, expected)
    torch.testing.assert_close(probs, m.discriminator.real_prob(expected.view(-1, 10)).view(2, 3, 6),
                               rtol=1e-5, atol=1e-6)


def test_batched_rollouts_keep_prefixes_and_sample_like_the_one_at_a_time_path():
    m = model(vocab=5, seq_len=6, step_size=2, sizes=(1, 2, 6), counts=(2, 2, 2), seed=4)
    boundaries, R = (2, 4), 400
    trace = m.trace(3, 1.0, torch.Generator().manual_seed(5), boundaries)
    rollouts, probs = m.batched_rollouts(trace, R, 1.0, torch.Generator().manual_seed(6), chunk=500)
    for i, b in enumerate(boundaries):  # every rollout keeps its sequence's first b tokens
        assert torch.equal(rollouts[:, i, :, :b], trace.tokens[None, :, :b].expand(R, -1, -1))
    expected = reference.sequential_rollouts(m, trace.tokens, boundaries, R, 1.0, torch.Generator().manual_seed(7),
                                              categorical)
    # same distribution: per sequence, boundary and position, the token frequencies of 400
    # rollouts from each path differ by little (total variation), and so does D's mean score
    for i, b in enumerate(boundaries):
        for t in range(b, 6):
            fast = torch.nn.functional.one_hot(rollouts[:, i, :, t], 5).float().mean(0)
            slow = torch.nn.functional.one_hot(expected[:, i, :, t], 5).float().mean(0)
            assert float(0.5 * (fast - slow).abs().sum(-1).max()) < 0.12
    slow_probs = m.discriminator.real_prob(expected.view(-1, 6)).view(R, 2, 3)
    torch.testing.assert_close(probs.mean(0), slow_probs.mean(0), atol=0.02, rtol=0)
