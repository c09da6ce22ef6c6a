"""``evaluate_model``: score the shipped models on any play-by-play parquet directory.

The directory has the layout and columns of ``gabriel1200/playbyplay``'s exports
(``{TEAM}_{YYYY}_rs.parquet``, playoffs ``{TEAM}_{YYYY}_ps.parquet``; ``pipelines.directory``
checks it is whole); games are rebuilt with
``pipelines.history`` (the same deduplication, running-maximum scores and home-team rule as
the training table). Pre-game records and strengths come from the directory's own games
before each date. Baselines are the training-season fits: B1/B2 of the halftime/final
sections from the minute table's training seasons, the per-minute baselines from the
minute model's card. No torch: both models are served in numpy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forecasting.features import HistoryArrays
from forecasting.history_table import TRAIN_SEASONS, HistoryRow, read_history
from forecasting.minute_model import MinuteModel
from pipelines.directory import PARTS
from pipelines.evaluation import evaluate_arrays
from pipelines.history import HistoricalGame, load_season_games, minute_row
from pipelines.minute_data import GameRecord, MinuteRows
from pipelines.minute_evaluation import per_minute_report, predict_rows
from pipelines.minute_training import Baselines

Wrap = Callable[..., Iterable[Any]]  # tqdm-like: wrap(iterable, desc=..., total=...)


def _plain(iterable: Iterable[Any], **_: Any) -> Iterable[Any]:
    return iterable


def history_row(game: HistoricalGame) -> HistoryRow:
    row = minute_row(game)
    minutes = tuple(int(row[f"m{m}"]) for m in range(1, len(game.minutes()) + 1))
    return HistoryRow(
        game_id=game.game_id,
        date=game.date.isoformat(),
        season=game.season,
        home=game.home.tricode,
        away=game.away.tricode,
        minutes=minutes,
        halftime_diff=int(row["halftime_diff"]),
        final_diff=int(row["final_diff"]),
        home_wins=game.home.wins,
        home_losses=game.home.losses,
        away_wins=game.away.wins,
        away_losses=game.away.losses,
    )


def read_directory(pbp_dir: Path, seasons: list[int], wrap: Wrap = _plain) -> list[HistoryRow]:
    """Every game of ``seasons``, regular season and playoffs."""
    rows: list[HistoryRow] = []
    for season in seasons:
        games: Iterator[HistoricalGame] = load_season_games(pbp_dir, [season], PARTS)
        rows += [history_row(g) for g in wrap(games, desc=f"games {season}", unit="game")]
    return rows


@dataclass(frozen=True)
class Evaluation:
    report: dict[str, Any]
    ensemble_card: dict[str, Any]
    minute_card: dict[str, Any]


def evaluate_directory(
    pbp_dir: Path,
    seasons: list[int],
    history: Path,
    ensemble_dir: Path,
    minute_model: MinuteModel,
    wrap: Wrap = _plain,
) -> Evaluation:
    import json

    from forecasting.ensemble import EnsembleForecaster

    started = time.perf_counter()
    rows = read_directory(pbp_dir, seasons, wrap)
    if not rows:
        raise ValueError(f"no games for seasons {seasons} in {pbp_dir}")
    train = HistoryArrays.from_rows(read_history(history, TRAIN_SEASONS))
    test = HistoryArrays.from_rows(rows)
    forecaster = EnsembleForecaster.load(ensemble_dir)
    report = evaluate_arrays(forecaster, train, test, seasons)

    records = [
        GameRecord(r.game_id, r.date, r.season, r.home, r.away, r.minutes, r.final_diff)
        for r in rows
    ]
    minute_rows = MinuteRows.build(records)
    card = minute_model.card or {}
    baselines = Baselines.from_dict(card["baselines"])

    def minutes_bar(minutes: range) -> Iterable[int]:
        return wrap(minutes, desc="per-minute Dejavu", unit="minute")

    out = predict_rows(minute_model, baselines, minute_rows, minutes_bar)
    report["per_minute"] = per_minute_report(out, minute_rows)
    report["per_minute"]["model_version"] = minute_model.version
    report["source"] = {
        "pbp_dir": str(pbp_dir),
        "seasons": seasons,
        "ensemble_version": forecaster.version,
        "minute_model_version": minute_model.version,
        "command": "python manage.py evaluate_model --pbp DIR --out FILE"
        + "".join(f" --season {s}" for s in seasons),
    }
    report["runtime_seconds"] = round(time.perf_counter() - started, 1)
    ensemble_card = json.loads((ensemble_dir / EnsembleForecaster.CARD_FILE).read_text())
    return Evaluation(report, ensemble_card, card)
