"""Alerts on a staff user's dashboard in real headless Chromium, fed by real replay polls:
the panel, the highlighted card and a browser notification (the permission granted
through the DevTools protocol, as a user who clicked "Allow")."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By

from alerts.models import Alert, Preferences
from games.services import poll_scoreboard
from tests.browser.conftest import (
    ARTIFACTS,
    BROWSER_MISSING,
    SKIP_REASON,
    Daphne,
    assert_accessible,
)
from tests.browser.test_dashboard_live import feed, log_in, wait_for_page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BROWSER_MISSING, reason=SKIP_REASON),
]

# Records every notification the page shows (and still shows it).
SPY = """
const Real = window.Notification;
window.shownNotifications = [];
class Spy extends Real {
  constructor(title, options) {
    super(title, options);
    window.shownNotifications.push({title, tag: options.tag});
  }
}
Object.defineProperty(Spy, "permission", { get: () => Real.permission });
window.livescores.alerts.Notify = Spy;
"""


def test_alerts_reach_the_panel_the_card_and_a_notification_once(
    eager_celery: None,
    server: Daphne,
    browser: Any,
    page_problems: Any,
    feed: Any,  # noqa: F811
) -> None:
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": server.url, "permissions": ["notifications"]}
    )
    log_in(browser, server)
    user = get_user_model().objects.get(username="coach")
    Preferences.objects.filter(user=user).update(notify_rules=["clutch"], alert_rules_off=["upset"])
    browser.refresh()  # the page reads the preferences it is served with
    wait_for_page(browser, lambda b: b.execute_script("return !!window.livescores"), "the page")
    assert browser.execute_script("return Notification.permission") == "granted"
    browser.execute_script(SPY)
    highlighted: set[str] = set()
    shot = False
    for _ in range(feed.board.last_tick() + 1):
        poll_scoreboard(feed)  # eager: forecasts and the alert task run after its commit
        cards = browser.execute_script(
            "return [...document.querySelectorAll('.card[data-alert]')]"
            ".map((c) => [c.dataset.gameId, c.dataset.alert]);"
        )
        highlighted |= {game_id for game_id, _ in cards}
        if not shot and any("clutch" in text for _, text in cards):
            wait_for_page(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#alert-list li"), "")
            browser.save_screenshot(str(ARTIFACTS / "alerts.png"))
            shot = True
    stored = list(Alert.objects.order_by("-id"))
    shown = [a for a in stored if a.rule != "upset"]
    wait_for_page(
        browser,
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#alert-list li")) == len(shown),
        "every alert in the panel",
    )
    items = browser.find_elements(By.CSS_SELECTOR, "#alert-list li")
    assert [int(li.get_attribute("data-alert-id")) for li in items] == [a.pk for a in shown]
    first = items[-1].text  # the oldest, at the bottom: names, rule, clock, time with zone
    assert shown[-1].get_rule_display() in first and "@" in first
    clutch = [a for a in stored if a.rule == "clutch"]
    assert clutch and shot and {a.game_id for a in clutch} <= highlighted
    notified = browser.execute_script("return window.shownNotifications")
    assert sorted(n["tag"] for n in notified) == sorted(f"alert-{a.pk}" for a in clutch)
    assert all(": clutch time" in n["title"] for n in notified)
    assert not browser.find_elements(By.CSS_SELECTOR, ".card[data-alert]")  # all final now
    browser.find_element(By.CSS_SELECTOR, "#alerts details summary").click()
    notify = browser.find_element(By.CSS_SELECTOR, 'input[data-rule="run"][data-kind="notify"]')
    notify.click()  # saved for this user at once
    wait_for_page(
        browser,
        lambda b: Preferences.objects.get(user=user).notify_rules == ["clutch", "run"],
        "the ticked rule saved",
    )
    browser.save_screenshot(str(ARTIFACTS / "alerts-settings.png"))
    assert_accessible(browser)
    page_problems.assert_clean()
