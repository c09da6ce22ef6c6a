"""Login throttling (django-axes): per username and per client address, with a cool-off.

X-Forwarded-For counts only from a trusted proxy (TRUSTED_PROXIES); the tests post to
the real login views (the staff login page and the admin's) through the test client.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery"  # nosec B105  # a test user's password
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PROXY = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture
def staff() -> str:
    get_user_model().objects.create_user("boss", password=PASSWORD, is_staff=True)
    return "boss"


def attempt(
    username: str, password: str, *, path: str = LOGIN, peer: str = "203.0.113.7", xff: str = ""
) -> int:
    headers: dict[str, Any] = {"REMOTE_ADDR": peer}
    if xff:
        headers["HTTP_X_FORWARDED_FOR"] = xff
    client = Client(**headers)
    response = client.post(path, {"username": username, "password": password})
    if response.status_code == 302:  # logged in: the session must be a real one
        assert client.session.get("_auth_user_id")
    return response.status_code


def fail(times: int, username: str, **where: str) -> list[int]:
    return [attempt(username, "wrong", **where) for _ in range(times)]


def test_failures_up_to_the_limit_answer_the_form_then_the_lockout_page(staff: str) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    # The form again for every failure before the limit; the one reaching it is locked.
    assert fail(limit - 1, staff) == [200] * (limit - 1)
    assert attempt(staff, "wrong") == settings.AXES_HTTP_RESPONSE_CODE == 429

    response = Client(REMOTE_ADDR="203.0.113.7").post(
        LOGIN, {"username": staff, "password": "wrong"}
    )
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert f"after {limit} failed attempts".encode() in response.content
    assert "registration/lockout.html" in [t.name for t in response.templates]


def test_the_right_password_is_refused_during_the_lockout(staff: str) -> None:
    fail(settings.AXES_FAILURE_LIMIT, staff)
    assert attempt(staff, PASSWORD) == 429
    # ... from another address too: the username itself is locked.
    assert attempt(staff, PASSWORD, peer="198.51.100.20") == 429


def test_the_right_password_works_after_the_cool_off(staff: str) -> None:
    fail(settings.AXES_FAILURE_LIMIT, staff)
    assert attempt(staff, PASSWORD) == 429
    # Move the clock: every recorded failure is now older than the cool-off.
    past = settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    for row in AccessAttempt.objects.all():
        row.attempt_time -= past
        row.save(update_fields=["attempt_time"])
    assert attempt(staff, PASSWORD) == 302


@override_settings(AXES_COOLOFF_TIME=timedelta(milliseconds=1))
def test_a_short_cool_off_lets_the_user_back_in(staff: str) -> None:
    fail(settings.AXES_FAILURE_LIMIT, staff)
    assert attempt(staff, PASSWORD) == 302


def test_the_admin_login_is_throttled_and_shares_the_count(staff: str) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    fail(limit - 1, staff, path=ADMIN_LOGIN)
    assert attempt(staff, "wrong", path=ADMIN_LOGIN) == 429
    assert attempt(staff, PASSWORD, path=ADMIN_LOGIN) == 429
    assert attempt(staff, PASSWORD, path=LOGIN) == 429


def test_one_address_trying_many_usernames_is_locked(staff: str) -> None:
    statuses = [attempt(f"guess{n}", "wrong") for n in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    # The address is locked, even for a real user with the right password ...
    assert attempt(staff, PASSWORD) == 429
    # ... while the user can still log in from elsewhere.
    assert attempt(staff, PASSWORD, peer="198.51.100.20") == 302


@pytest.mark.parametrize("proxies", [[], PROXY])
def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_lockout(
    staff: str, proxies: list[object]
) -> None:
    """Each attempt claims another client address; the peer (not a trusted proxy,
    whether or not any proxy is trusted) is what is counted."""
    with override_settings(TRUSTED_PROXIES=proxies):
        statuses = [
            attempt(f"guess{n}", "wrong", peer="203.0.113.7", xff=f"198.51.100.{n}")
            for n in range(settings.AXES_FAILURE_LIMIT)
        ]
        assert statuses[-1] == 429
        assert attempt(staff, PASSWORD, peer="203.0.113.7", xff="192.0.2.200") == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@override_settings(TRUSTED_PROXIES=PROXY)
def test_through_a_trusted_proxy_each_real_client_is_counted_on_its_own(staff: str) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    via_proxy = {"peer": "127.0.0.1"}
    # A client that forges the header behind the proxy: the proxy appends the real
    # peer, and the rightmost address that is not a trusted proxy is the client.
    statuses = [
        attempt(f"guess{n}", "wrong", xff=f"10.9.9.{n}, 198.51.100.1", **via_proxy)
        for n in range(limit)
    ]
    assert statuses[-1] == 429
    assert attempt(staff, PASSWORD, xff="198.51.100.1", **via_proxy) == 429
    # Another client behind the same proxy is not locked out by the first one.
    assert attempt(staff, PASSWORD, xff="198.51.100.2", **via_proxy) == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_a_successful_login_resets_the_count(staff: str) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    fail(limit - 1, staff)
    assert attempt(staff, PASSWORD) == 302
    assert fail(limit - 1, staff) == [200] * (limit - 1)


@pytest.mark.parametrize(
    ("peer", "xff", "expected"),
    [
        ("203.0.113.7", "", "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # untrusted peer: header ignored
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # forged left part ignored
        ("127.0.0.1", "198.51.100.1, 127.0.0.1", "198.51.100.1"),  # two trusted hops
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", "127.0.0.1"),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(
    peer: str, xff: str, expected: str
) -> None:
    from django.test import RequestFactory

    from livescores.client_ip import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=xff)
    with override_settings(TRUSTED_PROXIES=PROXY):
        assert client_ip(request) == expected
    with override_settings(TRUSTED_PROXIES=[]):
        assert client_ip(request) == peer
