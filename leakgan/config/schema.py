"""The JSON schemas of config.yaml: where every setting is declared (type, meaning, the stage that reads it).

The schemas and the default `config.yaml` are package data of `leakgan.config`
(read through `importlib.resources`, so an installed package finds them; the
checkout's `workflow/schemas` and `config.yaml` point at the same files). A
model block's schema is the one declaration of its keys: the typed settings
class is made from it (`leakgan.config.settings`) and `config.yaml` gives the
values. Property annotations besides JSON Schema's own:

- `stage:` the first training stage that reads the key, when that is not the
  model's first stage (`leakgan.config.resolve.stage_settings`);
- `architecture: true` the key shapes the model's weights (an ablation arm,
  which shares the pretrained model, may not change it).

This module imports nothing heavy: the Snakefile reads it at every start.
"""
from __future__ import annotations

import copy
import functools
import math
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml

from leakgan.errors import UserError

PACKAGE = "leakgan.config"
# Stages in pipeline order; a model setting's schema may say which stage first reads it (`stage:`).
STAGE_ORDER = ("pretrain", "adversarial", "sample")


class ConfigError(UserError):
    """A config value that does not match the schema."""


def package_file(name: str) -> Path:
    """A file shipped with leakgan.config (`config.yaml`, `schemas/<name>`) as a path on disk."""
    return Path(str(resources.files(PACKAGE).joinpath(name)))


DEFAULT_CONFIG = package_file("config.yaml")
SCHEMA_DIR = package_file("schemas")


@functools.lru_cache(maxsize=None)
def _schema_file(path: str) -> dict:
    from leakgan.config.yaml_files import load_yaml

    return load_yaml(path)


def schema_at(path: str | Path) -> dict:
    """The (cached, read-only) schema in a file; callers that change it take a copy."""
    return _schema_file(str(path))


def load_schema(name: str, schema_dir: Path = SCHEMA_DIR) -> dict:
    """A schema of leakgan/config/schemas/ (a copy: callers may change it)."""
    return copy.deepcopy(_schema_file(str(Path(schema_dir) / name)))


def key_name(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _is_integer(_, value) -> bool:
    # draft-7 counts 42.0 as an integer; a setting that is an integer must be written as one
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(_, value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@functools.lru_cache(maxsize=None)
def _validator_class():
    import jsonschema

    checker = jsonschema.Draft7Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number})
    return jsonschema.validators.extend(jsonschema.Draft7Validator, type_checker=checker)


def check(instance: Any, schema: dict, prefix: tuple) -> None:
    """Raise ConfigError naming the first key of `instance` (at `prefix`) that `schema` refuses."""
    validator = _validator_class()(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    err = errors[0]
    path = prefix + tuple(err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed))
        raise ConfigError(
            f"config key '{key_name(path + (extra[0],))}' is not known; known keys there: {', '.join(allowed)}"
        )
    if err.validator == "required":
        raise ConfigError(f"config key '{key_name(path)}': {err.message}")
    if err.validator == "type" and isinstance(err.instance, float):
        if not math.isfinite(err.instance):
            raise ConfigError(f"config key '{key_name(path)}': {err.instance} is not a finite number")
        if err.validator_value == "integer" or "integer" in err.validator_value:
            raise ConfigError(f"config key '{key_name(path)}': {err.instance!r} is not an integer (write it without '.0')")
    hint = err.schema.get("description", "").strip() if isinstance(err.schema, dict) else ""
    raise ConfigError(f"config key '{key_name(path)}': {err.message}" + (f" [{hint}]" if hint else ""))


def non_finite(value, path=()) -> tuple | None:
    """The path of the first NaN or infinite number anywhere in value."""
    if isinstance(value, float) and not math.isfinite(value):
        return path
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for k, v in items:
        found = non_finite(v, path + (k,))
        if found is not None:
            return found
    return None


def value_at(config, path):
    for p in path:
        config = config[p]
    return config


def check_block(block: Mapping, schema: str, key: str) -> None:
    """Check one block (a stage's JSON argument) against a dataset schema file or a top-level key's schema."""
    if schema.endswith(".yaml"):
        found = load_schema(schema)
    else:
        found = load_schema("config.schema.yaml")["properties"][schema]
    bad = non_finite(block)
    if bad is not None:
        raise ConfigError(f"config key '{key_name((key,) + bad)}': {value_at(block, bad)} is not a finite number")
    check(block, found, (key,))


# ---------------------------------------------------------------- training semantics (`presets:` annotations)

SEMANTICS = ("paper", "authors")  # a model block's `semantics`: the paper's equations, or the authors' code


def presets(schema: dict, semantics: str, dataset_type: str) -> dict:
    """Every annotated key's value under `semantics` for a dataset of `dataset_type` (a `presets:` value may be
    a mapping {synthetic: ..., text: ...})."""
    if semantics not in SEMANTICS:
        raise ValueError(f"unknown semantics {semantics!r}")
    values = {}
    for key, prop in schema.get("properties", {}).items():
        if "presets" in prop:
            value = prop["presets"][semantics]
            values[key] = value[dataset_type] if isinstance(value, Mapping) else value
    return values


def fill_presets(block: Mapping, dataset_type: str, schema: dict) -> dict:
    """`block` with every annotated key that is null (or absent) filled from its `semantics` (the one place this
    happens; a block without a `semantics` key is returned unchanged)."""
    if "semantics" not in block:
        return dict(block)
    values = presets(schema, block["semantics"], dataset_type)
    return {**block, **{k: v for k, v in values.items() if block.get(k) is None}}


def unresolved(block: Mapping, schema: dict) -> list[str]:
    """The annotated keys of a block that are still null although its semantics gives them a value."""
    if block.get("semantics") not in SEMANTICS:
        return []
    values = [presets(schema, block["semantics"], kind) for kind in ("synthetic", "text")]
    return [k for k in values[0] if k in block and block[k] is None and any(v[k] is not None for v in values)]
