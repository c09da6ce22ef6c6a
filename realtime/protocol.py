"""The sequence rule of every WebSocket message type, read from its published JSON Schema.

The schemas in ``docs/schemas/`` are the one definition of the protocol; each says, as
annotations every client can read:

``x-seq`` — what the message does with a version:
  ``bumps``    it *is* the next version of its game (``seq`` = the previous + 1);
  ``carries``  it belongs to a version already announced (or being announced) by a
               bumping message, and carries that ``seq``; it never makes one;
  ``board``    it is about tonight's board (which games it holds), versioned by the
               board version (``board.version``), not by a game's ``seq``;
  ``alerts``   it is the next version of the board's alerts (``alert_seq`` = the
               previous + 1, the board-level alert sequence), never a game's ``seq``;
  ``none``     no version (acknowledgements, errors).
``x-audience`` — who receives it:
  ``all``          every open socket (the scoreboard group);
  ``subscribers``  the sockets subscribed to the game;
  ``staff``        every staff socket (the alerts group; with WS_PUBLIC_STREAM an
                   anonymous socket is not in it);
  ``requester``    the one socket that connected or asked.

The rule (enforced by ``tests/realtime`` and checked here at import): a message that
bumps a game's ``seq`` goes to every socket that holds the game (``all``), so a client
that sees a game's ``seq`` jump by more than one has missed something; a message only
some sockets receive never bumps — it carries the version it belongs to.

Clients — the dashboard (through the page), the soak and delivery benchmarks, the test
clients — take the rule from here instead of listing message types themselves.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "schemas"
SHARED_SCHEMA = "common"  # definitions only, not a message

SeqRule = Literal["bumps", "carries", "board", "alerts", "none"]
Audience = Literal["all", "subscribers", "staff", "requester"]
SEQ_RULES: tuple[SeqRule, ...] = ("bumps", "carries", "board", "alerts", "none")
AUDIENCES: tuple[Audience, ...] = ("all", "subscribers", "staff", "requester")


class ProtocolError(ValueError):
    """A schema breaks the sequence rule or lacks its annotations."""


@dataclass(frozen=True)
class MessageRule:
    type: str
    seq: SeqRule
    audience: Audience


def rule_of(kind: str, schema: dict[str, Any]) -> MessageRule:
    seq, audience = schema.get("x-seq"), schema.get("x-audience")
    if seq not in SEQ_RULES:
        raise ProtocolError(f"{kind}: x-seq must be one of {SEQ_RULES}, not {seq!r}")
    if audience not in AUDIENCES:
        raise ProtocolError(f"{kind}: x-audience must be one of {AUDIENCES}, not {audience!r}")
    if seq == "bumps" and audience != "all":
        raise ProtocolError(f"{kind}: bumps a game's seq but goes to {audience}, not all")
    if seq == "alerts" and audience not in ("staff", "all"):
        raise ProtocolError(f"{kind}: versions the alerts but goes to {audience}, not staff")
    return MessageRule(kind, seq, audience)


def load_rules(directory: Path = SCHEMA_DIR) -> dict[str, MessageRule]:
    """Every message type's rule from the schemas in ``directory`` (raises ProtocolError)."""
    rules: dict[str, MessageRule] = {}
    for path in sorted(directory.glob("*.json")):
        if path.stem == SHARED_SCHEMA:
            continue
        schema = json.loads(path.read_text())
        kind = schema.get("properties", {}).get("type", {}).get("const")
        if kind != path.stem:
            raise ProtocolError(f"{path.name}: properties.type.const must be {path.stem!r}")
        rules[kind] = rule_of(kind, schema)
    return rules


@functools.cache
def rules() -> dict[str, MessageRule]:
    return load_rules()


def types_where(*, seq: SeqRule | None = None, audience: Audience | None = None) -> list[str]:
    return sorted(
        kind
        for kind, rule in rules().items()
        if (seq is None or rule.seq == seq) and (audience is None or rule.audience == audience)
    )


def bumping_types() -> list[str]:
    """The message types that are a new version of their game (a client checks their seq)."""
    return types_where(seq="bumps")


def client_rules() -> dict[str, list[str]]:
    """What a client needs to apply versions: the types per ``x-seq`` value."""
    return {seq: types_where(seq=seq) for seq in SEQ_RULES}
