"""The reference training steps that benchmarks/adversarial_speed.py times (leakgan.train.reference) against the
package's own `features: full` / `rollouts: sequential` path, and the reference sampler against the package's."""
import copy

import pytest
import torch

from leakgan import registry
from leakgan.models.sampling import categorical
from leakgan.train import reference
from leakgan.train.leakgan import LeakGANRun, adversarial_step, build_model, train_discriminator

torch.set_num_threads(1)

LeakGANSettings = registry.get("leakgan").settings


TINY = dict(emb_dim=4, hidden_dim=5, goal_size=3, step_size=2, dis_emb_dim=6, filter_sizes=[1, 3], num_filters=[2, 3],
            batch_size=5, rollout_num=3)


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
    assert model.discriminator.dropout.p == 0.25
    torch.manual_seed(3)  # D's dropout (0.25 under the paper's semantics) draws its masks from the global stream
    loss = train_discriminator(package, 2)
    torch.manual_seed(3)
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
