"""Typed settings of a model block, made from the block's schema: a key is declared once, in the schema.

`settings_class("leakgan", schema_path)` builds a frozen-free dataclass with
one field per schema property (in the schema's order); its values come from
config.yaml (which lists every key) as the config layer resolved them. Fields
have no defaults of their own.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar, Mapping

from leakgan.config.schema import DEFAULT_CONFIG, STAGE_ORDER, fill_presets, schema_at
from leakgan.errors import UserError

_TYPES = {"integer": int, "number": float, "string": str, "boolean": bool, "array": list, "object": dict, "null": None}


def _annotation(prop: Mapping) -> Any:
    kinds = prop.get("type", "object")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    types = [_TYPES.get(k, Any) for k in kinds]
    nullable = None in types
    types = [t for t in types if t is not None] or [Any]
    annotation = types[0] if len(types) == 1 else Any
    return annotation | None if nullable and annotation is not Any else annotation


class Settings:
    """Typed view of one config block (a dataclass made by `settings_class`)."""

    block: ClassVar[str]  # the config block these settings come from
    schema: ClassVar[dict]  # the block's schema (read-only)
    schema_path: ClassVar[Path]
    first_stage: ClassVar[str]  # the stage that reads a key without a `stage:` annotation

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def stage_of(cls, key: str) -> str:
        """The first stage that reads `key` (schema annotation `stage:`; default the model's first stage)."""
        return cls.schema.get("properties", {}).get(key, {}).get("stage", cls.first_stage)

    @classmethod
    def architecture_keys(cls) -> set[str]:
        """The keys that shape the model's weights (`architecture: true`)."""
        return {k for k, p in cls.schema.get("properties", {}).items() if p.get("architecture")}

    @classmethod
    def length_keys(cls) -> set[str]:
        """The keys that say how long a run goes (`length: true`): a longer run continues a shorter one."""
        return {k for k, p in cls.schema.get("properties", {}).items() if p.get("length")}

    @classmethod
    def from_dict(cls, values: Mapping, stage: str | None = None) -> "Settings":
        """Typed settings from a config block; an unknown or missing key is one clear line.

        With `stage`, the block may lack the keys that only later stages read
        (what `stage_settings` leaves out); they are None.
        """
        known = cls.keys()
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise UserError(f"config key '{cls.block}.{unknown[0]}' is not known; known keys: {', '.join(sorted(known))}")
        limit = STAGE_ORDER.index(stage) if stage else len(STAGE_ORDER)
        later = {k for k in known if stage and STAGE_ORDER.index(cls.stage_of(k)) > limit}
        missing = [k for k in known if k not in values and k not in later]
        if missing:
            raise UserError(f"config key '{cls.block}.{missing[0]}' is missing; every key of the block must be set "
                            "(config.yaml lists them all)")
        return cls(**{**{k: None for k in later}, **values})

    @classmethod
    def defaults(cls, dataset_type: str = "synthetic", **overrides) -> "Settings":
        """The block of the default config.yaml (the paper's values) with `overrides`, resolved like the workflow
        resolves it (null keys from the training semantics)."""
        from leakgan.config.yaml_files import read_yaml

        block = read_yaml(DEFAULT_CONFIG).get(cls.block) or {}
        return cls.from_dict(fill_presets({**block, **overrides}, dataset_type, cls.schema))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def settings_class(block: str, schema_path: str | Path, first_stage: str = "pretrain") -> type[Settings]:
    """The dataclass of a model block: one field per property of its schema, in the schema's order."""
    schema = schema_at(schema_path)
    fields = [(key, _annotation(prop)) for key, prop in schema.get("properties", {}).items()]
    name = "".join(part.title() for part in block.replace("-", "_").split("_")) + "Settings"
    namespace = {"block": block, "schema": schema, "schema_path": Path(schema_path), "first_stage": first_stage,
                 "__doc__": f"The `{block}` config block ({Path(schema_path).name} declares every key)."}
    return dataclasses.make_dataclass(name, fields, bases=(Settings,), namespace=namespace)
