"""The model registry: spec objects with roles, one entry per model, plugins named in LEAKGAN_PLUGINS."""
from __future__ import annotations

import dataclasses

import pytest

from leakgan import registry
from leakgan.config.settings import settings_class
from leakgan.errors import UserError


def test_unknown_model_and_double_registration_are_clear():
    with pytest.raises(UserError, match=r"unknown model 'gpt' \(registered: mle, leakgan"):
        registry.get("gpt")
    spec = registry.get("mle")
    with pytest.raises(ValueError, match="a model named 'mle' is already registered"):
        registry.register(dataclasses.replace(spec, label="Other"))
    # a spec whose stages and trainers differ is refused (when its parts are first imported: registering stays light)
    broken = dataclasses.replace(spec, name="broken", settings=settings_class("broken", spec.settings.schema_path),
                                 stages=("pretrain", "adversarial"))
    with pytest.raises(ValueError, match="every stage needs exactly one trainer"):
        broken.trainer("pretrain")
    assert "broken" not in registry.names()


def test_a_plugin_that_cannot_be_imported_is_one_line(monkeypatch):
    monkeypatch.setenv("LEAKGAN_PLUGINS", "no_such_plugin_module")
    with pytest.raises(UserError, match="LEAKGAN_PLUGINS names 'no_such_plugin_module', which cannot be imported"):
        registry.models()


def test_the_roles_name_the_papers_models():
    assert registry.reference().name == "leakgan" and registry.baseline().name == "mle"
    assert registry.figure3_baselines() == ["seqgan", "seqgan_rescaled", "rankgan"]
    assert [registry.get(n).final_stage for n in registry.names()] == [
        "pretrain", "adversarial", "adversarial", "adversarial", "adversarial"]
