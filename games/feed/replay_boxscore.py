"""A box score derived from the plays so far: ``BoxScore(...).get_dict()["game"]``.

Pure Python over ``games.feed.replay_plays.GamePlays``. Rules (``docs/replay.md``):

* points, field goals (2pt/3pt rows), free throws, assists (``assistPersonId`` of a made
  shot), steals / blocks / turnovers (their rows; team turnovers have no person),
  rebounds (offensive/defensive by ``subType``; team rebounds count for the team only),
  fouls (personal = personal + offensive fouls; technical apart; drawn from
  ``foulDrawnPersonId``), blocks received (``blockPersonId`` on a shot);
* fast-break / paint / second-chance / from-turnover points from the qualifiers of made
  shots and free throws;
* minutes: each period starts with its lineup (``lineups``) and every substitution moves
  a player on or off at its clock; time on the court runs to the moment's clock;
* plus-minus: points scored by each side while the player is on the court (the lineup at
  the scoring action, in game order);
* team: the players' sums plus team rows, line score per period (regulation periods are
  listed from the start, overtimes as they begin), lead changes, ties, biggest lead,
  time leading, biggest run (points in a row by one side), bench points, in bonus and
  timeouts left from ``games.playstate``'s fold.

What the plays cannot tell is left empty: arena, officials, attendance, jersey numbers,
positions, players who never got on the court (inactive and DNP), local tip-off times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from games.clock import REGULATION_PERIODS, format_clock, period_start
from games.feed.replay_plays import GamePlays, Moment, Play, Retime, last_time, meta
from games.playstate import AWAY, HOME, Side, other

COUNTERS = (
    "assists",
    "blocks",
    "blocksReceived",
    "fieldGoalsAttempted",
    "fieldGoalsMade",
    "foulsOffensive",
    "foulsDrawn",
    "foulsPersonal",
    "foulsTechnical",
    "freeThrowsAttempted",
    "freeThrowsMade",
    "points",
    "pointsFastBreak",
    "pointsInThePaint",
    "pointsSecondChance",
    "pointsFromTurnovers",
    "reboundsDefensive",
    "reboundsOffensive",
    "steals",
    "threePointersAttempted",
    "threePointersMade",
    "turnovers",
    "twoPointersAttempted",
    "twoPointersMade",
    "fastBreakPointsAttempted",
    "fastBreakPointsMade",
    "pointsInThePaintAttempted",
    "pointsInThePaintMade",
    "secondChancePointsAttempted",
    "secondChancePointsMade",
    "foulsDouble",
)
# Technical fouls charged to the team, not the player (as the live box score counts them).
TEAM_TECHNICALS = frozenset({"defensive-3-second", "delay"})
QUALIFIER_POINTS = {
    "fastbreak": "pointsFastBreak",
    "pointsinthepaint": "pointsInThePaint",
    "2ndchance": "pointsSecondChance",
    "fromturnover": "pointsFromTurnovers",
}
QUALIFIER_ATTEMPTS = {
    "fastbreak": "fastBreakPoints",
    "pointsinthepaint": "pointsInThePaint",
    "2ndchance": "secondChancePoints",
}


@dataclass
class Line:
    """Counters of a player (or of a team's team-only rows)."""

    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    plus: int = 0
    minus: int = 0
    seconds: float = 0.0
    on_since: float | None = None  # elapsed when he came on (None: off the court)

    def add(self, key: str, amount: int = 1) -> None:
        self.stats[key] += amount


@dataclass
class TeamFlow:
    """Score-flow facts of one side."""

    biggest_lead: int = 0
    biggest_lead_score: str = "0-0"
    run: int = 0
    biggest_run: int = 0
    biggest_run_score: str = "0-0"
    leading_seconds: float = 0.0
    periods: dict[int, int] = field(default_factory=dict)


class BoxFold:
    """The box score after each action, folded in game order."""

    def __init__(self, game: GamePlays) -> None:
        self.game = game
        self.lines: dict[int, Line] = {}
        self.team_rows = {HOME: Line(), AWAY: Line()}
        self.flow = {HOME: TeamFlow(), AWAY: TeamFlow()}
        self.on: dict[Side, list[int]] = {HOME: [], AWAY: []}
        self.period = 0
        self.count = 0  # actions folded
        self.score = (0, 0)
        self.lead_changes = 0
        self.times_tied = 0
        self.leader: Side | None = None
        self.last_elapsed = 0.0
        self.periods_started = 0
        self.foul_lineup: dict[Side, list[int]] | None = None

    def line(self, person: int) -> Line:
        if person not in self.lines:
            self.lines[person] = Line()
        return self.lines[person]

    def side_of(self, person: int) -> Side | None:
        player = self.game.player(person)
        return player.side if player else None

    # --- the fold ----------------------------------------------------------------------

    def run(self, plays: Iterable[Play]) -> BoxFold:
        for play in plays:
            self.apply(play)
        return self

    def apply(self, play: Play) -> None:
        if play.period != self.period:
            self._start_period(play.period)
        self._time_leading(play.elapsed)
        self.count += 1
        if play.kind == "foul":
            self.foul_lineup = {side: list(on) for side, on in self.on.items()}
        if play.kind == "substitution":
            self._substitution(play)
        elif play.kind == "period" and play.sub_type == "end":
            self._stop_clock(play.elapsed)
        else:
            self._count(play)
        if play.points and play.side is not None:
            self._score(play)

    def _start_period(self, period: int) -> None:
        self.period = period
        self.periods_started = max(self.periods_started, period)
        lineup = self.game.lineups.get(period, {})
        start = float(period_start(period))
        for side in (HOME, AWAY):
            self.on[side] = list(lineup.get(side, ()))
            for person in self.on[side]:
                self.line(person).on_since = start

    def _stop_clock(self, elapsed: float) -> None:
        for side in (HOME, AWAY):
            for person in self.on[side]:
                line = self.line(person)
                if line.on_since is not None:
                    line.seconds += max(elapsed - line.on_since, 0.0)
                    line.on_since = None

    def _substitution(self, play: Play) -> None:
        side = self.side_of(play.person_id) or play.side
        if side is None:
            return
        line = self.line(play.person_id)
        on = self.on[side]
        if play.sub_type == "out":
            if play.person_id in on:
                on.remove(play.person_id)
            if line.on_since is not None:
                line.seconds += max(play.elapsed - line.on_since, 0.0)
                line.on_since = None
        elif play.person_id not in on:
            on.append(play.person_id)
            line.on_since = play.elapsed

    def _count(self, play: Play) -> None:
        kind, person = play.kind, play.person_id
        target = self.line(person) if person else self._team(play.side)
        if target is None:
            return
        if kind in ("2pt", "3pt", "freethrow"):
            self._shot(play, target)
        elif kind == "rebound":
            target.add("reboundsOffensive" if play.sub_type == "offensive" else "reboundsDefensive")
        elif kind == "steal":
            target.add("steals")
        elif kind == "block":
            target.add("blocks")
        elif kind == "turnover":
            target.add("turnovers")
        elif kind == "foul":
            if play.sub_type == "technical":
                player = self.game.player(person)
                charged = player is not None and player.played
                if charged and play.descriptor not in TEAM_TECHNICALS:
                    target.add("foulsTechnical")
                elif play.side is not None:
                    self.team_rows[play.side].add("foulsTechnical")
            else:
                target.add("foulsPersonal")
                if play.sub_type == "offensive":
                    target.add("foulsOffensive")
                elif play.descriptor == "double":
                    target.add("foulsDouble")
            if play.drawn:
                self.line(play.drawn).add("foulsDrawn")

    def _team(self, side: Side | None) -> Line | None:
        return self.team_rows[side] if side is not None else None

    def _shot(self, play: Play, line: Line) -> None:
        made = play.result == "Made"
        if play.kind == "freethrow":
            line.add("freeThrowsAttempted")
            line.add("freeThrowsMade", int(made))
        else:
            prefix = "twoPointers" if play.kind == "2pt" else "threePointers"
            line.add("fieldGoalsAttempted")
            line.add(f"{prefix}Attempted")
            if made:
                line.add("fieldGoalsMade")
                line.add(f"{prefix}Made")
                if play.assist:
                    self.line(play.assist).add("assists")
            if play.block:
                line.add("blocksReceived")
            for qualifier, key in QUALIFIER_ATTEMPTS.items():
                if qualifier in play.qualifiers:
                    line.add(f"{key}Attempted")
                    line.add(f"{key}Made", int(made))
        if made:
            line.add("points", play.points)
            for qualifier, key in QUALIFIER_POINTS.items():
                if qualifier in play.qualifiers:
                    line.add(key, play.points)

    def _score(self, play: Play) -> None:
        side = play.side
        assert side is not None
        points = play.points
        on = self.foul_lineup if play.kind == "freethrow" and self.foul_lineup else self.on
        for person in on[side]:
            self.line(person).plus += points
        for person in on[other(side)]:
            self.line(person).minus += points
        before = self.score
        self.score = (play.score_home, play.score_away)
        home, away = self.score
        flow = self.flow[side]
        flow.periods[play.period] = flow.periods.get(play.period, 0) + points
        flow.run += points
        self.flow[other(side)].run = 0
        text = f"{away}-{home}"
        if flow.run > flow.biggest_run:
            flow.biggest_run, flow.biggest_run_score = flow.run, text
        margin = (home - away) if side == HOME else (away - home)
        if margin > flow.biggest_lead:
            flow.biggest_lead, flow.biggest_lead_score = margin, text
        leader = HOME if home > away else AWAY if away > home else None
        if leader is None and before[0] != before[1]:
            self.times_tied += 1
        if leader is not None and self.leader is not None and leader != self.leader:
            self.lead_changes += 1
        if leader is not None:
            self.leader = leader

    def _time_leading(self, elapsed: float) -> None:
        home, away = self.score
        if elapsed > self.last_elapsed:
            if home != away:
                self.flow[HOME if home > away else AWAY].leading_seconds += (
                    elapsed - self.last_elapsed
                )
            self.last_elapsed = elapsed

    # --- reading -----------------------------------------------------------------------

    def seconds_played(self, person: int, elapsed: float) -> float:
        """Time on the court up to game time ``elapsed`` (a player on the court now counts
        up to it)."""
        line = self.lines.get(person)
        if line is None:
            return 0.0
        running = max(elapsed - line.on_since, 0.0) if line.on_since is not None else 0.0
        return line.seconds + running

    def leading_seconds(self, side: Side, elapsed: float) -> float:
        home, away = self.score
        extra = max(elapsed - self.last_elapsed, 0.0)
        leader = HOME if home > away else AWAY if away > home else None
        return self.flow[side].leading_seconds + (extra if leader == side else 0.0)


def _ratio(made: float, attempted: float) -> float:
    return made / attempted if attempted else 0.0


def _minutes(seconds: float) -> str:
    """The box score's ``minutes`` (``PT37M47.99S``): hundredths of a second."""
    minutes, rest = divmod(round(seconds, 2), 60)
    return f"PT{int(minutes):02d}M{rest:05.2f}S"


def _minutes_calculated(seconds: float) -> str:
    return f"PT{round(seconds / 60):02d}M"


def _player_statistics(fold: BoxFold, person: int, elapsed: float) -> dict[str, Any]:
    line = fold.lines.get(person) or Line()
    s = line.stats
    seconds = fold.seconds_played(person, elapsed)
    return {
        "assists": s["assists"],
        "blocks": s["blocks"],
        "blocksReceived": s["blocksReceived"],
        "fieldGoalsAttempted": s["fieldGoalsAttempted"],
        "fieldGoalsMade": s["fieldGoalsMade"],
        "fieldGoalsPercentage": _ratio(s["fieldGoalsMade"], s["fieldGoalsAttempted"]),
        "foulsOffensive": s["foulsOffensive"],
        "foulsDrawn": s["foulsDrawn"],
        "foulsPersonal": s["foulsPersonal"],
        "foulsTechnical": s["foulsTechnical"],
        "freeThrowsAttempted": s["freeThrowsAttempted"],
        "freeThrowsMade": s["freeThrowsMade"],
        "freeThrowsPercentage": _ratio(s["freeThrowsMade"], s["freeThrowsAttempted"]),
        "minus": float(line.minus),
        "minutes": _minutes(seconds),
        "minutesCalculated": _minutes_calculated(seconds),
        "plus": float(line.plus),
        "plusMinusPoints": float(line.plus - line.minus),
        "points": s["points"],
        "pointsFastBreak": s["pointsFastBreak"],
        "pointsInThePaint": s["pointsInThePaint"],
        "pointsSecondChance": s["pointsSecondChance"],
        "reboundsDefensive": s["reboundsDefensive"],
        "reboundsOffensive": s["reboundsOffensive"],
        "reboundsTotal": s["reboundsDefensive"] + s["reboundsOffensive"],
        "steals": s["steals"],
        "threePointersAttempted": s["threePointersAttempted"],
        "threePointersMade": s["threePointersMade"],
        "threePointersPercentage": _ratio(s["threePointersMade"], s["threePointersAttempted"]),
        "turnovers": s["turnovers"],
        "twoPointersAttempted": s["twoPointersAttempted"],
        "twoPointersMade": s["twoPointersMade"],
        "twoPointersPercentage": _ratio(s["twoPointersMade"], s["twoPointersAttempted"]),
    }


def _team_statistics(
    fold: BoxFold, side: Side, people: list[int], starters: set[int], elapsed: float
) -> dict[str, Any]:
    totals = dict.fromkeys(COUNTERS, 0)
    for person in people:
        line = fold.lines.get(person)
        if line is not None:
            for key in COUNTERS:
                totals[key] += line.stats[key]
    team = fold.team_rows[side].stats
    t = totals
    player_turnovers = t["turnovers"]
    all_turnovers = player_turnovers + team["turnovers"]
    # Team rows (no player): rebounds, turnovers, technical fouls (bench / delay).
    fouls_personal = t["foulsPersonal"] + team["foulsPersonal"]
    fouls_offensive = t["foulsOffensive"] + team["foulsOffensive"]
    true_attempts = t["fieldGoalsAttempted"] + 0.44 * t["freeThrowsAttempted"]
    home, away = fold.score
    points = home if side == HOME else away
    flow = fold.flow[side]
    bench = sum(
        fold.lines[p].stats["points"] for p in people if p not in starters and p in fold.lines
    )
    seconds = sum(fold.seconds_played(p, elapsed) for p in people)
    team_rebounds = team["reboundsOffensive"] + team["reboundsDefensive"]
    personal_rebounds = t["reboundsOffensive"] + t["reboundsDefensive"]
    return {
        "assists": t["assists"],
        "assistsTurnoverRatio": _ratio(t["assists"], all_turnovers),
        "benchPoints": bench,
        "biggestLead": flow.biggest_lead,
        "biggestLeadScore": flow.biggest_lead_score,
        "biggestScoringRun": flow.biggest_run,
        "biggestScoringRunScore": flow.biggest_run_score,
        "blocks": t["blocks"],
        "blocksReceived": t["blocksReceived"],
        "fastBreakPointsAttempted": t["fastBreakPointsAttempted"],
        "fastBreakPointsMade": t["fastBreakPointsMade"],
        "fastBreakPointsPercentage": _ratio(
            t["fastBreakPointsMade"], t["fastBreakPointsAttempted"]
        ),
        "fieldGoalsAttempted": t["fieldGoalsAttempted"],
        "fieldGoalsEffectiveAdjusted": _ratio(
            t["fieldGoalsMade"] + 0.5 * t["threePointersMade"], t["fieldGoalsAttempted"]
        ),
        "fieldGoalsMade": t["fieldGoalsMade"],
        "fieldGoalsPercentage": _ratio(t["fieldGoalsMade"], t["fieldGoalsAttempted"]),
        "foulsOffensive": fouls_offensive,
        "foulsDrawn": t["foulsDrawn"],
        "foulsPersonal": fouls_personal,
        "foulsTeam": fouls_personal - fouls_offensive - t["foulsDouble"] - team["foulsDouble"],
        "foulsTechnical": t["foulsTechnical"],
        "foulsTeamTechnical": team["foulsTechnical"],
        "freeThrowsAttempted": t["freeThrowsAttempted"],
        "freeThrowsMade": t["freeThrowsMade"],
        "freeThrowsPercentage": _ratio(t["freeThrowsMade"], t["freeThrowsAttempted"]),
        "leadChanges": fold.lead_changes,
        "minutes": _minutes(seconds),
        "minutesCalculated": _minutes_calculated(seconds),
        "points": points,
        "pointsAgainst": away if side == HOME else home,
        "pointsFastBreak": t["pointsFastBreak"],
        "pointsFromTurnovers": t["pointsFromTurnovers"],
        "pointsInThePaint": t["pointsInThePaint"],
        "pointsInThePaintAttempted": t["pointsInThePaintAttempted"],
        "pointsInThePaintMade": t["pointsInThePaintMade"],
        "pointsInThePaintPercentage": _ratio(
            t["pointsInThePaintMade"], t["pointsInThePaintAttempted"]
        ),
        "pointsSecondChance": t["pointsSecondChance"],
        "reboundsDefensive": t["reboundsDefensive"],
        "reboundsOffensive": t["reboundsOffensive"],
        "reboundsPersonal": personal_rebounds,
        "reboundsTeam": team_rebounds,
        "reboundsTeamDefensive": team["reboundsDefensive"],
        "reboundsTeamOffensive": team["reboundsOffensive"],
        "reboundsTotal": personal_rebounds + team_rebounds,
        "secondChancePointsAttempted": t["secondChancePointsAttempted"],
        "secondChancePointsMade": t["secondChancePointsMade"],
        "secondChancePointsPercentage": _ratio(
            t["secondChancePointsMade"], t["secondChancePointsAttempted"]
        ),
        "steals": t["steals"],
        "teamFieldGoalAttempts": 0,
        "threePointersAttempted": t["threePointersAttempted"],
        "threePointersMade": t["threePointersMade"],
        "threePointersPercentage": _ratio(t["threePointersMade"], t["threePointersAttempted"]),
        "timeLeading": _minutes(fold.leading_seconds(side, elapsed)),
        "timesTied": fold.times_tied,
        "trueShootingAttempts": round(true_attempts, 2),
        "trueShootingPercentage": _ratio(points, 2 * true_attempts),
        "turnovers": player_turnovers,
        "turnoversTeam": team["turnovers"],
        "turnoversTotal": all_turnovers,
        "twoPointersAttempted": t["twoPointersAttempted"],
        "twoPointersMade": t["twoPointersMade"],
        "twoPointersPercentage": _ratio(t["twoPointersMade"], t["twoPointersAttempted"]),
    }


def _team(fold: BoxFold, side: Side, moment: Moment) -> dict[str, Any]:
    game = fold.game
    info = game.team(side)
    roster = [p for p in game.players if p.side == side and p.played]
    started = {p.person_id for p in roster if p.starter}
    on_court = set(fold.on[side])
    players = []
    for order, player in enumerate(roster, start=1):
        seen = player.person_id in fold.lines
        entry: dict[str, Any] = {
            "status": "ACTIVE",
            "order": order,
            "personId": player.person_id,
            "jerseyNum": "",
            "starter": "1" if player.starter else "0",
            "oncourt": "1" if player.person_id in on_court else "0",
            "played": "1" if seen and moment.count else "0",
        }
        if player.starter:
            entry["position"] = ""
        entry["statistics"] = _player_statistics(fold, player.person_id, moment.elapsed)
        entry.update(
            {
                "name": player.name,
                "nameI": player.name_i,
                "firstName": player.first_name,
                "familyName": player.player_name,
            }
        )
        players.append(entry)
    last_period = max(REGULATION_PERIODS, fold.periods_started)
    periods = [
        {
            "period": period,
            "periodType": "REGULAR" if period <= REGULATION_PERIODS else "OVERTIME",
            "score": fold.flow[side].periods.get(period, 0),
        }
        for period in range(1, last_period + 1)
    ]
    home, away = fold.score
    state = fold.game.state_after(fold.count)
    return {
        "teamId": int(info["team_id"]),
        "teamName": str(info["name"]),
        "teamCity": str(info["city"]),
        "teamTricode": str(info["tricode"]),
        "score": home if side == HOME else away,
        "inBonus": "1" if state.in_bonus(side) else "0",
        "timeoutsRemaining": state.timeouts(side),
        "periods": periods,
        "players": players,
        "statistics": _team_statistics(
            fold, side, [p.person_id for p in roster], started, moment.elapsed
        ),
    }


def status_text(game: GamePlays, moment: Moment) -> str:
    """ "Q3 5:12", "Half", "End of Q1", "Final", "Final/OT1" (the scoreboard's wording)."""
    period = moment.period
    label = f"Q{period}" if period <= REGULATION_PERIODS else f"OT{period - REGULATION_PERIODS}"
    if moment.status == 3:
        return "Final" if period <= REGULATION_PERIODS else f"Final/OT{period - 4}"
    if moment.status == 1:
        return "Scheduled"
    if moment.seconds_left <= 0:
        return "Half" if period == 2 else f"End of {label}"
    left = moment.seconds_left
    return f"{label} {int(left // 60)}:{int(left % 60):02d}"


def boxscore_game(
    game: GamePlays, moment: Moment, *, tip_off: dt.datetime, now: dt.datetime
) -> dict[str, Any]:
    """The ``game`` object of the live box score at ``moment``."""
    fold = BoxFold(game).run(game.plays[: moment.count])
    tip = tip_off.astimezone(dt.UTC)
    home, away = game.home, game.away
    return {
        "gameId": game.game_id,
        "gameTimeLocal": "",
        "gameTimeUTC": tip.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "gameTimeHome": "",
        "gameTimeAway": "",
        "gameEt": "",
        "duration": max(int((now - tip_off).total_seconds() // 60), 0),
        "gameCode": f"{game.date:%Y%m%d}/{away['tricode']}{home['tricode']}",
        "gameStatusText": status_text(game, moment),
        "gameStatus": moment.status,
        "regulationPeriods": REGULATION_PERIODS,
        "period": moment.period,
        "gameClock": format_clock(max(moment.seconds_left, 0.0)),
        "attendance": 0,
        "sellout": "0",
        "arena": {
            "arenaId": 0,
            "arenaName": "",
            "arenaCity": "",
            "arenaState": "",
            "arenaCountry": "",
            "arenaTimezone": "",
        },
        "officials": [],
        "homeTeam": _team(fold, HOME, moment),
        "awayTeam": _team(fold, AWAY, moment),
    }


def boxscore_payload(
    game: GamePlays,
    *,
    tip_off: dt.datetime,
    upto: int | None = None,
    elapsed: float | None = None,
    period: int | None = None,
    now: dt.datetime | None = None,
    retime: Retime | None = None,
) -> dict[str, Any]:
    """``BoxScore(game_id).get_dict()`` at a moment, derived from the actions so far
    (``games.feed.replay_boxscore``; minutes run to the moment's clock)."""
    moment = game.moment(upto=upto, elapsed=elapsed, period=period)
    when = now or last_time(game, moment, tip_off, retime)
    return {
        "meta": meta(game.game_id, "boxscore", when),
        "game": boxscore_game(game, moment, tip_off=tip_off, now=when),
    }
