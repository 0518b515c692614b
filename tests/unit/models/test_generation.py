"""The fast generation paths equal their straightforward references.

Incremental prefix features (PrefixFeatures) against the CNN re-run on every
padded prefix; batched rollouts from cached states against one-at-a-time
rollouts that re-run their prefix; one-batch sampling (trace, sample) against
step-by-step generation; and the reference training steps that
benchmarks/adversarial_speed.py times (leakgan.train.reference) against the
package's own `features: full` / `rollouts: sequential` path.
"""
import copy

import pytest
import torch

from leakgan.models.discriminator import PAD, Discriminator, DiscriminatorConfig
from leakgan.models.prefix_features import FullPrefix, PrefixFeatures, prefix_features
from leakgan.models.leakgan import GeneratorConfig, LeakGANModel
from leakgan.models.sampling import categorical
from leakgan.train import reference
from leakgan.train.discriminator import train_discriminator
from leakgan.train.leakgan import LeakGANRun, LeakGANSettings, adversarial_step, build_model

torch.set_num_threads(1)


def greedy(logits, generator):
    return logits.argmax(dim=-1)


def discriminator(seq_len, sizes, counts, vocab=40, seed=0):
    D = Discriminator(DiscriminatorConfig(vocab, seq_len, emb_dim=7, filter_sizes=sizes, num_filters=counts))
    D.reset_parameters(torch.Generator().manual_seed(seed))
    return D.eval()


def model(vocab=12, seq_len=8, step_size=2, sizes=(1, 3, 8), counts=(4, 3, 5), seed=0) -> LeakGANModel:
    dis = DiscriminatorConfig(vocab, seq_len, emb_dim=6, filter_sizes=sizes, num_filters=counts)
    gen = GeneratorConfig(vocab, seq_len, dis.feature_dim, emb_dim=5, hidden_dim=6, goal_size=3, step_size=step_size)
    m = LeakGANModel(gen, dis)
    m.reset_parameters(torch.Generator().manual_seed(seed))
    return m.eval()


# (seq_len, window sizes, filter counts): every window size from 1 to seq_len, and Table 7's for 20
CASES = [(1, (1,), (3,)), (5, (1, 2, 3, 4, 5), (2, 3, 1, 4, 2)), (9, (9, 4, 1, 7), (3, 2, 5, 1)), (20, (), ())]


@pytest.mark.parametrize("seq_len,sizes,counts", CASES)
@pytest.mark.parametrize("length", ["whole", "short", "empty"])
def test_incremental_features_equal_the_cnn_on_every_padded_prefix(seq_len, sizes, counts, length):
    D = discriminator(seq_len, sizes, counts, seed=seq_len)
    n = {"whole": seq_len, "short": max(1, seq_len // 3), "empty": 0}[length]
    tokens = torch.randint(0, 40, (6, n), generator=torch.Generator().manual_seed(n))
    full = prefix_features(D, tokens, "full")
    fast = prefix_features(D, tokens, "incremental")
    assert fast.shape == full.shape == (6, n + 1, D.cfg.feature_dim)
    torch.testing.assert_close(fast, full, rtol=1e-5, atol=1e-5)


def test_each_step_matches_the_full_cnn_including_windows_longer_than_the_prefix():
    # windows of 6 and 9 cover more positions than the first prefixes hold; PAD tokens pushed
    # mid-sequence (padded text rows) must read exactly like padding
    D = discriminator(9, (1, 6, 9), (4, 3, 2), seed=3)
    tokens = torch.randint(0, 40, (5, 9), generator=torch.Generator().manual_seed(4))
    tokens[1, 6:] = PAD
    fast, full = PrefixFeatures.start(D, 5, "cpu"), FullPrefix.start(D, 5, "cpu")
    torch.testing.assert_close(fast.pooled, full.pooled)
    for t in range(9):
        torch.testing.assert_close(fast.push(tokens[:, t]), full.push(tokens[:, t]), rtol=1e-5, atol=1e-5)
    assert fast.length == full.length == 9
    with pytest.raises(ValueError, match="already holds all 9 positions"):
        fast.push(tokens[:, 0])


def test_selected_and_joined_states_continue_like_the_originals():
    D = discriminator(6, (1, 2, 6), (2, 3, 4), seed=5)
    tokens = torch.randint(0, 40, (4, 6), generator=torch.Generator().manual_seed(6))
    state = PrefixFeatures.start(D, 4, "cpu")
    for t in range(3):
        state.push(tokens[:, t])
    index = torch.tensor([3, 1, 1])
    joined = PrefixFeatures.cat([state.select(index), state.select(torch.tensor([0]))])
    for t in range(3, 6):
        joined.push(tokens[[3, 1, 1, 0], t])
    expected = prefix_features(D, tokens[[3, 1, 1, 0]], "full")[:, -1]
    torch.testing.assert_close(D.head(joined.pooled), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="same prefix length"):
        PrefixFeatures.cat([joined, state])


def test_table_and_matrix_projections_agree():
    D = discriminator(5, (1, 2, 5), (3, 2, 2), seed=7)
    tokens = torch.randint(-1, 40, (8,), generator=torch.Generator().manual_seed(8))
    plain, table = PrefixFeatures.weights_of(D), PrefixFeatures.weights_of(D, table=True)
    torch.testing.assert_close(table.projection(tokens), plain.projection(tokens))
    assert plain.table is None and table.table.shape == (41, (1 * 3 + 2 * 2 + 5 * 2))


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


TINY = dict(emb_dim=4, hidden_dim=5, goal_size=3, step_size=2, dis_emb_dim=6, filter_sizes=[1, 3], num_filters=[2, 3],
            batch_size=5, rollout_num=3)


def test_adversarial_step_runs_on_both_paths_with_the_same_shapes():
    train = torch.randint(0, 20, (8, 8), generator=torch.Generator().manual_seed(0))
    results = {}
    for features, rollouts in (("incremental", "batched"), ("full", "sequential")):
        s = LeakGANSettings.defaults(**TINY, features=features, rollouts=rollouts)
        run = LeakGANRun(build_model(s, 20, 8, 0), s, train, train, 0)
        assert run.model.feature_mode == features
        results[features] = adversarial_step(run)
    for point in results.values():
        assert set(point) == {"mean_reward", "manager_loss", "worker_loss"} and 0 < point["mean_reward"] < 1


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6, msg=lambda m: f"{name}: {m}")


def test_the_reference_generator_step_is_the_packages_full_sequential_path():
    # The benchmark's straightforward step differs from the package's reference path only in its
    # sampler and its (unfused) Adam: with the package's sampler both make the same update.
    train = torch.randint(0, 20, (8, 8), generator=torch.Generator().manual_seed(0))
    s = LeakGANSettings.defaults(**TINY, features="full", rollouts="sequential")
    package = LeakGANRun(build_model(s, 20, 8, 0), s, train, train, 0)
    ref = reference.reference_run(build_model(s, 20, 8, 0), s, train, train, 0)
    assert not any(group.get("fused") for group in ref.worker_opt.param_groups)
    for _ in range(2):
        ours, theirs = adversarial_step(package), reference.generator_step(ref, sampler=categorical)
        assert set(ours) == set(theirs)
        for key in ours:
            assert theirs[key] == pytest.approx(ours[key], rel=1e-5, abs=1e-6), key
    assert_same_weights(package.model, ref.model)
    untrained = build_model(s, 20, 8, 0)
    assert not torch.equal(ref.model.worker.out.weight, untrained.worker.out.weight)
    assert torch.equal(ref.sample_rng.get_state(), package.sample_rng.get_state())


def test_the_reference_discriminator_steps_are_train_discriminator():
    train = torch.randint(0, 20, (12, 8), generator=torch.Generator().manual_seed(1))
    s = LeakGANSettings.defaults(**TINY, num_negatives=12, d_epochs=2, dis_batch_size=5)
    model = build_model(s, 20, 8, 0)
    package = LeakGANRun(copy.deepcopy(model), s, train, train, 0)
    ref = reference.reference_run(copy.deepcopy(model), s, train, train, 0)
    loss = train_discriminator(package, 2)
    assert reference.discriminator_steps(ref, 2, sampler=categorical) == pytest.approx(loss, rel=1e-5)
    assert_same_weights(package.model, ref.model)
    assert not torch.equal(ref.model.discriminator.classifier.weight, model.discriminator.classifier.weight)


def test_the_cumulative_sum_sampler_draws_like_the_two_level_search():
    logits = torch.randn(4000, 300, generator=torch.Generator().manual_seed(0)) * 2
    old = reference.cumsum_categorical(logits, torch.Generator().manual_seed(1))
    new = categorical(logits, torch.Generator().manual_seed(1))
    # one uniform number per row, searched in the same CDF: only rounding at a boundary may differ
    assert old.dtype == torch.long and old.shape == (4000,)
    assert float((old != new).float().mean()) < 1e-3
    peaked = torch.full((4, 300), -50.0)
    peaked[torch.arange(4), torch.tensor([0, 63, 64, 299])] = 50.0
    assert reference.cumsum_categorical(peaked, torch.Generator().manual_seed(2)).tolist() == [0, 63, 64, 299]
