"""A hostile or broken upstream payload: markup stays text, oversize text costs one game."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import timezone

from games.feed.parser import TEXT_MAX, parse_scoreboard
from games.models import Game
from games.services import ingest_scoreboard
from support.payloads import at_minute, board

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "<script>alert('owned')</script>"
IMAGE = "<img src=x onerror=alert(1)>"


def ingest(*games: dict[str, Any]) -> None:
    with transaction.atomic():
        ingest_scoreboard(parse_scoreboard(board(*games, date=timezone.localdate().isoformat())))


def test_markup_in_team_names_and_status_is_escaped_on_every_page(redis_client: Any) -> None:
    game = at_minute(3.5, 7, 4)
    game["homeTeam"]["teamName"] = SCRIPT
    game["awayTeam"]["teamCity"] = IMAGE
    game["gameStatusText"] = SCRIPT
    ingest(game)
    stored = Game.objects.get(pk="0042200163")
    assert (stored.home_name, stored.away_city) == (SCRIPT, IMAGE)  # kept as the feed said
    staff = get_user_model().objects.create_superuser("ops", password="x-ops-1")
    client = Client()
    client.force_login(staff)

    pages = ["/", f"/games/{stored.pk}/", "/admin/games/game/"]
    pages.append(f"/admin/games/game/{stored.pk}/change/")
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert SCRIPT not in html and IMAGE not in html, path
        assert "&lt;script&gt;" in html or "\\u003Cscript\\u003E" in html, path


def test_an_oversized_text_rejects_that_game_and_the_others_go_through(
    redis_client: Any,
) -> None:
    hostile = at_minute(3.5, 7, 4, game_id="0042200161")
    hostile["homeTeam"]["teamName"] = "x" * (TEXT_MAX + 1)
    fine = at_minute(3.5, 9, 8, game_id="0042200162")
    scoreboard = parse_scoreboard(board(hostile, fine))
    assert [r.game_id for r in scoreboard.rejected] == ["0042200161"]
    assert "homeTeam.teamName is 41 characters" in scoreboard.rejected[0].reason

    ingest(hostile, fine)  # the poll stores the good game instead of failing whole

    assert list(Game.objects.values_list("pk", flat=True)) == ["0042200162"]
