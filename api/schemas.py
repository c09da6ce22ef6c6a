"""The HTTP API's response shapes.

The game objects are ``realtime.messages``' TypedDicts, built by ``realtime.payloads``:
an HTTP client and a WebSocket client read one schema (docs/schemas/common.json's
``game_with_history``, ``minute``, ``live_forecast``; tests/api checks the answers
against those files). What only HTTP has (a night's summary, a page, an error) is here.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel
from typing_extensions import TypedDict

from realtime.messages import (
    BoxScorePayload,
    GameWithHistory,
    LiveForecastPayload,
    MinutePayload,
    PlayPayload,
)

Item = TypeVar("Item")

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
PLAYS_MAX_LIMIT = 500  # a whole game's plays (about 500) in one page


class Page(BaseModel, Generic[Item]):
    """One page of a list: ``items[0]`` is item number ``offset`` of ``count``."""

    count: int
    limit: int
    offset: int
    items: list[Item]


class NightSummary(TypedDict):
    """One night with games: how many, and how many are final."""

    date: str
    games: int
    final: int


class NightGames(TypedDict):
    """Every game of one night, each as a ``snapshot`` carries it (bounded curve)."""

    date: str
    games: list[GameWithHistory]


class GameDetail(TypedDict):
    """One game as ``subscribed`` carries it: the game, its whole win-probability
    curve, its prediction (or null) and every closed minute."""

    game_id: str
    seq: int
    game: GameWithHistory
    minutes: list[MinutePayload]


class PlayPage(TypedDict):
    """Up to ``limit`` of a game's plays with an ``order_number`` above ``after``, in game
    order (what the socket's ``play_page`` carries); ``more``: there are later ones, ask
    again with ``after=next_after``."""

    game_id: str
    after: int
    plays: list[PlayPayload]
    more: bool
    next_after: int | None


class BoxScoreDetail(BoxScorePayload):
    """A game's whole box score (team and player lines) and its flow from the plays,
    as the socket's ``boxscore`` carries it."""

    game_id: str


class ForecastRow(LiveForecastPayload):
    """Every stored live forecast (each state, each model version's), not only the newest."""

    created_at: str


class Error(TypedDict):
    """Every error: a stable ``code``, a human ``detail``, and the game it is about."""

    code: str
    detail: str
    game_id: str | None
