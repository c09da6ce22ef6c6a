"""The accuracy page in headless Chromium: the fixture's figures, a drawn reliability chart,
no console errors or failed requests, no serious/critical axe-core violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import (
    ARTIFACTS,
    BROWSER_MISSING,
    SKIP_REASON,
    Daphne,
    PageProblems,
    assert_accessible,
)
from tests.dashboard.accuracy_fixture import FIRST, LAST, create_forecasts
from tests.dashboard.test_accuracy import (
    BRIER,
    BRIER_BASELINE,
    COVERAGE90,
    COVERAGE95,
    FINAL_MAE,
    HALFTIME_MAE,
    HALFTIME_PERSISTENCE,
)
from tests.dashboard.test_curve_accuracy import create_curves

pytestmark = [pytest.mark.browser, pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON)]

PASSWORD = "browser-test-pw"


def test_the_accuracy_page_shows_the_fixtures_figures_cleanly(
    server: Daphne, browser: Any, page_problems: PageProblems
) -> None:
    create_forecasts()
    create_curves()  # minute forecasts of two finished games on FIRST (and a live one)
    get_user_model().objects.create_user("coach", password=PASSWORD, is_staff=True)
    browser.delete_all_cookies()
    path = f"/accuracy/?start={FIRST.isoformat()}&end={LAST.isoformat()}"
    browser.get(f"{server.url}{path}")
    assert "/accounts/login/" in browser.current_url  # staff only
    browser.find_element(By.ID, "id_username").send_keys("coach")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    WebDriverWait(browser, 15).until(lambda b: b.current_url == f"{server.url}{path}")

    def text(element_id: str) -> str:
        return str(browser.find_element(By.ID, element_id).text).strip()

    assert text("metric-games") == "4"
    assert text("metric-halftime-mae") == f"{HALFTIME_MAE:.2f}"
    assert text("metric-halftime-persistence") == f"{HALFTIME_PERSISTENCE:.2f}"
    assert text("metric-coverage90") == f"{COVERAGE90:.1f} %"
    assert text("metric-coverage95") == f"{COVERAGE95:.1f} %"
    assert text("metric-final-mae") == f"{FINAL_MAE:.2f}"
    assert text("metric-brier") == f"{BRIER:.4f}"
    assert text("metric-brier-baseline") == f"{BRIER_BASELINE:.4f}"
    # The reliability diagram is drawn from the page's JSON: three bins, one point each.
    points = WebDriverWait(browser, 15).until(
        lambda b: b.execute_script(
            "const c = window.Chart && Chart.getChart('reliability-chart');"
            "return c ? c.data.datasets[0].data.length : null;"
        )
    )
    assert points == 3
    # The live curve's diagram: seven tenths hold the eight scored minute forecasts.
    curve_points = browser.execute_script(
        "const c = Chart.getChart('curve-reliability-chart');"
        "return c ? c.data.datasets[0].data.length : null;"
    )
    assert curve_points == 7
    assert text("curve-brier") != ""
    browser.save_screenshot(str(ARTIFACTS / "accuracy.png"))

    # The date form is a plain GET: changing the range reloads with the new figures.
    start = browser.find_element(By.ID, "id_start")
    browser.execute_script("arguments[0].value = arguments[1]", start, LAST.isoformat())
    browser.find_element(By.CSS_SELECTOR, ".range-form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: f"start={LAST.isoformat()}" in b.current_url)
    assert text("metric-games") == "2"

    page_problems.assert_clean()
    assert_accessible(browser)
