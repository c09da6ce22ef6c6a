"""Alerts and what each staff user wants to see.

``Preferences`` is the one per-user preferences model of the product: the dashboard's
sort order and team filter, and which alerts a user wants (on the dashboard, as browser
notifications, or none: quiet mode). It lives here, the lowest room that reads it (alert
delivery); ``dashboard`` (above) reads and writes it too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from alerts.webhook_urls import validate_webhook_url


class BoardSort(models.TextChoices):
    LIVE_FIRST = "live_first", "live games first"
    CLOSEST = "closest", "closest games first"
    START_TIME = "start_time", "start time"


class Preferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="livescores_preferences"
    )
    board_sort = models.CharField(
        max_length=16, choices=BoardSort.choices, default=BoardSort.LIVE_FIRST
    )
    team_filter = models.JSONField(
        default=list, blank=True, help_text="Team tricodes to show; empty: every team."
    )
    alerts_quiet = models.BooleanField(
        default=False, help_text="Quiet mode: no alert is shown or notified to this user."
    )
    alert_rules_off = models.JSONField(
        default=list, blank=True, help_text="Alert rules this user does not want to see."
    )
    notify_rules = models.JSONField(
        default=list,
        blank=True,
        help_text="Alert rules this user opted in to as browser notifications.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user}"

    @classmethod
    def of(cls, user: Any) -> Preferences:
        """The user's preferences (the defaults, saved, on first use)."""
        preferences, _ = cls.objects.get_or_create(user=user)
        return preferences

    def shows_team(self, *tricodes: str) -> bool:
        """Whether the team filter lets a game of these teams through."""
        return not self.team_filter or any(t in self.team_filter for t in tricodes)


# --- alerts ----------------------------------------------------------------------------


class Rule(models.TextChoices):
    CLUTCH = "clutch", "clutch time"
    BIG_SWING = "big_swing", "big swing"
    UPSET = "upset", "upset brewing"
    FORECAST_MISS = "forecast_miss", "forecast miss"
    RUN = "run", "scoring run"
    FEED_TROUBLE = "feed_trouble", "feed trouble"


class AlertSettings(models.Model):
    """The rules' thresholds, one row, editable in the admin (defaults: issue 20)."""

    key = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    clutch_seconds_left = models.PositiveSmallIntegerField(
        default=300, help_text="Clutch time: at most this many seconds left in Q4 or an OT."
    )
    clutch_margin = models.PositiveSmallIntegerField(
        default=5, help_text="Clutch time: a margin of at most this many points."
    )
    swing_points = models.PositiveSmallIntegerField(
        default=25, help_text="Big swing: the home win probability moved this many points..."
    )
    swing_minutes = models.PositiveSmallIntegerField(
        default=2, help_text="...from its value this many game minutes earlier."
    )
    swing_cooldown_minutes = models.PositiveSmallIntegerField(
        default=3, help_text="Big swing: no second one for a game within this many minutes."
    )
    upset_probability = models.PositiveSmallIntegerField(
        default=25, help_text="Upset brewing: the favourite's win probability at most this %."
    )
    upset_from_minute = models.PositiveSmallIntegerField(
        default=12, help_text="Upset brewing: from this game minute (12: after Q1)."
    )
    run_points = models.PositiveSmallIntegerField(
        default=10, help_text="Run: one team scores this many unanswered points."
    )
    feed_trouble_seconds = models.PositiveSmallIntegerField(
        default=60, help_text="Feed trouble: polls failing for at least this many seconds."
    )
    rules_off = models.JSONField(
        default=list, blank=True, help_text="Rules not evaluated at all (for every user)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return "alert settings"

    @classmethod
    def current(cls) -> AlertSettings:
        """The settings row (the defaults, saved, on first use)."""
        row, _ = cls.objects.get_or_create(pk=1)
        return row

    def evaluates(self, rule: str) -> bool:
        return rule not in self.rules_off


class AlertSequence(models.Model):
    """The board-level alert sequence: +1 per alert raised, taken in the transaction
    that stores it (the row stays locked until commit, so sequence = commit order and
    every alert creation is serialised, which makes the cool-down checks race-free)."""

    key = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"alert sequence {self.value}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def active(self) -> AlertQuerySet:
        return self.filter(active=True)


class Alert(models.Model):
    """One occurrence of a rule: (game, rule, key) is unique, so an alert is stored once
    however many workers, retries or replayed polls evaluate it."""

    game = models.ForeignKey(
        "games.Game", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    rule = models.CharField(max_length=16, choices=Rule.choices)
    key = models.CharField(max_length=40, help_text="The occurrence (period, minute, run start).")
    seq = models.PositiveBigIntegerField(
        unique=True,
        help_text="Alert sequence of its latest version (raised, active changed).",
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    period = models.PositiveSmallIntegerField(null=True, blank=True)
    clock_seconds = models.FloatField(null=True, blank=True, help_text="Seconds left.")
    elapsed_seconds = models.FloatField(null=True, blank=True)
    home_score = models.PositiveSmallIntegerField(null=True, blank=True)
    away_score = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=200, help_text="The alert in plain words.")
    details = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=False, help_text="The condition still holds.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "rule", "key"],
                name="alert_once_per_occurrence",
                nulls_distinct=False,  # feed trouble has no game: still once per key
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.rule} {self.game_id or 'feed'} {self.key}"


# --- webhooks --------------------------------------------------------------------------


class Webhook(models.Model):
    """An outgoing webhook (a team chat's incoming-webhook URL) and the rules it gets.

    The URL is validated on save (``alerts.webhooks.validate_webhook_url``: https; http
    and loopback only with DEBUG; in production a host resolving to a private, loopback
    or link-local address is refused) and again before every request. The URL is a
    secret (Slack's carries its token): it is never logged, only its host.
    """

    name = models.CharField(max_length=80)
    url = models.URLField(max_length=500, help_text="e.g. a Slack incoming-webhook URL (https).")
    rules = models.JSONField(
        default=list, blank=True, help_text='Rules to send (e.g. ["clutch"]); empty: every rule.'
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_webhook_url(self.url)
        unknown = set(self.rules) - set(Rule.values) if isinstance(self.rules, list) else {1}
        if unknown:
            raise ValidationError({"rules": f"a list of rules out of {sorted(Rule.values)}"})

    def wants(self, rule: str) -> bool:
        return self.active and (not self.rules or rule in self.rules)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed (gave up)"


class WebhookDelivery(models.Model):
    """One alert to one webhook: at most one row, sent until a 2xx (then never again)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "alert"], name="delivery_once_per_alert")
        ]

    def __str__(self) -> str:
        return f"alert #{self.alert_id} to {self.webhook}: {self.status}"
