"""Store a game's play-by-play and box score: upserts that keep edits and removals.

``ingest_plays`` takes every action the feed has now (the live endpoint always answers
with the whole game so far): a new action is inserted, an action whose content changed
(NBA edits and renumbers actions after the fact) updates its row, and an action the feed
no longer has is marked ``removed`` (never deleted; it comes back if the feed does).
``ingest_boxscore`` upserts the team and player lines whose numbers changed. Both are
idempotent: the same payload twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from games.feed.playbyplay import BoxScore, BoxStats, PlayRow
from games.plays import BoxLine, Play, PlayerBoxLine, TeamBoxLine

logger = logging.getLogger(__name__)

PLAY_FIELDS = [
    "order_number",
    "period",
    "clock_seconds",
    "elapsed_seconds",
    "time_actual",
    "team_id",
    "team_tricode",
    "person_id",
    "player_name",
    "action_type",
    "sub_type",
    "descriptor",
    "shot_result",
    "description",
    "score_home",
    "score_away",
    "possession",
    "edited",
    "removed",
]


@dataclass
class PlayChanges:
    """What one play-by-play payload changed in a game's stored plays."""

    new: list[Play] = field(default_factory=list)
    edited: list[Play] = field(default_factory=list)  # content changed, or came back
    removed: list[Play] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.edited or self.removed)

    def pushed(self) -> list[Play]:
        """The new and edited plays, in ``orderNumber`` order (what subscribers get)."""
        return sorted(self.new + self.edited, key=lambda p: (p.order_number, p.action_number))


def _content(play: Play) -> tuple[object, ...]:
    return tuple(getattr(play, name) for name in PLAY_FIELDS)


def _play(game_id: str, row: PlayRow, now: dt.datetime) -> Play:
    return Play(
        game_id=game_id,
        action_number=row.action_number,
        order_number=row.order_number,
        period=row.period,
        clock_seconds=row.clock_seconds,
        elapsed_seconds=row.elapsed,
        time_actual=row.time_actual,
        team_id=row.team_id,
        team_tricode=row.team_tricode,
        person_id=row.person_id,
        player_name=row.player_name,
        action_type=row.action_type,
        sub_type=row.sub_type,
        descriptor=row.descriptor,
        shot_result=row.shot_result,
        description=row.description,
        score_home=row.score_home,
        score_away=row.score_away,
        possession=row.possession,
        edited=row.edited,
        removed=False,
        first_seen=now,
        updated_at=now,
    )


def ingest_plays(game_id: str, rows: list[PlayRow]) -> PlayChanges:
    """Upsert the game's plays from the feed's whole list of actions now.

    An empty list changes nothing (an empty answer is a fault of the feed, not a game
    whose every action was withdrawn: the caller reports it).
    """
    changes = PlayChanges()
    if not rows:
        return changes
    now = timezone.now()
    with transaction.atomic():
        stored = {
            play.action_number: play
            for play in Play.objects.select_for_update().filter(game_id=game_id)
        }
        seen: set[int] = set()
        for row in rows:
            seen.add(row.action_number)
            incoming = _play(game_id, row, now)
            old = stored.get(row.action_number)
            if old is None:
                changes.new.append(incoming)
            elif _content(old) != _content(incoming):
                incoming.pk, incoming.first_seen = old.pk, old.first_seen
                changes.edited.append(incoming)
        for number, old in stored.items():
            if number not in seen and not old.removed:
                old.removed, old.updated_at = True, now
                changes.removed.append(old)
        Play.objects.bulk_create(changes.new)
        if changes.edited:
            Play.objects.bulk_update(changes.edited, [*PLAY_FIELDS, "updated_at"])
        if changes.removed:
            Play.objects.bulk_update(changes.removed, ["removed", "updated_at"])
    if changes.edited or changes.removed:
        logger.info(
            "game %s: play-by-play edited %d actions, removed %d (%s)",
            game_id,
            len(changes.edited),
            len(changes.removed),
            ", ".join(f"#{p.action_number}" for p in changes.removed) or "none removed",
        )
    return changes


@dataclass
class BoxChanges:
    teams: list[TeamBoxLine] = field(default_factory=list)
    players: list[PlayerBoxLine] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.teams or self.players)


def _set_stats(line: BoxLine, stats: BoxStats) -> None:
    for name in BoxLine.STAT_FIELDS:
        setattr(line, name, getattr(stats, name))


def _values(line: BoxLine, names: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(getattr(line, name) for name in names)


def ingest_boxscore(game_id: str, box: BoxScore) -> BoxChanges:
    """Upsert the game's team and player box-score lines that changed."""
    now = timezone.now()
    changes = BoxChanges()
    team_names = (*BoxLine.STAT_FIELDS, *TeamBoxLine.EXTRA_FIELDS)
    player_names = (*BoxLine.STAT_FIELDS, *PlayerBoxLine.EXTRA_FIELDS)
    with transaction.atomic():
        teams = {t.side: t for t in TeamBoxLine.objects.select_for_update().filter(game_id=game_id)}
        players = {
            p.person_id: p
            for p in PlayerBoxLine.objects.select_for_update().filter(game_id=game_id)
        }
        for team in box.teams:
            line = teams.get(team.side) or TeamBoxLine(game_id=game_id, side=team.side)
            before = _values(line, team_names) if line.pk else None
            _set_stats(line, team.stats)
            line.team_id, line.tricode = team.team_id, team.tricode
            line.in_bonus, line.timeouts_remaining = team.in_bonus, team.timeouts_remaining
            if before != _values(line, team_names):
                line.updated_at = now
                changes.teams.append(line)
            for player in team.players:
                row = players.get(player.person_id) or PlayerBoxLine(
                    game_id=game_id, person_id=player.person_id
                )
                before = _values(row, player_names) if row.pk else None
                _set_stats(row, player.stats)
                row.side = team.side
                for name in PlayerBoxLine.EXTRA_FIELDS[1:]:
                    setattr(row, name, getattr(player, name))
                if before != _values(row, player_names):
                    row.updated_at = now
                    changes.players.append(row)
        for line in changes.teams:
            line.save()
        created = [p for p in changes.players if p.pk is None]
        updated = [p for p in changes.players if p.pk is not None]
        PlayerBoxLine.objects.bulk_create(created)
        if updated:
            PlayerBoxLine.objects.bulk_update(updated, [*player_names, "updated_at"])
    return changes
