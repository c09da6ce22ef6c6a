"""docs/asyncapi.json: valid AsyncAPI 3.0, every $ref resolves, and it says what the
schemas and docs/websocket-api.md say.

The document's structure is validated offline against the official AsyncAPI 3.0.0 JSON
Schema from the pinned npm package @asyncapi/specs (node_modules, installed by
``npm ci``; no network at test time).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

from realtime.protocol import rules
from support import asyncapi

ROOT = asyncapi.ROOT


def refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    """Every ($ref value, JSON pointer of the node holding it) in a JSON document."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"], where
        for key, value in node.items():
            yield from refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from refs(value, f"{where}/{i}")


def spec_errors(doc: dict[str, Any]) -> list[str]:
    errors = asyncapi.spec_validator().iter_errors(doc)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors]


def test_the_document_is_valid_asyncapi_3() -> None:
    assert asyncapi.SPEC.exists(), "node_modules/@asyncapi/specs is missing: run npm ci"
    pinned = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert pinned["node_modules/@asyncapi/specs"]["version"] == "6.11.1"
    assert asyncapi.document()["asyncapi"] == "3.0.0"
    assert spec_errors(asyncapi.document()) == []


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["info"].pop("version"),
        lambda d: d["operations"]["sendSnapshot"].update(action="publish"),  # AsyncAPI 2 wording
        lambda d: d["channels"]["scores"].update(address=5),
        lambda d: d["components"]["messages"]["snapshot"].update(payloads={}),
        lambda d: d["components"]["securitySchemes"]["staffSession"].update(type="cookie"),
    ],
    ids=["no-version", "publish", "address", "unknown-field", "security-type"],
)
def test_the_structural_check_can_fail(break_it: Any) -> None:
    doc = copy.deepcopy(asyncapi.document())
    break_it(doc)
    assert spec_errors(doc)


def test_every_local_ref_resolves() -> None:
    doc = asyncapi.document()
    local = [(ref, where) for ref, where in refs(doc) if ref.startswith("#")]
    assert local
    for ref, where in local:
        try:
            asyncapi.pointer(doc, ref)
        except KeyError:
            pytest.fail(f"{where}: {ref} points at nothing")


def test_every_payload_is_a_schema_file_declared_as_json_schema_2020_12() -> None:
    doc = asyncapi.document()
    files = [ref for ref, _ in refs(doc) if not ref.startswith("#")]
    assert len(files) == len(doc["components"]["messages"])  # one per message, nothing else
    for name, message in asyncapi.messages().items():
        assert message.schema_format == asyncapi.SCHEMA_FORMAT, name
        assert message.schema_path.is_file(), f"{name}: {message.schema_path} does not exist"
        schema = json.loads(message.schema_path.read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        # A relative path from docs/ and the schema's $id name the same file, so the
        # schemas' own relative $refs resolve the same way from either.
        assert schema["$id"] == asyncapi.schema_id(message.schema_path), name
        Draft202012Validator.check_schema(schema)


def test_every_ref_inside_the_schemas_resolves() -> None:
    registry = asyncapi.registry()
    checked = 0
    for path in sorted(asyncapi.SCHEMAS.rglob("*.json")):
        schema = json.loads(path.read_text())
        resolver = registry.resolver(base_uri=schema["$id"])
        for ref, where in refs(schema):
            try:
                resolver.lookup(ref)
            except Unresolvable as exc:
                pytest.fail(f"{path.relative_to(ROOT)} {where}: {ref} does not resolve ({exc})")
            checked += 1
    assert checked > 20
    with pytest.raises(Unresolvable):  # the check can fail
        registry.resolver(base_uri=asyncapi.SCHEMA_BASE + "score_update.json").lookup(
            "common.json#/$defs/no_such_part"
        )


def test_the_document_has_every_message_type_of_the_schemas_and_their_sequence_rule() -> None:
    server = {m.name: m for m in asyncapi.messages().values() if m.direction == "server"}
    assert set(server) == set(rules())  # every schema in docs/schemas is a message, both ways
    for name, message in server.items():
        schema = json.loads(message.schema_path.read_text())
        assert schema["properties"]["type"]["const"] == name
        assert (message.x_seq, message.x_audience) == (rules()[name].seq, rules()[name].audience)
    client = {m.name for m in asyncapi.messages().values() if m.direction == "client"}
    assert client == {"subscribe", "unsubscribe", "resync", "plays"}
    for name in client:
        schema = json.loads(asyncapi.messages()[name].schema_path.read_text())
        assert schema["properties"]["action"]["const"] == name


def test_client_operations_reply_with_server_messages_and_every_message_is_used() -> None:
    doc = asyncapi.document()
    used = set()
    for op_name, operation in doc["operations"].items():
        for ref in operation["messages"]:
            used.add(ref["$ref"].rsplit("/", 1)[-1])
        if operation["action"] == "receive":
            replies = [r["$ref"].rsplit("/", 1)[-1] for r in operation["reply"]["messages"]]
            assert set(replies) <= asyncapi.server_types(), op_name
    assert used == set(doc["components"]["messages"])


def test_close_codes_are_those_of_the_websocket_doc() -> None:
    codes = asyncapi.document()["channels"]["scores"]["x-close-codes"]
    by_code = {c["code"]: c["client"] for c in codes}
    assert by_code == {4401: "stop", 4403: "stop", 4429: "reconnect", 4413: "reconnect",
                       4503: "reconnect", 1000: "reconnect", 1001: "reconnect",
                       1006: "reconnect"}  # fmt: skip
    prose = (ROOT / "docs" / "websocket-api.md").read_text()
    for code in (4401, 4403, 4413, 4429, 4503, 1001):
        assert f"| **{code}** |" in prose


def client_examples_in_the_prose() -> list[dict[str, Any]]:
    prose = (ROOT / "docs" / "websocket-api.md").read_text()
    section = prose.split("## Messages from the client", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block is not None
    return [json.loads(line) for line in block.group(1).splitlines() if line.strip()]


def test_client_messages_the_docs_show_match_the_client_schemas() -> None:
    examples = client_examples_in_the_prose()
    components = asyncapi.document()["components"]["messages"]
    for name in asyncapi.client_actions():
        examples += [e["payload"] for e in components[name]["examples"]]
    assert len(examples) >= 8
    for frame in examples:
        assert asyncapi.frame_errors(frame, "client") == [], frame


@pytest.mark.parametrize(
    "frame",
    [
        {"action": "resync", "seqs": None},  # documented as invalid_seq
        {"action": "resync", "seqs": {"0022400755": -1}},
        {"action": "resync", "seqs": {str(i).zfill(10): 1 for i in range(501)}},
        {"action": "subscribe"},
        {"action": "subscribe", "game_id": "0022400755", "seq": 3},
        {"action": "dance"},
    ],
)
def test_client_frames_the_server_refuses_do_not_match(frame: dict[str, Any]) -> None:
    assert asyncapi.frame_errors(frame, "client")


def test_server_examples_of_the_prose_match_their_messages() -> None:
    """The complete JSON examples of docs/websocket-api.md (the shortened ones, with
    "…", are left out) validate against the document's messages."""
    prose = (ROOT / "docs" / "websocket-api.md").read_text()
    section = prose.split("## Messages from the server", 1)[1]
    section = section.split("## Messages from the client", 1)[0]
    checked = 0
    for block in re.findall(r"```json\n(.*?)```", section, re.S):
        if "…" in block:
            continue
        frame = json.loads(block)
        assert asyncapi.frame_errors(frame) == [], frame
        checked += 1
    assert checked >= 3
    assert asyncapi.frame_errors({"type": "no_such_type"}) != []


def test_the_loader_names_each_messages_schema_file() -> None:
    found = asyncapi.messages()
    assert found["score_update"].schema_path == ROOT / "docs" / "schemas" / "score_update.json"
    assert found["resync"].schema_path == Path(ROOT / "docs" / "schemas" / "client" / "resync.json")
    assert found["forecast.update"].direction == "server" and found["resync"].direction == "client"
