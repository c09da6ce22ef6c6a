"""Store a game's play-by-play and box score: upserts that keep edits and removals.

``ingest_plays`` takes every action the feed has now (the live endpoint always answers
with the whole game so far): a new action is inserted, an action whose content changed
(NBA edits and renumbers actions after the fact) updates its row, and an action the feed
no longer has is marked ``removed`` (never deleted; it comes back if the feed does).
``ingest_boxscore`` upserts the team and player lines whose numbers changed. Both are
idempotent: the same payload twice changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from redis.exceptions import LockError, RedisError

from games import metrics, signals
from games.budget import take_requests
from games.clock import REGULATION_PERIODS, period_end
from games.feed.game_feed import BOXSCORE, PLAYBYPLAY, Body, GameFeed, GameFeedError, GameMoment
from games.feed.parser import PayloadError
from games.feed.playbyplay import BoxScore, BoxStats, PlayRow, parse_boxscore, parse_playbyplay
from games.feed.select import get_game_feed
from games.feed.types import GameState, GameStatus, Scoreboard, TeamState
from games.minutes import HALFTIME_MINUTE
from games.models import Game, MinuteDifferential
from games.plays import BoxLine, Play, PlayerBoxLine, TeamBoxLine
from games.recovery import correct_minutes_from_plays
from games.redis_client import get_redis
from games.services import ingest_scoreboard

logger = logging.getLogger(__name__)

_Row = TypeVar("_Row", Play, PlayerBoxLine)

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
    previous: int = 0  # orderNumber of the newest present play before this payload
    minutes: list[MinuteDifferential] = field(default_factory=list)  # rewritten from them

    @property
    def changed(self) -> bool:
        return bool(self.new or self.edited or self.removed)

    def earliest(self) -> float:
        """The game time from which this payload can change the minutes: its first new
        play's; the whole game (0) after an edit or a removal, which may have moved or
        dropped a basket anywhere."""
        if self.edited or self.removed or not self.new:
            return 0.0
        return min(play.elapsed_seconds for play in self.new)

    def pushed(self) -> list[Play]:
        """The new and edited plays, in ``orderNumber`` order (what subscribers get)."""
        return sorted(self.new + self.edited, key=lambda p: (p.order_number, p.action_number))


def _row_content(row: PlayRow) -> tuple[object, ...]:
    """A feed action's ``PLAY_FIELDS``, as its stored row would hold them (present)."""
    return (
        row.order_number,
        row.period,
        row.clock_seconds,
        row.elapsed,
        row.time_actual,
        row.team_id,
        row.team_tricode,
        row.person_id,
        row.player_name,
        row.action_type,
        row.sub_type,
        row.descriptor,
        row.shot_result,
        row.description,
        row.score_home,
        row.score_away,
        row.possession,
        row.edited,
        False,
    )


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
        # The stored plays as plain tuples (no model per row): most of a game's actions
        # are unchanged at every fetch, and only new and edited ones become rows.
        stored = {
            number: (pk, first_seen, tuple(content))
            for number, pk, first_seen, *content in Play.objects.select_for_update()
            .filter(game_id=game_id)
            .values_list("action_number", "pk", "first_seen", *PLAY_FIELDS)
        }
        order, removed = PLAY_FIELDS.index("order_number"), PLAY_FIELDS.index("removed")
        changes.previous = max(
            (c[order] for _, _, c in stored.values() if not c[removed]), default=0
        )
        seen: set[int] = set()
        for row in rows:
            seen.add(row.action_number)
            old = stored.get(row.action_number)
            if old is not None and old[2] == _row_content(row):
                continue
            incoming = _play(game_id, row, now)
            if old is None:
                changes.new.append(incoming)
            else:
                incoming.pk, incoming.first_seen = old[0], old[1]
                changes.edited.append(incoming)
        for number, (pk, _, content) in stored.items():
            if number not in seen and not content[removed]:  # what the update writes
                gone = Play(pk=pk, game_id=game_id, action_number=number, removed=True)
                gone.updated_at = now
                changes.removed.append(gone)
        Play.objects.bulk_create(changes.new)
        if changes.edited:  # one INSERT ... ON CONFLICT DO UPDATE, not bulk_update's CASEs
            Play.objects.bulk_create(
                [_unsaved(p) for p in changes.edited],
                update_conflicts=True,
                unique_fields=["game", "action_number"],
                update_fields=[*PLAY_FIELDS, "updated_at"],
            )
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


def _unsaved(row: _Row) -> _Row:
    """A copy without its primary key, for an upsert on the natural key."""
    copy = type(row)(**{f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields})
    copy.pk = None
    return copy


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
        # One INSERT ... ON CONFLICT DO UPDATE: bulk_update's CASE WHENs cost ~30x more.
        PlayerBoxLine.objects.bulk_create(
            [_unsaved(p) for p in changes.players],
            update_conflicts=True,
            unique_fields=["game", "person_id"],
            update_fields=[*player_names, "updated_at"],
        )
    return changes


# ---- following the live games' own endpoints on the poll's beat --------------------

FINGERPRINT_KEY = "livescores:plays:fingerprint:{game_id}"
FINGERPRINT_TTL_SECONDS = 36 * 3600
FOLLOW_LOCK_KEY = "livescores:plays:follow-lock"
FOLLOW_STATUS_KEY = "livescores:plays:status"
FINAL_FOLLOW_SECONDS = 3600  # a game just final: fetched until its plays hold the game end


@dataclass
class FollowResult:
    games: int = 0
    requests: dict[str, int] = field(default_factory=lambda: {PLAYBYPLAY: 0, BOXSCORE: 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {PLAYBYPLAY: 0, BOXSCORE: 0})
    # ... of which the server answered 304 to a conditional request (no body sent)
    not_modified: dict[str, int] = field(default_factory=lambda: {PLAYBYPLAY: 0, BOXSCORE: 0})
    failures: dict[str, str] = field(default_factory=dict)  # "endpoint game": failure class
    over_budget: int = 0  # requests not made: the request budget was spent
    changed: list[str] = field(default_factory=list)  # games whose plays or box changed


def followed_games() -> list[Game]:
    """Live games (on the board or not: a game that vanished from the scoreboard
    unfinished is followed through its own endpoints), and games just final whose stored
    plays do not reach the game's end yet; close and late games first."""
    recent = timezone.now() - dt.timedelta(seconds=FINAL_FOLLOW_SECONDS)
    ended = Play.objects.filter(game=OuterRef("pk"), action_type="game", removed=False)
    games = Game.objects.filter(
        Q(status=GameStatus.LIVE)
        | Q(status=GameStatus.FINAL, updated_at__gte=recent) & ~Exists(ended)
    )
    return sorted(games, key=lambda g: (abs(g.differential) > 10, -g.elapsed_seconds, g.pk))


def _moment(game: Game) -> GameMoment:
    return GameMoment(
        game_id=game.pk,
        game_date=game.game_date,
        status=int(game.status),
        period=game.period,
        elapsed=game.elapsed_seconds,
        tip_off=game.start_time,
    )


def _fetch_all(
    feed: GameFeed, endpoint: str, moments: list[GameMoment]
) -> dict[str, Body | GameFeedError]:
    """One request per game, at most ``PLAYS_FETCH_CONCURRENCY`` at a time (network
    only: nothing here touches the database)."""

    def one(moment: GameMoment) -> Body | GameFeedError:
        try:
            return feed.fetch(endpoint, moment)
        except GameFeedError as exc:
            return exc
        except Exception as exc:  # a broken feed must cost its game only
            return GameFeedError("shape", f"{endpoint} {moment.game_id}: {exc!r}")

    if not moments:
        return {}
    workers = max(1, min(settings.PLAYS_FETCH_CONCURRENCY, len(moments)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plays") as pool:
        answers = list(pool.map(one, moments))
    return {m.game_id: a for m, a in zip(moments, answers, strict=True)}


def _stored_fingerprints(game_ids: list[str]) -> dict[str, dict[str, str]]:
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for game_id in game_ids:
                pipe.hgetall(FINGERPRINT_KEY.format(game_id=game_id))
            raw = pipe.execute()
    except RedisError as exc:
        logger.warning("play-by-play fingerprints unavailable (Redis: %s); fetching all", exc)
        return {}
    return {
        game_id: {_text(k): _text(v) for k, v in values.items()}
        for game_id, values in zip(game_ids, raw, strict=True)
    }


def _remember(game_id: str, endpoint: str, fingerprint: str) -> None:
    key = FINGERPRINT_KEY.format(game_id=game_id)
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            pipe.hset(key, endpoint, fingerprint)
            pipe.expire(key, FINGERPRINT_TTL_SECONDS)
            pipe.execute()
    except RedisError as exc:
        logger.warning("play-by-play fingerprint not stored (Redis: %s)", exc)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _fault(result: FollowResult, endpoint: str, game_id: str, kind: str, message: str) -> None:
    result.failures[f"{endpoint} {game_id}"] = kind
    metrics.record_game_feed(endpoint, f"failure:{kind}")
    logger.warning(
        "%s %s failed (%s): %s; the scoreboard stays the source", endpoint, game_id, kind, message
    )


def _count_not_modified(result: FollowResult, endpoint: str, answer: Body) -> None:
    if answer.not_modified:
        result.not_modified[endpoint] += 1
        metrics.record_game_feed(endpoint, "not_modified")


def follow_games(feed: GameFeed | None = None) -> FollowResult:
    """Fetch, store and announce the play-by-play and box score of every followed game.

    Runs after the scoreboard poll has committed and pushed (``games.tasks``), so it never
    delays it. Play-by-play first; a body equal to the last one stored is skipped
    (fingerprint); the box score only for games whose plays changed (or that have none
    stored yet); a request the budget cannot pay for is not made. A failure costs only
    its game and endpoint: one log line and a metric by failure class.
    """
    feed = feed or get_game_feed()
    games = {game.pk: game for game in followed_games()}
    result = FollowResult(games=len(games))
    if not games:
        return result
    seen = _stored_fingerprints(list(games))
    allowed = take_requests(len(games)) if feed.budgeted else len(games)
    result.over_budget += len(games) - allowed
    moments = [_moment(game) for game in list(games.values())[:allowed]]
    if result.over_budget:
        metrics.record_game_feed(PLAYBYPLAY, "over_budget", result.over_budget)
        logger.warning(
            "play-by-play request budget spent: %d of %d games not fetched this poll",
            result.over_budget,
            len(games),
        )
    plays: dict[str, tuple[PlayChanges, str]] = {}
    box_due: list[GameMoment] = []
    ending: set[str] = set()
    for game_id, answer in _fetch_all(feed, PLAYBYPLAY, moments).items():
        result.requests[PLAYBYPLAY] += 1
        metrics.record_game_feed(PLAYBYPLAY, "request")
        if isinstance(answer, GameFeedError):
            _fault(result, PLAYBYPLAY, game_id, answer.kind, str(answer))
            continue
        _count_not_modified(result, PLAYBYPLAY, answer)
        if seen.get(game_id, {}).get(PLAYBYPLAY) == answer.fingerprint:
            result.unchanged[PLAYBYPLAY] += 1
            metrics.record_game_feed(PLAYBYPLAY, "unchanged")
            if _ended_unfinished(games[game_id]):
                ending.add(game_id)
                box_due.append(_moment(games[game_id]))
            continue
        try:
            _, rows = parse_playbyplay(answer.payload)
        except PayloadError as exc:
            _fault(result, PLAYBYPLAY, game_id, "shape", str(exc))
            continue
        if not rows and games[game_id].status != GameStatus.SCHEDULED and _has_plays(game_id):
            _fault(result, PLAYBYPLAY, game_id, "empty", "no actions in a game that has some")
            continue
        changes = ingest_plays(game_id, rows)
        plays[game_id] = (changes, answer.fingerprint)
        if _ended_unfinished(games[game_id]):
            ending.add(game_id)  # its box score, even unchanged, may finish it
        if (
            changes.changed
            or game_id in ending
            or not TeamBoxLine.objects.filter(game_id=game_id).exists()
        ):
            box_due.append(_moment(games[game_id]))
    if feed.budgeted and box_due:
        granted = take_requests(len(box_due))
        if granted < len(box_due):
            metrics.record_game_feed(BOXSCORE, "over_budget", len(box_due) - granted)
            result.over_budget += len(box_due) - granted
        box_due = box_due[:granted]
    boxes: dict[str, BoxChanges] = {}
    for game_id, answer in _fetch_all(feed, BOXSCORE, box_due).items():
        result.requests[BOXSCORE] += 1
        metrics.record_game_feed(BOXSCORE, "request")
        if isinstance(answer, GameFeedError):
            _fault(result, BOXSCORE, game_id, answer.kind, str(answer))
            continue
        _count_not_modified(result, BOXSCORE, answer)
        if game_id not in ending and seen.get(game_id, {}).get(BOXSCORE) == answer.fingerprint:
            result.unchanged[BOXSCORE] += 1
            metrics.record_game_feed(BOXSCORE, "unchanged")
            continue
        try:
            box = parse_boxscore(answer.payload)
        except PayloadError as exc:
            _fault(result, BOXSCORE, game_id, "shape", str(exc))
            continue
        boxes[game_id] = ingest_boxscore(game_id, box)
        _remember(game_id, BOXSCORE, answer.fingerprint)
        finish_vanished_game(games[game_id], box)
    _record_status(result)
    corrected = correct_minutes(games, plays)
    for game_id in sorted(set(plays) | set(boxes) | set(corrected)):
        changes, fingerprint = plays.get(game_id, (PlayChanges(), ""))
        changes.minutes = corrected.get(game_id, [])
        box_changes = boxes.get(game_id, BoxChanges())
        if changes.changed or box_changes.changed or changes.minutes:
            result.changed.append(game_id)
            _announce(game_id, changes, box_changes)
        if fingerprint:
            _remember(game_id, PLAYBYPLAY, fingerprint)
    return result


MINUTES_RECHECKED = 3  # the last closed minutes checked against the plays at each follow-up


def correct_minutes(
    games: dict[str, Game], plays: dict[str, tuple[PlayChanges, str]]
) -> dict[str, list[MinuteDifferential]]:
    """Rewrite the closed minutes the stored plays say otherwise (plays are authoritative),
    for every followed game and every game final within ``FINAL_FOLLOW_SECONDS`` (its
    last minutes may have been stored by the poll after its plays ended): the minutes from
    a fetch's new plays on, and the last ``MINUTES_RECHECKED`` closed minutes whatever the
    fetch brought (a minute the plays closed before the poll stored it, or a boundary
    between two fetches). An edit or a removal rechecks the whole game."""
    recent = timezone.now() - dt.timedelta(seconds=FINAL_FOLLOW_SECONDS)
    finals = (
        Game.objects.filter(status=GameStatus.FINAL, updated_at__gte=recent)
        .filter(Exists(Play.objects.filter(game=OuterRef("pk"))))
        .exclude(pk__in=list(games))
    )
    corrected: dict[str, list[MinuteDifferential]] = {}
    for game in [*games.values(), *finals]:
        since = 60.0 * max(game.last_closed_minute - MINUTES_RECHECKED, 0)
        changes = plays.get(game.pk, (PlayChanges(), ""))[0]
        if changes.changed:
            since = min(since, changes.earliest())
        rewritten = correct_minutes_from_plays(game.pk, since)
        if rewritten:
            corrected[game.pk] = rewritten
    return corrected


def _stale(game: Game) -> bool:
    """No poll has changed the game for two poll intervals."""
    limit = timezone.now() - dt.timedelta(seconds=2 * settings.POLL_INTERVAL_SECONDS)
    return game.updated_at <= limit


def _ended_unfinished(game: Game) -> bool:
    """The stored plays hold the game's end while the scoreboard left the game live and
    stopped updating it."""
    if game.status != GameStatus.LIVE or not _stale(game):
        return False
    ended = Play.objects.filter(game=game, action_type="game", sub_type="end", removed=False)
    return ended.exists()


def finish_vanished_game(game: Game, box: BoxScore) -> bool:
    """A live game the scoreboard no longer updates (it left the board unfinished: the
    scoreboard's date rolled over, a suspended game) is finished from its own box score.

    Only when the box score says final and no poll has changed the game for
    ``2 * POLL_INTERVAL_SECONDS``: the state goes through ``ingest_scoreboard`` like any
    poll's (minutes closed, outcomes, pushes), so a scoreboard that still has the game
    agrees with it or is ignored as a regression from final.
    """
    if box.status != GameStatus.FINAL or game.status != GameStatus.LIVE:
        return False
    if not _stale(game) or box.period < 1:
        return False
    home, away = box.teams
    period = box.period
    state = GameState(
        game_id=game.pk,
        status=GameStatus.FINAL,
        status_text="Final" if period <= REGULATION_PERIODS else f"Final/OT{period - 4}",
        period=period,
        clock_seconds=0.0,
        elapsed=float(period_end(period)),
        home=_team_state(game, "home", home.score),
        away=_team_state(game, "away", away.score),
        start_time=game.start_time,
        sealed=True,
    )
    logger.warning(
        "game %s: no longer updated by the scoreboard; finished from its box score at %d-%d",
        game.pk,
        home.score,
        away.score,
    )
    ingest_scoreboard(Scoreboard(game_date=game.game_date, games=[state]))
    return True


def _team_state(game: Game, side: str, score: int) -> TeamState:
    return TeamState(
        team_id=getattr(game, f"{side}_team_id"),
        tricode=getattr(game, f"{side}_tricode"),
        city=getattr(game, f"{side}_city"),
        name=getattr(game, f"{side}_name"),
        wins=getattr(game, f"{side}_wins"),
        losses=getattr(game, f"{side}_losses"),
        score=score,
    )


def _record_status(result: FollowResult) -> None:
    """The last follow-up, for /healthz: games, requests, what the budget left out, faults."""
    status: dict[str, str | int] = {
        "at": timezone.now().isoformat(),
        "games": result.games,
        "requests": sum(result.requests.values()),
        "unchanged": sum(result.unchanged.values()),
        "over_budget": result.over_budget,
        "failures": len(result.failures),
    }
    try:
        client = get_redis()
        client.hset(FOLLOW_STATUS_KEY, mapping=cast(Any, status))
        if result.over_budget:  # the first follow-up the budget left games out of, kept
            client.hsetnx(FOLLOW_STATUS_KEY, "over_budget_since", status["at"])
        else:
            client.hdel(FOLLOW_STATUS_KEY, "over_budget_since")
    except RedisError as exc:
        logger.warning("play-by-play status not recorded (Redis: %s)", exc)


def budget_spent_since() -> tuple[dt.datetime, int] | None:
    """Since when every follow-up has left games out for want of request budget (and how
    many requests the last one did not make); None when the last one was paid in full,
    or nothing is known (no follow-up yet, Redis away)."""
    try:
        raw = get_redis().hmget(FOLLOW_STATUS_KEY, ["over_budget_since", "over_budget"])
    except RedisError as exc:
        logger.warning("play-by-play budget state unavailable (Redis: %s)", exc)
        return None
    since, missed = (None if v is None else _text(v) for v in raw)
    if since is None:
        return None
    return dt.datetime.fromisoformat(since), int(missed or 0)


def follow_status() -> dict[str, object]:
    """The last follow-up as /healthz shows it: ``degraded`` when the request budget left
    games out or fetches failed (the scoreboard alone carries those games then)."""
    try:
        raw = get_redis().hgetall(FOLLOW_STATUS_KEY)
    except RedisError as exc:
        return {"ok": True, "degraded": True, "reason": f"Redis: {exc}"}
    values = {_text(k): _text(v) for k, v in raw.items()}
    if not values:
        return {"ok": True, "degraded": False, "last": None}
    counts = {k: int(v) for k, v in values.items() if k not in ("at", "over_budget_since")}
    reasons = []
    if counts.get("over_budget"):
        reasons.append(f"request budget spent: {counts['over_budget']} requests not made")
    if counts.get("failures"):
        reasons.append(f"{counts['failures']} fetches failed")
    return {
        "ok": True,  # degraded, not down: the scoreboard path does not depend on it
        "degraded": bool(reasons),
        "reason": "; ".join(reasons) or None,
        "last": values.get("at"),
        **counts,
    }


def _has_plays(game_id: str) -> bool:
    return Play.objects.filter(game_id=game_id, removed=False).exists()


def _announce(game_id: str, changes: PlayChanges, box: BoxChanges) -> None:
    with transaction.atomic():
        game = Game.objects.only("seq", "last_closed_minute").filter(pk=game_id).first()
        signals.announce_on_commit(
            signals.plays_changed,
            change=signals.PlaysChange(
                game_id=game_id,
                seq=game.seq if game else 0,
                previous=changes.previous,
                plays=changes.pushed(),
                removed=[p.action_number for p in changes.removed],
                teams=box.teams,
                players=box.players,
                minutes=changes.minutes,
                pattern_progress=game.pattern_progress if game else 0,
            ),
        )
        halftime = [row for row in changes.minutes if row.minute == HALFTIME_MINUTE]
        if halftime:  # the actual halftime differential the forecast is scored on
            signals.announce_on_commit(
                signals.outcomes_known, outcomes={game_id: (halftime[0].differential, None)}
            )


def follow_exclusively(feed: GameFeed | None = None) -> FollowResult | None:
    """One follow-up at a time across workers (a Redis lock); None when one runs."""
    lock = get_redis().lock(FOLLOW_LOCK_KEY, timeout=settings.POLL_LOCK_SECONDS)
    try:
        acquired = lock.acquire(blocking=False)
    except RedisError as exc:
        logger.warning("play-by-play lock unavailable (Redis: %s); following without it", exc)
        return follow_games(feed)
    if not acquired:
        logger.info("play-by-play follow-up skipped: the previous one still runs")
        return None
    try:
        return follow_games(feed)
    finally:
        with contextlib.suppress(LockError, RedisError):
            lock.release()
