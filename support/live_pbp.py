"""The committed live play-by-play fixtures (tests/fixtures/live_pbp), read for tests.

Real payloads of ``nba_api.live.nba.endpoints.PlayByPlay`` (see the folder's
PROVENANCE.md). The feed does not say which team is home: ``home_away`` reads it from
the scores (the side whose made field goals move ``scoreHome``).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

LIVE_PBP = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "live_pbp"
GAMES = {  # game id -> date (PROVENANCE.md)
    "0022400712": "2025-02-04",
    "0022400740": "2025-02-07",
    "0022400762": "2025-02-10",
}


def raw_actions(game_id: str) -> list[dict[str, Any]]:
    with gzip.open(LIVE_PBP / f"{game_id}_playbyplay.json.gz", "rt") as handle:
        actions: list[dict[str, Any]] = json.load(handle)["game"]["actions"]
    return actions


def home_away(actions: list[dict[str, Any]]) -> tuple[tuple[int, str], tuple[int, str]]:
    """((home teamId, tricode), (away teamId, tricode)) from who moves which score."""
    home_score = 0
    teams: dict[str, tuple[int, str]] = {}
    for action in actions:
        if action.get("teamId"):
            side_score = int(action["scoreHome"])
            if action.get("shotResult") == "Made" and action["actionType"] in ("2pt", "3pt"):
                team = (int(action["teamId"]), str(action["teamTricode"]))
                teams["home" if side_score > home_score else "away"] = team
            home_score = max(home_score, side_score)
        if len(teams) == 2:
            return teams["home"], teams["away"]
    raise ValueError("could not tell home from away")
