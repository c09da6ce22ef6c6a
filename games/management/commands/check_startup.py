"""Check what start-up needs before anything starts (``bin/up`` runs it first).

The settings were read already (``manage.py`` turns a bad variable into one line); here
the replay night is read too, so ``REPLAY_DATE=2024-12-24`` (a night without games)
stops start-up with one line naming the variable and the fix, not a worker traceback.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from games.feed.select import ReplayNightError, check_replay_night


class Command(BaseCommand):
    help = "Fail with one line naming the variable and its fix if the stack cannot start."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.FEED != "replay":
            self.stdout.write(f"feed: {settings.FEED}")
            return
        try:
            self.stdout.write(check_replay_night())
        except ReplayNightError as exc:
            raise CommandError(str(exc)) from None
