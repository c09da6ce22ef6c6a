"""Alerts and what each staff user wants to see.

``Preferences`` is the one per-user preferences model of the product: the dashboard's
sort order and team filter, and which alerts a user wants (on the dashboard, as browser
notifications, or none: quiet mode). It lives here, the lowest room that reads it (alert
delivery); ``dashboard`` (above) reads and writes it too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


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
