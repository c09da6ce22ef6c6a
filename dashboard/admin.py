"""The Game admin, assembled where both apps may be imported: the game's closed minutes
(``games.admin``) and its forecast after every minute (``predictions.admin``)."""

from __future__ import annotations

from django.contrib import admin

from games.admin import GameAdmin
from games.models import Game
from predictions.admin import LiveForecastInline


@admin.register(Game)
class GameWithForecastsAdmin(GameAdmin):
    inlines = [*GameAdmin.inlines, LiveForecastInline]
