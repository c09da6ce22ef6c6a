"""What the staff pages show: the live board, system health, live accuracy, model cards."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from dashboard.accuracy import accuracy_report, live_accuracy
from games.clock import OVERTIME_PERIOD_SECONDS, REGULATION_PERIOD_SECONDS, REGULATION_PERIODS
from games.feed.select import replay_night_date
from games.feed.types import GameStatus
from games.minutes import HALFTIME_MINUTE, PREDICTION_MINUTE
from games.models import Board, Game, MinuteDifferential, Play, PollOutcome, PollRun, Snapshot
from predictions.models import Prediction
from predictions.registry import ARTIFACTS_DIR, served_version
from realtime.payloads import (
    boxscore_of,
    clock_display,
    current_games,
    games_with_history,
    minute_payload,
    play_payload,
    status_label,
)
from realtime.protocol import client_rules

logger = logging.getLogger(__name__)

STATS_WINDOW = 100


def _board(games: list[Game]) -> dict[str, Any]:
    minutes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = MinuteDifferential.objects.filter(game__in=games).order_by("game_id", "minute")
    for row in rows:
        minutes[row.game_id].append(dict(minute_payload(row)))
    return {
        "games": games_with_history(games),
        "minutes": minutes,
    }


def page_constants() -> dict[str, Any]:
    """What the pages' JS takes from the server instead of copying it (json_script
    "livescores-constants"): the game's minutes and periods, and the protocol's sequence
    rule (which messages bump a game's version: docs/schemas x-seq)."""
    return {
        "game": {
            "forecast_minute": PREDICTION_MINUTE,
            "halftime_minute": HALFTIME_MINUTE,
            "regulation_periods": REGULATION_PERIODS,
            "regulation_period_seconds": REGULATION_PERIOD_SECONDS,
            "overtime_period_seconds": OVERTIME_PERIOD_SECONDS,
        },
        "protocol": client_rules(),
    }


def board_data() -> dict[str, Any]:
    """Today's games (as the WebSocket snapshot shows them) and their closed minutes."""
    return _board(list(current_games()))


def current_night() -> dt.date:
    """The night the dashboard follows: the latest polled scoreboard's date (in replay,
    the recorded night's); before the first poll, the replay's night (in replay), else
    the latest night with games, else today."""
    board = Board.current()
    if board is not None:
        return board.date
    if settings.FEED == "replay":
        with contextlib.suppress(OSError, ValueError, KeyError):
            return replay_night_date()
    latest = Game.objects.aggregate(day=Max("game_date"))["day"]
    return latest or timezone.localdate()


def night_games(day: dt.date) -> QuerySet[Game]:
    return Game.objects.filter(game_date=day).select_related("prediction")


def night_data(day: dt.date) -> dict[str, Any]:
    """Every game of one night and its closed minutes, as the dashboard shows them."""
    return _board(list(night_games(day)))


@dataclass(frozen=True)
class Nights:
    """One night and the nearest nights before and after it that have games."""

    day: dt.date
    previous: dt.date | None
    next: dt.date | None
    first: dt.date | None
    last: dt.date | None


def nights_around(day: dt.date) -> Nights:
    bounds = Game.objects.aggregate(first=Min("game_date"), last=Max("game_date"))
    previous = Game.objects.filter(game_date__lt=day).aggregate(d=Max("game_date"))["d"]
    following = Game.objects.filter(game_date__gt=day).aggregate(d=Min("game_date"))["d"]
    return Nights(day, previous, following, bounds["first"], bounds["last"])


def game_data(game: Game) -> dict[str, Any]:
    """One game for its page: state, prediction, every closed minute, and which minutes
    the play-by-play recovered (imputed ones say so in their own payload)."""
    rows = list(game.minutes.all())
    return {
        "games": games_with_history([game]),
        "minutes": {game.game_id: [dict(minute_payload(row)) for row in rows]},
        "recovered": [row.minute for row in rows if row.reconciled],
    }


def game_plays(game: Game) -> dict[str, Any]:
    """Every present play of the game (game order) and its box score with the game flow,
    in the WebSocket API's shapes (the page then follows the play / boxscore messages)."""
    plays = Play.objects.filter(game=game).present()
    return {"plays": [play_payload(p) for p in plays], "boxscore": boxscore_of(game.pk)}


def game_timeline(game: Game) -> list[dict[str, Any]]:
    """Every observed score change, newest first, in the shape the page's JS formats."""
    rows = Snapshot.objects.filter(game=game).order_by("-observed_at", "-id")
    timeline: list[dict[str, Any]] = []
    for snap in rows:
        view = Game(status=snap.status, status_text=snap.status_text)
        timeline.append(
            {
                "observed_at": snap.observed_at.isoformat(),
                "status": status_label(view),
                "status_text": snap.status_text,
                "period": snap.period,
                "clock": clock_display(snap.clock_seconds),
                "clock_seconds": snap.clock_seconds,
                "elapsed_seconds": snap.elapsed_seconds,
                "differential": snap.home_score - snap.away_score,
                "home": {"tricode": game.home_tricode, "score": snap.home_score},
                "away": {"tricode": game.away_tricode, "score": snap.away_score},
            }
        )
    return timeline


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def poll_status(window: int = STATS_WINDOW) -> dict[str, Any]:
    """The last poll, fetch/processing/total time over the last ``window`` runs, errors."""
    stats = PollRun.recent_stats(window)
    runs = list(PollRun.objects.order_by("-started_at", "-id")[:window])
    totals = [run.total_ms for run in runs if run.fetch_ms is not None]
    last = runs[0] if runs else None
    errors = [run for run in runs if run.outcome != PollOutcome.OK]
    return {
        "window": window,
        "runs": stats["runs"],
        "errors": stats["errors"],
        "fetch_ms": _span(stats, "fetch"),
        "processing_ms": _span(stats, "processing"),
        "total_ms": {
            "avg": statistics.fmean(totals) if totals else None,
            "min": min(totals, default=None),
            "max": max(totals, default=None),
        },
        "last": (
            {
                "started_at": _iso(last.started_at),
                "outcome": last.outcome,
                "games": last.games,
                "total_ms": last.total_ms,
                "error": last.error,
            }
            if last
            else None
        ),
        "last_ok": _iso(stats["last_ok"]),
        "recent_errors": [
            {"started_at": _iso(run.started_at), "outcome": run.outcome, "error": run.error}
            for run in errors[:5]
        ],
    }


def _span(stats: dict[str, Any], name: str) -> dict[str, float | None]:
    return {key: stats[f"{name}_{key}"] for key in ("avg", "min", "max")}


def model_status() -> dict[str, Any]:
    """The version this checkout serves (predictions/artifacts/LATEST) and the last one used."""
    last = Prediction.objects.order_by("-created_at").first()
    return {
        "served_version": served_version("ensemble"),
        "last_forecast": (
            {"name": last.model_name, "version": last.model_version, "at": _iso(last.created_at)}
            if last
            else None
        ),
    }


def system_status() -> dict[str, Any]:
    """Everything the system panel shows, as JSON-ready data."""
    return {
        "generated_at": timezone.now().isoformat(),
        "feed": settings.FEED,
        "poll_interval_seconds": settings.POLL_INTERVAL_SECONDS,
        "polls": poll_status(),
        "model": model_status(),
        "accuracy": live_accuracy(current_night()),
        "night": nights_payload(nights_around(current_night())),
    }


def night_summary(day: dt.date) -> str:
    """One line on a night: its games, how many finished, how the halftime forecasts did."""
    games = Game.objects.filter(game_date=day)
    total = games.count()
    if not total:
        return ""
    final = games.filter(status=GameStatus.FINAL).count()
    stale = games.filter(status=GameStatus.STALE).count()
    parts = [f"{total} game{'s' if total != 1 else ''}, {final} final"]
    if stale:
        parts[0] += f", {stale} stale (left unfinished)"
    report = accuracy_report(day, day)
    if report.halftime_n and report.coverage90 is not None:
        inside = round(report.halftime_n * report.coverage90 / 100)
        line = (
            f"{report.halftime_n} halftime forecast{'s' if report.halftime_n != 1 else ''}: "
            f"{inside} inside the 90 % range, {report.halftime_n - inside} outside; "
            f"off by {report.halftime_mae:.1f} points on average"
        )
        if report.halftime_persistence_mae is not None:
            line += f" (the minute-18 lead carried forward: {report.halftime_persistence_mae:.1f})"
        parts.append(line)
    elif report.games:
        parts.append(f"{report.games} forecasts, no halftime known yet")
    else:
        parts.append("no forecasts")
    return " · ".join(parts)


def nights_payload(nights: Nights) -> dict[str, str | None]:
    """The night the dashboard follows and its neighbours, for the header (ISO dates)."""

    def iso(day: dt.date | None) -> str | None:
        return day.isoformat() if day else None

    return {
        "day": iso(nights.day),
        "previous": iso(nights.previous),
        "next": iso(nights.next),
        "first": iso(nights.first),
        "last": iso(nights.last),
    }


# --- Model cards ------------------------------------------------------------------


# Each model's card file, its pointer (predictions.registry.POINTERS) and what it does.
CARD_KINDS: list[tuple[str, str, str]] = [
    ("ensemble", "model.json", "halftime and final margin forecast at minute 18"),
    ("minute", "minute_model.json", "win probability and final margin after every minute"),
    ("state", "state_model.json", "win probability from the live game state"),
]
# The baselines the ensemble's card names by code (pipelines/evaluation.py).
BASELINES = {
    "B0": "persistence: the minute-18 lead carried forward",
    "B1": "persistence plus the training seasons' mean drift",
    "B2": "a linear regression on the minute-18 lead",
}


@dataclass
class ModelCard:
    version: str
    path: Path
    served: bool
    modified: dt.datetime  # the file's mtime: kept for ordering only, never shown
    card: dict[str, Any] | None = None
    error: str = ""
    kind: str = "ensemble"
    role: str = ""

    @property
    def raw(self) -> str:
        return json.dumps(self.card, indent=1, sort_keys=False) if self.card else ""

    @property
    def trained_at(self) -> dt.datetime | None:
        """When training wrote the artifact (``trained_at`` in the card), else None."""
        text = (self.card or {}).get("trained_at")
        try:
            return dt.datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            return None

    @property
    def trained_backfilled(self) -> str:
        """Why the date is not the training run's own, for a backfilled card (else "")."""
        return str((self.card or {}).get("trained_at_backfilled") or "")

    def section(self, name: str) -> list[tuple[str, Any]]:
        """A card section flattened to (dotted key, scalar) rows; lists are left out."""
        value = (self.card or {}).get(name)
        return _flatten(value) if isinstance(value, dict) else []

    @property
    def data(self) -> list[tuple[str, Any]]:
        return self.section("data")

    @property
    def validation_metrics(self) -> list[tuple[str, Any]]:
        return self.section("validation_metrics")

    @property
    def test_metrics(self) -> list[tuple[str, Any]]:
        return self.section("test_metrics")

    @property
    def tables(self) -> list[tuple[str, list[tuple[str, Any]]]]:
        return [
            ("Data", self.data),
            ("Validation metrics", self.validation_metrics),
            ("Test metrics", self.test_metrics),
        ]

    @property
    def seasons(self) -> str:
        data = (self.card or {}).get("data") or {}
        train = ", ".join(_season(y) for y in data.get("train_seasons", []))
        chosen = ", ".join(_season(y) for y in data.get("validation_seasons", []))
        if not train:
            return "-"
        return f"fitted on {train}" + (f"; choices made on {chosen}" if chosen else "")

    @property
    def verdict(self) -> list[str]:
        """The card's important facts in plain words (what a staff user needs)."""
        card = self.card or {}
        if self.kind == "ensemble":
            test = card.get("test_metrics") or {}
            lines = [
                _gain_sentence(test, "halftime", "the halftime margin"),
                _gain_sentence(test, "final", "the final margin"),
            ]
            return [line for line in lines if line]
        if self.kind == "minute":
            brier = card.get("validation_mean_brier_1_47") or {}
            if "model" in brier and "stern" in brier:
                return [
                    f"On the {_validation(card)} games it was chosen on, its win probability "
                    f"scores a Brier of {brier['model']:.3f} over minutes 1-47 (lower is "
                    f"better), against {brier['stern']:.3f} for a random walk on the lead "
                    "and "
                    f"{brier.get('strength_logistic', float('nan')):.3f} for a logistic on "
                    "the lead and team strength. It has not been scored on a held-out season "
                    "in this card."
                ]
        return []


def _season(year: Any) -> str:
    """2025 -> "2024-25" (a season is named by the year it ends)."""
    try:
        end = int(year)
    except (TypeError, ValueError):
        return str(year)
    return f"{end - 1}-{str(end)[-2:]}"


def _validation(card: dict[str, Any]) -> str:
    seasons = (card.get("data") or {}).get("validation_seasons") or []
    return ", ".join(_season(y) for y in seasons) or "validation"


def _gain_sentence(test: dict[str, Any], key: str, what: str) -> str:
    part = test.get(key) or {}
    mae = part.get("mae") or {}
    ci = part.get("bootstrap_mae_ensemble_minus_B0") or {}
    if not {"ensemble", "B0"} <= set(mae) or not ci:
        return ""
    season = ", ".join(_season(y) for y in test.get("season", [])) or "the test season"
    gain = mae["B0"] - mae["ensemble"]
    low, high = -ci["ci95_high"], -ci["ci95_low"]  # the gain's 95 % interval
    significant = low > 0 or high < 0
    return (
        f"{what.capitalize()}: on the {season} test season ({test.get('games', '?')} games, "
        f"never used for fitting) the forecast misses by {mae['ensemble']:.2f} points on "
        f"average; carrying the minute-18 lead forward misses by {mae['B0']:.2f}. "
        + (
            f"The {gain:.2f}-point gain is significant (95 % interval {low:.2f} to {high:.2f})."
            if significant
            else f"The {gain:.2f}-point gain is not significant: its 95 % interval, "
            f"{low:.2f} to {high:.2f}, includes zero."
        )
    )


def _flatten(value: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            rows.extend(_flatten(item, name + " · "))
        elif isinstance(item, list):
            if all(not isinstance(x, dict | list) for x in item) and len(item) <= 8:
                rows.append((name, ", ".join(str(x) for x in item)))
        else:
            rows.append((name, _display(item)))
    return rows


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)


def model_cards(root: Path = ARTIFACTS_DIR) -> list[ModelCard]:
    """Every model's cards under the artifacts directory (``<version>/model.json``, the
    per-minute ``minute_model.json``, the state model's ``state_model.json``): served
    ones first, in ``CARD_KINDS`` order, then the rest, newest training first."""
    cards: list[ModelCard] = []
    if not root.is_dir():
        return cards
    for kind, name, role in CARD_KINDS:
        served = served_version(kind, root)  # type: ignore[arg-type]
        for path in sorted(root.glob(f"*/{name}")):
            version = path.parent.name
            card = ModelCard(
                version=version,
                path=path,
                served=version == served,
                modified=dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC),
                kind=kind,
                role=role,
            )
            try:
                loaded = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                logger.warning("model card %s is unreadable: %s", path, exc)
                card.error = f"unreadable: {exc}"
            else:
                if isinstance(loaded, dict):
                    card.card = loaded
                else:
                    card.error = "not a JSON object"
            cards.append(card)
    order = {kind: i for i, (kind, _, _) in enumerate(CARD_KINDS)}

    def newest(card: ModelCard) -> float:
        trained = card.trained_at
        return -(trained.timestamp() if trained else card.modified.timestamp())

    cards.sort(key=lambda c: (not c.served, order[c.kind], newest(c)))
    return cards
    for path in sorted(root.glob("*/model.json")):
        version = path.parent.name
        card = ModelCard(
            version=version,
            path=path,
            served=version == served,
            modified=dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC),
        )
        try:
            loaded = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            logger.warning("model card %s is unreadable: %s", path, exc)
            card.error = f"unreadable: {exc}"
        else:
            if isinstance(loaded, dict):
                card.card = loaded
            else:
                card.error = "not a JSON object"
        cards.append(card)
    cards.sort(key=lambda c: (not c.served, -c.modified.timestamp()))
    return cards
