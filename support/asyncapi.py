"""The AsyncAPI 3.0 document of ws/scores/ (``docs/asyncapi.json``), loaded for tests.

The document names every message both ways and points each payload at its JSON Schema
(draft 2020-12) in ``docs/schemas/`` (server messages) or ``docs/schemas/client/``
(client messages). This module turns it into what a frame check needs::

    from support import asyncapi

    asyncapi.messages()["score_update"].schema_path      # docs/schemas/score_update.json
    asyncapi.message_for(frame)                          # the document's message for a frame
    asyncapi.frame_errors(frame)                          # [] if it matches that message
    asyncapi.server_types(), asyncapi.client_actions()   # what each side may send

A server frame is matched by its ``type``, a client frame by its ``action``. Which side
sends a message comes from the operations (``send``: the server sends it; ``receive``:
the server accepts it from clients), so a message the document lists but no operation
uses is found by ``tests/realtime/test_asyncapi.py``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "asyncapi.json"
SCHEMAS = ROOT / "docs" / "schemas"
# The official AsyncAPI 3.0.0 JSON Schema (draft-07), from the pinned @asyncapi/specs package.
SPEC = ROOT / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0.json"
SCHEMA_FORMAT = "application/schema+json;version=2020-12"
SCHEMA_BASE = "https://livescores.invalid/schemas/"  # every schema's $id is this + its path

Direction = Literal["server", "client"]


@dataclass(frozen=True)
class Message:
    name: str  # the frame's type (server) or action (client)
    direction: Direction  # who sends it
    schema_path: Path
    schema_format: str
    x_seq: str | None  # server messages: the sequence rule (docs/websocket-api.md)
    x_audience: str | None


@functools.cache
def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DOCUMENT.read_text())
    return doc


def pointer(doc: dict[str, Any], ref: str) -> Any:
    """The node a local ``#/a/b`` reference points at (KeyError if none)."""
    if not ref.startswith("#/"):
        raise ValueError(f"not a local reference: {ref!r}")
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _directions(doc: dict[str, Any]) -> dict[str, Direction]:
    """Component message name -> who sends it, from the operations."""
    found: dict[str, Direction] = {}
    for operation in doc["operations"].values():
        side: Direction = "server" if operation["action"] == "send" else "client"
        for ref in operation["messages"]:
            message = pointer(doc, ref["$ref"])
            target = message.get("$ref", ref["$ref"])  # a channel's entry points at a component
            found[target.rsplit("/", 1)[-1]] = side
    return found


@functools.cache
def messages() -> dict[str, Message]:
    """Every message of the document by name (= the frame's ``type`` or ``action``)."""
    doc = document()
    sides = _directions(doc)
    found = {}
    for name, message in doc["components"]["messages"].items():
        payload = message["payload"]
        found[name] = Message(
            name=name,
            direction=sides[name],
            schema_path=(DOCUMENT.parent / payload["schema"]["$ref"]).resolve(),
            schema_format=payload.get("schemaFormat", ""),
            x_seq=message.get("x-seq"),
            x_audience=message.get("x-audience"),
        )
    return found


def server_types() -> set[str]:
    return {m.name for m in messages().values() if m.direction == "server"}


def client_actions() -> set[str]:
    return {m.name for m in messages().values() if m.direction == "client"}


def schema_id(path: Path) -> str:
    return SCHEMA_BASE + path.resolve().relative_to(SCHEMAS).as_posix()


@functools.cache
def registry() -> Registry:
    """Every schema file under docs/schemas (client ones included), by its $id."""
    resources = []
    for path in sorted(SCHEMAS.rglob("*.json")):
        contents = json.loads(path.read_text())
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry = Registry().with_resources(resources)
    return registry


def validator(name: str) -> Draft202012Validator:
    """A validator for the payload of message ``name`` (a server type or client action)."""
    schema = json.loads(messages()[name].schema_path.read_text())
    return Draft202012Validator(
        schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def message_for(frame: dict[str, Any], direction: Direction = "server") -> Message | None:
    """The document's message for a frame: by ``type`` (server) or ``action`` (client)."""
    name = frame.get("type" if direction == "server" else "action")
    message = messages().get(name) if isinstance(name, str) else None
    return message if message is not None and message.direction == direction else None


def frame_errors(frame: dict[str, Any], direction: Direction = "server") -> list[str]:
    """Why a frame does not match the document's message of its type ([] if it does)."""
    message = message_for(frame, direction)
    if message is None:
        key = "type" if direction == "server" else "action"
        return [f"the document has no {direction} message {frame.get(key)!r}"]
    errors = sorted(validator(message.name).iter_errors(frame), key=lambda e: list(e.path))
    return [f"{message.name} {list(e.absolute_path)}: {e.message}" for e in errors]


@functools.cache
def spec_validator() -> Draft7Validator:
    """The official AsyncAPI 3.0.0 JSON Schema (draft-07, every definition bundled)."""
    spec = json.loads(SPEC.read_text())
    spec_registry: Registry = Registry().with_resource(spec["$id"], DRAFT7.create_resource(spec))
    return Draft7Validator(spec, registry=spec_registry.crawl())
