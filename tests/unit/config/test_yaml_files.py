"""YAML config files: aliases and nesting bounded, numbers YAML 1.1 misses accepted, blocks that would do nothing
refused, temperatures bounded and passed on at full precision."""
from __future__ import annotations

import time

import pytest

from leakgan.config.resolve import load, resolve
from leakgan.config.schema import DEFAULT_CONFIG, ConfigError
from leakgan.config.yaml_files import MAX_VALUES, expanded_size, read_yaml
from leakgan.errors import UserError

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    started = time.time()
    with pytest.raises(UserError, match=f"its aliases expand to more than {MAX_VALUES:,} values"):
        read_yaml(path)
    assert time.time() - started < 5


def test_the_expanded_size_counts_shared_nodes_once_per_use():
    leaf = [1, 2]
    assert expanded_size({"a": leaf, "b": leaf}) == (7, 2)  # dict + 2 lists of (1 + 2 values)


def test_deep_nesting_is_one_line(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 10000 + "]" * 10000 + "\n")
    with pytest.raises(UserError, match="nested deeper than 64 levels"):
        read_yaml(path)


def test_a_bomb_in_command_line_values_is_refused_too():
    bomb = ["x"] * 10
    for _ in range(9):
        bomb = [bomb] * 10
    with pytest.raises(UserError, match="--configfile: its aliases expand"):
        resolve(read_yaml(DEFAULT_CONFIG), {"evaluate": {"x": bomb}})


def test_a_number_yaml_11_leaves_as_a_string_is_a_number():
    assert load(overrides={"mle": {"lr": "1e-3"}})["mle"]["lr"] == 0.001


@pytest.mark.parametrize("overrides, message", [
    ({"leakgan_constant": {"delta": 99.0}},
     "config key 'leakgan_constant': 'leakgan_constant' is an arm; put its settings under arms.leakgan_constant.settings"),
    ({"datasets": {"synthetic-20": {"leakgan_constant": {"hidden_dim": 64}}}},
     "config key 'datasets.synthetic-20.leakgan_constant.hidden_dim': an arm shares the pretrained model of 'leakgan'"),
    ({"arms": {"x": {"of": "leakgan", "label": "x", "settings": {"pretrain_rounds": 3}}}},
     "config key 'arms.x.settings.pretrain_rounds': only pretraining reads it"),
    ({"arms": {"real": {"of": "leakgan", "label": "R", "settings": {}}}},
     "config key 'arms.real': 'real' is the name of the oracle's own row"),
    ({"evaluate": {"temperatures": [1.0e-39]}}, "config key 'evaluate.temperatures.0': 1e-39 is less than the minimum of 0.05"),
    ({"leakgan": {"temperature": 0.01}}, "config key 'leakgan.temperature': 0.01 is less than the minimum of 0.05"),
])
def test_blocks_that_would_do_nothing_and_tiny_temperatures_are_refused(overrides, message):
    with pytest.raises(ConfigError) as caught:
        load(overrides=overrides)
    assert message in str(caught.value)


def test_frontier_temperatures_reach_the_command_line_at_full_precision(tmp_path):
    from tests.conftest import snakemake

    proc = snakemake(tmp_path, "-n", "-p", "--config", "scale=smoke", "models=[mle]",
                     "evaluate={temperatures: [1.0000001, 0.1234567, 0.1234568]}", "--",
                     "results/synthetic-20/seed42/mle/frontier.json")
    assert "--temperatures 1.0000001,0.1234567,0.1234568 " in proc.stdout
