"""Staff pages: the live dashboard, one game's page, system status JSON, model cards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import user_passes_test
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from dashboard import services
from games.models import Game
from predictions.models import Prediction
from predictions.registry import ARTIFACTS_DIR


def _is_staff(user: Any) -> bool:
    return bool(user.is_active and user.is_staff)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only; anyone else is sent to the login page (LOGIN_URL)."""
    return never_cache(user_passes_test(_is_staff)(view))


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/dashboard.html",
        {"board": services.board_data(), "status": services.system_status()},
    )


@staff_required
def game_detail(request: HttpRequest, game_id: str) -> HttpResponse:
    game = get_object_or_404(Game.objects.select_related("prediction"), pk=game_id)
    prediction: Prediction | None = getattr(game, "prediction", None)
    return render(
        request,
        "dashboard/game.html",
        {
            "game": game,
            "board": services.game_data(game),
            "snapshots": game.snapshots.order_by("-observed_at", "-id"),
            "prediction": prediction,
            "feed": settings.FEED,
        },
    )


@staff_required
def status(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.system_status())


@staff_required
def models(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/models.html",
        {"cards": services.model_cards(), "artifacts_dir": ARTIFACTS_DIR},
    )
