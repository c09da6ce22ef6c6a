"""Behaviour does not change by accident: the recorded night against its golden file.

Every frame three sockets received during the recorded night and every row the night
wrote (support/night.py), normalised (support/golden.py), must equal
``tests/golden/night.json.gz``. A change meant to alter them regenerates the file:

    ./bin/test tests/system/test_golden_replay.py --update-golden
"""

from __future__ import annotations

import pytest

from support import golden
from support.night import RecordedNight


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_recorded_night_sends_and_writes_what_the_golden_file_holds(
    night: RecordedNight, request: pytest.FixtureRequest
) -> None:
    now = golden.snapshot_of(night)
    if request.config.getoption("--update-golden"):
        before = golden.read() if golden.GOLDEN.exists() else {"frames": {}, "rows": {}}
        golden.write(now)
        print(f"\ngolden file rewritten: {golden.summary(golden.differences(before, now))}")
        return
    assert golden.GOLDEN.exists(), "no golden file: run with --update-golden"
    counts = golden.differences(golden.read(), now)
    assert not counts, f"the night differs from the golden file: {golden.summary(counts)}"


def test_the_comparison_sees_a_changed_frame_and_tolerates_float_noise() -> None:
    frame = {"type": "score_update", "game_id": "1", "seq": 1, "x": 0.5}
    old = {"frames": {"s": {"1": [frame]}}, "rows": {"game": [{"a": 1}]}}
    noisy = {"frames": {"s": {"1": [{**frame, "x": 0.5 + 1e-12}]}}, "rows": {"game": [{"a": 1}]}}
    assert golden.differences(old, noisy) == {}
    changed = {"frames": {"s": {"1": [{**frame, "x": 0.6}]}}, "rows": {"game": [{"a": 2}]}}
    assert golden.differences(old, changed) == {"frame score_update": 1, "row game": 1}
