"""Validate WebSocket messages against the published JSON Schemas in docs/schemas/."""

from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from realtime.protocol import SCHEMA_DIR, rules

MESSAGE_TYPES = tuple(sorted(rules()))


@functools.cache
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    schemas = {p.stem: json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}
    registry: Registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return registry, schemas


def validator(kind: str) -> Draft202012Validator:
    registry, schemas = _registry()
    return Draft202012Validator(
        schemas[kind], registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def assert_valid(message: dict[str, Any]) -> None:
    """The message matches the schema of its own type (and the type is a published one)."""
    assert message.get("type") in MESSAGE_TYPES, message.get("type")
    errors = sorted(validator(message["type"]).iter_errors(message), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
