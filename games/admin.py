"""The admin of what the feed wrote: for inspecting, not editing.

Games, snapshots, minutes and poll runs are derived from the feed; a hand edit of a
score, a status or a ``seq`` would silently desynchronise every client (no message is
sent for it). So they are read-only for everyone -- no add, no change, no delete --
unless ``ADMIN_EDIT_FEED_DATA`` is on (off by default), and then for superusers only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from games.models import (
    Game,
    MinuteDifferential,
    Play,
    PlayerBoxLine,
    PollRun,
    Snapshot,
    TeamBoxLine,
)


def may_edit_feed_data(request: HttpRequest) -> bool:
    """Edits of feed-derived rows: only with ADMIN_EDIT_FEED_DATA, only for superusers."""
    return bool(settings.ADMIN_EDIT_FEED_DATA and request.user.is_superuser)


class FeedDataAdmin(admin.ModelAdmin):
    """Read-only unless ``may_edit_feed_data``: no add, change or delete buttons.
    ``shown_fields`` (formatted, read-only) replace the raw fields while read-only."""

    shown_fields: list[str] | None = None

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.shown_fields and not may_edit_feed_data(request):
            return self.shown_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.shown_fields and not may_edit_feed_data(request):
            return self.shown_fields
        return super().get_readonly_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_edit_feed_data(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_feed_data(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_feed_data(request)


class FeedDataInline(admin.TabularInline):
    """An inline of feed-derived rows: read-only, collapsed (a game has ~50 minutes)."""

    extra = 0
    classes = ["collapse"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_feed_data(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_feed_data(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_feed_data(request)


def ms(value: float | None) -> str:
    """A duration in milliseconds as people read it: "8.5 ms"."""
    return "-" if value is None else f"{value:,.1f} ms"


class MinuteInline(FeedDataInline):
    model = MinuteDifferential
    fields = ("minute", "home_score", "away_score", "differential", "imputed", "reconciled")
    readonly_fields = fields


class GameAdmin(FeedDataAdmin):
    """The Game admin, registered by ``dashboard.admin`` with the forecasts' inlines."""

    list_display = [
        "game_id",
        "game_date",
        "away_tricode",
        "home_tricode",
        "away_score",
        "home_score",
        "status",
        "status_text",
        "last_closed_minute",
    ]
    # The nights are browsed by the date hierarchy (the years and months the data has):
    # "past 7 days" filters are relative to the real today, not to archive nights.
    list_filter = ["status"]
    search_fields = ["game_id", "home_tricode", "away_tricode", "home_name", "away_name"]
    date_hierarchy = "game_date"
    inlines = [MinuteInline]

    def view_on_site(self, obj: Game) -> str:
        return reverse("game-detail", args=[obj.game_id])


@admin.register(Snapshot)
class SnapshotAdmin(FeedDataAdmin):
    list_display = [
        "game",
        "observed_at",
        "status_text",
        "period",
        "clock",
        "home_score",
        "away_score",
    ]
    list_filter = ["status"]
    search_fields = ["game__game_id", "game__home_tricode", "game__away_tricode"]
    list_select_related = ["game"]
    date_hierarchy = "observed_at"

    @admin.display(description="clock", ordering="clock_seconds")
    def clock(self, obj: Snapshot) -> str:
        if obj.clock_seconds is None:
            return "-"
        seconds = obj.clock_seconds
        return (
            f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)}:{int(seconds % 60):02d}"
        )


@admin.register(PollRun)
class PollRunAdmin(FeedDataAdmin):
    list_display = [
        "started_at",
        "feed",
        "board_date",
        "outcome",
        "games",
        "rejected",
        "fetch",
        "processing",
        "error_short",
    ]
    list_filter = ["outcome", "feed"]
    date_hierarchy = "started_at"
    shown_fields = [
        "started_at",
        "feed",
        "board_date",
        "outcome",
        "games",
        "rejected",
        "fetch",
        "processing",
        "error",
    ]

    @admin.display(description="fetch", ordering="fetch_ms")
    def fetch(self, obj: PollRun) -> str:
        return ms(obj.fetch_ms)

    @admin.display(description="processing", ordering="processing_ms")
    def processing(self, obj: PollRun) -> str:
        return ms(obj.processing_ms)

    @admin.display(description="error")
    def error_short(self, obj: PollRun) -> str:
        return obj.error if len(obj.error) <= 60 else f"{obj.error[:57]}…"

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        extra_context = {**(extra_context or {}), "poll_stats": PollRun.recent_stats()}
        return super().changelist_view(request, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the feed owns: viewed here, never written by hand."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Play)
class PlayAdmin(ReadOnlyAdmin):
    list_display = [
        "game",
        "order_number",
        "action_number",
        "period",
        "clock_seconds",
        "team_tricode",
        "action_type",
        "description",
        "score_away",
        "score_home",
        "edited",
        "removed",
    ]
    list_filter = ["removed", "action_type", "period"]
    search_fields = ["game__game_id", "description", "player_name"]
    list_select_related = ["game"]


@admin.register(TeamBoxLine)
class TeamBoxLineAdmin(ReadOnlyAdmin):
    list_display = ["game", "tricode", "points", "rebounds", "assists", "turnovers", "fouls"]
    search_fields = ["game__game_id", "tricode"]
    list_select_related = ["game"]


@admin.register(PlayerBoxLine)
class PlayerBoxLineAdmin(ReadOnlyAdmin):
    list_display = ["game", "name", "side", "starter", "points", "rebounds", "assists"]
    search_fields = ["game__game_id", "name"]
    list_select_related = ["game"]
