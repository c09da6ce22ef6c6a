"""Predictions made at minute 18 (one per game) and at every moment of a game."""

from __future__ import annotations

from django.db import models


class Prediction(models.Model):
    game = models.OneToOneField("games.Game", on_delete=models.CASCADE, related_name="prediction")
    created_at = models.DateTimeField(auto_now_add=True)
    model_name = models.CharField(max_length=60)
    model_version = models.CharField(max_length=40)
    input_pattern = models.JSONField(help_text="Minute 1..18 differentials the forecast used.")
    input_imputed_minutes = models.JSONField(default=list)

    halftime_point = models.FloatField()
    halftime_lo90 = models.IntegerField()
    halftime_hi90 = models.IntegerField()
    halftime_lo95 = models.IntegerField(null=True, blank=True)
    halftime_hi95 = models.IntegerField(null=True, blank=True)
    components = models.JSONField(default=dict, blank=True, help_text="Each component's forecast.")
    neighbours = models.JSONField(default=list, blank=True, help_text="Historical games behind it.")

    final_point = models.FloatField(null=True, blank=True)
    final_lo90 = models.IntegerField(null=True, blank=True)
    final_hi90 = models.IntegerField(null=True, blank=True)
    home_win_probability = models.FloatField(null=True, blank=True)

    latency_ms = models.FloatField()

    actual_halftime = models.SmallIntegerField(null=True, blank=True)
    actual_final = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.game_id}: halftime {self.halftime_point:+.1f} ({self.model_name})"

    @property
    def halftime_error(self) -> float | None:
        if self.actual_halftime is None:
            return None
        return self.actual_halftime - self.halftime_point

    @property
    def final_error(self) -> float | None:
        if self.actual_final is None or self.final_point is None:
            return None
        return self.actual_final - self.final_point

    def covers_halftime(self, level: int = 90) -> bool | None:
        """Whether the actual halftime differential fell in the 90% (or 95%) interval."""
        lo, hi = (
            (self.halftime_lo90, self.halftime_hi90)
            if level == 90
            else (self.halftime_lo95, self.halftime_hi95)
        )
        if self.actual_halftime is None or lo is None or hi is None:
            return None
        return lo <= self.actual_halftime <= hi


class LiveForecast(models.Model):
    """The live win probability and final-margin forecast at one moment of a game: one row
    per (game, state, model version), a state being the game time and the score.

    ``elapsed_seconds`` counts game time from tip-off (2,880 at the end of regulation, 300
    more per overtime); the interval bounds are final margins, home minus away.
    """

    game = models.ForeignKey("games.Game", on_delete=models.CASCADE, related_name="live_forecasts")
    elapsed_seconds = models.FloatField()
    period = models.PositiveSmallIntegerField()
    home_score = models.PositiveSmallIntegerField()
    away_score = models.PositiveSmallIntegerField()
    model_version = models.CharField(max_length=40)
    home_win_prob = models.FloatField()
    final_margin = models.FloatField(help_text="Expected final margin, home minus away.")
    lo90 = models.FloatField()
    hi90 = models.FloatField()
    lo95 = models.FloatField()
    hi95 = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["game", "elapsed_seconds", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "elapsed_seconds", "home_score", "away_score", "model_version"],
                name="live_forecast_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(elapsed_seconds__gte=0), name="live_forecast_elapsed"
            ),
            models.CheckConstraint(
                condition=models.Q(home_win_prob__gte=0, home_win_prob__lte=1),
                name="live_forecast_probability",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.game_id} {self.elapsed_seconds:.0f}s {self.home_score}-{self.away_score} "
            f"{self.home_win_prob:.0%} {self.final_margin:+.1f}"
        )
