"""API keys: made once and stored hashed, verified, expiring, revoked; admin and command."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from apikeys.models import ApiKey, digest

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_its_hash_and_verifies() -> None:
    key, token = ApiKey.objects.issue("partner")
    assert re.fullmatch(r"lsk_[0-9a-f]{12}_[A-Za-z0-9-]{40,}", token)
    row = ApiKey.objects.get(pk=key.pk)
    assert token.split("_")[2] not in (row.hashed, row.prefix, row.name)
    assert row.hashed == digest(token.split("_")[2])
    assert ApiKey.objects.verify(token) == key
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "lsk_x_y", "", token + "_"):
        assert ApiKey.objects.verify(wrong) is None
    other, _ = ApiKey.objects.issue("other")
    assert other.prefix != key.prefix


def test_a_revoked_or_expired_key_does_not_verify() -> None:
    revoked, revoked_token = ApiKey.objects.issue("gone")
    revoked.revoke()
    expired, expired_token = ApiKey.objects.issue(
        "old", expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    later, later_token = ApiKey.objects.issue(
        "later", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert ApiKey.objects.verify(revoked_token) is None and revoked.state() == "revoked"
    assert ApiKey.objects.verify(expired_token) is None and expired.state() == "expired"
    assert ApiKey.objects.verify(later_token) == later and later.state() == "active"
    assert list(ApiKey.objects.usable()) == [later]


def test_origins_and_limits(settings: Any) -> None:
    key, _ = ApiKey.objects.issue("app", allowed_origins=["https://app.example.org/"])
    assert key.allows_origin("https://app.example.org")
    assert key.allows_origin(None)  # not a browser
    assert not key.allows_origin("https://evil.example")
    assert ApiKey.objects.issue("any", allowed_origins=["*"])[0].allows_origin("http://x")
    assert not ApiKey.objects.issue("none")[0].allows_origin("http://localhost")
    assert key.limits() == (
        settings.WEBSOCKET_MAX_SOCKETS_PER_KEY,
        settings.WEBSOCKET_RATE_PER_SECOND,
        settings.WEBSOCKET_RATE_BURST,
    )
    own, _ = ApiKey.objects.issue("own", max_sockets=3, rate_per_second=2.5, rate_burst=4)
    assert own.limits() == (3, 2.5, 4)


def test_the_command_makes_lists_and_revokes_keys() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_key", "create", "front-end", "--origin", "https://app.example.org",
        "--expires-days", "30", "--max-sockets", "5", "--rate", "2", stdout=out, stderr=err,
    )  # fmt: skip
    token = out.getvalue().strip()
    key = ApiKey.objects.verify(token)
    assert key is not None and key.name == "front-end" and key.max_sockets == 5
    assert key.allowed_origins == ["https://app.example.org"] and key.rate_per_second == 2
    assert key.expires_at is not None and key.expires_at > timezone.now() + dt.timedelta(days=29)
    assert token not in err.getvalue()
    listing = io.StringIO()
    call_command("api_key", "list", stdout=listing)
    assert f"{key.label}\tactive" in listing.getvalue() and token not in listing.getvalue()
    call_command("api_key", "revoke", key.label, stdout=io.StringIO())
    assert ApiKey.objects.verify(token) is None
    with pytest.raises(CommandError):
        call_command("api_key", "revoke", "lsk_000000000000")


def test_the_admin_shows_a_new_key_once_and_revokes_keys() -> None:
    admin = get_user_model().objects.create_superuser("root", password="root-password-1")
    client = Client()
    client.force_login(admin)
    page = client.post(
        "/admin/apikeys/apikey/add/",
        {"name": "partner", "allowed_origins": '["https://partner.example"]', "max_sockets": "7",
         "expires_at_0": "", "expires_at_1": ""},
    )  # fmt: skip
    assert page.status_code == 200, page.content[:2000]
    assert "no-store" in page["Cache-Control"]
    token = re.search(r'<code id="api-key">([^<]+)</code>', page.content.decode())[1]  # type: ignore[index]
    key = ApiKey.objects.verify(token)
    assert key is not None and key.created_by == admin and key.max_sockets == 7
    assert key.allowed_origins == ["https://partner.example"]
    change = client.get(f"/admin/apikeys/apikey/{key.pk}/change/").content.decode()
    assert token not in change and key.label in change
    listing = client.get("/admin/apikeys/apikey/").content.decode()
    assert token not in listing
    client.post(
        "/admin/apikeys/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert ApiKey.objects.verify(token) is None
