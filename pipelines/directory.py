"""A play-by-play directory in the archive's layout, and whether it is whole.

Files are ``{TEAM}_{YYYY}_rs.parquet`` (regular season) and ``{TEAM}_{YYYY}_ps.parquet``
(playoffs), ``YYYY`` the season's END year; every game sits in BOTH teams' files (team
events only: each row's ``team`` is the acting team). A directory is whole for a season
and part when every team that acts in its games has a file of its own. Otherwise games
between two teams without files are missing, and the records and strengths built from
the games that are there are wrong — a directory holding one team's file scores that
team's 82 games with every opponent at 0-0 — so the evaluation refuses it unless asked to
go on (and then says so).

Playoff games take each team's pre-game strength from the season's earlier games (the
regular season and earlier playoff rounds), as serving does: a season's ``_ps`` files
need its ``_rs`` files beside them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

FILE_PATTERN = re.compile(r"^(?P<team>[A-Z]{2,3})_(?P<season>\d{4})_(?P<part>rs|ps)\.parquet$")
PARTS = ("rs", "ps")


class IncompleteDirectory(ValueError):
    """The directory is missing files its own games need."""


def directory_files(pbp_dir: Path) -> dict[tuple[int, str], list[Path]]:
    """{(season, "rs" | "ps"): files} of a play-by-play directory."""
    found: defaultdict[tuple[int, str], list[Path]] = defaultdict(list)
    for path in sorted(pbp_dir.glob("*.parquet")):
        match = FILE_PATTERN.match(path.name)
        if match:
            found[(int(match["season"]), match["part"])].append(path)
    return dict(found)


def seasons_in(pbp_dir: Path) -> list[int]:
    """The seasons (END years) with any file in the directory."""
    return sorted({season for season, _ in directory_files(pbp_dir)})


def season_files(pbp_dir: Path, season: int) -> list[Path]:
    """A season's files, regular season and playoffs (raises when it has none)."""
    files = sorted(
        path for part in PARTS for path in directory_files(pbp_dir).get((season, part), [])
    )
    if not files:
        raise FileNotFoundError(f"no *_{season}_rs.parquet or *_{season}_ps.parquet in {pbp_dir}")
    return files


@dataclass(frozen=True)
class PartCheck:
    season: int
    part: str
    teams_with_files: tuple[str, ...]
    teams_without_files: tuple[str, ...]  # act in the part's games, no file of their own
    games: int
    games_incomplete: int  # games with a team that has no file


@dataclass(frozen=True)
class DirectoryCheck:
    parts: tuple[PartCheck, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def whole(self) -> bool:
        return not self.problems


def _team_name(path: Path) -> str:
    match = FILE_PATTERN.match(path.name)
    assert match is not None, path
    return match["team"]


def check_directory(pbp_dir: Path, seasons: list[int]) -> DirectoryCheck:
    """Which teams act in each season's games without a file of their own (two columns
    of every file are read)."""
    import pyarrow.parquet as pq

    files = directory_files(pbp_dir)
    parts: list[PartCheck] = []
    problems: list[str] = []
    for season in seasons:
        if (season, "ps") in files and (season, "rs") not in files:
            problems.append(
                f"season {season - 1}-{str(season)[2:]}: playoff files without the regular "
                "season's (*_rs.parquet): the playoff teams' pre-game strength comes from it"
            )
        for part in PARTS:
            paths = files.get((season, part), [])
            if not paths:
                continue
            with_files = {_team_name(p) for p in paths}
            acting: defaultdict[int, set[str]] = defaultdict(set)
            for path in paths:
                table = pq.read_table(path, columns=["game_id", "team"]).to_pydict()
                for game_id, team in zip(table["game_id"], table["team"], strict=True):
                    if team:
                        acting[int(game_id)].add(str(team))
            without = sorted(set().union(*acting.values()) - with_files) if acting else []
            incomplete = sum(1 for teams in acting.values() if not teams <= with_files)
            parts.append(
                PartCheck(
                    season, part, tuple(sorted(with_files)), tuple(without), len(acting), incomplete
                )
            )
            if without:
                label = "regular season" if part == "rs" else "playoffs"
                problems.append(
                    f"season {season - 1}-{str(season)[2:]} {label}: {len(without)} teams play "
                    f"in its games without a file of their own ({', '.join(without)}): "
                    f"{incomplete} of {len(acting)} games are incomplete and every record and "
                    "strength built from them is wrong"
                )
    return DirectoryCheck(tuple(parts), tuple(problems))


def require_whole(
    pbp_dir: Path, seasons: list[int], allow_incomplete: bool = False
) -> DirectoryCheck:
    """The check, raising ``IncompleteDirectory`` on a problem unless it is allowed."""
    check = check_directory(pbp_dir, seasons)
    if check.problems and not allow_incomplete:
        raise IncompleteDirectory(
            "; ".join(check.problems)
            + " — add the missing files, or pass --allow-incomplete to score what is there"
        )
    return check
