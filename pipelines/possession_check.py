"""How often the fold's inferred possession agrees with the live feed's ``possession`` field.

The live feed's ``possession`` on an action is the side in possession *during* that
action (the shooting side on a made shot, the side committing a turnover on its
turnover row; subsequent substitutions and timeouts carry the new side). So the fold's
state after action k (who has the ball next) is compared with the feed's field on
action k+1, skipping a next action that itself decides possession as it happens
(rebounds and jump balls: there the feed already names the side that won the ball,
while the ball was loose before it) and period/game rows (possession 0).

Views: ``live_*`` fold every live action (jump balls and period starts included: what
the live path will see); ``archive_*`` fold only the action kinds the parquet archive
keeps (no jump balls, violations or period rows), as the training data is derived.
``*_actions`` compare after every action; ``*_instants`` only between clock instants
(the state after all actions at one game time, as the dataset samples it: an and-one's
foul shares its made shot's instant); ``grid`` samples every 10 s of game clock as the
dataset does: the state at time T against the feed's field on the next action (skipped
when that is a rebound: the ball is loose at T).

The live samples carry no licence: they are read from ``shared/`` (extracted to a
temporary folder), only to validate, and never copied into the repository.
"""

from __future__ import annotations

import json
import logging
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from games.clock import period_length
from games.playstate import (
    PlayAction,
    PlayState,
    action_from_live,
    fold,
    other,
    sort_actions,
    step,
)

logger = logging.getLogger(__name__)

LIVE_SAMPLES = Path(
    "../shared/data/live_samples/iszk1215_nba_pbp/iszk1215_nba_pbp_doc_games_60.tar.xz"
)
ARCHIVE_KINDS = frozenset(
    {
        "2pt",
        "3pt",
        "freethrow",
        "rebound",
        "foul",
        "turnover",
        "steal",
        "block",
        "substitution",
        "timeout",
    }
)
SKIP_NEXT = frozenset({"rebound", "jumpball", "period", "game"})
GRID_SECONDS = 10.0


@dataclass(frozen=True)
class LiveGame:
    game_id: str
    actions: list[PlayAction]


def read_live_games(archive: Path = LIVE_SAMPLES) -> list[LiveGame]:
    """Every game of the live-sample tarball (play-by-play + boxscore for the home side)."""
    games: list[LiveGame] = []
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        for folder in sorted(Path(tmp).glob("games/*")):
            box = json.loads((folder / "boxscore.json").read_text())["game"]
            pbp = json.loads((folder / "playbyplay.json").read_text())["game"]["actions"]
            games.append(LiveGame(folder.name, live_actions(pbp, box["homeTeam"], box["awayTeam"])))
    return games


def live_actions(
    raw: Sequence[dict[str, Any]], home: dict[str, Any], away: dict[str, Any]
) -> list[PlayAction]:
    home_id, away_id = int(home["teamId"]), int(away["teamId"])
    actions = [action_from_live(a, home_id, away_id) for a in raw]
    return sort_actions(a for a in actions if a is not None)


@dataclass
class Tally:
    agree: int = 0
    disagree: int = 0
    unknown: int = 0  # the fold had no possession yet (start of an overtime, say)

    @property
    def compared(self) -> int:
        return self.agree + self.disagree

    def as_dict(self) -> dict[str, Any]:
        total = self.compared + self.unknown
        return {
            "agree": self.agree,
            "disagree": self.disagree,
            "unknown": self.unknown,
            "agreement": self.agree / self.compared if self.compared else float("nan"),
            "known_share": self.compared / total if total else float("nan"),
        }

    def add(self, inferred: str | None, truth: str | None) -> None:
        if truth is None:
            return
        if inferred is None:
            self.unknown += 1
        elif inferred == truth:
            self.agree += 1
        else:
            self.disagree += 1


def _comparable(following: PlayAction) -> bool:
    """Does the feed's field on ``following`` say who had the ball just before it?

    Not on rebounds and jump balls (the ball was loose), period/game rows, nor on rows
    at a period's first instant (substitutions before the period begins carry the
    possession the previous period ended with).
    """
    return (
        following.kind not in SKIP_NEXT
        and following.possession is not None
        and following.seconds_left < period_length(following.period)
    )


def _pairs(actions: list[PlayAction], instants: bool) -> Iterator[tuple[PlayState, PlayAction]]:
    """(state after action k, action k+1); with ``instants``, only the last action of
    each clock instant (all actions at the same elapsed time) against the next one."""
    states = list(fold(actions))
    for k, (state, following) in enumerate(zip(states, actions[1:], strict=False)):
        if instants and following.elapsed == actions[k].elapsed:
            continue
        if _comparable(following):
            yield state, following


def agreement(games: Sequence[LiveGame]) -> dict[str, Any]:
    """Agreement rates for the three views (see the module docstring), over all games."""
    names = ("live_actions", "archive_actions", "live_instants", "archive_instants", "grid")
    views = {name: Tally() for name in names}
    bonus = Tally()
    by_kind: dict[str, Tally] = {}
    for game in games:
        archive_like = [a for a in game.actions if a.kind in ARCHIVE_KINDS]
        for source, actions in (("live", game.actions), ("archive", archive_like)):
            for instants in (False, True):
                view = views[f"{source}_{'instants' if instants else 'actions'}"]
                for state, following in _pairs(actions, instants):
                    view.add(state.possession, following.possession)
                    if source == "archive" and instants:
                        tally = by_kind.setdefault(following.kind, Tally())
                        tally.add(state.possession, following.possession)
        _grid(archive_like, views["grid"])
        _bonus(archive_like, bonus)
    return {
        "games": len(games),
        "bonus_vs_inpenalty_qualifier": bonus.as_dict(),
        **{name: tally.as_dict() for name, tally in views.items()},
        "archive_by_next_kind": {k: v.as_dict() for k, v in sorted(by_kind.items())},
    }


def _bonus(actions: list[PlayAction], tally: Tally) -> None:
    """Team fouls: was the fouled side in the bonus before the foul (the fold) when the
    feed marks the foul ``inpenalty``? (Agreement counted as for possession.)"""
    state = PlayState()
    for action in actions:
        if action.kind == "foul" and action.team_foul and action.side is not None:
            fouled = other(action.side)
            before = state if state.period == action.period else PlayState(period=action.period)
            truth = "yes" if "inpenalty" in action.qualifiers else "no"
            tally.add("yes" if before.in_bonus(fouled) else "no", truth)
        state = step(state, action)


def _grid(actions: list[PlayAction], tally: Tally) -> None:
    """State every ``GRID_SECONDS`` of game clock vs the feed on the next action."""
    states = list(fold(actions))
    if not actions:
        return
    end = actions[-1].elapsed
    index = 0  # actions[:index] have elapsed <= t
    t = GRID_SECONDS
    while t < end:
        while index < len(actions) and actions[index].elapsed <= t:
            index += 1
        following = actions[index] if index < len(actions) else None
        if (
            index
            and following is not None
            and _comparable(following)
            and following.period == actions[index - 1].period
        ):
            tally.add(states[index - 1].possession, following.possession)
        t += GRID_SECONDS
