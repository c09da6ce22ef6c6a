"""Benchmarks: ingest, delivery, capacity, prediction — each with a baseline from the same run.

    .venv/bin/python -m benchmarks.run            # everything (~3 min on 2 cores)
    .venv/bin/python -m benchmarks.run --only ingest,prediction --quick

Uses its own database (livescores_bench) and Redis DB 14; servers listen on loopback
only; every loop is bounded. Prints a table, writes benchmarks/results/latest.json and
the table in docs/performance.md. Figures, not tests: nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from typing import Any

from benchmarks.common import ROOT, raise_nofile, setup_django
from benchmarks.delivery import bench_delivery
from benchmarks.ingest import bench_ingest
from benchmarks.prediction import bench_prediction
from benchmarks.report import DOC, RESULTS, table, write_doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="ingest,delivery,prediction")
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    nofile = raise_nofile()
    setup_django()
    wanted = args.only.split(",")
    results: dict[str, Any] = {}
    for name, bench in (
        ("ingest", bench_ingest),
        ("delivery", bench_delivery),
        ("prediction", bench_prediction),
    ):
        if name in wanted:
            print(f"running {name}…", file=sys.stderr)
            results[name] = bench(args.quick)
    meta = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, nofile {nofile}",
        "command": "python -m benchmarks.run" + (" --quick" if args.quick else ""),
    }
    lines = table(results)
    print("\n".join(lines))
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"meta": meta, **results}, indent=2) + "\n")
        write_doc(lines, meta)
        print(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}", file=sys.stderr)
    missed = {
        key: value["missed_deliveries"]
        for key, value in results.get("delivery", {}).items()
        if isinstance(value, dict) and value.get("missed_deliveries")
    }
    if missed:  # every client must receive every round: a miss fails the run
        sys.exit(f"deliveries missed: {missed}")


if __name__ == "__main__":
    main()
