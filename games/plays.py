"""A game's plays and box-score lines, and the facts derived from the plays.

``Play`` is one action of NBA's live play-by-play, unique per game and
``actionNumber`` and ordered by ``orderNumber`` (NBA renumbers and edits actions after
the fact; an action that vanishes from the feed is kept, marked ``removed``).
``TeamBoxLine`` / ``PlayerBoxLine`` are the box score's lines, upserted on change.

Game flow (one definition, from the plays in order, removed ones left out): the line
score by period, lead changes, ties, the largest lead of each team, the current run and
possession (``game_flow``). The models are registered by ``games.models``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from games.clock import elapsed_seconds
from games.playstate import (
    AWAY,
    HOME,
    PlayAction,
    PlayState,
    Side,
    at_time,
    other,
    sort_actions,
    step,
)

SCORING_ACTIONS = {"2pt": 2, "3pt": 3, "freethrow": 1}
PLAY_LIST_FIELDS = (
    "action_number",
    "order_number",
    "period",
    "clock_seconds",
    "team_id",
    "team_tricode",
    "person_id",
    "player_name",
    "action_type",
    "sub_type",
    "shot_result",
    "description",
    "score_home",
    "score_away",
    "possession",
    "removed",
)


class PlayQuerySet(models.QuerySet["Play"]):
    def present(self) -> PlayQuerySet:
        """The plays the feed still has (not removed), in game order."""
        return self.filter(removed=False).order_by("order_number", "action_number")

    def version(self) -> tuple[int, dt.datetime | None]:
        """(rows, newest ``updated_at``): any insert, edit or removal changes it (a removed
        play is kept, marked ``removed``), so it tells whether the plays changed."""
        agg = self.aggregate(rows=models.Count("pk"), newest=models.Max("updated_at"))
        return agg["rows"], agg["newest"]


class Play(models.Model):
    game = models.ForeignKey("games.Game", on_delete=models.CASCADE, related_name="plays")
    action_number = models.PositiveIntegerField()
    order_number = models.PositiveBigIntegerField()
    period = models.PositiveSmallIntegerField()
    clock_seconds = models.FloatField(null=True, blank=True, help_text="Seconds left.")
    elapsed_seconds = models.FloatField(help_text="Game seconds since tip-off.")
    time_actual = models.DateTimeField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    team_tricode = models.CharField(max_length=3, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    player_name = models.CharField(max_length=40, blank=True)
    action_type = models.CharField(max_length=40)
    sub_type = models.CharField(max_length=40, blank=True)
    descriptor = models.CharField(max_length=40, blank=True)
    shot_result = models.CharField(max_length=10, blank=True)
    description = models.CharField(max_length=200, blank=True)
    score_home = models.PositiveSmallIntegerField(default=0)
    score_away = models.PositiveSmallIntegerField(default=0)
    possession = models.BigIntegerField(
        null=True, blank=True, help_text="Team id in possession during the action."
    )
    edited = models.DateTimeField(null=True, blank=True, help_text="NBA's own edit stamp.")
    removed = models.BooleanField(
        default=False, help_text="The action vanished from the feed (kept, never deleted)."
    )
    first_seen = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = PlayQuerySet.as_manager()

    class Meta:
        ordering = ["game", "order_number", "action_number"]
        constraints = [
            models.UniqueConstraint(fields=["game", "action_number"], name="play_unique_action")
        ]
        indexes = [models.Index(fields=["game", "order_number"], name="play_game_order")]

    def __str__(self) -> str:
        return f"{self.game_id} #{self.action_number} {self.description}"

    @property
    def points(self) -> int:
        """Points the action scored (a made shot or free throw), else 0."""
        if self.shot_result != "Made":
            return 0
        return SCORING_ACTIONS.get(self.action_type, 0)

    @property
    def is_scoring(self) -> bool:
        return self.points > 0


class BoxLine(models.Model):
    """The counting stats of one box-score line."""

    seconds = models.FloatField(default=0, help_text="Time on the court.")
    points = models.PositiveSmallIntegerField(default=0)
    rebounds_offensive = models.PositiveSmallIntegerField(default=0)
    rebounds_defensive = models.PositiveSmallIntegerField(default=0)
    rebounds = models.PositiveSmallIntegerField(default=0)
    assists = models.PositiveSmallIntegerField(default=0)
    steals = models.PositiveSmallIntegerField(default=0)
    blocks = models.PositiveSmallIntegerField(default=0)
    turnovers = models.PositiveSmallIntegerField(default=0)
    fouls = models.PositiveSmallIntegerField(default=0)
    fg_made = models.PositiveSmallIntegerField(default=0)
    fg_attempted = models.PositiveSmallIntegerField(default=0)
    fg3_made = models.PositiveSmallIntegerField(default=0)
    fg3_attempted = models.PositiveSmallIntegerField(default=0)
    ft_made = models.PositiveSmallIntegerField(default=0)
    ft_attempted = models.PositiveSmallIntegerField(default=0)
    plus_minus = models.SmallIntegerField(default=0)
    updated_at = models.DateTimeField()

    STAT_FIELDS = (
        "seconds",
        "points",
        "rebounds_offensive",
        "rebounds_defensive",
        "rebounds",
        "assists",
        "steals",
        "blocks",
        "turnovers",
        "fouls",
        "fg_made",
        "fg_attempted",
        "fg3_made",
        "fg3_attempted",
        "ft_made",
        "ft_attempted",
        "plus_minus",
    )

    class Meta:
        abstract = True

    @property
    def minutes(self) -> str:
        """Time on the court as "MM:SS"."""
        whole = int(self.seconds)
        return f"{whole // 60}:{whole % 60:02d}"


class TeamBoxLine(BoxLine):
    game = models.ForeignKey("games.Game", on_delete=models.CASCADE, related_name="team_lines")
    side = models.CharField(max_length=4, choices=[("home", "home"), ("away", "away")])
    team_id = models.BigIntegerField()
    tricode = models.CharField(max_length=3)
    in_bonus = models.BooleanField(null=True, blank=True)
    timeouts_remaining = models.PositiveSmallIntegerField(null=True, blank=True)

    EXTRA_FIELDS = ("team_id", "tricode", "in_bonus", "timeouts_remaining")

    class Meta:
        ordering = ["game", "side"]
        constraints = [
            models.UniqueConstraint(fields=["game", "side"], name="team_line_unique_side")
        ]

    def __str__(self) -> str:
        return f"{self.game_id} {self.tricode} {self.points}"


class PlayerBoxLine(BoxLine):
    game = models.ForeignKey("games.Game", on_delete=models.CASCADE, related_name="player_lines")
    side = models.CharField(max_length=4, choices=[("home", "home"), ("away", "away")])
    person_id = models.BigIntegerField()
    name = models.CharField(max_length=40)
    name_i = models.CharField(max_length=40, blank=True)
    jersey = models.CharField(max_length=3, blank=True)
    position = models.CharField(max_length=3, blank=True)
    starter = models.BooleanField(default=False)
    on_court = models.BooleanField(default=False)
    played = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    EXTRA_FIELDS = (
        "side",
        "name",
        "name_i",
        "jersey",
        "position",
        "starter",
        "on_court",
        "played",
        "order",
    )

    class Meta:
        ordering = ["game", "side", "order", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["game", "person_id"], name="player_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.game_id} {self.name} {self.points}"


# ---- game flow, derived from the plays -------------------------------------------


@dataclass(frozen=True)
class Run:
    """Unanswered points: ``side`` scored ``points`` since the other side last scored."""

    side: str
    points: int


@dataclass
class GameFlow:
    line_score: dict[str, list[int]] = field(default_factory=lambda: {"home": [], "away": []})
    lead_changes: int = 0
    times_tied: int = 0
    largest_lead: dict[str, int] = field(default_factory=lambda: {"home": 0, "away": 0})
    run: Run | None = None
    possession: int | None = None  # team id

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_score": self.line_score,
            "lead_changes": self.lead_changes,
            "times_tied": self.times_tied,
            "largest_lead": self.largest_lead,
            "run": None if self.run is None else {"side": self.run.side, "points": self.run.points},
            "possession": self.possession,
        }


def game_flow(plays: Iterable[Any], periods: int = 4) -> GameFlow:
    """The flow of a game from its plays in game order (anything with ``period``,
    ``score_home``, ``score_away``, ``possession``; removed plays already left out).

    Scores are taken as the running maximum (a stale score on a late row never counts
    as a change). A lead change is the lead passing to the other side (through a tie or
    not); a tie is the score becoming level after 0-0; a side's largest lead is its
    biggest margin at any moment; the run is the points one side scored since the other
    last scored. The line score has the four regulation periods always and every
    overtime period the plays reached.
    """
    flow = GameFlow()
    home = away = 0
    leader = ""
    last_period = 0
    period_base = {"home": 0, "away": 0}
    totals: dict[int, tuple[int, int]] = {}
    run_side, run_points = "", 0
    for play in plays:
        period = int(play.period)
        if period != last_period:
            period_base = {"home": home, "away": away}
            last_period = period
        new_home, new_away = max(home, int(play.score_home)), max(away, int(play.score_away))
        if play.possession is not None:
            flow.possession = int(play.possession) or None
        if (new_home, new_away) != (home, away):
            for side, gained in (("home", new_home - home), ("away", new_away - away)):
                if gained:
                    run_points = run_points + gained if run_side == side else gained
                    run_side = side
            home, away = new_home, new_away
            if home == away:
                flow.times_tied += 1
            else:
                now = "home" if home > away else "away"
                if leader and now != leader:
                    flow.lead_changes += 1
                leader = now
                flow.largest_lead[now] = max(flow.largest_lead[now], abs(home - away))
        totals[period] = (home - period_base["home"], away - period_base["away"])
    for period in range(1, max([periods, *totals]) + 1):
        scored = totals.get(period, (0, 0))
        flow.line_score["home"].append(scored[0])
        flow.line_score["away"].append(scored[1])
    flow.run = Run(run_side, run_points) if run_side else None
    return flow


def flow_of(game_id: str) -> GameFlow:
    """The game flow of a stored game."""
    plays = (
        Play.objects.filter(game_id=game_id)
        .present()
        .only("period", "score_home", "score_away", "possession")
    )
    return game_flow(plays)


def last_plays(game_id: str, count: int) -> Sequence[Play]:
    """The game's last ``count`` present plays, in game order."""
    rows = list(Play.objects.filter(game_id=game_id).present().reverse()[:count])
    rows.reverse()
    return rows


# ---- the game state at a moment, from the plays ---------------------------------------

# Within 24 s of running game clock an action must come (a shot, a foul, a turnover, a
# violation): plays whose last action is older than that at the moment are behind it.
SHOT_CLOCK_SECONDS = 24.0
# Foul descriptors that give free throws whatever the bonus ("shooting", "flagrant-type-1"...).
_SHOTS_LIKELY = ("shooting", "flagrant", "clear-path", "take", "away-from-play")
_STATE_FIELDS = (
    "action_number",
    "order_number",
    "period",
    "clock_seconds",
    "team_id",
    "action_type",
    "sub_type",
    "descriptor",
    "shot_result",
    "score_home",
    "score_away",
    "possession",
)
FOLDS_KEPT = 64  # games whose folded plays a process keeps (a night has at most 15 live)


@dataclass(frozen=True, slots=True)
class PlaysAt:
    """The plays' game state at a moment. ``free_throws_known`` is False at the instant of
    a foul that gives free throws (a shooting or flagrant foul, or one on a side in the
    bonus): the stored plays do not keep the foul's ``Nfreethrow`` qualifier, so how many
    are to come is unknown until the first free-throw row ("1 of 2")."""

    state: PlayState
    free_throws_known: bool


@dataclass
class FoldedPlays:
    """A game's present plays with a clock, in game order, and the fold's state after
    each (``states[i]`` after ``actions[i]``), with what they were read at: how many
    stored rows (removed ones too) and the newest ``updated_at`` among them."""

    rows: int = 0
    newest: Any = None
    known: set[int] = field(default_factory=set)  # action numbers of every row read
    actions: list[PlayAction] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    states: list[PlayState] = field(default_factory=list)
    # After each action: a foul that may give free throws and whose free throws have not
    # been shot yet (its game second), else None.
    awarding: list[float | None] = field(default_factory=list)

    def extend(self, actions: Iterable[PlayAction]) -> None:
        state = self.states[-1] if self.states else PlayState()
        pending = self.awarding[-1] if self.awarding else None
        for action in actions:
            if action.kind == "foul" and action.team_foul and action.side is not None:
                shooting = any(word in action.descriptor for word in _SHOTS_LIKELY)
                pending = action.elapsed if shooting or state.in_bonus(other(action.side)) else None
            elif action.kind == "freethrow":
                pending = None
            state = step(state, action)
            self.actions.append(action)
            self.elapsed.append(action.elapsed)
            self.states.append(state)
            self.awarding.append(pending)


_folds: OrderedDict[str, FoldedPlays] = OrderedDict()
_folds_lock = threading.Lock()


def play_action(row: tuple[Any, ...], home_team_id: int, away_team_id: int) -> PlayAction:
    """A stored play (a ``_STATE_FIELDS`` row) as ``games.playstate``'s action."""
    teams: dict[int, Side] = {home_team_id: HOME, away_team_id: AWAY}
    (_, order, period, clock, team, kind, sub_type, descriptor, result, home, away, ball) = row
    return PlayAction(
        number=int(order),
        period=int(period),
        seconds_left=float(clock or 0.0),
        kind=kind,
        side=teams.get(int(team or 0)),
        score_home=int(home),
        score_away=int(away),
        made=result == "Made",
        sub_type=sub_type,
        descriptor=descriptor,
        possession=teams.get(int(ball or 0)),
    )


def _order(action: PlayAction) -> tuple[int, float, int]:
    return (action.period, -action.seconds_left, action.number)  # sort_actions' key


def _rows(plays: models.QuerySet[Play]) -> list[tuple[Any, ...]]:
    """(removed, action_number, *_STATE_FIELDS) of each play."""
    return list(plays.values_list("removed", "action_number", *_STATE_FIELDS))


def _actions(rows: list[tuple[Any, ...]], home_team_id: int, away_team_id: int) -> list[PlayAction]:
    """The present plays with a clock among ``rows``, as actions in game order."""
    return sort_actions(
        play_action(row[2:], home_team_id, away_team_id)
        for row in rows
        if not row[0] and row[5] is not None  # row[5]: clock_seconds
    )


def folded_plays(game_id: str, home_team_id: int, away_team_id: int) -> FoldedPlays:
    """The game's folded plays, kept per process and brought up to date with one
    aggregate query when nothing changed, plus one query for the rows changed since:
    new actions after the last folded one are folded on; an edit, a removal or a late
    action refolds the game."""
    stored = Play.objects.filter(game_id=game_id)
    rows, newest = stored.version()
    with _folds_lock:
        kept = _folds.get(game_id)
    if kept is not None and (kept.rows, kept.newest) == (rows, newest):
        return kept
    folded = None
    if kept is not None and kept.newest is not None:
        changed = _rows(stored.filter(updated_at__gt=kept.newest))
        fresh = _actions(changed, home_team_id, away_team_id)
        appended = (
            all(not row[0] and row[1] not in kept.known for row in changed)
            and kept.rows + len(changed) == rows
            and (not kept.actions or all(_order(a) > _order(kept.actions[-1]) for a in fresh))
        )
        if appended:
            folded = kept
            folded.known.update(row[1] for row in changed)
            folded.extend(fresh)
    if folded is None:
        every = _rows(stored)
        folded = FoldedPlays(known={row[1] for row in every})
        folded.extend(_actions(every, home_team_id, away_team_id))
    folded.rows, folded.newest = rows, newest
    with _folds_lock:
        _folds[game_id] = folded
        _folds.move_to_end(game_id)
        while len(_folds) > FOLDS_KEPT:
            _folds.popitem(last=False)
    return folded


def plays_at(
    game_id: str,
    home_team_id: int,
    away_team_id: int,
    period: int,
    seconds_left: float,
    score: tuple[int, int],
) -> PlaysAt | None:
    """The game state the stored plays give at a scoreboard moment (period and clock,
    score home/away): possession, free throws pending, team fouls, bonus and timeouts
    left, by ``games.playstate``'s fold - the rules the state model was trained on.

    None when the plays cannot be trusted for that moment: no play at or before it, the
    last one's score is not the moment's (the plays lag the scoreboard, or run ahead of
    it), or the clock ran more than a shot clock since the last one (plays are missing)."""
    moment = elapsed_seconds(period, seconds_left)
    folded = folded_plays(game_id, home_team_id, away_team_id)
    index = bisect.bisect_right(folded.elapsed, moment) - 1
    if index < 0:
        return None
    last, state = folded.actions[index], folded.states[index]
    if (last.score_home, last.score_away) != score:
        return None
    if moment - last.elapsed > SHOT_CLOCK_SECONDS:
        return None
    if (state.score_home, state.score_away) != score:
        return None  # a late row's lower score (the running maximum disagrees)
    try:
        state = at_time(state, period, seconds_left)
    except ValueError:  # the last play's clock is after the moment's (same instant)
        return None
    # The stored plays lack the foul's "Nfreethrow" qualifier: between a foul that gives
    # free throws and the first of them (the clock stopped), how many are to come is unknown.
    awarding = folded.awarding[index]
    return PlaysAt(state, free_throws_known=awarding is None or awarding != last.elapsed)
