"""The LeakGAN paths on a CUDA GPU: incremental features, the CUDA-graph D step, an adversarial step.

Every test here needs a CUDA GPU and is skipped without one.
"""
import copy

import pytest
import torch

from leakgan import registry
from leakgan.models.prefix_features import prefix_features
from leakgan.train.discriminator import DiscriminatorStep
from leakgan.train.leakgan import LeakGANRun, adversarial_step, build_model

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

LeakGANSettings = registry.get("leakgan").settings
V, T = 50, 12


def settings(**extra):
    return LeakGANSettings.defaults(emb_dim=8, hidden_dim=8, goal_size=4, step_size=4, dis_emb_dim=16,
                                    filter_sizes=[1, 3, 12], num_filters=[8, 6, 4], batch_size=16, rollout_num=2, dis_batch_size=16, **extra)


def cuda_run(seed=0, **extra):
    s = settings(**extra)
    data = torch.randint(0, V, (64, T), generator=torch.Generator().manual_seed(seed))
    return LeakGANRun(build_model(s, V, T, seed).cuda(), s, data, data, seed)


def test_incremental_features_on_cuda_equal_the_full_cnn_and_the_cpu():
    run = cuda_run()
    D = run.model.discriminator.eval()
    tokens = torch.randint(0, V, (9, T), device="cuda")
    fast, full = prefix_features(D, tokens, "incremental"), prefix_features(D, tokens, "full")
    assert fast.is_cuda
    torch.testing.assert_close(fast, full, rtol=1e-4, atol=1e-4)
    cpu = prefix_features(copy.deepcopy(D).cpu(), tokens.cpu(), "incremental")
    torch.testing.assert_close(fast.cpu(), cpu, rtol=1e-4, atol=1e-4)


def test_graphed_discriminator_steps_update_like_eager_steps():
    graphed, eager = cuda_run(), cuda_run()
    step = DiscriminatorStep(graphed.model.discriminator, graphed.dis_opt, graphed.settings.dis_batch_size,
                             graphed.device)
    assert step.reason == "cuda graph"
    # capture's warm-up steps must leave D and its optimizer as they were
    for a, b in zip(graphed.model.discriminator.parameters(), eager.model.discriminator.parameters()):
        assert torch.equal(a, b)
    tokens = torch.randint(0, V, (3, 16, T), device="cuda")
    labels = torch.randint(0, 2, (3, 16), device="cuda")
    for i in range(3):
        got = step(tokens[i], labels[i])
        want = _eager_step(eager, tokens[i], labels[i])
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    for a, b in zip(graphed.model.discriminator.parameters(), eager.model.discriminator.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    # a batch of another size (an epoch's last) takes the eager path
    assert step(tokens[0, :5], labels[0, :5]).shape == ()


def _eager_step(run, tokens, labels):
    D, opt = run.model.discriminator, run.dis_opt
    loss = D.loss(tokens, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.detach()


@pytest.mark.parametrize("features,rollouts", [("incremental", "batched"), ("full", "sequential")])
def test_adversarial_step_on_cuda(features, rollouts):
    run = cuda_run(features=features, rollouts=rollouts)
    point = adversarial_step(run)
    assert 0.0 < point["mean_reward"] < 1.0 and all(p.is_cuda for p in run.model.parameters())
