// The dashboard's system panel: polls, model, live accuracy (from /status.json).

import { el, num, timeShort } from "./format.js";

// What the feed setting and a poll's outcome mean, in words staff read.
export const FEED_WORDS = { replay: "replay of a recorded night", live: "NBA.com live scoreboard" };
export const OUTCOME_WORDS = { ok: "ok", fetch_error: "feed did not answer", error: "failed while storing" };

export function renderStatus(status) {
  const facts = document.getElementById("system-facts");
  if (!facts) return;
  const polls = status.polls;
  const last = polls.last;
  const model = status.model;
  const items = [
    ["score feed", `${FEED_WORDS[status.feed] || status.feed}, checked every ${status.poll_interval_seconds} s`],
    ["last check", last ? `${timeShort(last.started_at)} · ${OUTCOME_WORDS[last.outcome] || last.outcome} · ${last.games} games · ${num(last.total_ms)} ms` : "none yet"],
    ["last good check", polls.last_ok ? timeShort(polls.last_ok) : "none yet"],
    ["failed checks", `${polls.errors} of the last ${polls.runs}`],
    ["halftime model", model.served_version || "none trained: forecasts use the drift baseline"],
    ["last forecast", model.last_forecast ? `${model.last_forecast.name} (${model.last_forecast.version}) at ${timeShort(model.last_forecast.at)}` : "none yet"],
  ];
  facts.replaceChildren(...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { "data-fact": k, text: v })]));
  document.querySelector('#poll-times [data-field="window"]').textContent = polls.runs;
  document.querySelector("#poll-times tbody").replaceChildren(
    ...[["reading the feed", polls.fetch_ms], ["storing and pushing", polls.processing_ms], ["whole check", polls.total_ms]].map(([k, s]) =>
      el("tr", {}, el("th", { scope: "row", text: k }), el("td", { text: num(s.avg) }), el("td", { text: num(s.min) }), el("td", { text: num(s.max) }))));
  document.getElementById("poll-errors").replaceChildren(...polls.recent_errors.map((e) =>
    el("p", { class: "error", text: `${timeShort(e.started_at)} ${e.outcome}: ${e.error}` })));
  const acc = status.accuracy;
  const pct = (v) => (v === null ? "–" : `${v.toFixed(0)}%`);
  const row = (a, cls) => el("tr", { class: cls }, el("td", { text: a.label }), el("td", { text: a.halftime_n }),
    el("td", { text: num(a.halftime_mae, 2) }), el("td", { text: pct(a.coverage90) }), el("td", { text: pct(a.coverage95) }),
    el("td", { text: a.final_n ? num(a.final_mae, 2) : "–" }));
  const rows = acc.overall.halftime_n
    ? [row(acc.overall, "total"), ...acc.by_date.map((a) => row(a, ""))]
    : [el("tr", {}, el("td", { colspan: "6", class: "muted", text: `No forecast of these nights has a known halftime yet (${acc.pending} waiting).` }))];
  document.getElementById("accuracy-rows").replaceChildren(...rows);
  const scope = document.getElementById("accuracy-scope");
  if (scope && acc.window) {
    scope.textContent = `Tonight and the ${acc.window.nights - 1} nights before (${acc.window.start} to ${acc.window.end}); `
      + `${acc.pending} forecast${acc.pending === 1 ? "" : "s"} still waiting for halftime.`;
  }
}

// then(status): also called with the fresh status (the header's nights).
export async function refreshStatus(url, then = () => {}) {
  if (!url) return;
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok && !response.redirected) {
      const status = await response.json();
      renderStatus(status);
      then(status);
    }
  } catch (err) {
    console.debug("status refresh failed", err);
  }
}
