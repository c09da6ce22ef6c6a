"""The accuracy page and CSV: figures from the database equal hand-computed ones and the admin's."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard.accuracy import accuracy_report, default_range
from predictions.admin import PredictionAdmin
from predictions.models import Prediction
from tests.dashboard.accuracy_fixture import FIRST, LAST, create_forecasts

pytestmark = pytest.mark.django_db

RANGE = f"start={FIRST.isoformat()}&end={LAST.isoformat()}"

# By hand, from ROWS in accuracy_fixture.py (games 901-903 are finished, 904 is not):
HALFTIME_MAE = (abs(8 - 5.0) + abs(-11 - -2.5) + abs(2 - 1.5)) / 3
HALFTIME_PERSISTENCE = (abs(8 - 3) + abs(-11 - -4) + abs(2 - 0)) / 3
COVERAGE90 = 100 * 2 / 3  # -11 is outside [-9, 4]
COVERAGE95 = 100 * 2 / 2  # game 903 has no 95% interval
FINAL_MAE = (abs(10 - 6.0) + abs(-6 - -3.0) + abs(-1 - 2.0)) / 3
FINAL_PERSISTENCE = (abs(10 - 3) + abs(-6 - -4) + abs(-1 - 0)) / 3
BRIER = ((0.70 - 1) ** 2 + (0.35 - 0) ** 2 + (0.62 - 0) ** 2) / 3
HOME_WIN_RATE = 1 / 3
BRIER_BASELINE = HOME_WIN_RATE * (1 - HOME_WIN_RATE)


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_user("boss", password="pw-for-tests", is_staff=True)
    client.force_login(user)
    return client


def test_the_report_equals_the_hand_computed_figures() -> None:
    create_forecasts()
    report = accuracy_report(FIRST, LAST)
    assert report.games == 4 and report.halftime_n == 3 and report.coverage95_n == 2
    assert report.final_n == report.winprob_n == 3
    assert report.halftime_mae == pytest.approx(HALFTIME_MAE)
    assert report.halftime_persistence_mae == pytest.approx(HALFTIME_PERSISTENCE)
    assert report.coverage90 == pytest.approx(COVERAGE90)
    assert report.coverage95 == pytest.approx(COVERAGE95)
    assert report.final_mae == pytest.approx(FINAL_MAE)
    assert report.final_persistence_mae == pytest.approx(FINAL_PERSISTENCE)
    assert report.brier == pytest.approx(BRIER)
    assert report.home_win_rate == pytest.approx(HOME_WIN_RATE)
    assert report.brier_baseline == pytest.approx(BRIER_BASELINE)
    bins = [value for b in report.reliability for value in (b.lo, b.n, b.mean_forecast, b.observed)]
    # One game per bin: 0.35 in 0.3-0.4 (lost), 0.62 in 0.6-0.7 (lost), 0.70 in 0.7-0.8 (won).
    assert bins == pytest.approx([0.3, 1, 0.35, 0.0, 0.6, 1, 0.62, 0.0, 0.7, 1, 0.70, 1.0])


def test_the_report_equals_the_admins_per_game_figures() -> None:
    create_forecasts()
    model_admin = admin.site.get_model_admin(Prediction)
    assert isinstance(model_admin, PredictionAdmin)
    rows = [p for p in Prediction.objects.all() if FIRST <= p.game.game_date <= LAST]
    known = [p for p in rows if p.halftime_error is not None]
    finals = [p for p in rows if p.final_error is not None]
    report = accuracy_report(FIRST, LAST)
    assert report.halftime_mae == pytest.approx(
        sum(abs(p.halftime_error or 0) for p in known) / len(known)
    )
    assert report.coverage90 == pytest.approx(
        100 * sum(bool(model_admin.covered90(p)) for p in known) / len(known)
    )
    with95 = [p for p in known if p.covers_halftime(95) is not None]
    assert report.coverage95 == pytest.approx(
        100 * sum(bool(p.covers_halftime(95)) for p in with95) / len(with95)
    )
    assert report.final_mae == pytest.approx(
        sum(abs(p.final_error or 0) for p in finals) / len(finals)
    )
    # The admin's rounded per-game errors agree with the model's.
    for p in known:
        assert model_admin.halftime_error_display(p) == f"{p.halftime_error:+.1f}"


def test_the_default_range_is_the_season_to_date_of_the_latest_forecast() -> None:
    create_forecasts()
    start, end = default_range()
    assert (start, end) == (FIRST, Prediction.objects.latest("game__game_date").game.game_date)
    assert accuracy_report(start, end).games == Prediction.objects.count()


def cell(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, f"no #{element_id}"
    return match.group(1).strip()


def test_the_page_shows_the_figures(staff: Client) -> None:
    create_forecasts()
    html = staff.get(f"/accuracy/?{RANGE}").content.decode()
    assert cell(html, "metric-games") == "4"
    assert cell(html, "metric-halftime-mae") == f"{HALFTIME_MAE:.2f}"
    assert cell(html, "metric-halftime-persistence") == f"{HALFTIME_PERSISTENCE:.2f}"
    assert cell(html, "metric-coverage90") == f"{COVERAGE90:.1f} %"
    assert cell(html, "metric-coverage95") == f"{COVERAGE95:.1f} %"
    assert cell(html, "metric-final-mae") == f"{FINAL_MAE:.2f}"
    assert cell(html, "metric-final-persistence") == f"{FINAL_PERSISTENCE:.2f}"
    assert cell(html, "metric-brier") == f"{BRIER:.4f}"
    assert cell(html, "metric-brier-baseline") == f"{BRIER_BASELINE:.4f}"
    assert 'id="reliability-data"' in html and "<style" not in html and 'style="' not in html


def test_the_csv_carries_the_same_figures(staff: Client) -> None:
    create_forecasts()
    response = staff.get(f"/accuracy/?{RANGE}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(response.content.decode()))}
    assert rows["start"][0] == FIRST.isoformat() and rows["end"][0] == LAST.isoformat()
    assert rows["games with a forecast"] == ["4", "4"]
    expected = {
        "halftime MAE": (HALFTIME_MAE, 3),
        "halftime MAE, persistence": (HALFTIME_PERSISTENCE, 3),
        "halftime 90% coverage (%)": (COVERAGE90, 3),
        "halftime 95% coverage (%)": (COVERAGE95, 2),
        "final-margin MAE": (FINAL_MAE, 3),
        "final-margin MAE, persistence": (FINAL_PERSISTENCE, 3),
        "win-probability Brier": (BRIER, 3),
        "win-probability Brier, climatology": (BRIER_BASELINE, 3),
    }
    for metric, (value, games) in expected.items():
        assert float(rows[metric][0]) == pytest.approx(value, abs=1e-6), metric
        assert int(rows[metric][1]) == games
    assert float(rows["reliability 0.7-0.8 observed home-win rate"][0]) == 1.0


def test_a_bad_range_shows_the_error_and_the_default_range(staff: Client) -> None:
    create_forecasts()
    html = staff.get("/accuracy/?start=2025-01-12&end=2025-01-10").content.decode()
    assert "The end date is before the start date." in html
    assert cell(html, "metric-games") == str(Prediction.objects.count())


@pytest.mark.parametrize("path", ["/accuracy/", f"/accuracy/?{RANGE}&format=csv"])
def test_the_page_and_csv_are_staff_only(client: Client, path: str) -> None:
    assert client.get(path).status_code == 302
    client.force_login(get_user_model().objects.create_user("fan", password="x"))
    assert client.get(path).status_code == 302
