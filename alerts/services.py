"""Evaluate the rules over what is stored and keep each alert once.

``evaluate_game`` reads a game's observed states, its win probabilities and its
minute-18 prediction, asks ``alerts.rules`` what it sees, and stores each new
occurrence with ``raise_alert``. Runs in a task queued after the commit of the poll
or forecast that changed the game (``alerts.receivers``), never inside a poll.

Stored once: ``raise_alert`` takes the board-level alert sequence first (a row lock,
held until commit, so every creation is serialised and ``seq`` is commit order), then
looks for the (game, rule, key) row and inserts it; the unique constraint is the
backstop. A retried task, a second worker or a replayed poll finds the row and
changes nothing. A new alert is announced (``alert_raised``) after its commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
from collections.abc import Callable, Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min
from django.db.models.functions import Abs
from django.utils import timezone

from alerts import rules, signals
from alerts.models import Alert, AlertSequence, AlertSettings, Rule
from games.feed.types import GameStatus
from games.minutes import HALFTIME_MINUTE
from games.models import Game, MinuteDifferential, Play, PollOutcome, PollRun, Snapshot
from games.play_services import budget_spent_since
from games.signals import announce_on_commit
from predictions.models import LiveForecast, Prediction
from predictions.services import pregame

logger = logging.getLogger(__name__)

NEXT_ALERT_SEQ_SQL = (
    "UPDATE alerts_alertsequence SET value = value + 1 WHERE key = 1 RETURNING value"
)
PLAYED = (GameStatus.LIVE, GameStatus.FINAL)


class AlreadyStored(Exception):
    """The occurrence is stored (or a cool-down forbids it): nothing to raise."""


def next_alert_seq() -> int:
    """The board's next alert sequence number; call inside the storing transaction."""
    AlertSequence.objects.get_or_create(pk=1)
    with connection.cursor() as cursor:
        cursor.execute(NEXT_ALERT_SEQ_SQL)
        return int(cursor.fetchone()[0])


def raise_alert(
    game: Game | None,
    candidate: rules.Candidate,
    conflicts: Callable[[], bool] | None = None,
) -> Alert | None:
    """Store ``candidate`` unless its (game, rule, key) is stored; None if it was (or
    ``conflicts``, checked under the sequence lock, says another alert forbids it)."""
    moment = candidate.moment
    try:
        with transaction.atomic():
            seq = next_alert_seq()  # serialises every creation until commit
            stored = Alert.objects.filter(game=game, rule=candidate.rule, key=candidate.key)
            if stored.exists() or (conflicts is not None and conflicts()):
                raise AlreadyStored
            alert = Alert.objects.create(
                game=game,
                rule=candidate.rule,
                key=candidate.key,
                seq=seq,
                period=moment.period if moment else None,
                clock_seconds=moment.clock if moment else None,
                elapsed_seconds=moment.elapsed if moment else None,
                home_score=moment.home if moment else None,
                away_score=moment.away if moment else None,
                text=candidate.text[:200],
                details=candidate.details,
                active=candidate.active,
            )
            announce_on_commit(signals.alert_raised, alert=alert)
    except (AlreadyStored, IntegrityError):
        return None
    logger.info("alert #%d raised: %s %s %s", alert.seq, alert.rule, alert.game_id, alert.key)
    return alert


def favourite_of(game: Game) -> str:
    """``home``, ``away`` or "" (no favourite): the better pre-game record, as the feed
    gives it and the minute-18 forecast reads it (``GameContext``); on equal records the
    better pre-game strength the live forecast uses (``predictions.services.pregame``:
    the season's stored margins, shrunk toward last season's); still equal: none."""

    def pct(wins: int, losses: int) -> float:
        return wins / (wins + losses) if wins + losses else 0.5

    home_pct = pct(game.home_wins, game.home_losses)
    away_pct = pct(game.away_wins, game.away_losses)
    if home_pct != away_pct:
        return "home" if home_pct > away_pct else "away"
    strength = pregame(game.game_date, game.home_team_id, game.away_team_id).strength
    if strength != 0:
        return "home" if strength > 0 else "away"
    return ""


def game_candidates(
    game: Game, limits: AlertSettings, swings_stored: list[int]
) -> list[rules.Candidate]:
    """What every rule sees in the game's stored data now."""
    teams = rules.Teams(game.home_tricode, game.away_tricode)
    live = game.status == GameStatus.LIVE
    now = rules.Moment(
        game.period, game.clock_seconds, game.elapsed_seconds, game.home_score, game.away_score
    )
    now_score = (game.home_score, game.away_score)
    found: list[rules.Candidate] = []
    if limits.evaluates(Rule.CLUTCH):
        first_per_period = (
            Snapshot.objects.filter(
                game=game,
                status=GameStatus.LIVE,
                period__gte=rules.REGULATION_PERIODS,
                clock_seconds__lte=limits.clutch_seconds_left,
            )
            .annotate(margin=Abs(F("home_score") - F("away_score")))
            .filter(margin__lte=limits.clutch_margin)
            .order_by("period", "elapsed_seconds")
            .distinct("period")
            .values_list("period", "clock_seconds", "elapsed_seconds", "home_score", "away_score")
        )
        moments = [rules.Moment(*row) for row in first_per_period]
        found += rules.clutch(teams, moments, now, live, limits)
    if limits.evaluates(Rule.RUN):
        found += rules.runs(teams, score_states(game), live, limits)
    if limits.evaluates(Rule.BIG_SWING) or limits.evaluates(Rule.UPSET):
        readings = readings_by_minute(
            LiveForecast.objects.filter(game=game)
            .exclude(home_win_prob__in=(0.0, 1.0))  # decided: the result, not a swing
            .order_by("elapsed_seconds", "home_score", "away_score", "id")
            .values_list("elapsed_seconds", "home_win_prob", "home_score", "away_score")
        )
        if readings and limits.evaluates(Rule.BIG_SWING):
            found += rules.big_swings(teams, readings, swings_stored, limits)
        favourite = favourite_of(game) if limits.evaluates(Rule.UPSET) else ""
        if readings and favourite:
            found += rules.upset(teams, favourite, readings, live, limits)
    if limits.evaluates(Rule.FORECAST_MISS):
        prediction = Prediction.objects.filter(game=game).first()
        if prediction is not None:
            final_moment = (
                rules.Moment(game.period, 0.0, game.elapsed_seconds, *now_score)
                if game.status == GameStatus.FINAL
                else None
            )
            halftime_score = (
                MinuteDifferential.objects.filter(game=game, minute=HALFTIME_MINUTE)
                .values_list("home_score", "away_score")
                .first()
            )
            halftime_moment = (
                rules.Moment.at_elapsed(60.0 * HALFTIME_MINUTE, *halftime_score)
                if halftime_score is not None
                else None
            )
            found += rules.forecast_misses(
                teams,
                rules.Interval(
                    prediction.halftime_point,
                    prediction.halftime_lo90,
                    prediction.halftime_hi90,
                    prediction.actual_halftime,
                ),
                rules.Interval(
                    prediction.final_point,
                    prediction.final_lo90,
                    prediction.final_hi90,
                    prediction.actual_final,
                ),
                halftime_moment,
                final_moment,
            )
    return found


def score_states(game: Game) -> list[rules.Moment]:
    """The game's distinct score states in game order, each at its first moment: from the
    stored plays (every basket, running maximum) where there are plays, then from the
    polls' snapshots after the last play (the plays are fetched after each poll, so the
    scoreboard can be a basket ahead); from the snapshots alone for a game without plays."""
    played = (
        Play.objects.filter(game=game)
        .present()
        .exclude(clock_seconds=None)
        .values_list("elapsed_seconds", "score_home", "score_away")
    )
    states: list[rules.Moment] = []
    home = away = 0
    for elapsed, play_home, play_away in played:
        new = (max(home, play_home), max(away, play_away))
        if new != (home, away):
            home, away = new
            states.append(rules.Moment.at_elapsed(elapsed, home, away))
    last = states[-1].elapsed if states else -1.0
    polled = (
        Snapshot.objects.filter(game=game, status__in=PLAYED, elapsed_seconds__gt=last)
        .values("home_score", "away_score")
        .annotate(first=Min("elapsed_seconds"))
        .order_by("first", "home_score", "away_score")
        .values_list("first", "home_score", "away_score")
    )
    for elapsed, polled_home, polled_away in polled:
        if (
            (polled_home, polled_away) != (home, away)
            and polled_home >= home
            and polled_away >= away
        ):
            home, away = polled_home, polled_away
            states.append(rules.Moment.at_elapsed(elapsed, home, away))
    return states


def _swing_conflicts(game: Game, minute: int, cooldown: int) -> bool:
    """Another big swing of the game within ``cooldown`` game-minutes."""
    keys = Alert.objects.filter(game=game, rule=Rule.BIG_SWING).values_list("key", flat=True)
    return any(abs(_swing_minute(k) - minute) <= cooldown for k in keys)


def _overlapping_run(game: Game, candidate: rules.Candidate) -> bool:
    """The same run already alerted under another start: the same team's run whose
    stretch (its first score to the score it was raised at) overlaps this one's (a run
    first seen from the snapshots, then from the plays, starts at a different moment)."""
    since = float(candidate.details["since_elapsed"])
    until = candidate.moment.elapsed if candidate.moment else since
    for details, raised in Alert.objects.filter(game=game, rule=Rule.RUN).values_list(
        "details", "elapsed_seconds"
    ):
        if details.get("team") != candidate.details["team"]:
            continue
        if float(details.get("since_elapsed", 0.0)) <= until and since <= float(raised or 0.0):
            return True
    return False


def readings_by_minute(
    states: Iterable[tuple[float, float, int, int]],
) -> dict[int, rules.Reading]:
    """The live win probability at each game minute, with the state it was forecast at:
    the last state within the minute (a state at 95 s of game time is minute 2's; the
    rules compare minutes 2 game-minutes apart). ``states``: (elapsed seconds, home win
    probability, home score, away score) in game order."""
    return {
        math.ceil(elapsed / 60): rules.Reading(
            probability, rules.Moment.at_elapsed(elapsed, home, away)
        )
        for elapsed, probability, home, away in states
    }


def _swing_minute(key: str) -> int:
    return int(key.removeprefix("m"))


def evaluate_game(game_id: str) -> list[Alert]:
    """Raise the game's new alerts and keep its alerts' ``active`` flags current;
    returns the alerts raised now."""
    game = Game.objects.filter(pk=game_id).first()
    if game is None or not game.observed:
        return []
    limits = AlertSettings.current()
    stored = {(a.rule, a.key): a for a in Alert.objects.filter(game=game)}
    swings = [_swing_minute(key) for rule, key in stored if rule == Rule.BIG_SWING]
    raised: list[Alert] = []
    active: dict[tuple[str, str], bool] = {}
    for candidate in game_candidates(game, limits, swings):
        identity = (candidate.rule, candidate.key)
        active[identity] = candidate.active
        if identity in stored:
            continue
        conflicts: Callable[[], bool] | None = None
        if candidate.rule == Rule.BIG_SWING:
            conflicts = functools.partial(
                _swing_conflicts, game, _swing_minute(candidate.key), limits.swing_cooldown_minutes
            )
        elif candidate.rule == Rule.RUN:
            conflicts = functools.partial(_overlapping_run, game, candidate)
        alert = raise_alert(game, candidate, conflicts)
        if alert is not None:
            raised.append(alert)
    update_active(
        [a for identity, a in stored.items() if a.active != active.get(identity, False)],
        active,
    )
    return raised


def update_active(alerts: list[Alert], active: dict[tuple[str, str], bool]) -> None:
    """Flip the ``active`` flag of ``alerts``, each a new version of the board's alerts
    (its ``seq`` is the next alert sequence); announce the change after commit."""
    if not alerts:
        return
    with transaction.atomic():
        for alert in sorted(alerts, key=lambda a: a.pk):
            alert.active = active.get((alert.rule, alert.key), False)
            alert.seq = next_alert_seq()  # a new version of the board's alerts
            Alert.objects.filter(pk=alert.pk).update(
                active=alert.active, seq=alert.seq, updated_at=timezone.now()
            )
        announce_on_commit(signals.alerts_changed, alerts=alerts)


def evaluate_games(game_ids: list[str]) -> int:
    """``evaluate_game`` for each game; how many alerts were raised."""
    return sum(len(evaluate_game(game_id)) for game_id in sorted(set(game_ids)))


def failing_since() -> dt.datetime | None:
    """When the polls began failing (the first failed poll after the last good one),
    or None when the last poll was good (or there is none)."""
    last_good = PollRun.objects.last_good_time()
    failed = PollRun.objects.exclude(outcome=PollOutcome.OK)
    if last_good is not None:
        failed = failed.filter(started_at__gt=last_good)
    return failed.order_by("started_at").values_list("started_at", flat=True).first()


def evaluate_feed(now: dt.datetime | None = None) -> list[Alert]:
    """Raise feed trouble when the polls have been failing, or the play-by-play request
    budget has been spent, long enough; end it once a poll is good again (a follow-up
    paid in full)."""
    limits = AlertSettings.current()
    if not limits.evaluates(Rule.FEED_TROUBLE):
        return []
    candidates = rules.feed_trouble(
        failing_since(), now or timezone.now(), limits, budget_spent_since()
    )
    keys = {c.key for c in candidates}
    raised = [a for a in (raise_alert(None, c) for c in candidates) if a is not None]
    ended = list(Alert.objects.filter(game=None, rule=Rule.FEED_TROUBLE, active=True))
    update_active([a for a in ended if a.key not in keys], {})
    return raised
