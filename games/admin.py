from __future__ import annotations

from django.contrib import admin
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


class MinuteInline(admin.TabularInline):
    model = MinuteDifferential
    extra = 0
    can_delete = False
    fields = ("minute", "home_score", "away_score", "differential", "imputed", "reconciled")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class GameAdmin(admin.ModelAdmin):
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
    list_filter = ["game_date", "status"]
    search_fields = ["game_id", "home_tricode", "away_tricode", "home_name", "away_name"]
    date_hierarchy = "game_date"
    inlines = [MinuteInline]

    def view_on_site(self, obj: Game) -> str:
        return reverse("game-detail", args=[obj.game_id])


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "game",
        "observed_at",
        "status_text",
        "period",
        "clock_seconds",
        "home_score",
        "away_score",
    ]
    list_filter = ["status", "game__game_date"]
    search_fields = ["game__game_id", "game__home_tricode", "game__away_tricode"]
    list_select_related = ["game"]
    date_hierarchy = "observed_at"


@admin.register(PollRun)
class PollRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "feed",
        "outcome",
        "games",
        "rejected",
        "fetch_ms",
        "processing_ms",
        "error",
    ]
    list_filter = ["outcome", "feed"]

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
