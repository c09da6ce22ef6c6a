from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from games.feed.select import ReplayNightError, build_replay_feed, check_replay_night
from games.models import Game


class Command(BaseCommand):
    help = "Start the replay night from its first poll: rewind the cursor, drop its games."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            check_replay_night()
        except ReplayNightError as exc:
            raise CommandError(str(exc)) from None
        feed = build_replay_feed()
        ids = [game.game_id for game in feed.board.night.games]
        deleted, _ = Game.objects.filter(pk__in=ids).delete()
        feed.reset()
        self.stdout.write(
            f"replay of {feed.board.night.date} rewound ({len(ids)} games, {deleted} rows dropped)"
        )
