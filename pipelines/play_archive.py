"""The replay's play archive: every play of a season, with the live feed's fields derived.

Source: the ``gabriel1200/playbyplay`` parquet export of NBA.com's live play-by-play
(``shared/data/SOURCES.md``). Its rows are the live feed's own actions, unchanged, for ten
action kinds (shots, free throws, rebounds, fouls, turnovers, steals, blocks,
substitutions, timeouts), but without several live fields. This module rebuilds a
per-night file of each game's actions in the live feed's vocabulary, deriving or
synthesising what the source lacks by the rules below (``docs/replay.md`` has the full
list; ``data/plays_2024-25.PROVENANCE.md`` labels every field):

* the source's traps as in ``pipelines.history``: rows deduplicated on (game_id,
  actionNumber), scores as a running maximum, the home team from made-shot points,
  ``minutes_left_in_game`` never read;
* game order: period, clock running down, then ``actionNumber`` (``games.playstate``);
* ``subType`` / ``descriptor`` parsed from ``description`` (``parse_sub_type``),
  ``playerNameI`` read from ``description``, first names from nba_api's static list;
* synthesised rows: period start and end, the jump ball opening the game and every
  overtime (the side that wins it: the first side the period's actions prove had the
  ball), game end;
* ``possession`` during each action from ``games.playstate``'s fold
  (``possession_during``);
* each period's starting lineups from who acts before being substituted in
  (``period_lineups``), so minutes and plus-minus follow from the substitutions;
* a wall-clock offset from tip-off per action (``WALL_*``: the game clock runs 1:1 plus a
  fixed dead time after each kind of action and fixed breaks between periods).

Reading the output needs only the standard library (``games.feed.replay_plays``); this
module needs pandas (and nba_api's static player list) only to build it.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import hashlib
import io
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from games.clock import REGULATION_PERIODS, elapsed_seconds, parse_clock, period_length
from games.feed.archive import (
    SOURCE_BRANCH,
    SOURCE_COMMIT,
    SOURCE_LICENSE,
    SOURCE_LICENSE_COMMIT,
    SOURCE_PATH,
    SOURCE_REPO,
)
from games.playstate import (
    AWAY,
    HOME,
    PlayAction,
    PlayState,
    Side,
    other,
    proven_possession,
    step,
)
from games.season import season_of
from pipelines.history import (
    game_results,
    infer_home_team,
    records_before,
    replay_team,
    team_info,
)

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

FORMAT = "livescores-plays/1"
# One action of the archive, in this order (docs/replay.md "Archive format").
ACTION_FIELDS = (
    "actionNumber",
    "period",
    "clock",  # tenths of a second left on the period clock
    "wall",  # tenths of a second after tip-off (synthesised schedule)
    "actionType",
    "subType",
    "descriptor",
    "side",  # "h", "a" or "" (team-less rows)
    "personId",
    "description",
    "qualifiers",
    "shotResult",  # "Made", "Missed" or ""
    "scoreHome",  # after the action (running maximum)
    "scoreAway",
    "possession",  # "h", "a" or "" during the action (synthesised)
    "assistPersonId",
    "stealPersonId",
    "blockPersonId",
    "foulDrawnPersonId",
)
PLAYER_FIELDS = ("personId", "side", "playerName", "nameI", "firstName", "starter", "played")
SOURCE_COLUMNS = [
    "game_id",
    "date",
    "actionNumber",
    "period",
    "clock",
    "actionType",
    "description",
    "qualifier",
    "playerName",
    "scoreHome",
    "scoreAway",
    "shotResult",
    "person_id",
    "assister_id",
    "stealPersonId",
    "blockPersonId",
    "foulDrawnPersonId",
    "team",
]
SIDE_CODE: dict[Side | None, str] = {HOME: "h", AWAY: "a", None: ""}

# --- wall clock (timeActual) -----------------------------------------------------------
# The game clock runs 1:1 with the wall clock; after each action the clock stands still
# for a fixed dead time by kind (whistle, inbound, free-throw routine, timeout break), and
# periods are separated by fixed breaks. Rounded from the 60 recorded live games'
# timeActual (means per kind); tests check the resulting game lengths against them.
WALL_DEAD_SECONDS = {
    "foul": 23.0,
    "timeout": 115.0,
    "substitution": 10.0,
    "rebound": 3.0,
    "turnover": 5.0,
    "steal": 1.0,
    "made_shot": 2.0,  # 2pt / 3pt made: inbound
    "free_throw_more": 7.0,  # a free throw with more to come
    "free_throw_last": 4.0,
}
WALL_BREAK_SECONDS = 165.0  # between quarters and before each overtime
WALL_HALFTIME_SECONDS = 930.0

_FREE_THROW = re.compile(r"(\d)\s+of\s+(\d)")
_REBOUND_COUNTS = re.compile(r"\(Off:(\d+) Def:(\d+)\)")
_DISTANCE = re.compile(r"^\d+'$")
_SHOT_WORDS = {"Layup": "Layup", "DUNK": "DUNK", "Dunk": "DUNK", "Hook": "Hook"}
_SHOT_NOISE = frozenset({"Layup", "DUNK", "Dunk", "Hook", "Shot", "Jump", "3PT"})
_FOUL_KINDS = ("personal", "offensive", "technical")


class PlayArchiveError(ValueError):
    """A game's play-by-play cannot be turned into archive actions."""


# --- source rows -----------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value == ""


def _person(value: Any) -> int:
    return 0 if _missing(value) else int(value)


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


def _qualifiers(value: Any) -> tuple[str, ...]:
    """The source stores qualifiers as the text of a Python list: "['team', '1freethrow']"."""
    if _missing(value):
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    parsed = ast.literal_eval(str(value))
    return tuple(str(v) for v in parsed) if isinstance(parsed, list | tuple) else ()


@dataclass(frozen=True, slots=True)
class SourceAction:
    """One source row, normalised (sides relative to the inferred home team)."""

    number: int
    period: int
    tenths: int  # tenths of a second left in the period
    kind: str
    side: Side | None
    person: int
    player_name: str
    description: str
    qualifiers: tuple[str, ...]
    result: str
    score_home: int
    score_away: int
    assist: int = 0
    steal: int = 0
    block: int = 0
    drawn: int = 0

    @property
    def seconds_left(self) -> float:
        return self.tenths / 10

    @property
    def elapsed(self) -> float:
        return elapsed_seconds(self.period, self.seconds_left)


def source_action(row: Mapping[str, Any], home: str, away: str) -> SourceAction:
    seconds_left = parse_clock(str(row["clock"]))
    if seconds_left is None:
        raise PlayArchiveError(f"action {row.get('actionNumber')} has no clock")
    team = row.get("team")
    side: Side | None = HOME if team == home else AWAY if team == away else None
    return SourceAction(
        number=int(row["actionNumber"]),
        period=int(row["period"]),
        tenths=round(seconds_left * 10),
        kind=str(row["actionType"]),
        side=side,
        person=_person(row.get("person_id")),
        player_name=_text(row.get("playerName")),
        description=_text(row.get("description")),
        qualifiers=_qualifiers(row.get("qualifier")),
        result=_text(row.get("shotResult")),
        score_home=int(row["scoreHome"]),
        score_away=int(row["scoreAway"]),
        assist=_person(row.get("assister_id")),
        steal=_person(row.get("stealPersonId")),
        block=_person(row.get("blockPersonId")),
        drawn=_person(row.get("foulDrawnPersonId")),
    )


def game_order(actions: Iterable[SourceAction]) -> list[SourceAction]:
    """Period, clock running down, then actionNumber (``games.playstate.sort_actions``)."""
    return sorted(actions, key=lambda a: (a.period, -a.tenths, a.number))


# --- description parsing ---------------------------------------------------------------


def name_initial(description: str, player_name: str) -> str:
    """The player's ``playerNameI`` ("D. Exum"): the description up to the family name,
    after a leading "MISS " / "SUB in: " / "SUB out: " ("" if it cannot be read)."""
    if not player_name:
        return ""
    body = description
    for prefix in ("MISS ", "SUB in: ", "SUB out: "):
        if body.startswith(prefix):
            body = body[len(prefix) :]
            break
    index = body.find(player_name)
    return body[: index + len(player_name)] if index >= 0 else ""


def _rest(description: str, name_i: str) -> str:
    """The description after the player (or team) that opens it."""
    body = description[5:] if description.startswith("MISS ") else description
    if name_i and body.startswith(name_i):
        return body[len(name_i) :].strip()
    head, _, tail = body.partition(" ")
    return tail.strip() if head.isupper() else body  # "TEAM ...", "DEN shot clock ..."


def _words_before(text: str, marker: str) -> list[str]:
    return text.split(marker)[0].split()


def parse_sub_type(kind: str, description: str, name_i: str) -> tuple[str, str]:
    """(subType, descriptor) in the live feed's spelling, read from the description.

    Shots: "Layup" / "DUNK" / "Hook" when the description says so, else "Jump Shot"; the
    descriptor is the remaining words ("driving floating bank"). Free throws: "k of n" and
    the words before "Free Throw" ("technical"). Fouls: the word before "FOUL"
    (personal / offensive / technical) and the words before it ("shooting"). Turnovers:
    the words before "TURNOVER" ("bad pass"; "… out-of-bounds" is subType out-of-bounds
    with descriptor "bad pass"). Substitutions: in / out. Timeouts: "full" (the archive
    cannot tell a challenge timeout). Steals and blocks: "".
    """
    rest = _rest(description, name_i)
    rest = re.sub(r"\s*\(.*$", "", rest).replace(" - blocked", "").strip()
    if kind in ("2pt", "3pt"):
        words = [w for w in rest.split() if not _DISTANCE.match(w)]
        sub_type = next((_SHOT_WORDS[w] for w in words if w in _SHOT_WORDS), "Jump Shot")
        return sub_type, " ".join(w for w in words if w not in _SHOT_NOISE)
    if kind == "freethrow":
        match = _FREE_THROW.search(description)
        sub_type = f"{match.group(1)} of {match.group(2)}" if match else ""
        return sub_type, " ".join(_words_before(rest, "Free Throw"))
    if kind == "foul":
        words = _words_before(rest, "FOUL") if "FOUL" in rest else rest.split()
        kinds = [w for w in words if w.lower() in _FOUL_KINDS]
        if not kinds:
            return "personal", " ".join(words)
        last = kinds[-1]
        return last.lower(), " ".join(w for w in words if w != last and w.lower() != "foul")
    if kind == "turnover":
        words = [w for w in _words_before(rest, "TURNOVER") if w != "Team"]
        if words and words[-1] == "out-of-bounds":
            return "out-of-bounds", " ".join(words[:-1])
        return " ".join(words), ""
    if kind == "substitution":
        return ("in" if description.startswith("SUB in") else "out"), ""
    if kind == "timeout":
        return "full", ""
    return "", ""


def rebound_sub_types(actions: Sequence[SourceAction]) -> dict[int, str]:
    """offensive / defensive per rebound (actionNumber), in game order.

    A player's rebound is the count that grew in his "(Off:n Def:m)"; a team rebound says
    it ("TEAM offensive REBOUND"); otherwise the side of the last missed shot decides.
    """
    counts: dict[int, tuple[int, int]] = {}
    last_miss_side: Side | None = None
    result: dict[int, str] = {}
    for action in actions:
        if action.kind in ("2pt", "3pt", "freethrow") and action.result == "Missed":
            last_miss_side = action.side
        if action.kind != "rebound":
            continue
        text = action.description.lower()
        match = _REBOUND_COUNTS.search(action.description)
        sub_type = ""
        if match and action.person:
            now = int(match.group(1)), int(match.group(2))
            before = counts.get(action.person, (0, 0))
            counts[action.person] = now
            if now[0] > before[0]:
                sub_type = "offensive"
            elif now[1] > before[1]:
                sub_type = "defensive"
        elif "offensive rebound" in text:
            sub_type = "offensive"
        elif "defensive rebound" in text:
            sub_type = "defensive"
        if not sub_type:
            sub_type = "offensive" if action.side == last_miss_side else "defensive"
        result[action.number] = sub_type
    return result


# --- players and lineups ---------------------------------------------------------------


@cache
def _static_players() -> dict[int, dict[str, Any]]:
    from nba_api.stats.static import players

    return {int(p["id"]): p for p in players.get_players()}


def first_name(person: int) -> str:
    """nba_api's static first name ("" for an id it does not know)."""
    return str(_static_players().get(person, {}).get("first_name", ""))


def _evidence(action: SourceAction) -> Iterator[tuple[int, Side | None]]:
    """(person, side) of everyone an action shows on the court, technical fouls aside
    (a coach or a player on the bench can draw one)."""
    if action.kind == "foul" and "technical" in action.description.lower():
        return
    if action.kind == "substitution":
        return
    opponent = other(action.side) if action.side is not None else None
    if action.person:
        yield action.person, action.side
    if action.assist:
        yield action.assist, action.side
    for person in (action.steal, action.block, action.drawn):
        if person:
            yield person, opponent


def player_sides(actions: Sequence[SourceAction]) -> dict[int, Side]:
    """Each player's side: from his own rows first, then from the rows that name him."""
    sides: dict[int, Side] = {}
    for action in actions:
        if action.person and action.side is not None and action.kind != "foul":
            sides.setdefault(action.person, action.side)
    for action in actions:
        if action.person and action.side is not None:
            sides.setdefault(action.person, action.side)
        for person, side in _evidence(action):
            if side is not None:
                sides.setdefault(person, side)
    return sides


@dataclass
class LineupReport:
    """What the lineup inference had to repair (counted into the provenance)."""

    filled: int = 0  # starters taken from the previous period's last lineup
    unknown: int = 0  # lineup slots left empty (no evidence at all)
    extra: int = 0  # players with evidence beyond five (dropped: the latest first)
    bad_subs: int = 0  # a sub out of a player off the court, or in of one on it

    def add(self, other_report: LineupReport) -> None:
        self.filled += other_report.filled
        self.unknown += other_report.unknown
        self.extra += other_report.extra
        self.bad_subs += other_report.bad_subs


def period_lineups(
    actions: Sequence[SourceAction], sides: Mapping[int, Side]
) -> tuple[dict[int, dict[Side, list[int]]], LineupReport]:
    """The five players of each side on the court when each period starts.

    A player is a starter of the period when he shows up in it (acts, assists, steals,
    blocks, draws a foul, or is substituted out) before any substitution brings him in.
    A side with fewer than five is completed from its lineup at the end of the previous
    period (players who stayed on and did nothing the whole period).
    """
    report = LineupReport()
    lineups: dict[int, dict[Side, list[int]]] = {}
    by_period: dict[int, list[SourceAction]] = defaultdict(list)
    for action in actions:
        by_period[action.period].append(action)
    previous_end: dict[Side, list[int]] = {HOME: [], AWAY: []}
    for period in sorted(by_period):
        seen: set[int] = set()
        starters: dict[Side, list[int]] = {HOME: [], AWAY: []}
        for action in by_period[period]:
            if action.kind == "substitution" and action.person:
                person = action.person
                if person not in seen and action.description.startswith("SUB out"):
                    side = sides.get(person)
                    if side is not None:
                        starters[side].append(person)
                seen.add(person)
                continue
            for person, _ in _evidence(action):
                side = sides.get(person)
                if person not in seen and side is not None:
                    starters[side].append(person)
                seen.add(person)
        for side in (HOME, AWAY):
            chosen = starters[side]
            if len(chosen) > 5:
                report.extra += len(chosen) - 5
                del chosen[5:]
            for person in previous_end[side]:
                if len(chosen) >= 5:
                    break
                if person not in seen and person not in chosen:
                    chosen.append(person)
                    report.filled += 1
            report.unknown += 5 - len(chosen)
        lineups[period] = {side: list(starters[side]) for side in (HOME, AWAY)}
        previous_end, bad = _run_substitutions(lineups[period], by_period[period], sides)
        report.bad_subs += bad
    return lineups, report


def _run_substitutions(
    start: Mapping[Side, list[int]], actions: Sequence[SourceAction], sides: Mapping[int, Side]
) -> tuple[dict[Side, list[int]], int]:
    on = {side: list(players) for side, players in start.items()}
    bad = 0
    for action in actions:
        if action.kind != "substitution" or not action.person:
            continue
        side = sides.get(action.person, action.side)
        if side is None:
            continue
        players = on[side]
        if action.description.startswith("SUB out"):
            if action.person in players:
                players.remove(action.person)
            else:
                bad += 1
        elif action.person in players:
            bad += 1
        else:
            players.append(action.person)
    return on, bad


# --- synthesised rows, possession and the wall clock -----------------------------------


@dataclass(slots=True)
class ArchiveAction:
    """One action of the archive (``ACTION_FIELDS``), source or synthesised."""

    number: int
    period: int
    tenths: int
    kind: str
    sub_type: str
    descriptor: str
    side: Side | None
    person: int
    description: str
    qualifiers: tuple[str, ...]
    result: str
    score_home: int
    score_away: int
    assist: int = 0
    steal: int = 0
    block: int = 0
    drawn: int = 0
    possession: Side | None = None
    wall_tenths: int = 0
    synthesised: bool = False

    @property
    def elapsed(self) -> float:
        return elapsed_seconds(self.period, self.tenths / 10)

    def play_action(self, order: int) -> PlayAction:
        return PlayAction(
            number=order,
            period=self.period,
            seconds_left=self.tenths / 10,
            kind=self.kind,
            side=self.side,
            score_home=self.score_home,
            score_away=self.score_away,
            made=self.result == "Made",
            sub_type=self.sub_type,
            descriptor=self.descriptor,
            qualifiers=self.qualifiers,
        )

    def row(self) -> list[Any]:
        return [
            self.number,
            self.period,
            self.tenths,
            self.wall_tenths,
            self.kind,
            self.sub_type,
            self.descriptor,
            SIDE_CODE[self.side],
            self.person,
            self.description,
            list(self.qualifiers),
            self.result,
            self.score_home,
            self.score_away,
            SIDE_CODE[self.possession],
            self.assist,
            self.steal,
            self.block,
            self.drawn,
        ]


def _archive_action(
    action: SourceAction, name_i: str, rebounds: Mapping[int, str], home: int, away: int
) -> ArchiveAction:
    sub_type, descriptor = parse_sub_type(action.kind, action.description, name_i)
    if action.kind == "rebound":
        sub_type = rebounds.get(action.number, "")
    if action.kind == "foul" and sub_type == "technical" and not descriptor and not action.person:
        descriptor = "delay"  # "TEAM foul technical" on the team itself: delay of game
    return ArchiveAction(
        number=action.number,
        period=action.period,
        tenths=action.tenths,
        kind=action.kind,
        sub_type=sub_type,
        descriptor=descriptor,
        side=action.side,
        person=action.person,
        description=action.description,
        qualifiers=action.qualifiers,
        result=action.result,
        score_home=home,
        score_away=away,
        assist=action.assist,
        steal=action.steal,
        block=action.block,
        drawn=action.drawn,
    )


def _first_proven(actions: Iterable[ArchiveAction]) -> Side | None:
    for action in actions:
        proven = proven_possession(action.play_action(0))
        if proven is not None:
            return proven
    return None


def _synthetic(
    kind: str, sub_type: str, period: int, tenths: int, description: str
) -> ArchiveAction:
    return ArchiveAction(
        number=0,
        period=period,
        tenths=tenths,
        kind=kind,
        sub_type=sub_type,
        descriptor="",
        side=None,
        person=0,
        description=description,
        qualifiers=(),
        result="",
        score_home=0,
        score_away=0,
        synthesised=True,
    )


def with_synthesised_rows(
    actions: Sequence[ArchiveAction], periods: int, tricodes: Mapping[Side, str]
) -> list[ArchiveAction]:
    """The game's actions with period start/end rows, the jump balls that open the game
    and each overtime, and the game end row; each synthesised row gets an actionNumber the
    game does not use (the smallest free one between its neighbours', else one past the
    largest) and the score of the action before it."""
    by_period: dict[int, list[ArchiveAction]] = defaultdict(list)
    for action in actions:
        by_period[action.period].append(action)
    ordered: list[ArchiveAction] = []
    for period in range(1, periods + 1):
        length_tenths = period_length(period) * 10
        body = by_period.get(period, [])
        lead = 0  # substitutions made before the period starts come before its start row
        while period > 1 and lead < len(body) and _before_start(body[lead], length_tenths):
            lead += 1
        ordered.extend(body[:lead])
        body = body[lead:]
        ordered.append(_synthetic("period", "start", period, length_tenths, "Period Start"))
        if period == 1 or period > REGULATION_PERIODS:
            side = _first_proven(body)
            if side is not None:
                jump = _synthetic(
                    "jumpball",
                    "recovered",
                    period,
                    length_tenths,
                    f"Jump Ball: Tip to {tricodes[side]}",
                )
                jump.descriptor = "startperiod"
                jump.side = side
                ordered.append(jump)
        ordered.extend(body)
        ordered.append(_synthetic("period", "end", period, 0, "Period End"))
    ordered.append(_synthetic("game", "end", periods, 0, "Game End"))
    _number_synthesised(ordered)
    home = away = 0
    for action in ordered:
        if action.synthesised:
            action.score_home, action.score_away = home, away
        home, away = action.score_home, action.score_away
    return ordered


def _before_start(action: ArchiveAction, length_tenths: int) -> bool:
    return (
        action.kind == "substitution"
        and action.tenths == length_tenths
        and "startperiod" in action.qualifiers
    )


def _number_synthesised(ordered: list[ArchiveAction]) -> None:
    used = {a.number for a in ordered if not a.synthesised}
    top = max(used, default=0)
    previous = 0
    for index, action in enumerate(ordered):
        if not action.synthesised:
            previous = action.number
            continue
        following = next(
            (a.number for a in ordered[index + 1 :] if not a.synthesised), top + 1_000_000
        )
        number = next(
            (n for n in range(previous + 1, min(following, top + 1)) if n not in used), None
        )
        if number is None:
            top += 1
            number = top
        used.add(number)
        action.number = number
        previous = max(previous, number)


def possession_during(before: PlayState, after: PlayState, action: PlayAction) -> Side | None:
    """The side in possession *during* an action, as the live feed's ``possession`` field.

    An action that proves who had the ball names it (a field-goal attempt, turnover,
    offensive foul or jump ball: the acting side; a team foul: the other side); a rebound
    or free throw names the acting side, a block the shooting side; a period start names
    the side the period rules give the ball (none before a jump ball), a game end none;
    anything else carries the fold's possession from before it.
    """
    if action.kind == "period":
        return after.possession if action.sub_type == "start" else before.possession
    if action.kind == "game":
        return None
    proven = proven_possession(action)
    if proven is not None:
        return proven
    side = action.side
    if side is not None:
        if action.kind in ("rebound", "freethrow", "steal"):
            return side
        if action.kind == "block":
            return other(side)
    return before.possession


def assign_possession(ordered: Sequence[ArchiveAction]) -> None:
    """``possession`` of every action: ``possession_during`` over the fold, except that
    substitutions made before a period's start row carry the possession the previous
    period ended with (as the live feed's do)."""
    state = PlayState()
    carried: Side | None = None
    started = 0  # the last period whose start row has been folded
    for index, action in enumerate(ordered):
        play = action.play_action(index + 1)
        after = step(state, play)
        if action.kind == "period" and action.sub_type == "start":
            started = action.period
        if action.kind == "substitution" and action.period > started:
            action.possession = carried
        else:
            action.possession = possession_during(state, after, play)
        if action.kind == "period" and action.sub_type == "end":
            carried = action.possession
        state = after


def _dead_seconds(action: ArchiveAction) -> float:
    kind = action.kind
    if kind in ("2pt", "3pt"):
        return WALL_DEAD_SECONDS["made_shot"] if action.result == "Made" else 0.0
    if kind == "freethrow":
        match = _FREE_THROW.search(action.sub_type)
        last = match is None or match.group(1) == match.group(2)
        return WALL_DEAD_SECONDS["free_throw_last" if last else "free_throw_more"]
    return WALL_DEAD_SECONDS.get(kind, 0.0)


def assign_wall_clock(ordered: Sequence[ArchiveAction]) -> None:
    """Tenths of a second after tip-off (the period-1 start row is 0): the clock runs 1:1,
    each action adds its dead time (``WALL_DEAD_SECONDS``) before the next, and the
    period-start row of period p+1 comes ``WALL_BREAK_SECONDS`` (halftime:
    ``WALL_HALFTIME_SECONDS``) after the period-end row of p."""
    wall = 0.0
    previous: ArchiveAction | None = None
    for action in ordered:
        if previous is not None:
            if action.period != previous.period:
                gap = WALL_HALFTIME_SECONDS if previous.period == 2 else WALL_BREAK_SECONDS
                wall += gap
            else:
                wall += max(action.elapsed - previous.elapsed, 0.0) + _dead_seconds(previous)
        action.wall_tenths = round(wall * 10)
        previous = action


def _people(
    source: Sequence[SourceAction], lineups: Mapping[int, Mapping[Side, list[int]]]
) -> list[tuple[int, bool]]:
    """(person, played) for everyone the game names: the first period's starters in lineup
    order, then the others by first appearance. Played: on the court at some point (in a
    lineup, substituted, or shown by an action); not played: named only by a technical
    foul (a coach, a player on the bench)."""
    order: list[int] = []
    played: set[int] = set()
    for side in (HOME, AWAY):
        order.extend(lineups[1][side])
    for lineup in lineups.values():
        for side in (HOME, AWAY):
            played.update(lineup[side])
    for action in source:
        if action.kind == "substitution" and action.person:
            played.add(action.person)
        persons = [p for p, _ in _evidence(action)]
        played.update(persons)
        for person in (*persons, action.person):
            if person and person not in order:
                order.append(person)
    return [(person, person in played) for person in order]


# --- one game --------------------------------------------------------------------------


@dataclass
class GameReport:
    """Counts of what a game's derivation synthesised or repaired."""

    actions: int = 0
    source_actions: int = 0
    synthesised: Counter[str] = field(default_factory=Counter)
    lineups: LineupReport = field(default_factory=LineupReport)
    no_name_initial: int = 0
    no_first_name: int = 0

    def add(self, other_report: GameReport) -> None:
        self.actions += other_report.actions
        self.source_actions += other_report.source_actions
        self.synthesised.update(other_report.synthesised)
        self.lineups.add(other_report.lineups)
        self.no_name_initial += other_report.no_name_initial
        self.no_first_name += other_report.no_first_name


def build_game(
    rows: Iterable[Mapping[str, Any]],
    *,
    game_id: str,
    date: dt.date,
    home: Mapping[str, Any],
    away: Mapping[str, Any],
    first_names: Callable[[int], str] = first_name,
) -> tuple[dict[str, Any], GameReport]:
    """One game of the archive from its deduplicated source rows.

    ``home`` / ``away`` are the replay's team objects (``pipelines.history.replay_team``:
    team_id, tricode, city, name, wins, losses).
    """
    source = game_order(source_action(r, home["tricode"], away["tricode"]) for r in rows)
    if not source:
        raise PlayArchiveError(f"game {game_id} has no actions")
    report = GameReport(source_actions=len(source))
    periods = max(a.period for a in source)
    names: dict[int, tuple[str, str]] = {}
    for action in source:
        if action.person and action.player_name and action.person not in names:
            name_i = name_initial(action.description, action.player_name)
            if name_i:
                names[action.person] = (action.player_name, name_i)
    rebounds = rebound_sub_types(source)
    actions: list[ArchiveAction] = []
    score_home = score_away = 0
    for action in source:
        score_home = max(score_home, action.score_home)
        score_away = max(score_away, action.score_away)
        name_i = names.get(action.person, ("", ""))[1]
        actions.append(_archive_action(action, name_i, rebounds, score_home, score_away))
    ordered = with_synthesised_rows(
        actions, periods, {HOME: home["tricode"], AWAY: away["tricode"]}
    )
    report.synthesised.update(f"{a.kind} {a.sub_type}" for a in ordered if a.synthesised)
    assign_possession(ordered)
    assign_wall_clock(ordered)
    report.actions = len(ordered)

    sides = player_sides(source)
    lineups, report.lineups = period_lineups(source, sides)
    players = []
    for person, played in _people(source, lineups):
        side = sides.get(person)
        if side is None:
            continue
        player_name, name_i = names.get(person, ("", ""))
        first = first_names(person) if played else ""
        if played:
            report.no_name_initial += not name_i
            report.no_first_name += not first
        starter = person in lineups[1][side]
        players.append(
            [person, SIDE_CODE[side], player_name, name_i, first, int(starter), int(played)]
        )
    game = {
        "game_id": game_id,
        "date": date.isoformat(),
        "home": dict(home),
        "away": dict(away),
        "periods": periods,
        "final": [score_home, score_away],
        "players": players,
        "lineups": [
            [period, lineups[period][HOME], lineups[period][AWAY]] for period in sorted(lineups)
        ],
        "actions": [a.row() for a in ordered],
    }
    return game, report


# --- a season from the parquet directory -----------------------------------------------


def read_season_rows(pbp_dir: Path, season: int) -> pd.DataFrame:
    """A season's deduplicated source rows (the columns the archive needs)."""
    import pandas as pd

    files = sorted(pbp_dir.glob(f"*_{season}_rs.parquet"))
    if not files:
        raise FileNotFoundError(f"no *_{season}_rs.parquet files in {pbp_dir}")
    frames = [pd.read_parquet(f, columns=SOURCE_COLUMNS) for f in files]
    events = pd.concat(frames, ignore_index=True)
    rows = len(events)
    events = events.drop_duplicates(["game_id", "actionNumber"], ignore_index=True)
    logger.info("season %s: %d files, %d rows, %d unique", season, len(files), rows, len(events))
    return events


def _parse_date(value: Any) -> dt.date:
    return dt.datetime.strptime(str(int(value)), "%Y%m%d").date()


def season_games(
    events: pd.DataFrame,
    dates: set[dt.date] | None = None,
    first_names: Callable[[int], str] = first_name,
) -> Iterator[tuple[dict[str, Any], GameReport]]:
    """Every game of a season's rows (or of ``dates``), by date then game id.

    Records before each game come from the whole season (``pipelines.history``)."""
    results = game_results(
        events[
            [
                "game_id",
                "date",
                "scoreHome",
                "scoreAway",
                "period",
                "actionType",
                "shotResult",
                "team",
            ]
        ]
    )
    records = records_before(results)
    wanted = results
    if dates is not None:
        wanted = results[results["date"].map(_parse_date).isin(dates)]
    by_game = dict(iter(events[events["game_id"].isin(set(wanted["game_id"]))].groupby("game_id")))
    for result in wanted.sort_values(["date", "game_id"]).itertuples(index=False):
        home_wins, home_losses, away_wins, away_losses = records.loc[result.game_id].tolist()
        frame = by_game[result.game_id]
        home, away = infer_home_team(frame)
        yield build_game(
            frame.to_dict("records"),
            game_id=f"00{int(result.game_id)}",
            date=_parse_date(result.date),
            home=replay_team(team_info(home, int(home_wins), int(home_losses))),
            away=replay_team(team_info(away, int(away_wins), int(away_losses))),
            first_names=first_names,
        )


# --- files -----------------------------------------------------------------------------


def night_document(date: dt.date, games: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "date": date.isoformat(),
        "season": season_of(date),
        "source": {
            "repo": SOURCE_REPO,
            "branch": SOURCE_BRANCH,
            "commit": SOURCE_COMMIT,
            "license": SOURCE_LICENSE,
            "files": SOURCE_PATH,
        },
        "note": "derived; synthesised fields are labelled in the PROVENANCE.md beside this "
        "directory (period/game/jumpball rows, possession, wall, subType, descriptor)",
        "action_fields": list(ACTION_FIELDS),
        "player_fields": list(PLAYER_FIELDS),
        "games": list(games),
    }


def write_json_gz(document: Any, out: Path) -> bytes:
    """Gzip JSON (mtime 0: the same input gives the same bytes); returns the bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
    data = buffer.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return data


def night_file(out_dir: Path, date: dt.date) -> Path:
    return out_dir / f"{date.isoformat()}.json.gz"


@dataclass
class BuildResult:
    nights: dict[str, dict[str, Any]] = field(default_factory=dict)  # date -> index entry
    report: GameReport = field(default_factory=GameReport)


def _report_counts(report: GameReport) -> dict[str, int]:
    return {
        "source_actions": report.source_actions,
        "synthesised_actions": sum(report.synthesised.values()),
        "lineup_filled": report.lineups.filled,
        "lineup_unknown": report.lineups.unknown,
        "lineup_extra": report.lineups.extra,
        "bad_substitutions": report.lineups.bad_subs,
        "no_name_initial": report.no_name_initial,
        "no_first_name": report.no_first_name,
        **{f"synthesised {kind}": n for kind, n in sorted(report.synthesised.items())},
    }


def build_nights(
    events: pd.DataFrame,
    out_dir: Path,
    dates: set[dt.date] | None = None,
    first_names: Callable[[int], str] = first_name,
) -> BuildResult:
    """Write one file per night (``YYYY-MM-DD.json.gz``); return their index entries."""
    result = BuildResult()
    by_date: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    reports: dict[dt.date, GameReport] = defaultdict(GameReport)
    for game, report in season_games(events, dates, first_names):
        day = dt.date.fromisoformat(game["date"])
        by_date[day].append(game)
        reports[day].add(report)
        result.report.add(report)
    for date, games in sorted(by_date.items()):
        data = write_json_gz(night_document(date, games), night_file(out_dir, date))
        result.nights[date.isoformat()] = {
            "file": night_file(out_dir, date).name,
            "games": [g["game_id"] for g in games],
            "actions": sum(len(g["actions"]) for g in games),
            **_report_counts(reports[date]),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    return result


def season_directory_name(season: int) -> str:
    """``plays_2024-25`` for season 2025 (END year)."""
    return f"plays_{season - 1}-{season % 100:02d}"


def write_index(out_dir: Path, nights: Mapping[str, Mapping[str, Any]], season: int) -> Path:
    """``index.json``: every night's file, game ids, counts, size and sha256 (nights built
    before and not rebuilt now are kept)."""
    index_path = out_dir / "index.json"
    existing: dict[str, Any] = {}
    if index_path.is_file():
        existing = json.loads(index_path.read_text()).get("nights", {})
    merged = {**existing, **nights}
    document = {
        "format": FORMAT,
        "season": season,
        "source_commit": SOURCE_COMMIT,
        "nights": {date: merged[date] for date in sorted(merged)},
    }
    index_path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return index_path


def provenance_facts(out_dir: Path) -> dict[str, Any]:
    """Counts and checksums of a built directory, from its ``index.json``."""
    index_path = out_dir / "index.json"
    nights = json.loads(index_path.read_text())["nights"]
    facts: dict[str, Any] = {
        "nights": len(nights),
        "games": sum(len(n["games"]) for n in nights.values()),
        "first": min(nights, default=""),
        "last": max(nights, default=""),
        "index_sha256": hashlib.sha256(index_path.read_bytes()).hexdigest(),
    }
    keys = {k for n in nights.values() for k, v in n.items() if isinstance(v, int)}
    for key in sorted(keys | set(_report_counts(GameReport()))):
        facts[key] = sum(int(n.get(key, 0)) for n in nights.values())
    return facts


def provenance_path(out_dir: Path) -> Path:
    return out_dir.parent / f"{out_dir.name}.PROVENANCE.md"


def write_provenance(out_dir: Path, season: int, command: str) -> Path:
    """``<dir>.PROVENANCE.md`` beside the directory: source, licence, command, counts,
    checksums, and every field labelled (source / derived / synthesised)."""
    facts = provenance_facts(out_dir)
    synthesised = ", ".join(
        f"{n} {key.removeprefix('synthesised ')}"
        for key, n in facts.items()
        if key.startswith("synthesised ")
    )
    season_label = f"{season - 1}-{season % 100:02d}"
    template = Path(__file__).with_name("play_archive_provenance.md.in").read_text()
    text = template.format(
        name=out_dir.name,
        season=season,
        season_label=season_label,
        repo=SOURCE_REPO,
        branch=SOURCE_BRANCH,
        commit=SOURCE_COMMIT,
        files=SOURCE_PATH.replace("{YYYY}", str(season)),
        license=SOURCE_LICENSE,
        license_commit=SOURCE_LICENSE_COMMIT,
        command=command,
        synthesised=synthesised or "none",
        wall_dead=", ".join(f"{k} {v:g} s" for k, v in WALL_DEAD_SECONDS.items()),
        wall_break=f"{WALL_BREAK_SECONDS:g}",
        wall_half=f"{WALL_HALFTIME_SECONDS:g}",
        **facts,
    )
    path = provenance_path(out_dir)
    path.write_text(text)
    return path
