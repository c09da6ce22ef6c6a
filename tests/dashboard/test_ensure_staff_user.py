"""bin/up makes a usable staff login: env vars, a dev default only in DEBUG."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("ensure_staff_user", "--url", "http://127.0.0.1:8000/", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)


def test_in_debug_it_creates_the_documented_dev_login_and_says_how_to_use_it(
    settings: Any,
) -> None:
    settings.DEBUG = True
    output = run()
    user = get_user_model().objects.get(username="staff")
    assert user.is_staff and user.is_superuser and user.check_password("livescores-dev")
    assert "log in at http://127.0.0.1:8000/ as staff / livescores-dev" in output
    assert "created" not in run()  # idempotent


def test_the_environment_names_the_user(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.DEBUG = False
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "ops")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-secret")
    output = run()
    assert get_user_model().objects.get(username="ops").check_password("a-long-secret")
    assert "a-long-secret" not in output  # never print a production password


def test_without_debug_no_login_is_invented(settings: Any) -> None:
    settings.DEBUG = False
    assert "no staff login created" in run()
    assert not get_user_model().objects.exists()


def test_an_existing_users_password_is_left_alone(settings: Any) -> None:
    settings.DEBUG = True
    get_user_model().objects.create_user("staff", password="changed-by-owner")
    output = run()
    user = get_user_model().objects.get(username="staff")
    assert user.is_staff and user.check_password("changed-by-owner")
    assert "livescores-dev" not in output
