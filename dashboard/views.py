"""Staff pages: the live dashboard, one game's page, system status JSON, model cards."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import user_passes_test
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST

from alerts.models import BoardSort, Preferences, Rule
from dashboard import services
from games.feed.select import replay_night_date
from games.models import Game
from predictions.models import Prediction


def _is_staff(user: Any) -> bool:
    return bool(user.is_active and user.is_staff)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only; anyone else is sent to the login page (LOGIN_URL)."""
    return never_cache(user_passes_test(_is_staff)(view))


def _night_context(request: HttpRequest, day: dt.date, *, live: bool) -> dict[str, Any]:
    current = services.current_night()
    preferences = Preferences.of(request.user)
    return {
        "night": services.nights_around(day),
        "live": live,
        # What the header says of this night: tonight's, one before it, or one after.
        "when": "tonight" if live else ("past" if day < current else "upcoming"),
        "replay_night": replay_night_date() if settings.FEED == "replay" else None,
        "preferences": preferences,
        "sorts": BoardSort.choices,
        "feed": settings.FEED,
        "replay": settings.FEED == "replay",
        "constants": services.page_constants(),
    }


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    """The styled 404 page, also while DEBUG is on (Django's debug 404 is for developers;
    an unknown night or game is an everyday thing for staff)."""
    return render(request, "404.html", {"exception": message}, status=404)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The current night (the replay's night in replay), live."""
    context = _night_context(request, services.current_night(), live=True)
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
    except ValueError:
        return not_found(request, f"{day} is not a date (YYYY-MM-DD)")
    if date == services.current_night():
        return redirect("dashboard")
    context = _night_context(request, date, live=False)
    context["summary"] = services.night_summary(date)
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
@require_POST
def board_preferences(request: HttpRequest) -> HttpResponse:
    """Store the user's board sort and team filter (alerts.Preferences): the dashboard
    posts them as they change (JSON back), a plain form post goes back to the page."""
    preferences = Preferences.of(request.user)
    sort = request.POST.get("board_sort", preferences.board_sort)
    if sort not in BoardSort.values:
        return JsonResponse({"error": f"unknown sort {sort!r}"}, status=400)
    team = request.POST.get("team", "").strip().upper()
    if team and not (len(team) == 3 and team.isalpha()):
        return JsonResponse({"error": f"not a team tricode: {team!r}"}, status=400)
    preferences.board_sort, preferences.team_filter = sort, [team] if team else []
    preferences.save(update_fields=["board_sort", "team_filter", "updated_at"])
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"board_sort": sort, "team_filter": preferences.team_filter})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("dashboard")


@staff_required
def game_detail(request: HttpRequest, game_id: str) -> HttpResponse:
    game = Game.objects.select_related("prediction").filter(pk=game_id).first()
    if game is None:
        return not_found(request, f"no game {game_id} in the database")
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
            "replay_night": replay_night_date() if settings.FEED == "replay" else None,
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
        {"cards": services.model_cards(), "baselines": services.BASELINES},
    )
