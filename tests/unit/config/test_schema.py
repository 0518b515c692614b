"""The schemas that declare every setting (package data of leakgan.config)."""
from __future__ import annotations

from leakgan.config.schema import load_schema


def test_max_bad_lines_is_a_schema_setting_with_its_default():
    props = load_schema("dataset_text.schema.yaml")["properties"]
    assert props["max_bad_lines"]["default"] == 0.001 and props["max_bad_lines"]["description"]
    assert props["max_line_bytes"]["default"] == 1_000_000 and props["max_line_bytes"]["description"]
