"""Config resolution: scale overlays, user overrides, arms, each stage's settings, and one-line errors that name
the key."""
from __future__ import annotations

import pytest

from leakgan.config import resolve as cfg
from leakgan.config.schema import DEFAULT_CONFIG, ConfigError
from leakgan.config.yaml_files import read_yaml
from leakgan.errors import UserError
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
    with pytest.raises(ConfigError) as info:
        load(overrides)
    assert str(info.value).startswith(message), str(info.value)


def test_a_broken_overlay_is_reported_even_when_not_selected():
    with pytest.raises(ConfigError, match=r"config key 'mle.lr'.*\(in scales.smoke\)"):
        load({"scales": {"smoke": {"mle": {"lr": 0}}}})


def test_models_and_settings_per_dataset():
    c = load({"datasets": {"synthetic-40": {"models": ["mle"], "mle": {"hidden_dim": 64}}}})
    assert cfg.models_for(c, "synthetic-40") == ["mle"]
    assert cfg.model_settings(c, "synthetic-40", "mle")["hidden_dim"] == 64
    assert cfg.model_settings(c, "synthetic-20", "mle")["hidden_dim"] == 32
    with pytest.raises(ConfigError, match="dataset 'nope' is not in config.yaml"):
        cfg.dataset(c, "nope")


def test_the_checkout_config_yaml_is_the_package_default():
    assert (REPO / "config.yaml").resolve() == DEFAULT_CONFIG.resolve()


def test_config_yaml_text_blocks_validate_and_unknown_keys_are_named():
    c = load()
    assert c["datasets"]["wmt"]["min_freq"] == 4050 and c["datasets"]["wmt"]["min_len"] == 20
    assert c["datasets"]["coco"]["min_freq"] == 10 and c["datasets"]["coco"]["num_train"] == 80000
    assert c["datasets"]["poems"]["poem_shape"] == [4, 5]
    with pytest.raises(ConfigError, match="config key 'datasets.coco.min_frq' is not known"):
        load({"datasets": {"coco": {"min_frq": 3}}})
    with pytest.raises(ConfigError, match="datasets.coco.pre_tokenizer"):
        load({"datasets": {"coco": {"pre_tokenizer": "bpe"}}})


@pytest.mark.parametrize("overrides,message", [
    ({"seed": "42.0"}, "config key 'seed': 42.0 is not an integer (write it without '.0')"),
    ({"mle": {"epochs": 2.0}}, "config key 'mle.epochs': 2.0 is not an integer (write it without '.0')"),
    ({"mle": {"lr": ".nan"}}, "config key 'mle.lr': nan is not a finite number"),
    ({"mle": {"lr": ".inf"}}, "config key 'mle.lr': inf is not a finite number"),
    ({"scales": {"smoke": 5}}, "config key 'scales.smoke': must be a mapping of config keys, not 5"),
    ({"datasets": {"wmt": {"min_len": 60}}},
     "config key 'datasets.wmt.min_len': 60 is above datasets.wmt.max_len (51); no sentence could pass"),
    ({"leakgan": {"filter_sizes": [1, 2, 30], "num_filters": [4, 4, 4]}},
     "config key 'leakgan (for datasets.synthetic-20).filter_sizes': a window of 30 tokens does not fit "
     "sequences of 20; drop the windows above 20"),
    ({"leakgan": {"filter_sizes": [1, 2], "num_filters": [4, 4, 4]}},
     "config key 'leakgan (for datasets.synthetic-20).num_filters': 3 entries but filter_sizes has 2; "
     "give one filter count per window size"),
])
def test_config_values_that_are_refused(overrides, message):
    with pytest.raises(UserError) as info:
        cfg.load(overrides=overrides)
    assert str(info.value) == message


def test_max_bad_lines_is_a_setting_the_resolved_config_checks():
    with pytest.raises(ConfigError, match=r"config key 'datasets.wmt.max_bad_lines': 2 is greater"):
        cfg.load(overrides={"datasets": {"wmt": {"max_bad_lines": 2}}})


def test_configfile_strings_are_not_coerced_but_config_values_are():
    base = read_yaml(DEFAULT_CONFIG)
    from_file = {"datasets": {"poems": {"pad_token": "~", "source": "2024"}}}
    c = cfg.resolve(base, overrides=from_file, typed={"seed": "7", "scale": "smoke"})
    assert c["datasets"]["poems"]["pad_token"] == "~" and c["datasets"]["poems"]["source"] == "2024"
    assert c["seed"] == 7 and c["datasets"]["poems"]["num_train"] == 300


# ---------------------------------------------------------------- each stage's settings, arms

def test_stage_settings_leave_out_what_only_later_stages_read():
    c = cfg.load()
    pretrain = cfg.stage_settings(c, "synthetic-20", "leakgan", "pretrain")
    adversarial = cfg.stage_settings(c, "synthetic-20", "leakgan", "adversarial")
    assert "delta" not in pretrain and "rollout_num" not in pretrain and "temperature" in pretrain
    assert adversarial == cfg.model_settings(c, "synthetic-20", "leakgan")
    assert "temperature" not in cfg.stage_settings(c, "synthetic-20", "mle", "pretrain")


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
    # the supervised-continuation arm's control is `generator_update: supervised`
    assert cfg.stage_settings(config, "synthetic-20", "leakgan_mle", "adversarial")["generator_update"] == "supervised"
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
    with pytest.raises(ConfigError, match=None) as err:
        cfg.load(overrides={"arms": arms})
    assert message in str(err.value)


def test_fresh_oracle_positives_on_text_are_refused():
    with pytest.raises(ConfigError) as err:
        cfg.load(overrides={"datasets": {"coco": {"models": ["leakgan"], "leakgan": {"positives": "fresh_oracle"}}}})
    assert "positives': fresh_oracle needs an oracle, and coco is real text; use train" in str(err.value)


@pytest.mark.parametrize("overrides, message", [
    # a 23-digit seed used to reach Snakemake's wildcards (a PeriodicWildcardError, not a config error)
    ({"seeds": [12345678901234567890123]},
     "config key 'seeds.0': 12345678901234567890123 is greater than the maximum of 4294967295"),
    ({"seeds": [-1]}, "config key 'seeds.0': -1 is less than the minimum of 0"),
    ({"datasets": {"synthetic-20": {"seeds": [2 ** 32]}}},
     "config key 'datasets.synthetic-20.seeds.0': 4294967296 is greater than the maximum of 4294967295"),
    ({"seed": 2 ** 32}, "config key 'seed': 4294967296 is greater than the maximum of 4294967295"),
])
def test_seeds_outside_0_to_2_32_minus_1_are_one_line(overrides, message):
    with pytest.raises(ConfigError) as info:
        cfg.resolve(read_yaml(DEFAULT_CONFIG), overrides)
    assert str(info.value).startswith(message)
    assert cfg.resolve(read_yaml(DEFAULT_CONFIG), {"seeds": [2 ** 32 - 1]})["seeds"] == [2 ** 32 - 1]
