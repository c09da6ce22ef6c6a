from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from livescores.celery_app import app as celery_app

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """One test database per pytest process, so parallel runs never collide."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture(autouse=True)
def _poller_forgets_its_warnings() -> Iterator[None]:
    """The poller warns once per game and process about a state it keeps ignoring; each
    test starts with a poller that has said nothing yet."""
    from games import services

    services.forget_warnings()
    yield


@pytest.fixture
def scoreboard_payload() -> dict[str, Any]:
    """The real recorded scoreboard of 2023-04-20 (two live games, one final)."""
    payload: dict[str, Any] = json.loads((FIXTURES / "scoreboard_2023-04-20.json").read_text())
    return payload


@pytest.fixture
def redis_client() -> Iterator[Any]:
    from games.redis_client import get_redis

    client = get_redis()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run queued tasks inline (no worker in tests)."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(scope="session")
def night(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The recorded night played once through the whole stack (support/night.py);
    the database is empty again afterwards."""
    from support.night import recorded_night

    with django_db_blocker.unblock():
        return recorded_night()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/night.json.gz from this tree's recorded night",
    )
