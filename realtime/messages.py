"""Every message a WebSocket client receives is built here, one TypedDict per type.

The JSON Schemas in ``docs/schemas/`` publish these shapes (``realtime.protocol`` reads
their sequence rules); ``realtime.receivers`` builds the pushed ones from what ``games``
and ``predictions`` announce, and ``realtime.broadcast`` sends them after commit.
Every close code the server sends is defined here too (docs/websocket-api.md).
"""

from __future__ import annotations

import json
from typing import Any, Literal, NotRequired

from django.utils import timezone
from typing_extensions import TypedDict  # pydantic (the HTTP API, api/) reads these on 3.11

from games.minutes import PREDICTION_MINUTE

# Version 2 (see docs/websocket-api.md, "Changes"): messages of constant size. A game
# object no longer carries its win-probability series; the series travels in
# ``subscribed`` (every point) and, bounded, in ``snapshot``; ``snapshot`` carries the
# board version and, on a resync with ``seqs``, leaves out the games the client is
# current on. Version 3: the win probability is the state model's, forecast at every
# state of the game (a poll that changes the game time or the score), so a curve's points
# are keyed by game time (``elapsed_seconds``, with ``period`` and the score) instead of
# by closed minute.
API_VERSION = 3
SCOREBOARD_GROUP = "scoreboard"
ALERTS_GROUP = "alerts"  # every staff socket (alert messages, x-audience staff)
# A snapshot carries tonight's newest alerts, at most this many (every active one among
# them): the same size all night.
SNAPSHOT_ALERTS = 30
# A snapshot carries at most this many points of a game's curve (spread over the game,
# always the newest); ``subscribed`` carries every point.
SNAPSHOT_CURVE_POINTS = 24
# Play-by-play (issue 17): a ``play`` message carries at most PLAY_BATCH plays (a poll
# with more sends several, in orderNumber order), ``subscribed`` the last
# SUBSCRIBED_PLAYS, a ``plays`` answer at most PLAYS_PAGE.
PLAY_BATCH = 20
SUBSCRIBED_PLAYS = 30
PLAYS_PAGE = 100

# Every close code the server sends (applications may only send 1000 or 3000-4999).
CLOSE_UNAUTHENTICATED = 4401  # no staff session (or it ended) and WS_PUBLIC_STREAM is off
CLOSE_FORBIDDEN = 4403  # signed in, but not staff
CLOSE_TOO_MANY = 4429  # over the message rate, or too many open sockets for the user
CLOSE_LAYER_UNAVAILABLE = 4503  # Redis (the channel layer) is unavailable: reconnect later
CLOSE_FRAME_TOO_LARGE = 4413  # a frame over MAX_FRAME_BYTES (an error frame_too_large first)
# 1001 ("going away") is sent by realtime/guards/server.py when a web process stops.
CLOSE_GOING_AWAY = 1001

# The largest frame a client may send, enforced by the application and, with the same
# number, by daphne's WebSocket transport (realtime/guards/server.py).
MAX_FRAME_BYTES = 64 * 1024
# A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455, section 5.5).
MAX_CLOSE_REASON_BYTES = 123


def close_reason(code: str, detail: str) -> str:
    """The reason of a close frame: the error code and the human detail, cut to fit."""
    text = f"{code}: {detail}".encode()[:MAX_CLOSE_REASON_BYTES]
    return text.decode("utf-8", errors="ignore")


def game_group(game_id: str) -> str:
    return f"game.{game_id}"


class TeamPayload(TypedDict):
    team_id: int
    tricode: str
    city: str
    name: str
    wins: int
    losses: int
    score: int


class WinProbabilityPoint(TypedDict):
    """The live forecast at one state of the game: its game time (``elapsed_seconds``
    from tip-off, overtime included), period and score, and the forecast from them."""

    elapsed_seconds: float
    period: int
    home_score: int
    away_score: int
    home_win_prob: float
    final_margin: float  # home minus away
    interval90: list[float]  # [low, high] of the final margin
    interval95: list[float]


class LiveForecastPayload(WinProbabilityPoint):
    model_version: str


class GamePayload(TypedDict):
    """A game's state: the same size at minute 45 as at minute 5."""

    game_id: str
    date: str
    start_time: str | None
    status: Literal["scheduled", "postponed", "cancelled", "live", "halftime", "final", "stale"]
    status_text: str
    period: int
    clock: str
    clock_seconds: float | None
    elapsed_seconds: float
    home: TeamPayload
    away: TeamPayload
    differential: int
    pattern_progress: int
    pattern_length: int
    seq: int
    updated_at: str  # when the game last changed, ISO 8601 to the second


class GameWithHistory(GamePayload):
    """A game as ``snapshot`` and ``subscribed`` carry it: its state, its prediction (or
    null) and its win-probability curve (bounded in a snapshot, whole in subscribed)."""

    prediction: dict[str, Any] | None
    win_probability: list[WinProbabilityPoint]  # in game-time order; [] before the first


class MinutePayload(TypedDict):
    minute: int
    differential: int
    home_score: int
    away_score: int
    imputed: bool


class PlayPayload(TypedDict):
    """One play-by-play action (NBA's live feed: actionNumber, orderNumber, ...)."""

    action_number: int
    order_number: int
    period: int
    clock: str  # "5:23", "0:04.2"; "" for none
    time_actual: str | None
    team_id: int | None
    team_tricode: str
    person_id: int | None
    player_name: str
    action_type: str
    sub_type: str
    description: str
    score_home: int
    score_away: int
    points: int  # 0 for a play that did not score
    possession: int | None  # team id
    edited: str | None


class LinePayload(TypedDict):
    minutes: str  # "34:12"
    points: int
    rebounds: int
    rebounds_offensive: int
    rebounds_defensive: int
    assists: int
    steals: int
    blocks: int
    turnovers: int
    fouls: int
    fg: list[int]  # [made, attempted]
    fg3: list[int]
    ft: list[int]
    plus_minus: int


class TeamLinePayload(LinePayload):
    side: Literal["home", "away"]
    team_id: int
    tricode: str
    in_bonus: bool | None
    timeouts_remaining: int | None


class PlayerLinePayload(LinePayload):
    side: Literal["home", "away"]
    person_id: int
    name: str
    jersey: str
    position: str
    starter: bool
    on_court: bool


class RunPayload(TypedDict):
    side: Literal["home", "away"]
    points: int


class FlowPayload(TypedDict):
    """Game flow from the plays: line score per period, lead changes, ties, each side's
    largest lead, the current run (unanswered points), who has the ball."""

    line_score: dict[str, list[int]]  # "home"/"away" -> points per period
    lead_changes: int
    times_tied: int
    largest_lead: dict[str, int]
    run: RunPayload | None
    possession: int | None  # team id


class BoxScorePayload(TypedDict):
    teams: list[TeamLinePayload]
    players: list[PlayerLinePayload]
    flow: FlowPayload


class BoardPayload(TypedDict):
    """Tonight's board: its date and version (grows whenever its set of games changes)."""

    date: str | None
    version: int


class AlertPayload(TypedDict):
    """One alert (docs/schemas/common.json ``alert``)."""

    id: int
    seq: int  # the board-level alert sequence of this version of the alert
    game_id: str | None
    rule: str
    rule_text: str
    key: str
    text: str
    home: str
    away: str
    period: int | None
    clock: str
    clock_seconds: float | None
    home_score: int | None
    away_score: int | None
    raised_at: str
    active: bool


class Envelope(TypedDict):
    type: str
    version: int
    sent_at: str


class SnapshotMessage(Envelope):
    reason: Literal["connect", "resync"]
    board: BoardPayload
    games: list[GameWithHistory]
    current: list[str]  # on the board, left out: the client's seq for them is current


class StaffSnapshotMessage(SnapshotMessage):
    """What a staff socket's snapshot adds: the alerts and their sequence."""

    alert_seq: int
    alerts: list[AlertPayload]


class AlertMessage(Envelope):
    """An alert raised, or its ``active`` flag changed (``x-seq: alerts``, staff)."""

    alert_seq: int
    alert: AlertPayload


class BoardMessage(Envelope):
    """Tonight's set of games changed: the new board version and its games."""

    board: BoardPayload
    game_ids: list[str]


class GameMessage(Envelope):
    """score_update and game_final: a new version of the game's state."""

    game_id: str
    seq: int
    game: GamePayload


class PatternProgressMessage(Envelope):
    game_id: str
    seq: int
    progress: int
    pattern_length: int
    minutes: list[MinutePayload]


class PredictionMessage(Envelope):
    game_id: str
    seq: int
    prediction: dict[str, Any]


class ForecastUpdateMessage(Envelope):
    game_id: str
    seq: int
    forecast: LiveForecastPayload


class SubscribedMessage(Envelope):
    game_id: str
    seq: int
    game: GameWithHistory
    minutes: list[MinutePayload]
    plays: list[PlayPayload]  # the last SUBSCRIBED_PLAYS, orderNumber order
    boxscore: BoxScorePayload


class PlayMessage(Envelope):
    """New and edited plays of one fetch, for the game's subscribers (carries ``seq``)."""

    game_id: str
    seq: int
    previous: int  # orderNumber of the newest play sent before this batch (0: none)
    last: int  # orderNumber of the newest play after it
    plays: list[PlayPayload]
    removed: list[int]  # actionNumbers withdrawn by the feed


class BoxscoreMessage(Envelope):
    """Changed box-score lines and the game flow after one fetch, for subscribers."""

    game_id: str
    seq: int
    teams: list[TeamLinePayload]
    players: list[PlayerLinePayload]
    flow: FlowPayload


class PlaysMessage(Envelope):
    """``play_page``, the answer to ``{"action": "plays"}``: the plays after ``after``."""

    game_id: str
    seq: int
    after: int
    plays: list[PlayPayload]
    more: bool  # another page follows: ask again after the last one


class UnsubscribedMessage(Envelope):
    game_id: str
    id: NotRequired[str | int]


class ErrorMessage(Envelope):
    """A stable ``code``, a human ``detail``, the game the request named (or None) and
    the request's ``id`` when the client gave one."""

    code: str
    detail: str
    game_id: str | None
    id: NotRequired[str | int]


class LayerEvent(TypedDict):
    """What travels through the channel layer: frames encoded once, for every client."""

    type: Literal["game.update"]
    frames: list[str]


def _envelope(kind: str) -> Envelope:
    return {"type": kind, "version": API_VERSION, "sent_at": timezone.now().isoformat()}


def thin_curve(
    series: list[WinProbabilityPoint], limit: int = SNAPSHOT_CURVE_POINTS
) -> list[WinProbabilityPoint]:
    """At most ``limit`` points spread evenly over the series, first and newest kept."""
    if len(series) <= limit:
        return series
    last = len(series) - 1
    picks = sorted({round(i * last / (limit - 1)) for i in range(limit)})
    return [series[i] for i in picks]


def snapshot_message(
    games: list[GameWithHistory],
    board: BoardPayload,
    reason: Literal["connect", "resync"] = "connect",
    current: list[str] | None = None,
) -> SnapshotMessage:
    """Tonight's games with their current ``seq``: a client replaces what it knows of
    each game in ``games``, keeps the games in ``current`` and drops any other."""
    return {
        **_envelope("snapshot"),
        "reason": reason,
        "board": board,
        "games": games,
        "current": current or [],
    }


def board_message(board: BoardPayload, game_ids: list[str]) -> BoardMessage:
    """The board's new version (``x-seq: board``): a client whose board version was not
    the one before asks for a resync; one that was drops the games no longer listed."""
    return {**_envelope("board"), "board": board, "game_ids": game_ids}


# Every message about one game carries ``game_id`` and ``seq``. The sequence rule of each
# type is in its schema (``x-seq``, ``x-audience``; realtime/protocol.py reads them): the
# bumping ones below (score_update, game_final, prediction, forecast.update) are each a
# new version and go to every socket; pattern_progress (subscribers) and subscribed
# (one socket) carry the version they belong to.


def score_update_message(game: GamePayload) -> GameMessage:
    return {
        **_envelope("score_update"),
        "game_id": game["game_id"],
        "seq": game["seq"],
        "game": game,
    }


def game_final_message(game: GamePayload) -> GameMessage:
    return {**_envelope("game_final"), "game_id": game["game_id"], "seq": game["seq"], "game": game}


def pattern_progress_message(
    game_id: str, seq: int, progress: int, minutes: list[MinutePayload]
) -> PatternProgressMessage:
    """The minutes a version closed, for the game's subscribers (same ``seq`` as the
    scoreboard message of that version)."""
    return {
        **_envelope("pattern_progress"),
        "game_id": game_id,
        "seq": seq,
        "progress": progress,
        "pattern_length": PREDICTION_MINUTE,
        "minutes": minutes,
    }


def prediction_message(game_id: str, seq: int, prediction: dict[str, Any]) -> PredictionMessage:
    return {**_envelope("prediction"), "game_id": game_id, "seq": seq, "prediction": prediction}


def forecast_update_message(
    game_id: str, seq: int, forecast: LiveForecastPayload
) -> ForecastUpdateMessage:
    """The live forecast of the game's new state (its own version of the game)."""
    return {**_envelope("forecast.update"), "game_id": game_id, "seq": seq, "forecast": forecast}


def alert_message(alert: AlertPayload) -> AlertMessage:
    """The next version of the board's alerts: its ``alert_seq`` is the alert's ``seq``."""
    return {**_envelope("alert"), "alert_seq": alert["seq"], "alert": alert}


def error_message(
    code: str, detail: str, game_id: str | None = None, request_id: str | int | None = None
) -> ErrorMessage:
    message: ErrorMessage = {
        **_envelope("error"),
        "code": code,
        "detail": detail,
        "game_id": game_id,
    }
    if request_id is not None:
        message["id"] = request_id
    return message


def with_request_id(frame: str, request_id: str | int | None) -> str:
    """A frame encoded once for many sockets, with this request's ``id`` added (a
    snapshot or subscribed ack shared by every socket that asked)."""
    if request_id is None:
        return frame
    return '{"id": ' + json.dumps(request_id) + ", " + frame[1:]


def subscribed_message(
    game: GameWithHistory,
    minutes: list[MinutePayload],
    plays: list[PlayPayload],
    boxscore: BoxScorePayload,
) -> SubscribedMessage:
    """The ack of a subscription: the game's full state, its whole curve, every closed
    minute so far, its last plays (bounded) and its current box score."""
    return {
        **_envelope("subscribed"),
        "game_id": game["game_id"],
        "seq": game["seq"],
        "game": game,
        "minutes": minutes,
        "plays": plays[-SUBSCRIBED_PLAYS:],
        "boxscore": boxscore,
    }


def play_messages(
    game_id: str, seq: int, previous: int, plays: list[PlayPayload], removed: list[int]
) -> list[PlayMessage]:
    """A fetch's new and edited plays in batches of at most PLAY_BATCH (orderNumber
    order); ``previous``/``last`` chain the batches so a subscriber can tell a gap."""
    count = max(1, -(-len(plays) // PLAY_BATCH), -(-len(removed) // PLAY_BATCH))
    out: list[PlayMessage] = []
    for index in range(count):
        batch = plays[index * PLAY_BATCH : (index + 1) * PLAY_BATCH]
        last = max([previous, *(p["order_number"] for p in batch)])
        out.append(
            {
                **_envelope("play"),
                "game_id": game_id,
                "seq": seq,
                "previous": previous,
                "last": last,
                "plays": batch,
                "removed": removed[index * PLAY_BATCH : (index + 1) * PLAY_BATCH],
            }
        )
        previous = last
    return out


def boxscore_message(
    game_id: str,
    seq: int,
    teams: list[TeamLinePayload],
    players: list[PlayerLinePayload],
    flow: FlowPayload,
) -> BoxscoreMessage:
    return {
        **_envelope("boxscore"),
        "game_id": game_id,
        "seq": seq,
        "teams": teams,
        "players": players,
        "flow": flow,
    }


def plays_message(
    game_id: str, seq: int, after: int, plays: list[PlayPayload], more: bool
) -> PlaysMessage:
    return {
        **_envelope("play_page"),
        "game_id": game_id,
        "seq": seq,
        "after": after,
        "plays": plays,
        "more": more,
    }


def unsubscribed_message(game_id: str, request_id: str | int | None = None) -> UnsubscribedMessage:
    message: UnsubscribedMessage = {**_envelope("unsubscribed"), "game_id": game_id}
    if request_id is not None:
        message["id"] = request_id
    return message
