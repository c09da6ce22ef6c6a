"""Output: the results table, benchmarks/results/latest.json and docs/performance.md."""

from __future__ import annotations

from typing import Any

from benchmarks.common import ROOT, SEED_BUDGET_MS

RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
DOC = ROOT / "docs" / "performance.md"


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| benchmark | p50 | p95 | baseline (same run) | ratio p95 | target |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    budget = sum(SEED_BUDGET_MS.values())
    if "ingest" in results:
        ing = results["ingest"]
        copy = ing["copy_baseline"]["total_ms"]
        for key, label in (
            ("redis_layer", "RedisChannelLayer"),
            ("pubsub_layer", "RedisPubSubChannelLayer"),
        ):
            t = ing[key]["total_ms"]
            lines.append(
                f"| ingest, 15-game poll, {label} (emit p95 {ing[key]['emit_ms']['p95']} ms) "
                f"| {t['p50']} ms | {t['p95']} ms "
                f"| COPY {copy['p95']} ms; seed budget {budget:g} ms "
                f"| {ratio(t['p95'], copy['p95'])}x COPY, {ratio(t['p95'], budget)}x budget "
                "| ≤ 10 ms |"
            )
    if "delivery" in results:
        dl = results["delivery"]
        bare = dl["bare_websockets"]["latency_ms"]
        servers = [k for k in dl if k.endswith("_layer")]
        bare_kib = dl["bare_websockets"]["capacity"]["kib_per_connection"]
        for key in servers:
            server, layer = dl[key].get("server", "daphne"), dl[key]["layer"]
            label = "RedisChannelLayer" if layer == "redis" else "RedisPubSubChannelLayer"
            d = dl[key]["latency_ms"]
            if d and bare:
                lines.append(
                    f"| delivery commit→{dl[key]['clients']} clients, {server} + {label} "
                    f"({dl[key].get('missed_deliveries', 0)} missed) "
                    f"| {d['p50']} ms | {d['p95']} ms | bare websockets p95 {bare['p95']} ms "
                    f"| {ratio(d['p95'], bare['p95'])}x | ≤ 1.5x |"
                )
        for key in [*servers, "bare_websockets"]:
            cap = dl[key]["capacity"]
            lines.append(
                f"| capacity, {key.replace('_', ' ')} | {cap['held']} held idle | "
                f"{cap['kib_per_connection']} KiB/conn | RSS {cap['rss_mib_empty']} → "
                f"{cap['rss_mib_all']} MiB | {ratio(cap['kib_per_connection'], bare_kib)}x bare "
                "| ≤ 2x |"
            )
    if "prediction" in results:
        pr = results["prediction"]
        t, b = pr["make_prediction_ms"], pr["forecast_only_ms"]
        lines.append(
            f"| prediction, {pr['games']} games, {pr['forecaster']['name']} "
            f"{pr['forecaster']['version']} (DB read + forecast + write) | {t['p50']} ms "
            f"| {t['p95']} ms | forecast() alone p95 {b['p95']} ms "
            f"| {ratio(t['p95'], b['p95'])}x | |"
        )
    return lines


def write_doc(lines: list[str], meta: dict[str, Any]) -> None:
    start, end = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
    block = "\n".join(
        [
            start,
            f"Measured {meta['when']} on {meta['machine']} by `{meta['command']}`.",
            "",
            *lines,
            end,
        ]
    )
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    DOC.write_text(head + block + tail)
