"""The admin is for inspecting what the feed wrote, not editing it (issue 19, Why 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from games.models import Game, MinuteDifferential, PollOutcome, PollRun, Snapshot
from predictions.models import Prediction

pytestmark = pytest.mark.django_db

GAME = "0022400001"


@pytest.fixture
def rows() -> dict[str, Any]:
    game = Game.objects.create(
        game_id=GAME,
        game_date=dt.date(2025, 2, 10),
        home_team_id=1,
        away_team_id=2,
        home_tricode="CLE",
        away_tricode="MIN",
        status=2,
        home_score=20,
        away_score=18,
    )
    now = timezone.now()
    snapshot = Snapshot.objects.create(
        game=game,
        observed_at=now,
        status=2,
        period=1,
        elapsed_seconds=300.0,
        clock_seconds=420.0,
        home_score=20,
        away_score=18,
    )
    MinuteDifferential.objects.create(
        game=game, minute=1, home_score=2, away_score=0, differential=2, closed_at=now
    )
    poll = PollRun.objects.create(
        started_at=now,
        feed="replay",
        fetch_ms=8.469200000035926,
        processing_ms=137.61620700000776,
        outcome=PollOutcome.OK,
    )
    prediction = Prediction.objects.create(
        game=game,
        model_name="m",
        model_version="v",
        input_pattern=[0] * 18,
        halftime_point=1.23456,
        halftime_lo90=-8.0,
        halftime_hi90=10.0,
        halftime_lo95=-10.0,
        halftime_hi95=12.0,
        latency_ms=137.61620700000776,
    )
    return {
        "games/game": game.pk,
        "games/snapshot": snapshot.pk,
        "games/pollrun": poll.pk,
        "predictions/prediction": prediction.pk,
    }


def admin_client(client: Client, *, superuser: bool) -> Client:
    make = get_user_model().objects.create_superuser if superuser else None
    if make is not None:
        user = make("root", password="pw-for-tests-1")
    else:
        user = get_user_model().objects.create_user(
            "boss", password="pw-for-tests-1", is_staff=True
        )
        from django.contrib.auth.models import Permission

        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return client


@pytest.mark.parametrize("superuser", [True, False])
def test_feed_rows_have_no_add_change_or_delete(
    client: Client, rows: dict[str, Any], superuser: bool
) -> None:
    staff = admin_client(client, superuser=superuser)
    for model, pk in rows.items():
        listing = staff.get(f"/admin/{model}/")
        assert listing.status_code == 200, model
        html = listing.content.decode()
        assert f"/admin/{model}/add/" not in html, model  # no Add button
        assert "delete_selected" not in html, model  # no bulk delete
        assert staff.get(f"/admin/{model}/add/").status_code == 403, model
        detail = staff.get(f"/admin/{model}/{pk}/change/")
        assert detail.status_code == 200, model
        page = detail.content.decode()
        assert 'name="_save"' not in page, model  # a read-only page: no Save button
        assert f"/admin/{model}/{pk}/delete/" not in page, model
        assert staff.get(f"/admin/{model}/{pk}/delete/").status_code == 403, model
        assert staff.post(f"/admin/{model}/{pk}/change/", {"home_score": 99}).status_code == 403
    assert Game.objects.get(pk=GAME).home_score == 20  # nothing changed


def test_a_superuser_may_edit_with_the_documented_setting(
    client: Client, rows: dict[str, Any], settings: Any
) -> None:
    settings.ADMIN_EDIT_FEED_DATA = True
    root = admin_client(client, superuser=True)
    html = root.get("/admin/games/game/").content.decode()
    assert "/admin/games/game/add/" in html
    assert root.get(f"/admin/games/snapshot/{rows['games/snapshot']}/delete/").status_code == 200


def test_numbers_are_formatted_and_date_filters_fit_archive_data(
    client: Client, rows: dict[str, Any]
) -> None:
    staff = admin_client(client, superuser=True)
    polls = staff.get("/admin/games/pollrun/").content.decode()
    assert "8.5 ms" in polls and "137.6 ms" in polls and "8.4692" not in polls
    poll = staff.get(f"/admin/games/pollrun/{rows['games/pollrun']}/change/").content.decode()
    assert "137.6 ms" in poll and "137.616" not in poll
    pred = staff.get(
        f"/admin/predictions/prediction/{rows['predictions/prediction']}/change/"
    ).content.decode()
    assert (
        "137.6 ms" in pred and "137.616" not in pred and "[-8, 10]" in pred and "[-10, 12]" in pred
    )
    games = staff.get("/admin/games/game/").content.decode()
    assert "Past 7 days" not in games  # relative to the real today: gone
    game = staff.get(f"/admin/games/game/{GAME}/change/").content.decode()
    assert "collapse" in game  # the ~50-row inlines are folded
    snaps = staff.get("/admin/games/snapshot/").content.decode()
    assert "7:00" in snaps


def test_a_staff_user_changes_their_password_in_the_admin(client: Client) -> None:
    user = get_user_model().objects.create_user(
        "boss", password="old-pw-for-tests-1", is_staff=True
    )
    client.force_login(user)
    assert client.get("/admin/").content.decode().count("/admin/password_change/") >= 1
    done = client.post(
        "/admin/password_change/",
        {
            "old_password": "old-pw-for-tests-1",
            "new_password1": "a-new-pw-for-tests-2",
            "new_password2": "a-new-pw-for-tests-2",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/admin/password_change/done/"
    user.refresh_from_db()
    assert user.check_password("a-new-pw-for-tests-2")
    assert client.get("/admin/").status_code == 200  # the session survives the change
