"""Equal footing: at the demo and smoke scales every model gets the MLE baseline's number of generator updates."""
from __future__ import annotations

import math

import pytest

from leakgan import registry
from leakgan.config.resolve import load, model_settings


def training_sequences(config: dict, dataset: str) -> int:
    """The sequences a chain trains on: the dataset's training sequences less the held-out validation share."""
    n = config["datasets"][dataset]["num_train"]
    return n - math.ceil(n * config["training"]["validation_fraction"])


@pytest.mark.parametrize("scale, dataset, updates", [("demo", "synthetic-20", 150), ("smoke", "synthetic-20", 27),
                                                     ("smoke", "coco", 27)])
def test_every_model_gets_the_mle_baselines_budget(scale, dataset, updates):
    config = load(overrides={"scale": scale, "models": registry.names()})
    sequences = training_sequences(config, dataset)
    planned = {m: registry.get(m).planned_updates(model_settings(config, dataset, m), sequences)
               for m in registry.names()}
    assert planned == {m: updates for m in registry.names()}


def test_the_plan_counts_what_the_trainers_count():
    """The LeakGAN plan by hand: 2 rounds x 3 epochs x ceil(100/32) = 24, 5 adversarial epochs x 2 steps = 10, and
    an interleaved MLE epoch at epochs 2 and 4 (mle_every 2) = 8."""
    s = registry.get("leakgan").settings.defaults(pretrain_rounds=2, pretrain_g_epochs=3, batch_size=32,
                                                  adversarial_epochs=5, g_steps=2, mle_every=2).to_dict()
    assert registry.get("leakgan").planned_updates(s, 100) == 24 + 10 + 8


def test_the_plan_counts_a_fraction_of_an_epoch_as_the_trainer_does():
    """mle_epoch_fraction 0.05 of 9,497 sequences: 474 rows, ceil(474/64) = 8 batches per MLE epoch; 1 pretraining
    epoch (8) + 4 adversarial epochs x (29 steps + one interleaved MLE epoch of 8) = 8 + 116 + 32."""
    s = registry.get("leakgan").settings.defaults(pretrain_rounds=1, pretrain_g_epochs=1, batch_size=64,
                                                  adversarial_epochs=4, g_steps=29, mle_every=1,
                                                  mle_epoch_fraction=0.05).to_dict()
    assert registry.get("leakgan").planned_updates(s, 9497) == 8 + 116 + 32
