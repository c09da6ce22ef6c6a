"""A reference client of ws/scores/: what a client knows, applied by the protocol's rule.

The Python counterpart of the dashboard's ``static/js/livescores-client.js`` + ``store.js``,
used by the tests, the soak and the delivery benchmark. Which messages bump a game's
version comes from the schemas (``realtime/protocol.py``), never from a list kept here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from realtime.protocol import rules

Outcome = Literal["applied", "stale", "gap", "ignored"]


def bumping_types() -> frozenset[str]:
    return frozenset(kind for kind, rule in rules().items() if rule.seq == "bumps")


@dataclass
class ClientState:
    seqs: dict[str, int] = field(default_factory=dict)
    games: dict[str, dict[str, Any]] = field(default_factory=dict)  # game id -> game state
    curves: dict[str, dict[tuple[float, int, int], dict[str, Any]]] = field(default_factory=dict)
    minutes: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    board: dict[str, Any] | None = None
    gaps: int = 0
    stale: int = 0
    bumps: frozenset[str] = field(default_factory=bumping_types)

    def apply(self, message: dict[str, Any]) -> Outcome:
        """Apply one server message; ``gap`` means: ask for a resync."""
        kind = message["type"]
        if kind == "snapshot":
            self.apply_snapshot(message)
            return "applied"
        if kind in self.bumps:
            return self.apply_version(message)
        if kind == "board":
            return self.apply_board(message)
        if kind == "pattern_progress":
            if message["seq"] > self.seqs.get(message["game_id"], 0):
                self.gaps += 1
                return "gap"  # minutes of a version whose own message was missed
            rows = self.minutes.setdefault(message["game_id"], {})
            rows.update({row["minute"]: row for row in message["minutes"]})
            return "applied"
        if kind == "subscribed":
            game_id = message["game_id"]
            if message["seq"] < self.seqs.get(game_id, 0):
                return "stale"
            self.seqs[game_id] = message["seq"]
            self._take_game(message["game"])
            self.minutes[game_id] = {row["minute"]: row for row in message["minutes"]}
            return "applied"
        return "ignored"

    def apply_snapshot(self, message: dict[str, Any]) -> list[str]:
        """Replace what changed, keep what is current, drop what left the board; returns
        the games taken from the snapshot (a follower re-subscribes to those)."""
        self.board = message["board"]
        keep = set(message["current"])
        taken = []
        for game in message["games"]:
            game_id = game["game_id"]
            keep.add(game_id)
            if self.seqs.get(game_id) == game["seq"] and game_id in self.games:
                continue  # already current: what we have is at least as rich
            self.seqs[game_id] = game["seq"]
            self._take_game(game)
            taken.append(game_id)
        self._drop(keep)
        return taken

    def apply_board(self, message: dict[str, Any]) -> Outcome:
        """The board's set of games changed: drop the games it no longer lists."""
        version, known = message["board"]["version"], (self.board or {}).get("version", 0)
        if version <= known:
            self.stale += 1
            return "stale"
        listed = set(message["game_ids"])
        if version > known + 1 or not listed <= set(self.games):
            self.gaps += 1
            return "gap"  # a board version, or a game's first version, was missed
        self.board = message["board"]
        self._drop(listed)
        return "applied"

    def _drop(self, keep: set[str]) -> None:
        for known in (self.seqs, self.games, self.curves, self.minutes):
            for game_id in [g for g in known if g not in keep]:
                del known[game_id]

    def apply_version(self, message: dict[str, Any]) -> Outcome:
        game_id, seq = message["game_id"], message["seq"]
        known = self.seqs.get(game_id, 0)
        if seq <= known:
            self.stale += 1
            return "stale"
        if seq > known + 1:
            self.gaps += 1
            return "gap"
        self.seqs[game_id] = seq
        kind = message["type"]
        if kind in ("prediction", "forecast.update"):
            game = self.games.setdefault(game_id, {})
            game["seq"] = seq  # the game's version moved on with this message
            if kind == "prediction":
                game["prediction"] = message["prediction"]
            else:
                point = {k: v for k, v in message["forecast"].items() if k != "model_version"}
                self.curves.setdefault(game_id, {})[state_key(point)] = point
        else:
            previous = self.games.get(game_id, {})  # a game update carries no prediction
            self.games[game_id] = {**message["game"], "prediction": previous.get("prediction")}
        return "applied"

    def _take_game(self, game: dict[str, Any]) -> None:
        state = {k: v for k, v in game.items() if k != "win_probability"}
        self.games[game["game_id"]] = state
        self.curves[game["game_id"]] = {state_key(p): p for p in game["win_probability"]}

    def view(self, game_id: str) -> tuple[int, int, str, int]:
        game = self.games[game_id]
        return (game["home"]["score"], game["away"]["score"], game["status"], self.seqs[game_id])


def state_key(point: dict[str, Any]) -> tuple[float, int, int]:
    """A curve point's state: its game time and score (version 3's key of a point)."""
    return (point["elapsed_seconds"], point["home_score"], point["away_score"])
