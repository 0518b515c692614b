"""The authors' training semantics, each point on a hand example, and the ablation arms' config and controls."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from leakgan import config as cfg
from leakgan import semantics
from leakgan.models.leakgan import manager_loss, worker_loss
from leakgan.train.discriminator import train_discriminator
from leakgan.train.leakgan import (LeakGANRun, LeakGANSettings, adversarial_step, build_model, constant_reward,
                                   segment_rewards)

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


def test_constant_reward_is_the_mean_rescaled_activation_over_ranks():
    # B = 2, δ = 12: ranks 1 and 2 give σ(0) = 0.5 and σ(-6)
    assert constant_reward(2, 12.0) == pytest.approx((0.5 + 1 / (1 + math.exp(6))) / 2, abs=1e-12)
    assert constant_reward(2, 12.0) == pytest.approx(0.2512364, abs=1e-7)


def _tiny(**overrides) -> tuple[LeakGANSettings, torch.Tensor]:
    s = LeakGANSettings.defaults(filter_sizes=[1, 2], num_filters=[3, 3], dis_emb_dim=4, emb_dim=4, hidden_dim=4,
                                 goal_size=2, batch_size=4, num_negatives=6, dis_batch_size=4, gen_batch=4,
                                 rollout_num=2, **overrides)
    return s, torch.randint(0, 12, (10, 8), generator=torch.Generator().manual_seed(0))


def test_first_tokens_temperature_changes_exactly_the_first_two_steps():
    s, _ = _tiny()
    model = build_model(s, 12, 8, 0).eval()
    seen: dict[str, list] = {"plain": [], "first": []}

    def recorder(key):
        def argmax(logits, generator):  # α-invariant choice: both runs emit the same tokens
            seen[key].append(logits.clone())
            return logits.argmax(dim=-1)
        return argmax

    plain = model.trace(3, 1.0, torch.Generator(), sampler=recorder("plain"))
    first = model.trace(3, 1.0, torch.Generator(), sampler=recorder("first"), first_temperature=0.5,
                        first_tokens=semantics.FIRST_TOKENS)
    assert torch.equal(plain.tokens, first.tokens)
    for t, (a, b) in enumerate(zip(seen["plain"], seen["first"])):
        if t < 2:
            assert torch.equal(b, a / 0.5), t  # logits × 2 (α = 1/2) at tokens 0 and 1
        else:
            assert torch.equal(b, a), t
    again = model.trace(3, 1.0, torch.Generator(), sampler=recorder("plain"))  # no argument: the plain path
    assert torch.equal(again.features, plain.features)


class _Oracle:
    def __init__(self):
        self.calls = []

    def sample(self, num, seq_len, generator, batch_size=1000):
        self.calls.append((num, seq_len))
        return torch.full((num, seq_len), 7, dtype=torch.long)


def _d_run(positives: str):
    seen = []
    model = SimpleNamespace(sample=lambda n, *a: torch.full((n, 5), 3, dtype=torch.long),
                            discriminator=SimpleNamespace(train=lambda: None))
    settings = SimpleNamespace(temperature=1.0, num_negatives=6, gen_batch=4, d_epochs=1, dis_batch_size=4,
                               positives=positives)
    run = SimpleNamespace(settings=settings, model=model, train=torch.full((20, 5), 1, dtype=torch.long),
                          device=torch.device("cpu"), sample_rng=torch.Generator(), oracle=_Oracle(),
                          shuffle_rng=torch.Generator().manual_seed(0),
                          d_step=lambda tokens, labels: seen.append((tokens, labels)) or torch.zeros(()))
    train_discriminator(run, 1)
    tokens = torch.cat([t for t, _ in seen])
    labels = torch.cat([lab for _, lab in seen])
    return run, tokens, labels


def test_fresh_positives_come_from_the_oracle():
    run, tokens, labels = _d_run("fresh_oracle")
    assert run.oracle.calls == [(6, 5)]  # one new oracle batch per D step, as many as the negatives
    assert set(tokens[labels == 1].unique().tolist()) == {7}
    assert set(tokens[labels == 0].unique().tolist()) == {3}
    run, tokens, labels = _d_run("train")
    assert run.oracle.calls == []
    assert set(tokens[labels == 1].unique().tolist()) == {1} and int((labels == 1).sum()) == 6


def test_semantics_presets_and_explicit_values():
    paper = semantics.preset("paper", "synthetic")
    assert paper == {"loss_reduction": "per_segment", "first_tokens_temperature": None, "positives": "train",
                     "lr": 0.001, "delta": 12.0, "divide_by_rollouts": False, "l2_reg": 0.2, "mle_every": 15,
                     "optimizer_states": "shared"}
    authors = semantics.preset("authors", "synthetic")
    assert authors["positives"] == "fresh_oracle" and authors["mle_every"] == 0 and authors["delta"] == 16.0
    text = semantics.preset("authors", "text")  # the COCO script: training data, interleaved MLE
    assert text["positives"] == "train" and text["mle_every"] == 15
    resolved = semantics.resolve({"semantics": "authors", "delta": 9.0, "lr": None}, "synthetic")
    assert resolved["delta"] == 9.0 and resolved["lr"] == 0.0015
    assert semantics.resolve({"lr": None}, "synthetic") == {"lr": None}  # a block without semantics


def test_default_config_resolves_to_the_papers_values_and_arms_to_theirs():
    config = cfg.load()
    leak = cfg.model_settings(config, "synthetic-20", "leakgan")
    assert {k: leak[k] for k in ("lr", "delta", "l2_reg", "mle_every", "loss_reduction", "positives")} == {
        "lr": 0.001, "delta": 12.0, "l2_reg": 0.2, "mle_every": 15, "loss_reduction": "per_segment",
        "positives": "train"}
    authors = cfg.model_settings(config, "synthetic-40", "leakgan_authors")
    assert authors["lr"] == 0.0005  # the dataset's explicit lr wins over the preset (the authors' length-40 value)
    assert authors["loss_reduction"] == "scalar" and authors["positives"] == "fresh_oracle"
    a1 = cfg.model_settings(config, "synthetic-20", "leakgan_authors_a1")
    assert a1["temperature"] == 1.0 and a1["first_tokens_temperature"] == 1.0
    assert cfg.base_model(config, "leakgan_mle") == "leakgan" and cfg.model_spec(config, "leakgan_mle").name == "leakgan"
    # an arm's adversarial settings carry its changes; pretraining is the base model's
    assert cfg.stage_settings(config, "synthetic-20", "leakgan_constant", "adversarial")["reward"] == "constant"
    assert "semantics" not in cfg.stage_settings(config, "synthetic-20", "leakgan", "pretrain")


@pytest.mark.parametrize("arms, message", [
    ({"bad": {"of": "leakgan", "label": "x", "settings": {"emb_dim": 8}}},
     "config key 'arms.bad.settings.emb_dim': an arm shares the pretrained model of 'leakgan', so it cannot change "
     "its architecture"),
    ({"bad": {"of": "mle", "label": "x", "settings": {}}}, "config key 'arms.bad.of': 'mle' has no adversarial stage"),
    ({"bad": {"of": "nope", "label": "x", "settings": {}}}, "config key 'arms.bad.of': 'nope' is not a registered model"),
    ({"leakgan": {"of": "leakgan", "label": "x", "settings": {}}}, "'leakgan' is a registered model"),
    ({"bad_matched": {"of": "leakgan", "label": "x", "settings": {}}}, "may not end in '_matched'"),
    ({"bad": {"of": "leakgan", "label": "x", "settings": {"reward": "random"}}},
     "config key 'arms.bad.settings.reward': 'random' is not one of"),
])
def test_bad_arms_are_one_clear_line(arms, message):
    with pytest.raises(cfg.ConfigError, match=None) as err:
        cfg.load(overrides={"arms": arms})
    assert message in str(err.value)


def test_fresh_oracle_positives_on_text_are_refused():
    with pytest.raises(cfg.ConfigError) as err:
        cfg.load(overrides={"datasets": {"coco": {"models": ["leakgan"], "leakgan": {"positives": "fresh_oracle"}}}})
    assert "positives': fresh_oracle needs an oracle, and coco is real text; use train" in str(err.value)


def _run(**overrides) -> LeakGANRun:
    s, data = _tiny(**overrides)
    return LeakGANRun(build_model(s, 12, 8, 0), s, data, data[:4], 0, stage="adversarial")


def test_mle_arm_makes_one_supervised_step_per_generator_update():
    run = _run(generator_update="mle")
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


def test_an_arm_trains_only_its_adversarial_stage_from_its_base_models_pretraining(tmp_path):
    from tests.conftest import planned_jobs, snakemake

    proc = snakemake(tmp_path, "-n", "-p", "--cores", "2", "--config", "scale=smoke",
                     "models=[leakgan, leakgan_authors, leakgan_mle]", "--",
                     "results/synthetic-20/seed42/leakgan_authors/scores.json",
                     "results/synthetic-20/seed42/leakgan_mle/frontier.json", timeout=300)
    counts = planned_jobs(proc.stdout)
    assert counts["pretrain"] == 1 and counts["adversarial"] == 2  # leakgan's pretraining serves both arms
    block = proc.stdout.split("wildcards: dataset=synthetic-20, seed=42, model=leakgan_authors")[0]
    block = block[block.rindex("rule adversarial:"):]
    assert "input: results/synthetic-20/seed42/leakgan/pretrain.pt" in block
    commands = [line.split("leakgan adversarial", 1)[1] for line in proc.stdout.splitlines()
                if "leakgan adversarial" in line]
    authors = next(c for c in commands if "leakgan_authors" in c)
    assert "--model leakgan " in authors and '"loss_reduction":"scalar"' in authors
    assert "--checkpoint-dir checkpoints/synthetic-20/seed42/leakgan_authors " in authors
