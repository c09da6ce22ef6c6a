"""Historical play-by-play -> score states, the minute dataset and replay nights.

The source is the ``gabriel1200/playbyplay`` parquet export of NBA.com's live
play-by-play feed (see ``shared/data/SOURCES.md``): one file per team and season,
each game in both teams' files. Its traps are handled here: rows are deduplicated
on (game_id, actionNumber), scores are taken as a running maximum, the home team
is inferred from made-shot points, and ``minutes_left_in_game`` is never read.

Management commands and tests use the pandas parts; pandas is imported lazily
inside them, so the live pipeline can import ``states_from_live_playbyplay``
(pure Python, reused for gap recovery) without pulling pandas in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from games.clock import elapsed_seconds, parse_clock, period_end
from games.feed.archive import (
    SOURCE_BRANCH,
    SOURCE_COMMIT,
    SOURCE_LICENSE,
    SOURCE_PATH,
    SOURCE_REPO,
)
from games.minutes import HALFTIME_MINUTE, ScoreState, minute_series, running_max_states
from games.season import season_of
from pipelines.directory import directory_files

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

SEASONS = (2022, 2023, 2024, 2025)
DEFAULT_PBP_DIR = Path("../shared/data/pbp/gabriel1200_playbyplay/regular_season")

SHOT_POINTS = {"3pt": 3, "2pt": 2, "freethrow": 1}
_COLUMNS = [
    "game_id",
    "date",
    "actionNumber",
    "period",
    "clock",
    "scoreHome",
    "scoreAway",
    "actionType",
    "shotResult",
    "team",
]
_RECORD_COLUMNS = ["home_wins", "home_losses", "away_wins", "away_losses"]


class HistoryError(ValueError):
    """The play-by-play of a game or season cannot be turned into a dataset row."""


@dataclass(frozen=True, slots=True)
class HistoricalTeam:
    team_id: int
    tricode: str
    city: str
    name: str
    wins: int  # record before the game, within its season
    losses: int


@dataclass(frozen=True, slots=True)
class HistoricalGame:
    game_id: str
    date: dt.date
    season: int
    home: HistoricalTeam
    away: HistoricalTeam
    states: tuple[ScoreState, ...]
    periods: int
    final_home: int
    final_away: int

    @property
    def end_elapsed(self) -> int:
        return period_end(self.periods)

    def minutes(self) -> list[int]:
        """Home-minus-away differential for minutes 1..end of game."""
        return minute_series(self.states, self.end_elapsed)


# --- season parquet -----------------------------------------------------------


def read_season_events(
    pbp_dir: Path, season: int, parts: tuple[str, ...] = ("rs",)
) -> pd.DataFrame:
    """A season's deduplicated events with an ``elapsed`` column (game seconds): the
    regular season (``rs``), and the playoffs too with ``parts=("rs", "ps")``."""
    import pandas as pd

    found = directory_files(pbp_dir)
    files = sorted(path for part in parts for path in found.get((season, part), []))
    if not files:
        wanted = " or ".join(f"*_{season}_{part}.parquet" for part in parts)
        raise FileNotFoundError(f"no {wanted} files in {pbp_dir}")
    events = pd.concat([pd.read_parquet(f, columns=_COLUMNS) for f in files], ignore_index=True)
    rows = len(events)
    events = events.drop_duplicates(["game_id", "actionNumber"], ignore_index=True)
    logger.info("season %s: %d files, %d rows, %d unique", season, len(files), rows, len(events))
    events["elapsed"] = _elapsed_column(events)
    return events


def _elapsed_column(events: pd.DataFrame) -> pd.Series:
    """Elapsed seconds per row via games.clock (computed once per distinct period+clock)."""
    import pandas as pd

    keys = events[["period", "clock"]].drop_duplicates()
    lookup: dict[tuple[int, str], float] = {}
    for period, clock in keys.itertuples(index=False):
        seconds_left = parse_clock(clock)
        if seconds_left is None:
            raise HistoryError(f"empty clock in period {period}")
        lookup[(int(period), clock)] = elapsed_seconds(int(period), seconds_left)
    pairs = zip(events["period"].tolist(), events["clock"].tolist(), strict=True)
    return pd.Series([lookup[pair] for pair in pairs], index=events.index, dtype="float64")


def infer_home_team(events: pd.DataFrame) -> tuple[str, str]:
    """(home, away) tricodes of one game: home's made-shot points equal the final scoreHome."""
    teams = sorted(events["team"].dropna().unique())
    if len(teams) != 2:
        raise HistoryError(f"expected two teams, found {teams}")
    made = events[events["shotResult"].eq("Made")]
    points = made["actionType"].map(SHOT_POINTS).fillna(0).groupby(made["team"]).sum()
    scored = {team: int(points.get(team, 0)) for team in teams}
    final_home, final_away = int(events["scoreHome"].max()), int(events["scoreAway"].max())
    first, second = teams
    if scored[first] == final_home and scored[second] != final_home:
        home, away = first, second
    elif scored[second] == final_home and scored[first] != final_home:
        home, away = second, first
    else:
        raise HistoryError(f"cannot tell home team: points {scored}, final home {final_home}")
    if scored[away] != final_away:
        logger.warning("away points %d != final away %d", scored[away], final_away)
    return home, away


def game_results(events: pd.DataFrame) -> pd.DataFrame:
    """One row per game: game_id, date, home, away, final_home, final_away, periods."""
    import pandas as pd

    rows = []
    for game_id, game in events.groupby("game_id", sort=True):
        home, away = infer_home_team(game)
        rows.append(
            {
                "game_id": game_id,
                "date": int(game["date"].iloc[0]),
                "home": home,
                "away": away,
                "final_home": int(game["scoreHome"].max()),
                "final_away": int(game["scoreAway"].max()),
                "periods": int(game["period"].max()),
            }
        )
    return pd.DataFrame(rows)


def records_before(results: pd.DataFrame) -> pd.DataFrame:
    """Each side's wins/losses before each game, indexed by game_id.

    ``results`` holds one season: game_id, date, home, away, final_home, final_away.
    Games on the same date do not count towards each other's records.
    """
    import pandas as pd

    record: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    before: dict[Any, list[int]] = {}
    for _, day in results.sort_values(["date", "game_id"]).groupby("date", sort=True):
        games = list(day.itertuples(index=False))
        for game in games:
            before[game.game_id] = [*record[game.home], *record[game.away]]
        for game in games:
            if game.final_home == game.final_away:
                raise HistoryError(f"game {game.game_id} ended tied")
            home_won = game.final_home > game.final_away
            winner, loser = (game.home, game.away) if home_won else (game.away, game.home)
            record[winner][0] += 1
            record[loser][1] += 1
    return pd.DataFrame.from_dict(before, orient="index", columns=_RECORD_COLUMNS)


@cache
def _nba_teams() -> dict[str, dict[str, Any]]:
    from nba_api.stats.static import teams

    return {team["abbreviation"]: team for team in teams.get_teams()}


# nba_api's static list gives the city a team plays in; the live scoreboard's teamCity
# is the name's prefix instead (real payload: tests/fixtures/scoreboard_2023-04-20.json).
LIVE_FEED_CITY = {"GSW": "Golden State", "LAC": "LA"}


def team_info(tricode: str, wins: int, losses: int) -> HistoricalTeam:
    team = _nba_teams().get(tricode)
    if team is None:
        raise HistoryError(f"unknown team tricode {tricode!r}")
    city = LIVE_FEED_CITY.get(tricode, str(team["city"]))
    return HistoricalTeam(int(team["id"]), tricode, city, str(team["nickname"]), wins, losses)


def _game_states(game: pd.DataFrame) -> tuple[ScoreState, ...]:
    ordered = game.sort_values(["elapsed", "actionNumber"])
    rows = zip(
        ordered["elapsed"].tolist(),
        ordered["scoreHome"].tolist(),
        ordered["scoreAway"].tolist(),
        strict=True,
    )
    return tuple(running_max_states(rows))


def _parse_date(value: int) -> dt.date:
    return dt.datetime.strptime(str(value), "%Y%m%d").date()


def _season_games(events: pd.DataFrame, season: int) -> Iterator[HistoricalGame]:
    results = game_results(events)
    records = records_before(results)
    by_game = dict(iter(events.groupby("game_id", sort=False)))
    for result in results.sort_values(["date", "game_id"]).itertuples(index=False):
        home_wins, home_losses, away_wins, away_losses = records.loc[result.game_id].tolist()
        yield HistoricalGame(
            game_id=f"00{int(result.game_id)}",
            date=_parse_date(result.date),
            season=season,
            home=team_info(result.home, int(home_wins), int(home_losses)),
            away=team_info(result.away, int(away_wins), int(away_losses)),
            states=_game_states(by_game[result.game_id]),
            periods=int(result.periods),
            final_home=int(result.final_home),
            final_away=int(result.final_away),
        )


def load_season_games(
    pbp_dir: Path, seasons: list[int] | None = None, parts: tuple[str, ...] = ("rs",)
) -> Iterator[HistoricalGame]:
    """Every game of ``seasons`` (END years; default all four), by season, date, game id;
    the records before a playoff game count the season's earlier games, regular season
    included (as serving does)."""
    for season in seasons or list(SEASONS):
        yield from _season_games(read_season_events(pbp_dir, season, parts), season)


# --- outputs ------------------------------------------------------------------


def minute_row(game: HistoricalGame) -> dict[str, Any]:
    """The dataset row of one game: identity, records before it, finals and m1..mN."""
    minutes = game.minutes()
    row: dict[str, Any] = {
        "game_id": game.game_id,
        "date": game.date.isoformat(),
        "season": game.season,
        "home_tricode": game.home.tricode,
        "away_tricode": game.away.tricode,
        "home_team_id": game.home.team_id,
        "away_team_id": game.away.team_id,
        "home_wins": game.home.wins,
        "home_losses": game.home.losses,
        "away_wins": game.away.wins,
        "away_losses": game.away.losses,
        "periods": game.periods,
        "final_home": game.final_home,
        "final_away": game.final_away,
        "halftime_diff": minutes[HALFTIME_MINUTE - 1],
        "final_diff": game.final_home - game.final_away,
    }
    row.update({f"m{minute}": value for minute, value in enumerate(minutes, start=1)})
    return row


def write_minute_csv(rows: list[dict[str, Any]], out: Path) -> None:
    """Write rows as a gzip CSV; minute columns run to the longest game, blank beyond a game."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    minute_columns = [c for c in frame.columns if c.startswith("m") and c[1:].isdigit()]
    for column in minute_columns:
        frame[column] = frame[column].astype("Int64")
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, compression={"method": "gzip", "mtime": 0})


def score_changes(states: Sequence[ScoreState]) -> list[list[float | int]]:
    """[elapsed, home, away] for each state whose score differs from the one before (0-0)."""
    events: list[list[float | int]] = []
    home = away = 0
    for state in states:
        if (state.home, state.away) != (home, away):
            home, away = state.home, state.away
            events.append([state.elapsed, home, away])
    return events


def replay_team(team: HistoricalTeam) -> dict[str, Any]:
    return {
        "team_id": team.team_id,
        "tricode": team.tricode,
        "city": team.city,
        "name": team.name,
        "wins": team.wins,
        "losses": team.losses,
    }


def build_replay_night(pbp_dir: Path, date: dt.date) -> dict[str, Any]:
    """All games of one night, as score-change events, for the replay feed."""
    season = season_of(date)
    games = [g for g in load_season_games(pbp_dir, [season]) if g.date == date]
    if not games:
        raise HistoryError(f"no games on {date.isoformat()} in season {season}")
    return {
        "provenance": {
            "source": (
                f"GitHub {SOURCE_REPO} (branch {SOURCE_BRANCH}), "
                f"{SOURCE_PATH.replace('{TEAM}', '*').replace('{YYYY}', str(season))}; "
                "NBA.com liveData play-by-play"
            ),
            "commit": SOURCE_COMMIT,
            "license": SOURCE_LICENSE,
            "derived_by": f"python manage.py export_replay_night --date {date.isoformat()}",
            "note": "tip-off times are not in the source; the replay schedules tip-offs itself",
        },
        "date": date.isoformat(),
        "games": [
            {
                "game_id": game.game_id,
                "home": replay_team(game.home),
                "away": replay_team(game.away),
                "periods": game.periods,
                "events": score_changes(game.states),
            }
            for game in sorted(games, key=lambda g: g.game_id)
        ],
    }
