"""A small soak in every test run: the recorded night against real processes, with faults.

The committed soak (``python -m benchmarks.soak``, docs/soak.md) runs 1,000 clients with
three faults; this one runs the same code with 100 clients, the night at one poll a
second, a daphne killed with -9 and a Redis restart, through HAProxy — and asserts only
what does not depend on the machine's speed. Delivery times are printed, not asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import pytest

from benchmarks import soak

pytestmark = pytest.mark.slow
CLIENTS = 100


def test_a_night_with_a_daphne_killed_and_redis_restarted_loses_nothing() -> None:
    missing = soak.missing_tools()
    assert not missing, f"the soak needs {missing} (Debian packages; .ci/run installs them)"
    database = f"livescores_soak_ci_{os.getpid()}"
    args = soak.parse_args(
        [
            *("--clients", str(CLIENTS), "--poll-seconds", "1", "--settle", "8"),
            *("--events", "daphne,redis", "--max-seconds", "420", "--database", database),
        ]
    )
    try:
        result = asyncio.run(soak.soak(args))
    finally:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", database])
    printed = (
        *("connect_failures", "delivery_p95_last_over_first", "bytes_per_message", "events"),
        *("cpu_seconds", "harness_cpu_pct_of_one_core", "machine_busy_share"),
    )
    print(json.dumps({key: result[key] for key in printed}, indent=1))
    assert [e["what"] for e in result["events"]] == [soak.EVENTS["daphne"], soak.EVENTS["redis"]]
    assert {
        key: result[key]
        for key in ("unexpected_closes", "unrepaired_gaps", "final_state_mismatches")
    } == {"unexpected_closes": 0, "unrepaired_gaps": 0, "final_state_mismatches": 0}, result
    assert result["duplicate_rows_by_table"] == dict.fromkeys(result["duplicate_rows_by_table"], 0)
    assert result["connected_at_end"] == CLIENTS
    assert sum(result["tracebacks_in_logs"].values()) == 0, result["logs"]
