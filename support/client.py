"""A reference client of ws/scores/: what a client knows, applied by the protocol's rule.

The Python counterpart of the dashboard's ``static/js/livescores-client.js`` + ``store.js``,
used by the tests, the soak and the delivery benchmark. Which messages bump a game's
version comes from the schemas (``realtime/protocol.py``), never from a list kept here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from realtime.protocol import rules

# "gap": ask for a resync; "play_gap": plays were missed, ask {"action": "plays", "after":
# state.newest_play[game_id]} (docs/websocket-api.md, "play and boxscore").
Outcome = Literal["applied", "stale", "gap", "play_gap", "ignored"]


def bumping_types() -> frozenset[str]:
    return frozenset(kind for kind, rule in rules().items() if rule.seq == "bumps")


def alert_types() -> frozenset[str]:
    """The types versioned by the board-level alert sequence (``x-seq: alerts``)."""
    return frozenset(kind for kind, rule in rules().items() if rule.seq == "alerts")


@dataclass
class ClientState:
    seqs: dict[str, int] = field(default_factory=dict)
    games: dict[str, dict[str, Any]] = field(default_factory=dict)  # game id -> game state
    curves: dict[str, dict[tuple[float, int, int], dict[str, Any]]] = field(default_factory=dict)
    minutes: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    plays: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)  # by action_number
    newest_play: dict[str, int] = field(default_factory=dict)  # game id -> orderNumber
    boxscores: dict[str, dict[str, Any]] = field(default_factory=dict)  # teams, players, flow
    board: dict[str, Any] | None = None
    alerts: dict[int, dict[str, Any]] = field(default_factory=dict)  # alert id -> alert
    alert_seq: int = 0  # the last board-level alert version applied (staff sockets)
    gaps: int = 0
    play_gaps: int = 0
    stale: int = 0
    bumps: frozenset[str] = field(default_factory=bumping_types)
    alert_types: frozenset[str] = field(default_factory=alert_types)

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
        if kind in self.alert_types:
            return self.apply_alert(message)
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
            self.plays[game_id] = {}
            self.newest_play[game_id] = 0
            self._take_plays(game_id, message["plays"], [])
            box = message["boxscore"]
            self.boxscores[game_id] = {
                "teams": {t["side"]: t for t in box["teams"]},
                "players": {p["person_id"]: p for p in box["players"]},
                "flow": box["flow"],
            }
            return "applied"
        if kind == "play":
            game_id = message["game_id"]
            if message["previous"] > self.newest_play.get(game_id, 0):
                self.play_gaps += 1
                self._take_plays(game_id, message["plays"], message["removed"])
                return "play_gap"
            self._take_plays(game_id, message["plays"], message["removed"])
            return "applied"
        if kind == "play_page":
            self._take_plays(message["game_id"], message["plays"], [])
            return "applied"
        if kind == "boxscore":
            box = self.boxscores.setdefault(
                message["game_id"], {"teams": {}, "players": {}, "flow": None}
            )
            box["teams"].update({t["side"]: t for t in message["teams"]})
            box["players"].update({p["person_id"]: p for p in message["players"]})
            box["flow"] = message["flow"]
            return "applied"
        return "ignored"

    def _take_plays(self, game_id: str, plays: list[dict[str, Any]], removed: list[int]) -> None:
        known = self.plays.setdefault(game_id, {})
        known.update({p["action_number"]: p for p in plays})
        for number in removed:
            known.pop(number, None)
        orders = [p["order_number"] for p in plays]
        self.newest_play[game_id] = max([self.newest_play.get(game_id, 0), *orders])

    def play_list(self, game_id: str) -> list[dict[str, Any]]:
        """The game's plays as known, in orderNumber order."""
        return sorted(self.plays.get(game_id, {}).values(), key=lambda p: p["order_number"])

    def apply_snapshot(self, message: dict[str, Any]) -> list[str]:
        """Replace what changed, keep what is current, drop what left the board; returns
        the games taken from the snapshot (a follower re-subscribes to those)."""
        self.board = message["board"]
        if "alert_seq" in message:  # a staff socket's snapshot: the alerts, replaced
            self.alert_seq = message["alert_seq"]
            self.alerts = {alert["id"]: alert for alert in message["alerts"]}
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

    def apply_alert(self, message: dict[str, Any]) -> Outcome:
        """The next version of the board's alerts (``alert_seq`` = last + 1): upsert it."""
        seq = message["alert_seq"]
        if seq <= self.alert_seq:
            self.stale += 1
            return "stale"
        if seq > self.alert_seq + 1:
            self.gaps += 1
            return "gap"  # an alert (or an alert's change) was missed: resync
        self.alert_seq = seq
        self.alerts[message["alert"]["id"]] = message["alert"]
        return "applied"

    def _drop(self, keep: set[str]) -> None:
        for known in (
            self.seqs,
            self.games,
            self.curves,
            self.minutes,
            self.plays,
            self.newest_play,
            self.boxscores,
        ):
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
