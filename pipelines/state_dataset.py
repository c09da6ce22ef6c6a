"""Game states at second resolution from the play-by-play archive (the state model's data).

For every game of a play-by-play parquet directory (``gabriel1200/playbyplay`` layout,
``{TEAM}_{YYYY}_rs.parquet`` and playoff ``{TEAM}_{YYYY}_ps.parquet``), the actions are
normalised (``games.playstate.action_from_archive``), ordered and folded into states;
states are sampled

* every ``GRID_SECONDS`` (10 s) of game clock: the state after every action at or before
  that instant (a boundary between periods belongs to the period that starts there),
* at every scoring play: the state after all actions of that clock instant (an and-one's
  free throw shares its shot's instant),
* right after every foul that awards free throws (free throws pending: the moment a live
  poll often sees, between the whistle and the shots),

while the game has time left. Each row carries the margin, the seconds left in its regime
(to the end of regulation, or to the end of the current overtime period), the period,
possession, free throws pending, team fouls, bonus and timeouts left; each game carries
pre-game information known before tip-off (``pregame_table``) and its final margin.

The archive's traps are handled as in ``pipelines.history``, whose helpers are reused:
duplicate rows (each game is in both teams' files) dropped on (game_id, actionNumber),
the running maximum of each score, the home team inferred from made-shot points,
``minutes_left_in_game`` never read. Big intermediate tables are cached as ``.npz``
outside the repository (``cache_dir``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from games.clock import REGULATION_PERIODS, REGULATION_SECONDS, period_end, period_start
from games.playstate import (
    AWAY,
    HOME,
    PlayAction,
    PlayState,
    action_from_archive,
    at_time,
    fold,
    proven_possession,
    sort_actions,
)
from pipelines.directory import directory_files
from pipelines.history import infer_home_team

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

GRID_SECONDS = 10
COLUMNS = [
    "game_id",
    "date",
    "actionNumber",
    "period",
    "clock",
    "scoreHome",
    "scoreAway",
    "actionType",
    "description",
    "qualifier",
    "shotResult",
    "team",
]
KIND_GRID, KIND_SCORING, KIND_FREE_THROWS = 1, 2, 4
# Row columns (float32 unless noted; NaN = unknown).
ROW_FIELDS = (
    "elapsed",
    "period",
    "seconds_left",  # in the regime: to the end of regulation, or of the current overtime
    "margin",
    "possession",  # +1 home, -1 away, NaN unknown
    "ft_pending",  # free throws to come, signed: + home shoots, - away shoots
    "fouls_home",
    "fouls_away",
    "bonus_home",  # 1 if home shoots on away's next common foul
    "bonus_away",
    "timeouts_home",
    "timeouts_away",
)


@dataclass(frozen=True)
class GameInfo:
    game_id: str
    season: int  # END year
    date: str  # ISO
    home: str
    away: str
    final_margin: int  # home minus away, overtime included
    periods: int
    playoffs: bool
    free_throws_made: int = 0  # both teams (the served model's free-throw rate)
    free_throws_attempted: int = 0


@dataclass
class StateTable:
    """Sampled states of many games: ``rows[name]`` arrays, ``game`` indexes ``games``."""

    games: list[GameInfo]
    game: np.ndarray  # int32 row -> game index
    kind: np.ndarray  # int8 bit flags: KIND_GRID | KIND_SCORING | KIND_FREE_THROWS
    rows: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.game)

    def take(self, mask: np.ndarray) -> StateTable:
        return StateTable(
            self.games, self.game[mask], self.kind[mask], {k: v[mask] for k, v in self.rows.items()}
        )

    def game_column(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """A per-game value broadcast to the rows."""
        return np.asarray(values, dtype=float)[self.game]

    @property
    def final(self) -> np.ndarray:
        return self.game_column([g.final_margin for g in self.games])

    @property
    def home_win(self) -> np.ndarray:
        return (self.final > 0).astype(float)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "games": np.array(json.dumps([asdict(g) for g in self.games])),
            "game": self.game,
            "kind": self.kind,
            **{f"row_{k}": v for k, v in self.rows.items()},
        }
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> StateTable:
        with np.load(path) as data:
            games = [GameInfo(**g) for g in json.loads(str(data["games"]))]
            rows = {k[4:]: data[k] for k in data.files if k.startswith("row_")}
            return cls(games, data["game"], data["kind"], rows)

    @classmethod
    def concat(cls, tables: Sequence[StateTable]) -> StateTable:
        games: list[GameInfo] = []
        parts_game = []
        for table in tables:
            parts_game.append(table.game + len(games))
            games += table.games
        return cls(
            games,
            np.concatenate(parts_game).astype(np.int32),
            np.concatenate([t.kind for t in tables]),
            {k: np.concatenate([t.rows[k] for t in tables]) for k in ROW_FIELDS},
        )


# --- reading a directory --------------------------------------------------------------


def read_events(files: Sequence[Path]) -> pd.DataFrame:
    """Deduplicated events of some files (each game is in both teams' files)."""
    import pandas as pd

    events = pd.concat([pd.read_parquet(f, columns=COLUMNS) for f in files], ignore_index=True)
    return events.drop_duplicates(["game_id", "actionNumber"], ignore_index=True)


def _iso(value: int) -> str:
    return dt.datetime.strptime(str(value), "%Y%m%d").date().isoformat()


def regime_seconds_left(period: int, elapsed: float) -> float:
    """Seconds to the end of regulation, or to the end of the current overtime period."""
    if period <= REGULATION_PERIODS:
        return REGULATION_SECONDS - elapsed
    return period_end(period) - elapsed


def period_at(elapsed: float) -> int:
    """The period under way at ``elapsed``; a boundary belongs to the period starting there."""
    if elapsed < REGULATION_SECONDS:
        return int(elapsed // 720) + 1
    return REGULATION_PERIODS + 1 + int((elapsed - REGULATION_SECONDS) // 300)


def state_row(state: PlayState) -> tuple[float, ...]:
    """The ``ROW_FIELDS`` after ``elapsed``/``period``/``seconds_left`` of one state."""
    sign = state.possession_sign
    return (
        float(state.margin),
        np.nan if sign is None else float(sign),
        float(state.signed_free_throws_pending),
        float(state.fouls_home),
        float(state.fouls_away),
        float(state.in_bonus(HOME)),
        float(state.in_bonus(AWAY)),
        float(state.timeouts_home),
        float(state.timeouts_away),
    )


def game_states(
    game: pd.DataFrame, home: str, away: str
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(rows (n, len(ROW_FIELDS)), kind flags, final margin, periods) of one game."""
    actions = sort_actions(
        action_from_archive(row, home, away) for row in game.to_dict(orient="records")
    )
    states = list(fold(actions))
    elapsed = np.array([a.elapsed for a in actions])
    periods = int(max(a.period for a in actions))
    end = period_end(periods)
    final = states[-1].margin
    samples: dict[float, int] = {}
    for t in range(GRID_SECONDS, int(end), GRID_SECONDS):
        samples[float(t)] = KIND_GRID
    previous = (0, 0)
    for k, state in enumerate(states):
        last_of_instant = k + 1 == len(states) or elapsed[k + 1] != elapsed[k]
        score = (state.score_home, state.score_away)
        if last_of_instant and score != previous:
            previous = score
            if elapsed[k] < end:
                samples[float(elapsed[k])] = samples.get(float(elapsed[k]), 0) | KIND_SCORING
    times = np.array(sorted(samples))
    index = np.searchsorted(elapsed, times, side="right") - 1
    out = np.empty((len(times), len(ROW_FIELDS)), dtype=np.float32)
    for i, (t, k) in enumerate(zip(times.tolist(), index.tolist(), strict=True)):
        state = states[k] if k >= 0 else PlayState()
        period = period_at(t)
        state = at_time(state, period, round(period_end(period) - t, 2))
        out[i, 0] = t
        out[i, 1] = period
        out[i, 2] = regime_seconds_left(period, t)
        out[i, 3:] = state_row(state)
    kinds = [samples[t] for t in times.tolist()]
    awarded = [
        k
        for k, a in enumerate(actions)
        if a.kind == "foul" and a.side is not None and a.shots_awarded and a.elapsed < end
    ]
    if awarded:
        extra = np.empty((len(awarded), len(ROW_FIELDS)), dtype=np.float32)
        for i, k in enumerate(awarded):
            state, when = states[k], float(elapsed[k])
            extra[i, 0] = when
            extra[i, 1] = state.period
            extra[i, 2] = regime_seconds_left(state.period, when)
            extra[i, 3:] = state_row(state)
        out = np.concatenate([out, extra])
        kinds += [KIND_FREE_THROWS] * len(awarded)
    order = np.argsort(out[:, 0], kind="stable")
    out = out[order]
    _backfill_opening_possession(out, actions)
    return out, np.asarray(kinds, dtype=np.int8)[order], final, periods


def _backfill_opening_possession(rows: np.ndarray, actions: Sequence[PlayAction]) -> None:
    """The archive has no jump balls: before the first action of the game or of an
    overtime that proves who has the ball (``proven_possession``), possession is that
    side (the live feed knows it from the jump ball). In place, on rows still unknown."""
    column = ROW_FIELDS.index("possession")
    for period in sorted({a.period for a in actions}):
        if period not in (1,) and period <= REGULATION_PERIODS:
            continue
        first = next(
            (a for a in actions if a.period == period and proven_possession(a) is not None), None
        )
        if first is None:
            continue
        sign = 1.0 if proven_possession(first) == HOME else -1.0
        start = period_start(period)
        mask = (
            (rows[:, 0] >= start)
            & (rows[:, 0] < first.elapsed)
            & (rows[:, 1] == period)
            & np.isnan(rows[:, column])
        )
        rows[mask, column] = sign


def build_table(
    pbp_dir: Path,
    season: int,
    parts: Iterable[str] = ("rs",),
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> StateTable:
    """All games of one season of a directory (regular season and/or playoffs)."""
    files = directory_files(pbp_dir)
    games: list[GameInfo] = []
    row_parts: list[np.ndarray] = []
    kind_parts: list[np.ndarray] = []
    game_parts: list[np.ndarray] = []
    for part in parts:
        paths = files.get((season, part), [])
        if not paths:
            continue
        events = read_events(paths)
        for game_id, game in progress(events.groupby("game_id", sort=True)):
            home, away = infer_home_team(game)
            rows, kinds, final, periods = game_states(game, home, away)
            shots = game["actionType"].eq("freethrow")
            made = int((shots & game["shotResult"].eq("Made")).sum())
            if final == 0:
                logger.warning("game %s ends tied: skipped", game_id)
                continue
            game_parts.append(np.full(len(rows), len(games), dtype=np.int32))
            games.append(
                GameInfo(
                    game_id=f"00{int(game_id)}",
                    season=season,
                    date=_iso(int(game["date"].iloc[0])),
                    home=home,
                    away=away,
                    final_margin=int(final),
                    periods=periods,
                    playoffs=part == "ps",
                    free_throws_made=made,
                    free_throws_attempted=int(shots.sum()),
                )
            )
            row_parts.append(rows)
            kind_parts.append(kinds)
    if not games:
        raise FileNotFoundError(f"no *_{season}_{{rs,ps}}.parquet games in {pbp_dir}")
    matrix = np.concatenate(row_parts)
    return StateTable(
        games,
        np.concatenate(game_parts),
        np.concatenate(kind_parts),
        {name: matrix[:, i].copy() for i, name in enumerate(ROW_FIELDS)},
    )


def directory_digest(pbp_dir: Path, season: int) -> str:
    """Short digest of a season's files (names and sizes) to key the cache."""
    files = directory_files(pbp_dir)
    paths = sorted(p for (s, _), ps in files.items() if s == season for p in ps)
    text = "\n".join(f"{p.name} {p.stat().st_size}" for p in paths)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def load_tables(
    pbp_dir: Path,
    seasons: Sequence[int],
    cache_dir: Path | None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
    parts: Iterable[str] = ("rs", "ps"),
) -> StateTable:
    """The states of ``seasons``, built once and cached under ``cache_dir`` (if given)."""
    tables = []
    files = directory_files(pbp_dir)
    for season in seasons:
        wanted = tuple(p for p in parts if (season, p) in files)
        key = f"states-{season}-{'-'.join(wanted)}-{directory_digest(pbp_dir, season)}.npz"
        path = cache_dir / key if cache_dir else None
        if path is not None and path.is_file():
            tables.append(StateTable.load(path))
            continue
        logger.info("building states of season %s from %s", season, pbp_dir)
        table = build_table(pbp_dir, season, wanted, progress)
        if path is not None:
            table.save(path)
        tables.append(table)
    return StateTable.concat(tables)


# --- pre-game information -----------------------------------------------------------------


@dataclass(frozen=True)
class Pregame:
    """Per-game pre-game arrays (index = game), all known before tip-off."""

    home_games: np.ndarray  # earlier games this season
    away_games: np.ndarray
    home_margin_sum: np.ndarray  # sum of point margins in them
    away_margin_sum: np.ndarray
    home_prior: np.ndarray  # previous season's average margin (0: none on disk)
    away_prior: np.ndarray
    home_rest: np.ndarray  # days since the previous game this season (NaN: first game)
    away_rest: np.ndarray
    has_prior: np.ndarray  # bool: the previous season is on disk

    def net_rating(self, pseudo_games: float) -> np.ndarray:
        """The issue's ``nr``: home minus away average margin this season before the game,
        shrunk toward 0 with ``pseudo_games`` (sum / (games + pseudo_games))."""
        home = self.home_margin_sum / (self.home_games + pseudo_games)
        away = self.away_margin_sum / (self.away_games + pseudo_games)
        return home - away

    def strength(self, pseudo_games: float, carry: float) -> np.ndarray:
        """Home minus away strength: this season's margins plus ``pseudo_games`` games at
        ``carry`` x the previous season's average margin (regression to the mean)."""
        home = (self.home_margin_sum + pseudo_games * carry * self.home_prior) / (
            self.home_games + pseudo_games
        )
        away = (self.away_margin_sum + pseudo_games * carry * self.away_prior) / (
            self.away_games + pseudo_games
        )
        return home - away


def pregame_table(games: Sequence[GameInfo]) -> Pregame:
    """Records before each game's date (same-date games do not count toward each other),
    previous-season averages and rest days. Playoff games count as later games of their
    season, after every regular-season date (so playoff teams carry their regular season).
    """
    n = len(games)
    out = {k: np.zeros(n) for k in ("hg", "ag", "hs", "as", "hp", "ap")}
    rest = {"h": np.full(n, np.nan), "a": np.full(n, np.nan)}
    has_prior = np.zeros(n, dtype=bool)
    totals: defaultdict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    last_date: dict[tuple[int, str], dt.date] = {}
    order = sorted(range(n), key=lambda i: (games[i].season, games[i].date, games[i].game_id))
    seasons = sorted({g.season for g in games})
    by_day: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
    for i in order:
        by_day[(games[i].season, games[i].date)].append(i)
    for (season, day), same in sorted(by_day.items()):
        date = dt.date.fromisoformat(day)
        previous = season - 1 if season - 1 in seasons else None
        for i in same:
            g = games[i]
            for side, team in (("h", g.home), ("a", g.away)):
                played, margin = totals[(season, team)]
                out[f"{side}g"][i] = played
                out[f"{side}s"][i] = margin
                if previous is not None:
                    prev_played, prev_margin = totals[(previous, team)]
                    out[f"{side}p"][i] = prev_margin / prev_played if prev_played else 0.0
                before = last_date.get((season, team))
                if before is not None:
                    rest[side][i] = (date - before).days
            has_prior[i] = previous is not None
        for i in same:
            g = games[i]
            for team, margin in ((g.home, g.final_margin), (g.away, -g.final_margin)):
                total = totals[(season, team)]
                total[0] += 1
                total[1] += margin
                last_date[(season, team)] = date
    return Pregame(
        home_games=out["hg"],
        away_games=out["ag"],
        home_margin_sum=out["hs"],
        away_margin_sum=out["as"],
        home_prior=out["hp"],
        away_prior=out["ap"],
        home_rest=rest["h"],
        away_rest=rest["a"],
        has_prior=has_prior,
    )


def whole_minute_rows(table: StateTable, last_minute: int = 47) -> np.ndarray:
    """Rows at whole regulation minutes 1..``last_minute`` (the per-minute protocol)."""
    elapsed = table.rows["elapsed"]
    minute = elapsed / 60.0
    return (
        ((table.kind & KIND_GRID) > 0)
        & (elapsed % 60 == 0)
        & (minute >= 1)
        & (minute <= last_minute)
        & (table.rows["period"] <= REGULATION_PERIODS)
    )
