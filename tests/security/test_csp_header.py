"""The Content-Security-Policy header (django-csp): its directives and a fresh nonce."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": "'self'",
    "connect-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


@pytest.fixture
def staff_client() -> Client:
    user = get_user_model().objects.create_user(
        "csp", password="x-csp-1", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/models/", "/admin/"])
def test_every_page_carries_the_policy(staff_client: Client, path: str) -> None:
    response = staff_client.get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    for name, value in EXPECTED.items():
        assert policy[name] == value, name
    for name in ("script-src", "style-src"):
        sources = policy[name].split()
        assert sources[0] == "'self'" and "'unsafe-inline'" not in sources, name
        assert all(s == "'self'" or s.startswith("'nonce-") for s in sources), name


def nonced_page(client: Client) -> tuple[str, str]:
    """The poll-runs change list renders a nonced <style>: (header nonce, page nonce)."""
    response = client.get("/admin/games/pollrun/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    script = re.fullmatch(r"'self' 'nonce-([^']+)'", policy["script-src"])
    style = re.fullmatch(r"'self' 'nonce-([^']+)'", policy["style-src"])
    assert script and style and script[1] == style[1]
    page = re.search(r'<style nonce="([^"]+)">', response.content.decode())
    assert page, "no nonced <style> in the page"
    return script[1], page[1]


def test_a_nonce_in_the_page_is_in_the_header_and_fresh_for_every_response(
    staff_client: Client,
) -> None:
    first_header, first_page = nonced_page(staff_client)
    second_header, second_page = nonced_page(staff_client)
    assert first_header == first_page and second_header == second_page
    assert first_header != second_header
    assert len(first_header) >= 22  # 16 random bytes, base64


def test_a_page_without_nonced_elements_names_no_nonce(client: Client) -> None:
    policy = directives(client.get("/accounts/login/")["Content-Security-Policy"])
    assert policy["script-src"] == policy["style-src"] == "'self'"


def test_the_lockout_page_carries_the_policy(client: Client) -> None:
    from django.conf import settings

    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 429
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"
