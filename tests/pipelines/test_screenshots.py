"""The screenshot command only ever runs on a scratch database (bin/screenshots makes one)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from games.models import Game


@pytest.mark.django_db
def test_the_screenshot_command_refuses_a_database_that_is_not_scratch() -> None:
    with pytest.raises(CommandError, match="not a scratch database"):
        call_command("screenshots")
    assert not Game.objects.exists()  # nothing was rewound or polled
