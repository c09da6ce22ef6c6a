// Entry point of one game's page: the full differential chart, the win-probability curve,
// the forecast and its explanation, every closed minute and the score-change timeline,
// kept current by subscribing to the game over ws/scores/.

import { bootPage, readJson } from "./boot.js";
import { updateWinProbability, winProbabilityChart } from "./charts.js";
import { clockLabel, dateTimeShort, el, leadText, marginText, num, percent, rangeText, signed, timeShort } from "./format.js";
import { PlayBook, flowFacts, nextSort, renderLineScore, renderPlays, renderTeamBox } from "./plays.js";
import { correctionsText, patternCorrections } from "./pattern.js";
import { Cards, winProbabilityText } from "./render.js";

const page = bootPage();
const { root, board, store, time } = page;
const GAME = root.dataset.gameId;
const recovered = new Set(board.recovered || []);
const cards = new Cards(document.getElementById("games"), {
  time,
  gameUrl: page.gameUrl,
  full: true,
  minutesOf: store.sortedMinutes,
  recoveredOf: () => [...recovered],
});
const wpCanvas = document.querySelector("#wp-curve canvas");
const wpChart = wpCanvas ? winProbabilityChart(wpCanvas, { time, full: true }) : null;

function source(m) {
  if (recovered.has(m.minute)) return "recovered from play-by-play";
  return m.imputed ? "imputed" : "";
}

function renderMinutes() {
  const rows = store.sortedMinutes(GAME);
  document.getElementById("minute-count").textContent = `(${rows.length} closed)`;
  document.getElementById("minute-rows").replaceChildren(...rows.map((m) => el("tr",
    { class: [m.minute === time.forecastMinute || m.minute === time.halftimeMinute ? "marked" : "", source(m) ? "sourced" : ""].join(" ").trim() || null },
    el("td", { text: m.minute }), el("td", { text: m.away_score }), el("td", { text: m.home_score }),
    el("td", { text: signed(m.differential) }), el("td", { class: "muted", text: source(m) }))));
}

function renderWinProbability(game) {
  const series = game.win_probability || [];
  const box = document.getElementById("wp-curve");
  box.classList.toggle("empty-chart", series.length === 0);
  const last = series[series.length - 1];
  const when = game.status === "final" ? "last forecast" : "now";
  document.getElementById("wp-now").textContent = last
    ? `${when} ${winProbabilityText(game)} (${time.clockAt(last.elapsed_seconds)}, ${game.away.tricode} ${last.away_score}–${last.home_score} ${game.home.tricode}; ${game.home.tricode} ${percent(last.home_win_prob)})`
    : "No live win probability for this game yet.";
  updateWinProbability(wpChart, series, { time, full: true, end: time.lastMinute(store.sortedMinutes(GAME)) });
}

function renderPrediction(game) {
  const detail = document.getElementById("prediction-detail");
  const p = game.prediction;
  if (!p) return;
  const h = p.halftime;
  const f = p.final;
  const facts = [
    ["model", `${p.model.name} ${p.model.version}`],
    ["made at", dateTimeShort(p.created_at)],
    ["latency", `${num(p.latency_ms)} ms`],
    ["halftime forecast", marginText(game, h.point, 1)],
    ["halftime 90 % range", rangeText(game, h.interval90, h.point)],
    ["halftime 95 % range", rangeText(game, h.interval95, h.point)],
    ["actual halftime", h.actual === null ? "not yet" : `${marginText(game, h.actual)} (${Math.abs(h.actual - h.point).toFixed(1)} points off)`],
    ["final forecast", f.point === null ? "–" : marginText(game, f.point, 1)],
    ["final 90 % range", f.interval90 ? rangeText(game, f.interval90, f.point) : "–"],
    ["actual final", f.actual === null ? "not yet" : `${marginText(game, f.actual)}${f.point === null ? "" : ` (${Math.abs(f.actual - f.point).toFixed(1)} points off)`}`],
    [`home win probability at minute ${time.forecastMinute}`, p.home_win_probability === null ? "–" : `${(100 * p.home_win_probability).toFixed(1)}%`],
    [`${game.home.tricode} lead, min 1–${time.forecastMinute}`, `${(p.input_pattern || []).map((v) => signed(v)).join(" ")} (− : ${game.away.tricode} ahead)`],
    ["imputed minutes", (p.imputed_minutes || []).length ? p.imputed_minutes.join(", ") : "none"],
    ["corrected by the plays since", correctionsText(game, patternCorrections(p.input_pattern, store.sortedMinutes(GAME)))],
  ];
  const components = Object.entries(p.components || {});
  detail.replaceChildren(
    el("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])),
    components.length
      ? el("table", { class: "compact" }, el("caption", { text: "components" }),
        el("tbody", {}, ...components.map(([k, v]) => el("tr", {}, el("td", { text: k }), el("td", { text: typeof v === "number" ? signed(v, 2) : JSON.stringify(v) })))))
      : el("p", { class: "muted", text: "no component breakdown" }),
  );
}

// The score-change timeline, newest first: when it was seen, the moment, the score.
let lastTimelineKey = null;
function timelineRow(s, fresh = false) {
  const moment = clockLabel({ ...s, start_time: null }, time);
  return el("tr", { class: fresh ? "fresh" : null },
    el("td", {}, el("time", { datetime: s.observed_at, text: timeShort(s.observed_at) })),
    el("td", { text: moment }), el("td", { text: s.away.score }), el("td", { text: s.home.score }),
    el("td", { text: leadText(s) }));
}

function renderTimeline(rows) {
  const body = document.getElementById("snapshot-rows");
  if (!rows.length) {
    body.replaceChildren(el("tr", { class: "empty-row" }, el("td", { colspan: "5", class: "muted", text: "No state observed yet." })));
    return;
  }
  body.replaceChildren(...rows.map((s) => timelineRow(s)));
  const last = rows[0];
  lastTimelineKey = [last.status_text, last.home.score, last.away.score, last.elapsed_seconds].join("|");
}

function appendTimeline(game, sentAt) {
  const key = [game.status_text, game.home.score, game.away.score, game.elapsed_seconds].join("|");
  if (key === lastTimelineKey) return;
  lastTimelineKey = key;
  const body = document.getElementById("snapshot-rows");
  const empty = body.querySelector(".empty-row");
  if (empty) empty.remove();
  body.prepend(timelineRow({ ...game, observed_at: sentAt || new Date().toISOString() }, true));
}

// Play-by-play, box score, line score and game flow (static/js/plays.js).
const book = new PlayBook();
const initialPlays = readJson("game-plays");
book.take(initialPlays.plays);
book.takeBox(initialPlays.boxscore);
const playFilter = { team: "", scoring: false, period: "" };

function teams() {
  const game = store.games.get(GAME);
  const home = game ? game.home : { tricode: root.dataset.home, team_id: null };
  const away = game ? game.away : { tricode: root.dataset.away, team_id: null };
  const period = game ? (game.status === "final" ? 99 : game.period) : 0;
  return { home: home.tricode, away: away.tricode, homeId: home.team_id, awayId: away.team_id, period };
}

function renderPlayByPlay() {
  const names = teams();
  const shown = renderPlays(document.getElementById("play-rows"), book, playFilter, names);
  document.getElementById("play-count").textContent = `(${shown} of ${book.plays.size})`;
  const periods = document.getElementById("play-period");
  const seen = [...new Set(book.list().map((p) => p.period))].sort((a, b) => a - b);
  if (periods.options.length - 1 !== seen.length) {
    periods.replaceChildren(el("option", { value: "", text: "all periods" }),
      ...seen.map((n) => el("option", { value: String(n), text: n <= 4 ? `Q${n}` : `OT${n - 4}` })));
    periods.value = playFilter.period;
  }
}

let boxSort = { column: null, descending: true }; // both teams' boxes sort together

function renderBoxScore() {
  const names = teams();
  renderTeamBox(document.getElementById("box-away"), book, "away", names.away, boxSort);
  renderTeamBox(document.getElementById("box-home"), book, "home", names.home, boxSort);
  // The line score and the flow come from the plays: none stored yet, none drawn (zeros
  // under a 73-93 score would be wrong, not empty).
  const flow = book.plays.size ? book.flow : null;
  renderLineScore(document.getElementById("line-score"), flow, names);
  const facts = flowFacts(flow, names, book.teams);
  const factsList = document.getElementById("flow-facts");
  if (facts.length) factsList.replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
  else factsList.replaceChildren(el("dt", { text: "play-by-play" }), el("dd", { class: "muted", text: "none received yet: lead changes, runs and possession come with it" }));
}

for (const id of ["box-away", "box-home"]) {
  document.getElementById(id).addEventListener("click", (event) => {
    const button = event.target.closest("button[data-sort]");
    if (!button) return;
    boxSort = nextSort(boxSort, button.dataset.sort);
    renderBoxScore();
  });
}

document.getElementById("play-team").addEventListener("change", (e) => { playFilter.team = e.target.value; renderPlayByPlay(); });
document.getElementById("play-scoring").addEventListener("change", (e) => { playFilter.scoring = e.target.checked; renderPlayByPlay(); });
document.getElementById("play-period").addEventListener("change", (e) => { playFilter.period = e.target.value; renderPlayByPlay(); });

function render() {
  const game = store.games.get(GAME);
  if (!game) return;
  cards.render(game);
  renderMinutes();
  renderPrediction(game);
  renderWinProbability(game);
}

// The client's events, already applied to the store: draw this game's.
function changed({ kind, gameId, message }) {
  if (gameId !== undefined && gameId !== GAME) return;
  render();
  if (kind === "game") renderLineScore(document.getElementById("line-score"), book.flow, teams());
  if (kind === "game") appendTimeline(message.game, message.sent_at);
}

render();
renderPlayByPlay();
renderBoxScore();
renderTimeline(readJson("timeline"));
const ours = (handler) => (detail) => { if (detail.message.game_id === GAME) handler(detail.message); };
const client = page.connect({
  changed,
  follow: [GAME],
  keep: (id) => id === GAME,
  handle: {
    subscribed: ours((m) => { book.take(m.plays); book.takeBox(m.boxscore); renderPlayByPlay(); renderBoxScore(); }),
    plays: ours((m) => { book.take(m.plays, m.removed || [], { fresh: m.type === "play" }); renderPlayByPlay(); }),
    boxscore: ours((m) => { book.takeBox(m); renderBoxScore(); }),
  },
});
// A handle for debugging in the console (and the browser tests): the page's state and client.
window.livescores = { client, socket: client, store, cards, time, book };
