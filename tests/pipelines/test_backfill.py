import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from nba_api.stats.library.http import NBAStatsHTTP

from forecasting.history_table import read_history
from games.minutes import minute_series, states_from_live_playbyplay
from pipelines import backfill
from pipelines.history import HistoricalTeam

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nba_stats"
FINDER = FIXTURES / "leaguegamefinder_2023-24_2024-04-14.json"
PBP_Q1 = FIXTURES / "playbyplayv3_0022200552_q1.json"


class _Response:
    def __init__(self, url: str, text: str) -> None:
        self.url, self.text, self.status_code = url, text, 200


class RecordedSession:
    """Stands in for requests.Session: answers stats.nba.com endpoints from files."""

    def __init__(self, bodies: dict[str, Path]) -> None:
        self.bodies = bodies
        self.requests: list[Any] = []

    def get(self, url: str, params: Any = None, **kwargs: Any) -> _Response:
        self.requests.append((url, dict(params or [])))
        endpoint = url.rstrip("/").rsplit("/", 1)[-1]
        return _Response(f"{url}?{urlencode(params or [])}", self.bodies[endpoint].read_text())


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> RecordedSession:
    session = RecordedSession({"leaguegamefinder": FINDER, "playbyplayv3": PBP_Q1})
    monkeypatch.setattr(NBAStatsHTTP, "_session", session)
    monkeypatch.setattr(backfill.time, "sleep", lambda s: None)
    return session


def test_backfill_lists_games_from_recorded_game_finder(recorded: RecordedSession) -> None:
    games = backfill.list_season(2024)
    assert recorded.requests[0][1]["Season"] == "2023-24"
    assert [(g.game_id, g.home.tricode, g.away.tricode) for g in games] == [
        ("0022301188", "IND", "ATL"),
        ("0022301192", "PHI", "BKN"),
    ]
    ind_atl = games[0]
    assert (ind_atl.home_points, ind_atl.away_points) == (157, 115)
    assert ind_atl.home.team_id == 1610612754 and ind_atl.date.isoformat() == "2024-04-14"


def test_backfill_reads_minute_differentials_from_recorded_playbyplay(
    recorded: RecordedSession,
) -> None:
    actions = backfill.fetch_actions("0022200552")
    states = states_from_live_playbyplay(backfill.scoring_actions(actions))
    # CHI led CLE 34-27 after the first period of 2023-01-02.
    assert minute_series(states, 720) == [-2, -2, -6, -4, -9, -9, -7, -7, -8, -7, -4, -7]


def test_backfill_skips_a_recorded_game_whose_playbyplay_is_incomplete(
    recorded: RecordedSession,
) -> None:
    listed = backfill.ListedGame(
        "0022200552", backfill.dt.date(2023, 1, 2), 2023,
        HistoricalTeam(1610612739, "CLE", "Cleveland", "Cavaliers", 23, 14),
        HistoricalTeam(1610612741, "CHI", "Chicago", "Bulls", 16, 20),
        None, None,
    )  # fmt: skip
    with pytest.raises(backfill.BackfillError, match="stops in period 1"):
        backfill.build_game(listed, backfill.fetch_actions("0022200552"))


def test_backfill_rejects_a_response_for_another_game(recorded: RecordedSession) -> None:
    with pytest.raises(backfill.BackfillError, match="response is for game"):
        backfill.fetch_actions("0022301188")


def _constructed_game_actions() -> list[dict[str, Any]]:
    """Synthetic (not recorded): a full game, home scores 2 every 2 minutes, away 1."""
    actions: list[dict[str, Any]] = []
    home = away = 0
    number = 1
    for period in range(1, 5):
        actions.append({"actionNumber": number, "clock": "PT12M00.00S", "period": period,
                        "scoreHome": str(home), "scoreAway": str(away),
                        "actionType": "period", "subType": "start"})  # fmt: skip
        for left in range(660, -1, -120):
            number += 1
            home, away = home + 2, away + 1
            clock = f"PT{left // 60:02d}M{left % 60:02d}.00S"
            actions.append({"actionNumber": number, "clock": clock, "period": period,
                            "scoreHome": str(home), "scoreAway": str(away),
                            "actionType": "Made Shot", "subType": ""})  # fmt: skip
        number += 1
        actions.append({"actionNumber": number, "clock": "PT00M00.00S", "period": period,
                        "scoreHome": str(home), "scoreAway": str(away),
                        "actionType": "period", "subType": "end"})  # fmt: skip
    return actions


def test_backfill_builds_rows_in_the_shipped_table_layout(tmp_path: Path) -> None:
    listed = backfill.ListedGame(
        "0022400001", backfill.dt.date(2024, 10, 22), 2025,
        HistoricalTeam(1610612738, "BOS", "Boston", "Celtics", 0, 0),
        HistoricalTeam(1610612752, "NYK", "New York", "Knicks", 0, 0),
        48, 24,
    )  # fmt: skip
    row = backfill.minute_row(backfill.build_game(listed, _constructed_game_actions()))
    out = tmp_path / "rows.csv.gz"
    backfill.write_rows([row], out)
    [read] = read_history(out)
    assert read.game_id == "0022400001" and (read.home, read.away) == ("BOS", "NYK")
    assert read.halftime_diff == 12 and read.final_diff == 24 and len(read.minutes) == 48
    with gzip.open(out, "rt") as handle:
        header = handle.readline().strip().split(",")
    assert header[:16] == backfill.BASE_COLUMNS and header[-1] == "m48"


def test_backfill_command_writes_the_table_with_mocked_http(
    recorded: RecordedSession, tmp_path: Path
) -> None:
    from io import StringIO

    from django.core.management import call_command

    out, log = tmp_path / "history.csv.gz", StringIO()
    call_command("backfill", "--season", "2024", "--out", str(out), "--delay", "0", stdout=log)
    text = log.getvalue()
    # The recorded play-by-play belongs to another game, so both listed games are skipped.
    assert "2 games listed" in text and text.count("skipped") == 2
    assert read_history(out) == []


def test_recorded_fixtures_are_documented() -> None:
    readme = (FIXTURES / "README.md").read_text()
    for name in (FINDER.name, PBP_Q1.name):
        assert name in readme
        json.loads((FIXTURES / name).read_text())
    assert "swar/nba_api" in readme
