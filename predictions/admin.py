from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from games.admin import may_edit_feed_data, ms
from predictions.models import LiveForecast, Prediction


def _signed(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:+.{digits}f}"


def _number(value: float) -> str:
    """Whole numbers as they are (intervals are whole points), others to one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _pair(lo: float | None, hi: float | None) -> str:
    return "-" if lo is None or hi is None else f"[{_number(lo)}, {_number(hi)}]"


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    """Forecasts are written by the pipeline only: read-only, with their outcome and error."""

    list_display = [
        "game",
        "game_date",
        "model_name",
        "model_version",
        "halftime_point",
        "halftime_interval90",
        "actual_halftime",
        "halftime_error_display",
        "covered90",
        "final_point",
        "actual_final",
        "final_error_display",
        "latency",
    ]
    list_filter = ["model_name", "model_version"]
    search_fields = ["game__game_id", "game__home_tricode", "game__away_tricode"]
    list_select_related = ["game"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            None,
            {"fields": ["game_link", "created_at", "model_name", "model_version", "latency"]},
        ),
        (
            "Halftime",
            {
                "fields": [
                    "halftime_point",
                    "halftime_interval90",
                    "halftime_interval95",
                    "actual_halftime",
                    "halftime_error_display",
                    "covered90",
                ]
            },
        ),
        (
            "Final",
            {
                "fields": [
                    "final_point",
                    "final_interval90",
                    "home_win_probability",
                    "actual_final",
                    "final_error_display",
                ]
            },
        ),
        (
            "Inputs and explanation",
            {
                "fields": [
                    "input_pattern",
                    "input_imputed_minutes",
                    "components_json",
                    "neighbours_json",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Prediction | None = None) -> list[str]:
        return [str(f) for _, options in self.fieldsets for f in options["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Prediction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Prediction | None = None) -> bool:
        return may_edit_feed_data(request)  # a forecast is the pipeline's record

    @admin.display(description="latency", ordering="latency_ms")
    def latency(self, obj: Prediction) -> str:
        return ms(obj.latency_ms)

    @admin.display(description="date", ordering="game__game_date")
    def game_date(self, obj: Prediction) -> object:
        return obj.game.game_date

    @admin.display(description="game")
    def game_link(self, obj: Prediction) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">dashboard page</a>',
            reverse("admin:games_game_change", args=[obj.game_id]),
            obj.game,
            reverse("game-detail", args=[obj.game_id]),
        )

    @admin.display(description="halftime 90%")
    def halftime_interval90(self, obj: Prediction) -> str:
        return _pair(obj.halftime_lo90, obj.halftime_hi90)

    @admin.display(description="halftime 95%")
    def halftime_interval95(self, obj: Prediction) -> str:
        return _pair(obj.halftime_lo95, obj.halftime_hi95)

    @admin.display(description="final 90%")
    def final_interval90(self, obj: Prediction) -> str:
        return _pair(obj.final_lo90, obj.final_hi90)

    @admin.display(description="halftime error (actual - forecast)")
    def halftime_error_display(self, obj: Prediction) -> str:
        return _signed(obj.halftime_error)

    @admin.display(description="final error (actual - forecast)")
    def final_error_display(self, obj: Prediction) -> str:
        return _signed(obj.final_error)

    @admin.display(description="in 90%", boolean=True)
    def covered90(self, obj: Prediction) -> bool | None:
        return obj.covers_halftime()

    @admin.display(description="components")
    def components_json(self, obj: Prediction) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.components, indent=1))

    @admin.display(description="historical games it leans on")
    def neighbours_json(self, obj: Prediction) -> str:
        if not obj.neighbours:
            return "none named by this model"
        return format_html("<pre>{}</pre>", json.dumps(obj.neighbours, indent=1))

    def view_on_site(self, obj: Prediction) -> str:
        return reverse("game-detail", args=[obj.game_id])


class LiveForecastInline(admin.TabularInline):
    """The live forecast at every state of the game, on the game's page (read-only)."""

    model = LiveForecast
    extra = 0
    can_delete = False
    fields = (
        "elapsed_seconds",
        "period",
        "home_score",
        "away_score",
        "model_version",
        "home_win_prob",
        "final_margin",
        "lo90",
        "hi90",
        "lo95",
        "hi95",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("elapsed_seconds", "id")
    classes = ["collapse"]  # a few hundred rows a game: folded until asked for

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return may_edit_feed_data(request)
