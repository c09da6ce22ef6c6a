"""The Models page reads every model's card, with its real training date, a summary a
staff user reads in a minute and the plain verdict (issue 19, Why 5)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard import services
from predictions.registry import ARTIFACTS_DIR, served_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client: Client) -> str:
    user = get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    return client.get("/models/").content.decode()


def test_both_served_models_have_a_card_with_their_training_date(page: str) -> None:
    cards = {c.version: c for c in services.model_cards()}
    ensemble, minute = served_version("ensemble"), served_version("minute")
    assert ensemble in cards and minute in cards  # the per-minute model too
    assert cards[ensemble].served and cards[minute].served
    for version in (ensemble, minute):
        card = cards[version]
        written = json.loads(card.path.read_text())["trained_at"]
        assert card.trained_at is not None and card.trained_at.isoformat() == written
        summary = page.split('id="model-summary"')[1].split("</table>")[0]
        row = summary.split(f'data-version="{version}"')[1].split("</tr>")[0]
        assert card.trained_at.strftime("%Y-%m-%d %H:%M") in row and "served" in row
        if card.trained_backfilled:  # the shipped artifacts predate the field: said so
            assert "(backfilled)" in row


def test_the_verdict_is_in_plain_words_and_the_codes_are_defined(page: str) -> None:
    verdicts = re.findall(r'<p class="verdict" data-field="verdict">(.*?)</p>', page, re.S)
    halftime = next(v for v in verdicts if v.startswith("The halftime margin"))
    assert "2024-25 test season" in halftime and "not significant" in halftime
    assert "includes zero" in halftime
    assert any(v.startswith("The final margin") and "is significant" in v for v in verdicts)
    assert any("Brier" in v for v in verdicts)  # the per-minute model's
    assert "B0 = persistence" in page
    # Details are folded, and no server path is shown.
    assert "<details><summary>Details: data and metrics</summary>" in page
    assert str(ARTIFACTS_DIR) not in page and str(settings.BASE_DIR) not in page


def test_a_card_without_a_training_date_says_not_recorded(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "minute_model.json").write_text(json.dumps({"version": "v1"}))
    (tmp_path / "MINUTE_LATEST").write_text("v1\n")
    [card] = services.model_cards(tmp_path)
    assert (card.kind, card.served, card.trained_at) == ("minute", True, None)
