from __future__ import annotations

from django.contrib import admin

from predictions.models import Prediction


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = [
        "game",
        "created_at",
        "model_name",
        "model_version",
        "halftime_point",
        "halftime_lo90",
        "halftime_hi90",
        "actual_halftime",
        "latency_ms",
    ]
    list_filter = ["model_name", "model_version"]
    search_fields = ["game__game_id", "game__home_tricode", "game__away_tricode"]
    list_select_related = ["game"]
