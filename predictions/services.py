"""The serving workflows of ``predictions``: the minute-18 halftime forecast (once per
game), the live forecast at every state of a game (the state model: home win probability
and final margin), and the outcomes recorded on predictions.

Each runs in a task queued after the poll that triggered it has committed, so it never
slows a poll. Each change is a new version of its game (``Game.next_seq``) and is
announced after its own commit (``predictions.signals``); ``realtime`` turns the
announcements into client messages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time

from django.db import IntegrityError, transaction
from django.db.models import Q

from forecasting.forecast_types import GameContext
from forecasting.state_model import GameState, StateForecast
from games.clock import REGULATION_PERIODS, period_end
from games.feed.types import GameStatus
from games.minutes import HALFTIME_MINUTE, PREDICTION_MINUTE
from games.models import Game, MinuteDifferential
from games.plays import PlaysAt, plays_at
from games.playstate import AWAY, HOME
from games.recovery import reconcile_minutes
from games.season import season_start
from games.signals import announce_on_commit
from predictions import signals
from predictions.models import LiveForecast, Prediction
from predictions.registry import load_forecaster, load_state_model

logger = logging.getLogger(__name__)


# --- the minute-18 halftime forecast -------------------------------------------------


class PatternIncomplete(Exception):
    """Minute 18 is not closed yet (or rows are missing)."""


def _closed_value(game_id: str, minute: int) -> int | None:
    """A minute's differential if it has closed (a slow worker may predict late)."""
    return (
        MinuteDifferential.objects.filter(game_id=game_id, minute=minute)
        .values_list("differential", flat=True)
        .first()
    )


def _pattern_rows(game_id: str) -> list[tuple[int, int, bool]]:
    return list(
        MinuteDifferential.objects.filter(game_id=game_id, minute__lte=PREDICTION_MINUTE)
        .order_by("minute")
        .values_list("minute", "differential", "imputed")
    )


def make_prediction(game_id: str) -> Prediction:
    """Forecast from the game's 18 closed minutes; returns the existing row if any.

    The latency covers reading the pattern, the forecast and writing the row.
    """
    start = time.perf_counter()
    existing = Prediction.objects.filter(game_id=game_id).first()
    if existing is not None:
        return existing
    game = Game.objects.get(pk=game_id)
    rows = _pattern_rows(game_id)
    if [minute for minute, _, _ in rows] != list(range(1, PREDICTION_MINUTE + 1)):
        raise PatternIncomplete(f"{game_id}: {len(rows)} of {PREDICTION_MINUTE} minutes closed")
    if any(imputed for _, _, imputed in rows) and reconcile_minutes(game_id):
        rows = _pattern_rows(game_id)  # minutes the poller missed, now from the play-by-play
    pattern = [differential for _, differential, _ in rows]
    context = GameContext(game.home_wins, game.home_losses, game.away_wins, game.away_losses)
    forecast = load_forecaster().forecast(pattern, context)
    prediction = Prediction(
        game=game,
        input_pattern=pattern,
        input_imputed_minutes=[minute for minute, _, imputed in rows if imputed],
        **dataclasses.asdict(forecast),  # every Forecast field is a Prediction column
        latency_ms=0.0,
        actual_halftime=_closed_value(game_id, HALFTIME_MINUTE),
        actual_final=game.differential if game.status == GameStatus.FINAL else None,
    )
    try:
        with transaction.atomic():
            prediction.latency_ms = (time.perf_counter() - start) * 1000
            seq = Game.next_seq(game_id)  # game row first, as polls lock it: no deadlock
            prediction.save(force_insert=True)
            announce_on_commit(signals.prediction_changed, prediction=prediction, seq=seq)
    except IntegrityError:  # another worker won the race: exactly one row stands
        logger.info("%s: prediction already made by another worker", game_id)
        return Prediction.objects.get(game_id=game_id)
    logger.info(
        "%s: halftime %+.1f [%d, %d] by %s in %.1f ms",
        game_id,
        prediction.halftime_point,
        prediction.halftime_lo90,
        prediction.halftime_hi90,
        prediction.model_name,
        prediction.latency_ms,
    )
    return prediction


# --- the live forecast at every moment ---------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Moment:
    """A game's state as a poll committed it: what the live forecast is made from."""

    game_id: str
    game_date: dt.date
    home_team_id: int
    away_team_id: int
    period: int
    clock_seconds: float | None  # on the period clock; None: not given by the feed
    elapsed_seconds: float
    home_score: int
    away_score: int
    final: bool

    @classmethod
    def of(cls, game: Game) -> Moment:
        return cls(
            game_id=game.game_id,
            game_date=game.game_date,
            home_team_id=game.home_team_id,
            away_team_id=game.away_team_id,
            period=game.period,
            clock_seconds=game.clock_seconds,
            elapsed_seconds=float(game.elapsed_seconds),
            home_score=game.home_score,
            away_score=game.away_score,
            final=game.status == GameStatus.FINAL,
        )

    def as_task_argument(self) -> dict[str, object]:
        data = dataclasses.asdict(self)
        data["game_date"] = self.game_date.isoformat()
        return data

    @classmethod
    def from_task_argument(cls, data: dict[str, object]) -> Moment:
        fields = dict(data)
        fields["game_date"] = dt.date.fromisoformat(str(fields["game_date"]))
        return cls(**fields)  # type: ignore[arg-type]

    @property
    def seconds_left(self) -> float:
        """On the period clock: the feed's, else what the elapsed game time leaves."""
        if self.final:
            return 0.0
        if self.clock_seconds is not None:
            return float(self.clock_seconds)
        return max(0.0, period_end(self.period) - self.elapsed_seconds)


def forecasts_moment(game: Game) -> bool:
    """Whether the live forecast follows this state: the game is under way (halftime
    included) or over."""
    return game.period >= 1 and game.status in (GameStatus.LIVE, GameStatus.FINAL)


@dataclasses.dataclass(frozen=True, slots=True)
class Pregame:
    """What the state model knows of a game before tip-off (pipelines/state_dataset.py
    computes the same from the archive for training)."""

    strength: float  # home minus away, points per game
    home_rest_days: float | None
    away_rest_days: float | None


@functools.lru_cache(maxsize=512)
def pregame(day: dt.date, home: int, away: int) -> Pregame:
    """From the finished games before ``day`` (cached per process: they are over): each
    team's margins this season, its previous season's average margin (None when that
    season is not in the database: a neutral prior, as in training's first season), and
    the days since its previous game this season."""
    model = load_state_model()
    start = season_start(day)
    previous_start = season_start(start - dt.timedelta(days=1))
    teams = (home, away)
    rows = Game.objects.filter(
        Q(home_team_id__in=teams) | Q(away_team_id__in=teams),
        status=GameStatus.FINAL,
        game_date__gte=previous_start,
        game_date__lt=day,
    ).values_list("game_date", "home_team_id", "away_team_id", "home_score", "away_score")
    this: dict[int, list[int]] = {team: [] for team in teams}
    before: dict[int, list[int]] = {team: [] for team in teams}
    last: dict[int, dt.date] = {}
    for played, home_id, away_id, home_score, away_score in rows:
        for team, margin in (
            (home_id, home_score - away_score),
            (away_id, away_score - home_score),
        ):
            if team not in this:
                continue
            if played >= start:
                this[team].append(margin)
                last[team] = max(last.get(team, played), played)
            else:
                before[team].append(margin)

    def strength(team: int) -> float:
        earlier = before[team]
        previous = sum(earlier) / len(earlier) if earlier else None
        return model.team_strength(float(sum(this[team])), len(this[team]), previous)

    def rest(team: int) -> float | None:
        return float((day - last[team]).days) if team in last else None

    return Pregame(strength(home) - strength(away), rest(home), rest(away))


def game_state(moment: Moment) -> GameState:
    """The state model's input at a scoreboard moment: period, clock, margin, pre-game
    strength and rest, and what the stored plays say at that moment (possession, free
    throws pending, team fouls, bonus, timeouts left; ``games.plays.plays_at``) when they
    have caught up with it. Otherwise those stay unknown (None), which the model was
    trained to take (the archive lacks them at some moments too)."""
    known = pregame(moment.game_date, moment.home_team_id, moment.away_team_id)
    state = GameState(
        period=max(moment.period, 1),
        seconds_left=moment.seconds_left,
        margin=moment.home_score - moment.away_score,
        strength=known.strength,
        home_rest_days=known.home_rest_days,
        away_rest_days=known.away_rest_days,
    )
    if moment.final:
        return state
    try:
        plays = plays_at(
            moment.game_id,
            moment.home_team_id,
            moment.away_team_id,
            state.period,
            state.seconds_left,
            (moment.home_score, moment.away_score),
        )
    except ValueError:  # a clock outside its period: the scoreboard alone
        return state
    return state if plays is None else with_plays(state, plays)


def with_plays(state: GameState, plays: PlaysAt) -> GameState:
    """``state`` with the game state the plays give, encoded as for training (``PlayState``'s
    ``possession_sign`` and ``signed_free_throws_pending``, as pipelines.state_dataset's
    ``state_row`` reads them)."""
    facts = plays.state
    return dataclasses.replace(
        state,
        possession=facts.possession_sign,
        free_throws_pending=facts.signed_free_throws_pending if plays.free_throws_known else None,
        fouls_home=facts.fouls_home,
        fouls_away=facts.fouls_away,
        bonus_home=facts.in_bonus(HOME),
        bonus_away=facts.in_bonus(AWAY),
        timeouts_home=facts.timeouts_home,
        timeouts_away=facts.timeouts_away,
    )


def decided(moment: Moment) -> StateForecast:
    """A decided game's forecast is its result (the final, or no time left in the fourth
    quarter or an overtime with a lead): the curve ends at 100 % or 0 % and the final
    margin is the margin; the model, which never forecasts certainty, is not asked."""
    margin = float(moment.home_score - moment.away_score)
    return StateForecast(
        home_win_prob=1.0 if margin > 0 else 0.0,
        final_margin=margin,
        interval90=(margin, margin),
        interval95=(margin, margin),
        regime="decided",
    )


def make_live_forecast(moment: Moment) -> LiveForecast | None:
    """Store and announce the forecast at ``moment``; None if that state (game time and
    score) was forecast before.

    Idempotent: one row per (game, state, model version) under a unique constraint; a
    repeat (a retried or duplicated task, a poll that saw the same state) computes the same
    forecast, finds the row there, and changes and announces nothing."""
    model = load_state_model()
    state = game_state(moment)
    over = moment.final or (
        state.period >= REGULATION_PERIODS and state.seconds_left <= 0 and state.margin != 0
    )
    forecast = decided(moment) if over else model.forecast(state)
    row = LiveForecast(
        game_id=moment.game_id,
        elapsed_seconds=moment.elapsed_seconds,
        period=moment.period,
        home_score=moment.home_score,
        away_score=moment.away_score,
        model_version=model.version,
        home_win_prob=forecast.home_win_prob,
        final_margin=forecast.final_margin,
        lo90=forecast.interval90[0],
        hi90=forecast.interval90[1],
        lo95=forecast.interval95[0],
        hi95=forecast.interval95[1],
    )
    try:
        with transaction.atomic():
            seq = Game.next_seq(moment.game_id)  # the game row first, as polls lock it
            row.save(force_insert=True)
            announce_on_commit(signals.live_forecast_made, forecast=row, seq=seq)
    except IntegrityError:  # stored before (a repeat): the seq bump is rolled back with it
        return None
    return row


def make_live_forecasts(moments: list[Moment]) -> int:
    """The forecasts of one poll's moments, in game order, in one transaction (one commit
    for the slate rather than one per game: the commit is most of a forecast's cost); how
    many were new. Each moment is its own savepoint, so a repeat skips only itself; the
    games' rows are locked in primary-key order, as a poll locks them."""
    with transaction.atomic():
        return sum(
            make_live_forecast(moment) is not None
            for moment in sorted(moments, key=lambda m: (m.game_id, m.elapsed_seconds))
        )


# --- outcomes -----------------------------------------------------------------------


def record_outcomes(outcomes: dict[str, tuple[int | None, int | None]]) -> int:
    """Store actual halftime/final differentials on the games' predictions.

    ``outcomes`` maps game id to (halftime, final), either possibly None (not yet
    known). Each prediction that changes is a new version of its game: its ``seq`` is
    bumped and the change announced after commit. Idempotent: an outcome already
    stored changes and announces nothing. Returns how many predictions changed.
    """
    changed = 0
    for game_id in sorted(outcomes):
        halftime, final = outcomes[game_id]
        with transaction.atomic():
            prediction = Prediction.objects.filter(game_id=game_id).first()
            if prediction is None:
                continue  # no forecast for the game (yet): make_prediction reads them itself
            if halftime is not None:  # the stored minute now: a late or retried task, or a
                # minute the plays corrected since, must not write an older value back
                stored = (
                    MinuteDifferential.objects.filter(game_id=game_id, minute=HALFTIME_MINUTE)
                    .values_list("differential", flat=True)
                    .first()
                )
                halftime = halftime if stored is None else stored
            fields = []
            if halftime is not None and prediction.actual_halftime != halftime:
                prediction.actual_halftime = halftime
                fields.append("actual_halftime")
            if final is not None and prediction.actual_final != final:
                prediction.actual_final = final
                fields.append("actual_final")
            if not fields:
                continue
            seq = Game.next_seq(game_id)  # the game row first, as polls lock it: no deadlock
            prediction.save(update_fields=fields)
            announce_on_commit(signals.prediction_changed, prediction=prediction, seq=seq)
            changed += 1
    return changed
