"""The golden replay: the recorded night's frames and rows, normalised, against a file.

``tests/golden/night.json.gz`` holds what ``support/night.py`` recorded on the
tree that made it: every frame each socket received, grouped per game in ``seq`` order,
and every row the night wrote. Times (``sent_at``, ``created_at``, the replay's wall
clock), measured durations (latencies, poll times) and row ids are normalised away;
floats compare to 1e-9. A refactor must leave it unchanged; a change that means to
change frames or rows regenerates it with one command, in a commit of its own:

    ./bin/test tests/system/test_golden_replay.py --update-golden

which prints the difference by message type (paste it into the commit message).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from support.night import RecordedNight

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "night.json.gz"
TIME_KEYS = {
    "sent_at",
    "created_at",
    "start_time",
    "observed_at",
    "closed_at",
    "updated_at",
    "started_at",
    "prediction_queued_at",
    "raised_at",
}
MEASURED_KEYS = {"latency_ms", "fetch_ms", "processing_ms"}
DROPPED_KEYS = {"id"}
# The replay dates scheduled games by the wall clock ("Starts 7:05 PM UTC").
TIP_TIME = re.compile(r"\b\d{1,2}:\d{2} [AP]M UTC\b")
TOLERANCE = 1e-9


def _normal(value: Any, key: str = "") -> Any:
    if key in TIME_KEYS:
        return None if value is None else "<time>"
    if key in MEASURED_KEYS:
        return None if value is None else "<measured>"
    if isinstance(value, dict):
        return {k: _normal(v, k) for k, v in sorted(value.items()) if k not in DROPPED_KEYS}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, str):
        return TIP_TIME.sub("<tip time>", value)
    if hasattr(value, "isoformat"):  # a date (times were caught by key above)
        return value.isoformat()
    return value


def _by_game(frames: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """A socket's frames per game in seq order (frames about no game, in arrival order)."""
    games: dict[str, list[tuple[int, int, Any]]] = {}
    for order, frame in enumerate(frames):
        key = frame.get("game_id", "")
        games.setdefault(key, []).append((frame.get("seq", 0), order, _normal(frame)))
    return {key: [f for _, _, f in sorted(rows)] for key, rows in sorted(games.items())}


def snapshot_of(night: RecordedNight) -> dict[str, Any]:
    """What the golden file holds."""
    return {
        "frames": {name: _by_game(frames) for name, frames in sorted(night.frames.items())},
        "rows": {table: _normal(rows) for table, rows in sorted(night.rows.items())},
    }


def write(snapshot: dict[str, Any]) -> None:
    GOLDEN.parent.mkdir(exist_ok=True)
    text = json.dumps(snapshot, indent=1, sort_keys=True) + "\n"
    GOLDEN.write_bytes(gzip.compress(text.encode(), mtime=0))


def read() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    return data


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, int | float)
            and isinstance(b, int | float)
            and math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def differences(old: dict[str, Any], new: dict[str, Any]) -> Counter[str]:
    """How many frames of each type, and rows of each table, differ (added, gone, changed)."""
    counts: Counter[str] = Counter()
    for socket in sorted(set(old["frames"]) | set(new["frames"])):
        before, after = old["frames"].get(socket, {}), new["frames"].get(socket, {})
        for game in sorted(set(before) | set(after)):
            a, b = before.get(game, []), after.get(game, [])
            kinds_a = Counter(f["type"] for f in a)
            kinds_b = Counter(f["type"] for f in b)
            for kind in sorted(set(kinds_a) | set(kinds_b)):
                xs = [f for f in a if f["type"] == kind]
                ys = [f for f in b if f["type"] == kind]
                changed = sum(not same(x, y) for x, y in zip(xs, ys, strict=False))
                changed += abs(len(xs) - len(ys))
                if changed:
                    counts[f"frame {kind}"] += changed
    for table in sorted(set(old["rows"]) | set(new["rows"])):
        xs, ys = old["rows"].get(table, []), new["rows"].get(table, [])
        changed = sum(not same(x, y) for x, y in zip(xs, ys, strict=False))
        changed += abs(len(xs) - len(ys))
        if changed:
            counts[f"row {table}"] += changed
    return counts


def summary(counts: Counter[str]) -> str:
    if not counts:
        return "no difference"
    return "; ".join(f"{what}: {n}" for what, n in sorted(counts.items()))
