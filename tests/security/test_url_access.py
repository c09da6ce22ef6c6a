"""Every URL needs a staff session, except the few that must not (named, with why).

The URL resolver is walked, so a page added later is covered without editing this
test; each pattern gets a concrete sample path (converters and admin regexes filled).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

pytestmark = pytest.mark.django_db

# Open to anyone, by design:
OPEN = {
    "/healthz",  # load balancer checks (no secrets: database/Redis/poll status)
    "/metrics",  # Prometheus; METRICS_ALLOWED_NETWORKS and METRICS_TOKEN restrict it
    "/accounts/login/",  # the login page (and, when locked out, the lockout page)
    "/accounts/logout/",  # ending one's own session needs none (POST only)
    "/admin/login/",  # the admin's login page (throttled like the other)
    "/admin/logout/",
    "/favicon.ico",  # a redirect to the static icon, which is public like all static files
}

SAMPLES = {"int": "1", "str": "0042200163", "slug": "x", "uuid": "0" * 32, "path": "x/y"}


def sample_route(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m[1] or "str"], route)


def sample_regex(regex: str) -> str:
    """A path the regex matches: first alternative of a group, '1' for digits, 'x' else."""
    text = regex.lstrip("^").rstrip("$").removesuffix("\\Z")
    text = re.sub(r"\(\?P<\w+>([^()|]+)(\|[^()]*)?\)", lambda m: m[1], text)
    text = text.replace("\\d+", "1").replace(".+", "x").replace(".*", "x")
    text = text.replace("[^/]+", "x").replace("\\", "")
    return text


def sample_paths(patterns: Sequence[URLPattern | URLResolver], prefix: str = "/") -> Iterator[str]:
    for entry in patterns:
        text = str(entry.pattern)
        part = sample_regex(text) if "(?P<" in text or "^" in text else sample_route(text)
        if isinstance(entry, URLResolver):
            yield from sample_paths(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            yield prefix + part


ALL = sorted(set(sample_paths(get_resolver().url_patterns)))
GUARDED = [path for path in ALL if path not in OPEN]


def test_the_walk_finds_every_area_and_each_sample_resolves() -> None:
    for path in ALL:
        resolve(path)  # raises Resolver404 if a sample does not match its own pattern
    assert {"/", "/models/", "/admin/", "/admin/games/game/"} <= set(ALL)
    assert set(ALL) >= OPEN, OPEN - set(ALL)  # nothing exempt that does not exist
    # Password change/reset views are not offered at all.
    assert not [p for p in ALL if p.startswith("/accounts/password")]


def refused(response: object, method: str = "get") -> bool:
    status = response.status_code  # type: ignore[attr-defined]
    if status == 302:
        return "login" in response["Location"]  # type: ignore[index]
    # The read-only HTTP API (/api/v1/) answers a POST 405 before reading anything.
    return status in (401, 403) or (status == 405 and method != "get")


@pytest.mark.parametrize("path", GUARDED)
def test_an_anonymous_user_is_sent_to_log_in(path: str) -> None:
    for method in ("get", "post"):
        response = getattr(Client(), method)(path)
        assert refused(response, method), (method, path, response.status_code)


@pytest.mark.parametrize("path", GUARDED)
def test_a_signed_in_user_who_is_not_staff_is_refused(path: str) -> None:
    user = get_user_model().objects.create_user("fan", password="fan-password-1")
    client = Client()
    client.force_login(user)
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert refused(response, method), (method, path, response.status_code)
