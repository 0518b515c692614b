"""Config resolution: scale overlays, user overrides, and one-line errors that name the key."""
from __future__ import annotations

import pytest

from leakgan import config as cfg
from tests.conftest import REPO


def load(overrides=None):
    return cfg.load(REPO / "config.yaml", overrides)


def test_paper_scale_is_the_default_with_paper_values():
    c = load()
    assert c["scale"] == "paper"
    assert c["datasets"]["synthetic-20"]["num_train"] == 10000
    assert c["datasets"]["synthetic-40"]["seq_len"] == 40
    assert c["mle"]["emb_dim"] == 32 and c["mle"]["hidden_dim"] == 32
    assert c["oracle"] == {"emb_dim": 32, "hidden_dim": 32, "init_std": 1.0}


def test_smoke_overlay_applies_and_user_override_wins_over_it():
    c = load({"scale": "smoke", "mle": {"epochs": 3}})
    assert c["datasets"]["synthetic-20"]["vocab_size"] == 200
    assert c["mle"]["epochs"] == 3            # the user's value, not smoke's 2
    assert c["mle"]["eval_every"] == 1        # smoke's value
    assert c["mle"]["lr"] == 0.01             # the base value


def test_string_numbers_from_the_command_line_get_their_type():
    c = load({"mle": {"lr": "0.005", "epochs": "7"}})
    assert c["mle"]["lr"] == 0.005 and c["mle"]["epochs"] == 7


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"mle": {"epochs": -1}}, "config key 'mle.epochs': -1 is less than the minimum of 0"),
        ({"mle": {"learning_rate": 0.1}}, "config key 'mle.learning_rate' is not known"),
        ({"seed": "abc"}, "config key 'seed': 'abc' is not of type 'integer'"),
        ({"datasets": {"synthetic-20": {"num_train": 0}}}, "config key 'datasets.synthetic-20.num_train': 0 is less than the minimum of 1"),
        ({"datasets": {"synthetic-20": {"seq_len": "long"}}}, "config key 'datasets.synthetic-20.seq_len': 'long' is not of type 'integer'"),
        ({"scale": "huge"}, "config key 'scale': 'huge' is not one of: paper, demo, smoke"),
        ({"models": ["gpt"]}, "config key 'models.0': 'gpt' is not one of ['mle', 'leakgan', 'seqgan', 'seqgan_rescaled', 'rankgan', 'leakgan_authors',"),
        ({"colour": "red"}, "config key 'colour' is not known"),
        ({"leakgan": {"features": "fast"}}, "config key 'leakgan.features': 'fast' is not one of ['incremental', 'full']"),
        ({"leakgan": {"rollout_chunk": 0}}, "config key 'leakgan.rollout_chunk': 0 is less than the minimum of 1"),
    ],
)
def test_bad_values_name_the_key(overrides, message):
    with pytest.raises(cfg.ConfigError) as info:
        load(overrides)
    assert str(info.value).startswith(message), str(info.value)


def test_a_broken_overlay_is_reported_even_when_not_selected():
    with pytest.raises(cfg.ConfigError, match=r"config key 'mle.lr'.*\(in scales.smoke\)"):
        load({"scales": {"smoke": {"mle": {"lr": 0}}}})


def test_models_and_settings_per_dataset():
    c = load({"datasets": {"synthetic-40": {"models": ["mle"], "mle": {"hidden_dim": 64}}}})
    assert cfg.models_for(c, "synthetic-40") == ["mle"]
    assert cfg.model_settings(c, "synthetic-40", "mle")["hidden_dim"] == 64
    assert cfg.model_settings(c, "synthetic-20", "mle")["hidden_dim"] == 32
    with pytest.raises(cfg.ConfigError, match="dataset 'nope' is not in config.yaml"):
        cfg.dataset(c, "nope")
