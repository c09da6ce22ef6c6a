"""Games, their polled snapshots, closed minute differentials and poll runs."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Avg, Max, Min, Q
from django.utils import timezone

from games.feed.types import GameState, GameStatus
from games.minutes import HALFTIME_MINUTE, PREDICTION_MINUTE, MinuteValue, ScoreState, close_minutes

logger = logging.getLogger(__name__)


# nba_api keeps a game that will not be played at gameStatus 1 and says so in its text.
POSTPONED_TEXTS = ("ppd", "postponed")
CANCELLED_TEXTS = ("cancelled", "canceled", "cncl")


@dataclass
class Observation:
    """What one polled state changed in a game."""

    changed: bool = False
    minutes: list[MinuteValue] = field(default_factory=list)
    became_final: bool = False
    ignored: str = ""
    corrected: str = ""  # a score went down: a stat correction, accepted as the new truth
    repeats: bool = False  # ``ignored`` will recur every poll: worth one warning per game

    @property
    def forecast_due(self) -> bool:
        return any(m.minute == PREDICTION_MINUTE for m in self.minutes)


STATE_FIELDS = [
    "status",
    "status_text",
    "period",
    "clock_seconds",
    "elapsed_seconds",
    "home_score",
    "away_score",
    "last_closed_minute",
    "observed",
    "start_time",
    "home_wins",
    "home_losses",
    "away_wins",
    "away_losses",
    "seq",
    "updated_at",
]


# A new version is a modification: updated_at moves with seq (the HTTP API's Last-Modified).
NEXT_SEQ_SQL = "UPDATE games_game SET seq = seq + 1 WHERE game_id = %s RETURNING seq"


class GameQuerySet(models.QuerySet["Game"]):
    def on_board(self, day: dt.date) -> GameQuerySet:
        """The games of the board of ``day``: that date's games, plus games still live
        from the day before (a game live across the rollover). A game of any other date
        is not on the board, live or not (``games.lifecycle`` marks it stale)."""
        carried = Q(
            status=GameStatus.LIVE, game_date__gte=day - dt.timedelta(days=1), game_date__lt=day
        )
        return self.filter(Q(game_date=day) | carried)


class Game(models.Model):
    game_id = models.CharField(primary_key=True, max_length=12)
    game_date = models.DateField(db_index=True)
    start_time = models.DateTimeField(null=True, blank=True)

    home_team_id = models.BigIntegerField()
    home_tricode = models.CharField(max_length=3)
    home_city = models.CharField(max_length=40)
    home_name = models.CharField(max_length=40)
    home_wins = models.PositiveSmallIntegerField(default=0)
    home_losses = models.PositiveSmallIntegerField(default=0)
    away_team_id = models.BigIntegerField()
    away_tricode = models.CharField(max_length=3)
    away_city = models.CharField(max_length=40)
    away_name = models.CharField(max_length=40)
    away_wins = models.PositiveSmallIntegerField(default=0)
    away_losses = models.PositiveSmallIntegerField(default=0)

    # The latest observed state.
    status = models.PositiveSmallIntegerField(
        choices=GameStatus.choices, default=GameStatus.SCHEDULED
    )
    status_text = models.CharField(max_length=40, blank=True)
    period = models.PositiveSmallIntegerField(default=0)
    clock_seconds = models.FloatField(null=True, blank=True)
    elapsed_seconds = models.FloatField(default=0)
    home_score = models.PositiveSmallIntegerField(default=0)
    away_score = models.PositiveSmallIntegerField(default=0)
    last_closed_minute = models.PositiveSmallIntegerField(default=0)
    observed = models.BooleanField(default=False, help_text="A live or final state has been seen.")

    prediction_queued_at = models.DateTimeField(null=True, blank=True)
    seq = models.PositiveBigIntegerField(
        default=0,
        help_text="Version of what clients know of the game: +1 with every change pushed "
        "(state, closed minutes, forecast, outcome). Only grows; survives restarts.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = GameQuerySet.as_manager()

    class Meta:
        ordering = ["game_date", "start_time", "game_id"]
        indexes = [models.Index(fields=["status", "game_date"])]

    def __str__(self) -> str:
        return f"{self.away_tricode} @ {self.home_tricode} ({self.game_date})"

    @property
    def differential(self) -> int:
        return self.home_score - self.away_score

    @property
    def called_off(self) -> str:
        """ "postponed" or "cancelled" for a game that will not be played as scheduled
        (nba_api: gameStatus 1 with gameStatusText "PPD", "Postponed", "Cancelled"), else ""."""
        if self.status != GameStatus.SCHEDULED:
            return ""
        text = self.status_text.strip().lower()
        if text.startswith(POSTPONED_TEXTS):
            return "postponed"
        if text.startswith(CANCELLED_TEXTS):
            return "cancelled"
        return ""

    @property
    def pattern_progress(self) -> int:
        """How many of the 18 pattern minutes are closed."""
        return min(self.last_closed_minute, PREDICTION_MINUTE)

    def last_state(self) -> ScoreState | None:
        """The last observed state, the base for closing the next minutes."""
        if not self.observed:
            return None
        return ScoreState(self.elapsed_seconds, self.home_score, self.away_score)

    @classmethod
    def from_state(cls, state: GameState, game_date: dt.date) -> Game:
        game = cls(game_id=state.game_id, game_date=game_date, start_time=state.start_time)
        for side, team in (("home", state.home), ("away", state.away)):
            setattr(game, f"{side}_team_id", team.team_id)
            setattr(game, f"{side}_tricode", team.tricode)
            setattr(game, f"{side}_city", team.city)
            setattr(game, f"{side}_name", team.name)
            setattr(game, f"{side}_wins", team.wins)
            setattr(game, f"{side}_losses", team.losses)
        return game

    def observe(self, state: GameState) -> Observation:
        """Apply one polled state: close the minutes it closes, ignore regressions."""
        if self.status == GameStatus.FINAL and state.status != GameStatus.FINAL:
            return Observation(
                ignored=f"status regressed from final to {state.status}", repeats=True
            )
        if self.observed and state.status == GameStatus.SCHEDULED:
            return Observation(ignored="status regressed to scheduled")
        if self.observed and state.elapsed < self.elapsed_seconds:
            return Observation(
                ignored=f"clock went back from {self.elapsed_seconds} s to {state.elapsed} s"
            )
        current = (
            self.status,
            self.status_text,
            self.period,
            self.clock_seconds,
            self.home_score,
            self.away_score,
        )
        new = (
            state.status,
            state.status_text,
            state.period,
            state.clock_seconds,
            state.home.score,
            state.away.score,
        )
        observation = Observation(
            changed=current != new or (not self.observed and state.status != GameStatus.SCHEDULED),
            became_final=state.status == GameStatus.FINAL and self.status != GameStatus.FINAL,
        )
        if self.observed and (state.home.score, state.away.score) != (
            max(state.home.score, self.home_score),
            max(state.away.score, self.away_score),
        ):
            observation.corrected = (
                f"score went back from {self.home_score}-{self.away_score} "
                f"to {state.home.score}-{state.away.score}"
            )
        if state.status != GameStatus.SCHEDULED:
            reached = ScoreState(state.elapsed, state.home.score, state.away.score)
            observation.minutes = close_minutes(
                self.last_closed_minute, self.last_state(), reached, sealed=state.sealed
            )
            self.observed = True
        if observation.minutes:
            self.last_closed_minute = observation.minutes[-1].minute
        (
            self.status,
            self.status_text,
            self.period,
            self.clock_seconds,
            self.home_score,
            self.away_score,
        ) = new
        self.elapsed_seconds = state.elapsed
        self.start_time = state.start_time or self.start_time
        self.home_wins, self.home_losses = state.home.wins, state.home.losses
        self.away_wins, self.away_losses = state.away.wins, state.away.losses
        return observation

    @classmethod
    def next_seq(cls, game_id: str) -> int:
        """Take the game's next sequence number for a change made outside a poll.

        Call inside the transaction that makes the change: the row stays locked until
        it commits, so versions are handed out in commit order.
        """
        with connection.cursor() as cursor:  # one round trip: the UPDATE locks the row
            cursor.execute(NEXT_SEQ_SQL, [game_id])
            row = cursor.fetchone()
        if row is None:
            raise cls.DoesNotExist(f"no game {game_id}")
        return int(row[0])

    def forecast_is_timely(self) -> bool:
        """A minute-18 forecast is only made while halftime is still ahead."""
        return self.elapsed_seconds < 60 * HALFTIME_MINUTE


class Snapshot(models.Model):
    """One poll's state of a game; written only when the state changed."""

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="snapshots")
    observed_at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(choices=GameStatus.choices)
    status_text = models.CharField(max_length=40, blank=True)
    period = models.PositiveSmallIntegerField()
    clock_seconds = models.FloatField(null=True, blank=True)
    elapsed_seconds = models.FloatField()
    home_score = models.PositiveSmallIntegerField()
    away_score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["game", "observed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "status", "period", "elapsed_seconds", "home_score", "away_score"],
                name="snapshot_unique_state",
            )
        ]

    def __str__(self) -> str:
        return f"{self.game_id} {self.status_text} {self.home_score}-{self.away_score}"


class MinuteDifferential(models.Model):
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="minutes")
    minute = models.PositiveSmallIntegerField()
    home_score = models.PositiveSmallIntegerField()
    away_score = models.PositiveSmallIntegerField()
    differential = models.SmallIntegerField()
    imputed = models.BooleanField(default=False)
    reconciled = models.BooleanField(default=False)
    closed_at = models.DateTimeField()

    class Meta:
        ordering = ["game", "minute"]
        constraints = [
            models.UniqueConstraint(fields=["game", "minute"], name="minute_unique_per_game"),
            models.CheckConstraint(condition=models.Q(minute__gte=1), name="minute_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.game_id} m{self.minute} {self.differential:+d}"


class PollOutcome(models.TextChoices):
    OK = "ok", "ok"
    FETCH_ERROR = "fetch_error", "fetch error"
    ERROR = "error", "error"


class PollRunQuerySet(models.QuerySet["PollRun"]):
    def good(self) -> PollRunQuerySet:
        """The polls that fetched, parsed and stored a scoreboard."""
        return self.filter(outcome=PollOutcome.OK)

    def last_good(self) -> PollRun | None:
        return self.good().order_by("-started_at", "-id").first()

    def last_good_time(self, since: dt.datetime | None = None) -> dt.datetime | None:
        """When the last good poll started (None before the first), counting only polls
        started at ``since`` or later if given."""
        polls = self.good() if since is None else self.good().filter(started_at__gte=since)
        return polls.order_by("-started_at", "-id").values_list("started_at", flat=True).first()


class PollRun(models.Model):
    started_at = models.DateTimeField(db_index=True)
    feed = models.CharField(max_length=10)
    board_date = models.DateField(null=True, blank=True)
    fetch_ms = models.FloatField(null=True, blank=True)
    processing_ms = models.FloatField(null=True, blank=True)
    games = models.PositiveSmallIntegerField(default=0)
    rejected = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=PollOutcome.choices)
    error = models.TextField(blank=True)

    objects = PollRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"poll {self.started_at:%H:%M:%S} {self.outcome}"

    @property
    def total_ms(self) -> float:
        return (self.fetch_ms or 0.0) + (self.processing_ms or 0.0)

    @classmethod
    def recent_stats(cls, window: int = 100) -> dict[str, Any]:
        """Average/min/max fetch and processing time over the last ``window`` runs."""
        ids = cls.objects.order_by("-started_at", "-id").values("id")[:window]
        runs = cls.objects.filter(id__in=ids)
        stats = runs.aggregate(
            runs=models.Count("id"),
            errors=models.Count("id", filter=~models.Q(outcome=PollOutcome.OK)),
            fetch_avg=Avg("fetch_ms"),
            fetch_min=Min("fetch_ms"),
            fetch_max=Max("fetch_ms"),
            processing_avg=Avg("processing_ms"),
            processing_min=Min("processing_ms"),
            processing_max=Max("processing_ms"),
            last_started=Max("started_at"),
        )
        stats["last_ok"] = cls.objects.last_good_time()
        return stats


class Board(models.Model):
    """Tonight's board: the night the live poller follows, the games it holds, and the
    board version, which grows by one whenever that set of games changes (a game enters
    or leaves the board, or the night rolls over). One row.

    A game's own changes are versioned by its ``seq``; the board version versions the
    set. Every snapshot carries it (docs/websocket-api.md, "Board version").
    """

    key = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    date = models.DateField()
    version = models.PositiveBigIntegerField(default=0)
    game_ids = models.JSONField(default=list, help_text="The board's games, by game id.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"board of {self.date} v{self.version} ({len(self.game_ids)} games)"

    @classmethod
    def current(cls) -> Board | None:
        return cls.objects.filter(pk=1).first()

    @classmethod
    def tonight(cls) -> dt.date:
        """The night the live board shows: the last polled scoreboard's date, else today."""
        day = cls.objects.filter(pk=1).values_list("date", flat=True).first()
        return day or timezone.localdate()

    @classmethod
    def track(cls, day: dt.date) -> tuple[Board, bool]:
        """After a poll of the scoreboard of ``day``: record the date and the board's
        games; the version grows when the set changed (then True). Two queries when
        nothing changed; call inside the transaction that announces a change."""
        ids = list(Game.objects.on_board(day).order_by("pk").values_list("pk", flat=True))
        board = cls.current()
        if board is not None and board.date == day and board.game_ids == ids:
            return board, False
        board = cls.objects.select_for_update().filter(pk=1).first() or cls(
            pk=1, date=day, version=0, game_ids=[]
        )
        if board.version and board.date == day and board.game_ids == ids:
            return board, False  # another poll recorded it first
        board.date, board.game_ids, board.version = day, ids, board.version + 1
        board.save()
        return board, True


class StackRun(models.Model):
    """This stack's run: a new id and start time each time the beat starts (one row).
    ``/healthz`` judges only the polls made since (a poll of the previous stack, stopped
    a minute ago, says nothing about this one)."""

    key = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    run_id = models.CharField(max_length=32)
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"run {self.run_id} since {self.started_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def start(cls) -> StackRun:
        run, _ = cls.objects.update_or_create(
            pk=1, defaults={"run_id": uuid.uuid4().hex, "started_at": timezone.now()}
        )
        return run

    @classmethod
    def current(cls) -> StackRun | None:
        return cls.objects.filter(pk=1).first()


class ReplayCursor(models.Model):
    """How far the replay of one recorded night has got (polls made, and since when)."""

    night = models.DateField(primary_key=True)
    tick = models.PositiveIntegerField(default=0)
    started = models.DateTimeField()

    def __str__(self) -> str:
        return f"replay of {self.night}: poll {self.tick}"

    @classmethod
    def advance(cls, night: dt.date) -> tuple[int, dt.datetime]:
        """Count one more poll of ``night``; returns (polls so far, replay start)."""
        with transaction.atomic():
            cursor, _ = cls.objects.select_for_update().get_or_create(
                night=night, defaults={"started": timezone.now()}
            )
            cursor.tick += 1
            cursor.save(update_fields=["tick"])
        return cursor.tick, cursor.started


# The play-by-play and box-score models live beside their derived facts (games.plays).
from games.plays import Play, PlayerBoxLine, TeamBoxLine  # noqa: E402, F401
