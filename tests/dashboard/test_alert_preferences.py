"""A staff user's alert preferences: in the dashboard page, saved by the alerts panel."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from alerts.models import Preferences

pytestmark = pytest.mark.django_db
URL = "/alerts/preferences/"


@pytest.fixture
def staff() -> Any:
    return get_user_model().objects.create_user("desk", password="pw-desk-1", is_staff=True)


def post(client: Client, data: Any) -> Any:
    return client.post(URL, json.dumps(data), content_type="application/json")


def test_the_dashboard_carries_the_users_alert_preferences(staff: Any) -> None:
    Preferences.objects.create(user=staff, notify_rules=["clutch"], alerts_quiet=True)
    client = Client()
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert 'id="alerts"' in page and 'id="alert-preferences"' in page
    start = page.index('id="alert-preferences"')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert (data["quiet"], data["notify_rules"]) == (True, ["clutch"])
    assert ["clutch", "clutch time"] in data["rules"]


def test_the_panel_saves_quiet_mode_and_the_rules(staff: Any) -> None:
    client = Client()
    client.force_login(staff)
    answer = post(
        client, {"quiet": True, "notify_rules": ["run", "clutch"], "rules_off": ["upset"]}
    )
    assert answer.status_code == 200 and answer.json()["notify_rules"] == ["clutch", "run"]
    saved = Preferences.of(staff)
    assert (saved.alerts_quiet, saved.notify_rules, saved.alert_rules_off) == (
        True,
        ["clutch", "run"],
        ["upset"],
    )
    assert post(client, {"notify_rules": ["nonsense"]}).status_code == 400
    assert post(client, {"quiet": "yes"}).status_code == 400
    assert post(client, ["clutch"]).status_code == 400
    assert Preferences.of(staff).notify_rules == ["clutch", "run"]  # refused: unchanged


def test_only_staff_may_save_and_only_with_the_csrf_token(staff: Any) -> None:
    fan = get_user_model().objects.create_user("fan", password="pw-fan-1")
    client = Client()
    client.force_login(fan)
    assert post(client, {"quiet": True}).status_code == 302  # to the login page
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(staff)
    assert post(guarded, {"quiet": True}).status_code == 403
    assert not Preferences.of(staff).alerts_quiet
