// Game cards: score, moment, lead, records, forecast vs actual, win probability, charts.

import { differentialChart, halftimeHit, updateDifferential, updateWinProbability, winProbabilityChart } from "./charts.js";
import { clockLabel, el, favourite, forecastText, leadText, marginText, percent, rangeText, record, timeShort, updatedText } from "./format.js";

const NOT_PLAYED = new Set(["scheduled", "postponed", "cancelled"]);

export const latestWinProbability = (game) => {
  const series = game.win_probability || [];
  return series.length ? series[series.length - 1] : null;
};

// "BOS 73 %" for the side the model favours, from the latest point (or the prediction's).
export function winProbabilityText(game) {
  const last = latestWinProbability(game);
  const p = last ? last.home_win_prob : game.prediction ? game.prediction.home_win_probability : null;
  if (p === null || p === undefined) return "";
  const fav = favourite(game, p);
  return `${fav.tricode} ${percent(fav.p)}`;
}

function forecastNodes(game, time) {
  const p = game.prediction;
  if (NOT_PLAYED.has(game.status) && !p) return [];
  if (!p) {
    const left = Math.max(0, game.pattern_length - game.pattern_progress);
    const text = left > 0
      ? `Forecast in ${left} minute${left === 1 ? "" : "s"} (at minute ${time.forecastMinute}).`
      : "No forecast for this game.";
    return [el("p", { class: "muted", text })];
  }
  const h = p.halftime;
  const lines = [
    el("div", { class: "fc-line", "data-field": "halftime-forecast" },
      el("b", { text: "Forecast: " }), forecastText(game, h.point, h.interval90, "at half"),
      h.interval95 ? ` · 95 %: ${rangeText(game, h.interval95, h.point)}` : ""),
  ];
  const hit = halftimeHit(p);
  if (hit !== null) {
    const off = Math.abs(h.actual - h.point);
    lines.push(el("div", { class: `fc-line outcome ${hit ? "hit" : "miss"}`, "data-field": "halftime-outcome" },
      el("span", { class: "icon", "aria-hidden": "true", text: hit ? "✓" : "✗" }),
      ` ${hit ? "Hit" : "Miss"}: ${marginText(game, h.actual)} at half, ${off.toFixed(1)} points off, `
        + `${hit ? "inside" : "outside"} the 90 % range`));
  }
  if (p.final && p.final.point !== null) {
    lines.push(el("div", { class: "fc-line final" },
      el("b", { text: "Final: " }), forecastText(game, p.final.point, p.final.interval90, "at the end"),
      p.final.actual !== null ? ` · ended ${marginText(game, p.final.actual)}` : ""));
  }
  lines.push(el("div", { class: "fc-line muted", text: `${p.model.name} ${p.model.version}` }));
  return lines;
}

// A similar historical game as marginText() reads a game: its own two teams.
const their = (n) => ({ home: { tricode: n.home || "home" }, away: { tricode: n.away || "away" } });

function neighbourNodes(game, open, time) {
  if (!game.prediction) return [];
  const list = game.prediction.neighbours || [];
  if (!list.length) return [el("p", { class: "muted", text: "This model does not name similar historical games." })];
  const rows = list.map((n) => el("tr", {},
    el("td", { text: n.date || "–" }), el("td", { text: `${n.away || "?"} @ ${n.home || "?"}` }),
    el("td", { text: typeof n.minute18 === "number" ? marginText(their(n), n.minute18) : "–" }),
    el("td", { text: typeof n.halftime === "number" ? marginText(their(n), n.halftime) : "–" }),
    el("td", { text: typeof n.final === "number" ? marginText(their(n), n.final) : "–" })));
  const details = el("details", {},
    el("summary", { text: `${list.length} similar historical games` }),
    el("table", { class: "compact" },
      el("thead", {}, el("tr", {}, ...["date", "game", `after minute ${time.forecastMinute}`, "at half", "final"].map((t) => el("th", { scope: "col", text: t })))),
      el("tbody", {}, ...rows)));
  details.open = open;
  return [details];
}

// The card's "updated … ago" line (re-run every few seconds by the page).
export function showUpdated(card, game, now = Date.now()) {
  const node = card.querySelector('[data-field="updated"]');
  if (!node) return;
  const { text, quiet } = updatedText(game, now);
  node.textContent = text;
  node.classList.toggle("quiet", quiet);
}

// A card grid: builds, updates and removes cards; every chart shares one y-range.
// time: gameTime() (the server's game constants).
export class Cards {
  constructor(container, { time, gameUrl, full = false, minutesOf, recoveredOf = () => [], lastPlayOf = () => "" }) {
    this.container = container;
    this.time = time;
    this.gameUrl = gameUrl;
    this.full = full;
    this.minutesOf = minutesOf;
    this.recoveredOf = recoveredOf;
    this.lastPlayOf = lastPlayOf; // the game's last play in one line ("" for none)
    this.cards = new Map(); // game_id -> {el, chart, wp}
    this.range = null;
  }

  build(game) {
    const id = game.game_id;
    const field = (name, tag = "span", cls = "") => el(tag, { class: cls, "data-field": name });
    const team = (side) => el("div", { class: "team" },
      field(`${side}-name`, "span", "tri"), field(`${side}-score`, "span", "score"), field(`${side}-record`, "span", "record"));
    const article = el("article", { class: "card", id: `game-${id}`, "data-game-id": id, "aria-label": `${game.away.tricode} at ${game.home.tricode}` },
      el("div", { class: "card-head" },
        el("a", { href: this.gameUrl(id), class: "matchup", "data-field": "matchup" }),
        field("status", "span", "badge")),
      el("div", { class: "scoreline" }, team("away"), el("div", { class: "at", text: "@" }), team("home")),
      el("div", { class: "meta" }, field("clock"), field("differential", "span", "lead"), field("win-probability", "span", "wp-text")),
      field("last-play", "div", "last-play"),
      field("updated", "div", "updated"),
      el("div", { class: "progress" },
        el("div", { class: "bar" }, el("div", { class: "fill", "data-field": "progress-bar" })),
        field("progress", "span", "progress-text")),
      el("div", { class: "chart" }, el("canvas", { role: "img", "aria-label": "minute-by-minute differential, home minus away" })),
      // The game page draws the curve full size in its own panel: no small one on its card.
      this.full ? null : el("div", { class: "wp-chart" }, el("div", { class: "wp-label", text: `${game.home.tricode} win probability` }),
        el("div", { class: "wp-plot" }, el("canvas", { role: "img", "aria-label": `${game.home.tricode} win probability through the game` }))),
      field("forecast", "div", "forecast"),
      field("neighbours", "div", "neighbours"));
    this.container.append(article);
    const entry = {
      el: article,
      chart: differentialChart(article.querySelector(".chart canvas"), { time: this.time, full: this.full }),
      wp: this.full ? null : winProbabilityChart(article.querySelector(".wp-chart canvas"), { time: this.time }),
    };
    this.cards.set(id, entry);
    return entry;
  }

  render(game) {
    const id = game.game_id;
    const entry = this.cards.get(id) || this.build(game);
    const card = entry.el;
    const set = (name, text) => { card.querySelector(`[data-field="${name}"]`).textContent = text; };
    const notPlayed = NOT_PLAYED.has(game.status);
    const wpSeries = game.win_probability || [];
    card.className = `card status-${game.status}${notPlayed ? " not-played" : ""}${wpSeries.length ? " has-wp" : ""}`;
    set("matchup", `${game.away.city} ${game.away.name} @ ${game.home.city} ${game.home.name}`);
    const lastPlay = notPlayed ? "" : this.lastPlayOf(id);
    set("last-play", lastPlay);
    card.querySelector('[data-field="last-play"]').title = lastPlay;
    set("status", game.status);
    set("away-name", game.away.tricode);
    set("home-name", game.home.tricode);
    set("away-score", notPlayed ? "" : game.away.score);
    set("home-score", notPlayed ? "" : game.home.score);
    set("away-record", record(game.away));
    set("home-record", record(game.home));
    set("clock", game.status === "scheduled" && game.start_time ? `Starts ${timeShort(game.start_time)}` : clockLabel(game, this.time));
    set("differential", notPlayed ? "" : leadText(game));
    // A finished game has a winner, not a probability: its curve stays, the number goes.
    const wp = notPlayed || game.status === "final" ? "" : winProbabilityText(game);
    set("win-probability", wp ? `win prob. ${wp}` : "");
    // Minutes still to close before the forecast; gone once it is made or the game is over.
    const waiting = !notPlayed && game.status !== "final" && game.status !== "stale" && game.pattern_progress < game.pattern_length;
    card.classList.toggle("forecast-made", !waiting);
    set("progress", waiting ? `${game.pattern_progress} of ${game.pattern_length} minutes before the forecast` : "");
    card.querySelector('[data-field="progress-bar"]').style.width = `${(100 * game.pattern_progress) / game.pattern_length}%`;
    card.querySelector('[data-field="forecast"]').replaceChildren(...forecastNodes(game, this.time));
    showUpdated(card, game);
    const box = card.querySelector('[data-field="neighbours"]');
    const opened = box.querySelector("details");
    box.replaceChildren(...neighbourNodes(game, opened ? opened.open : this.full, this.time));
    updateDifferential(entry.chart, game, this.minutesOf(id), {
      time: this.time, full: this.full, range: this.full ? null : this.range, recovered: this.recoveredOf(id),
    });
    // The differential chart's last minute (its x-axis ends one minute past it).
    const end = entry.chart ? entry.chart.options.scales.x.max - 1 : 0;
    updateWinProbability(entry.wp, wpSeries, { time: this.time, end });
  }

  remove(id) {
    const entry = this.cards.get(id);
    if (!entry) return;
    if (entry.chart) entry.chart.destroy();
    if (entry.wp) entry.wp.destroy();
    entry.el.remove();
    this.cards.delete(id);
  }

  ids() {
    return [...this.cards.keys()];
  }

  // Refresh every card's "updated … ago" (games: id -> game).
  tick(games, now = Date.now()) {
    for (const [id, entry] of this.cards) if (games.has(id)) showUpdated(entry.el, games.get(id), now);
  }
}
