"""Typed settings made from each model block's schema: one field per key, the default config.yaml's values."""
from __future__ import annotations

import dataclasses

import jsonschema
import pytest

from leakgan import registry
from leakgan.config import resolve as cfg
from leakgan.config.schema import STAGE_ORDER, fill_presets, load_schema
from leakgan.config.yaml_files import read_yaml
from leakgan.errors import UserError
from tests.conftest import REPO


@pytest.mark.parametrize("name", registry.names())
def test_every_model_has_typed_settings_matching_its_schema_and_config_block(name):
    spec = registry.get(name)
    schema = cfg.model_schema(name)
    block = cfg.base_block(name)
    settings_class = spec.settings
    assert settings_class.block == name
    fields = {f.name for f in dataclasses.fields(settings_class)}
    assert fields == set(schema["properties"]) == set(block) == set(schema["required"])
    assert all(p.get("stage", spec.stages[0]) in STAGE_ORDER for p in schema["properties"].values())


def test_config_block_matches_settings_and_schema():
    LeakGANSettings = registry.get("leakgan").settings
    block = read_yaml(REPO / "config.yaml")["leakgan"]
    assert set(block) == {f.name for f in dataclasses.fields(LeakGANSettings)}
    schema = load_schema("leakgan.schema.yaml")
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(block)
    assert all("description" in prop and "type" in prop for prop in schema["properties"].values())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate({**block, "rollout_num": 0})
    s = LeakGANSettings.from_dict(fill_presets(block, "synthetic", schema))
    assert (s.goal_size, s.step_size, s.rollout_num, s.delta, s.mle_every) == (16, 4, 4, 12.0, 15)
    assert s.temperature == pytest.approx(2 / 3, abs=1e-4)


def test_settings_classes_read_their_blocks():
    SeqGANSettings, SeqGANRescaledSettings, RankGANSettings = (registry.get(n).settings for n in
                                                               ("seqgan", "seqgan_rescaled", "rankgan"))
    assert SeqGANSettings.defaults().rollout_num == 16
    assert SeqGANRescaledSettings.defaults().delta == 12.0
    r = RankGANSettings.defaults()
    assert (r.gamma, r.ref_size, r.comparison_size, r.l2_reg) == (1.0, 16, 16, 0.0)
    with pytest.raises(UserError, match="'rankgan.delta' is not known"):
        RankGANSettings.defaults(delta=3.0)

