from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from games.models import PollRun
from games.services import current_games


def scoreboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "games/scoreboard.html",
        {
            "games": current_games(),
            "poll_stats": PollRun.recent_stats(),
            "feed": settings.FEED,
        },
    )
