"""Rebuild per-game minute rows from nba_api's stats endpoints (needs internet).

``LeagueGameFinder`` gives a season's games (one row per team and game: the home
row's MATCHUP reads ``"XXX vs. YYY"``); ``PlayByPlayV3`` gives each game's actions,
whose scores turn into minute differentials exactly as the shipped dataset does
(``pipelines.history.minute_row``: running maximum of the scores, minute semantics of
``games.minutes``). Records before a game come from the season's results in date
order; games on the same date do not count towards each other.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from games.clock import REGULATION_PERIODS, period_end
from games.minutes import HALFTIME_MINUTE, states_from_live_playbyplay
from pipelines.history import HistoricalGame, HistoricalTeam, minute_row

logger = logging.getLogger(__name__)

BASE_COLUMNS = [
    "game_id", "date", "season", "home_tricode", "away_tricode", "home_team_id",
    "away_team_id", "home_wins", "home_losses", "away_wins", "away_losses", "periods",
    "final_home", "final_away", "halftime_diff", "final_diff",
]  # fmt: skip


class BackfillError(ValueError):
    """A game's responses cannot be turned into a dataset row."""


@dataclass(frozen=True, slots=True)
class ListedGame:
    game_id: str
    date: dt.date
    season: int
    home: HistoricalTeam
    away: HistoricalTeam
    home_points: int | None
    away_points: int | None


def season_label(end_year: int) -> str:
    """2024 -> '2023-24' (the stats API's season parameter)."""
    return f"{end_year - 1}-{end_year % 100:02d}"


def _team_names() -> dict[int, tuple[str, str]]:
    from nba_api.stats.static import teams

    return {t["id"]: (t["city"], t["nickname"]) for t in teams.get_teams()}


def games_from_finder(result: Mapping[str, Any], season: int) -> list[ListedGame]:
    """Pair LeagueGameFinder team rows into games with records before each game."""
    result_set = next(
        rs for rs in result["resultSets"] if rs.get("name") == "LeagueGameFinderResults"
    )
    headers = result_set["headers"]
    by_game: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for values in result_set["rowSet"]:
        row = dict(zip(headers, values, strict=True))
        if not str(row["GAME_ID"]).startswith("002"):  # regular season only
            continue
        side = "home" if " vs. " in row["MATCHUP"] else "away"
        by_game[str(row["GAME_ID"])][side] = row
    names = _team_names()
    complete = sorted(
        ((gid, sides) for gid, sides in by_game.items() if len(sides) == 2),
        key=lambda item: (item[1]["home"]["GAME_DATE"], item[0]),
    )
    record: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    games: list[ListedGame] = []
    pending: list[tuple[int, bool]] = []
    current_date = None
    for game_id, sides in complete:
        date = dt.date.fromisoformat(sides["home"]["GAME_DATE"][:10])
        if date != current_date:  # results of earlier dates count from here on
            for team_id, won in pending:
                record[team_id][0 if won else 1] += 1
            pending, current_date = [], date
        teams = {}
        for side in ("home", "away"):
            row = sides[side]
            team_id = int(row["TEAM_ID"])
            city, nickname = names.get(team_id, ("", row.get("TEAM_NAME", "")))
            wins, losses = record[team_id]
            teams[side] = HistoricalTeam(
                team_id, row["TEAM_ABBREVIATION"], city, nickname, wins, losses
            )
            if row.get("WL") in ("W", "L"):
                pending.append((team_id, row["WL"] == "W"))
        games.append(
            ListedGame(
                game_id=game_id,
                date=date,
                season=season,
                home=teams["home"],
                away=teams["away"],
                home_points=_int_or_none(sides["home"].get("PTS")),
                away_points=_int_or_none(sides["away"].get("PTS")),
            )
        )
    return games


def _int_or_none(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def scoring_actions(actions: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Actions that carry a score (PlayByPlayV3 leaves scoreHome '' on the others)."""
    return [
        a
        for a in actions
        if str(a.get("scoreHome", "")) != "" and str(a.get("scoreAway", "")) != ""
    ]


def build_game(listed: ListedGame, actions: Sequence[Mapping[str, Any]]) -> HistoricalGame:
    """The finished game behind a dataset row; raises BackfillError if incomplete."""
    if not actions:
        raise BackfillError(f"{listed.game_id}: no play-by-play actions")
    periods = max(int(a["period"]) for a in actions)
    ended = any(
        a.get("actionType") == "period"
        and a.get("subType") == "end"
        and int(a["period"]) == periods
        for a in actions
    )
    if periods < REGULATION_PERIODS or not ended:
        raise BackfillError(f"{listed.game_id}: play-by-play stops in period {periods}")
    states = states_from_live_playbyplay(scoring_actions(actions))
    final_home, final_away = states[-1].home, states[-1].away
    if listed.home_points is not None and (final_home, final_away) != (
        listed.home_points,
        listed.away_points,
    ):
        raise BackfillError(
            f"{listed.game_id}: play-by-play ends {final_home}-{final_away}, "
            f"game finder says {listed.home_points}-{listed.away_points}"
        )
    if final_home == final_away:
        raise BackfillError(f"{listed.game_id}: final score is tied")
    game = HistoricalGame(
        game_id=listed.game_id,
        date=listed.date,
        season=listed.season,
        home=listed.home,
        away=listed.away,
        states=tuple(states),
        periods=periods,
        final_home=final_home,
        final_away=final_away,
    )
    if len(game.minutes()) < HALFTIME_MINUTE or game.end_elapsed != period_end(periods):
        raise BackfillError(f"{listed.game_id}: too short for a row")
    return game


def list_season(season: int, timeout: float = 30.0) -> list[ListedGame]:
    from nba_api.stats.endpoints.leaguegamefinder import LeagueGameFinder

    finder = LeagueGameFinder(
        player_or_team_abbreviation="T",
        season_nullable=season_label(season),
        season_type_nullable="Regular Season",
        league_id_nullable="00",
        timeout=timeout,
    )
    return games_from_finder(finder.get_dict(), season)


def fetch_actions(game_id: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    from nba_api.stats.endpoints.playbyplayv3 import PlayByPlayV3

    payload = PlayByPlayV3(game_id=game_id, timeout=timeout).get_dict()
    game = payload.get("game") or {}
    if str(game.get("gameId")) != game_id:
        raise BackfillError(f"{game_id}: response is for game {game.get('gameId')!r}")
    return list(game.get("actions") or [])


def backfill_rows(
    seasons: Sequence[int],
    progress: Callable[[str], None] = logger.info,
    delay: float = 0.6,
    limit: int | None = None,
    timeout: float = 30.0,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for season in seasons:
        games = list_season(season, timeout)[:limit]
        progress(f"{season_label(season)}: {len(games)} games listed")
        for n, listed in enumerate(games, start=1):
            try:
                rows.append(minute_row(build_game(listed, fetch_actions(listed.game_id, timeout))))
            except BackfillError as exc:
                progress(f"  skipped {exc}")
            if n % 50 == 0 or n == len(games):
                progress(f"  {n}/{len(games)} games fetched, {len(rows)} rows so far")
            if delay:
                time.sleep(delay)  # the stats API throttles fast clients
    return rows


def write_rows(rows: Sequence[Mapping[str, Any]], out: Path) -> None:
    """Gzip CSV in the shipped table's layout (blank minutes past a game's end)."""
    longest = max((int(r["periods"]) for r in rows), default=REGULATION_PERIODS)
    minutes = [f"m{m}" for m in range(1, period_end(longest) // 60 + 1)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=BASE_COLUMNS + minutes, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
