"""Configuration: the schemas that declare every setting, the default config.yaml, and the effective config.

- `schema`: the JSON schemas (package data) and their checks;
- `settings`: typed settings classes made from a model block's schema;
- `semantics`: the paper's or the authors' training semantics (values for a model block's null keys);
- `resolve`: scale overlay, your values, dataset defaults, validation, and each stage's settings;
- `yaml_files`: reading YAML files with aliases and nesting bounded.

Each is imported by name (`from leakgan.config.resolve import resolve`): this package imports nothing, so
its light modules (schema, settings, semantics) never pull in the registry.
"""
