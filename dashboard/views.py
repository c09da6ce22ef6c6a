"""Staff pages: the live dashboard, one game's page, system status JSON, model cards."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import user_passes_test
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST

from alerts.models import Preferences, Rule
from dashboard import services
from games.models import Game
from predictions.models import Prediction
from predictions.registry import ARTIFACTS_DIR


def _is_staff(user: Any) -> bool:
    return bool(user.is_active and user.is_staff)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only; anyone else is sent to the login page (LOGIN_URL)."""
    return never_cache(user_passes_test(_is_staff)(view))


def _night_context(day: dt.date, *, live: bool) -> dict[str, Any]:
    return {
        "night": services.nights_around(day),
        "live": live,
        "feed": settings.FEED,
        "replay": settings.FEED == "replay",
        "constants": services.page_constants(),
    }


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The current night (the replay's night in replay), live."""
    context = _night_context(services.current_night(), live=True)
    context.update(
        board=services.board_data(),
        status=services.system_status(),
        alert_preferences=alert_preferences_data(Preferences.of(request.user)),
    )
    return render(request, "dashboard/dashboard.html", context)


def alert_preferences_data(preferences: Preferences) -> dict[str, Any]:
    """What the alerts panel needs of the user's preferences (json_script)."""
    return {
        "quiet": preferences.alerts_quiet,
        "rules_off": list(preferences.alert_rules_off),
        "notify_rules": list(preferences.notify_rules),
        "rules": [[value, label] for value, label in Rule.choices],
    }


@staff_required
@require_POST
def alert_preferences(request: HttpRequest) -> JsonResponse:
    """Save the user's alert preferences (JSON: quiet, rules_off, notify_rules; the
    CSRF token in X-CSRFToken). Unknown rules are refused."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "not JSON"}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"error": "an object is expected"}, status=400)
    preferences = Preferences.of(request.user)
    known = set(Rule.values)
    for field, attribute in (("rules_off", "alert_rules_off"), ("notify_rules", "notify_rules")):
        if field in data:
            rules = data[field]
            if not isinstance(rules, list) or not set(rules) <= known:
                return JsonResponse({"error": f"{field}: a list of {sorted(known)}"}, status=400)
            setattr(preferences, attribute, sorted(set(rules)))
    if "quiet" in data:
        if not isinstance(data["quiet"], bool):
            return JsonResponse({"error": "quiet: true or false"}, status=400)
        preferences.alerts_quiet = data["quiet"]
    preferences.save()
    return JsonResponse(alert_preferences_data(preferences))


@staff_required
def night(request: HttpRequest, day: str) -> HttpResponse:
    """Any night in the database; the current one is the live dashboard."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404(f"{day!r} is not a date") from exc
    if date == services.current_night():
        return redirect("dashboard")
    context = _night_context(date, live=False)
    context["board"] = services.night_data(date)
    return render(request, "dashboard/dashboard.html", context)


@staff_required
def pick_night(request: HttpRequest) -> HttpResponse:
    """The date picker's plain GET form: ?date=YYYY-MM-DD goes to that night's page."""
    try:
        date = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return redirect("dashboard")
    return redirect("night", day=date.isoformat())


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
            "timeline": services.game_timeline(game),
            "plays": services.game_plays(game),
            "prediction": prediction,
            "feed": settings.FEED,
            "replay": settings.FEED == "replay",
            "current_night": services.current_night(),
            "constants": services.page_constants(),
        },
    )


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return redirect(static("img/favicon.svg"), permanent=True)


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
