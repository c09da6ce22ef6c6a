"""One preferences row per user, with defaults on first use."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from alerts.models import BoardSort, Preferences

pytestmark = pytest.mark.django_db


def test_a_user_gets_default_preferences_once() -> None:
    user = get_user_model().objects.create_user("fan")
    first = Preferences.of(user)
    assert (first.board_sort, first.team_filter, first.alerts_quiet) == (
        BoardSort.LIVE_FIRST,
        [],
        False,
    )
    assert Preferences.of(user).pk == first.pk
    assert Preferences.objects.count() == 1


def test_the_team_filter_lets_through_games_of_the_chosen_teams_only() -> None:
    user = get_user_model().objects.create_user("fan")
    preferences = Preferences.of(user)
    assert preferences.shows_team("BOS", "MIA")  # no filter: every team
    preferences.team_filter = ["DAL"]
    assert preferences.shows_team("SAC", "DAL") and not preferences.shows_team("BOS", "MIA")
