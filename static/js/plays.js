// A game's play-by-play and box score on the game page: what the server sent (the page's
// initial JSON, the subscribed ack, play / play_page / boxscore messages; see
// docs/websocket-api.md "play and boxscore"), kept by action_number and person_id, and
// drawn as the play feed (newest first, filters), the box score, the line score and the
// game-flow facts.

import { el } from "./format.js";

const SIDES = ["away", "home"];

// Plays by action_number (an edited play replaces its row, a removed one goes), box-score
// lines by side / person_id, and the latest game flow.
export class PlayBook {
  constructor() {
    this.plays = new Map();
    this.teams = new Map();
    this.players = new Map();
    this.flow = null;
    this.fresh = new Set(); // action numbers that arrived with the last update
  }

  take(plays = [], removed = [], { fresh = false } = {}) {
    this.fresh = new Set();
    for (const play of plays) {
      this.plays.set(play.action_number, play);
      if (fresh) this.fresh.add(play.action_number);
    }
    for (const number of removed) this.plays.delete(number);
  }

  takeBox({ teams = [], players = [], flow = null }) {
    for (const team of teams) this.teams.set(team.side, team);
    for (const player of players) this.players.set(player.person_id, player);
    if (flow) this.flow = flow;
  }

  // Newest first, by orderNumber.
  list() {
    return [...this.plays.values()].sort((a, b) => b.order_number - a.order_number);
  }

  last() {
    return this.list()[0] || null;
  }
}

// The plays a filter keeps: team ("" all, or a tricode), scoring only, period ("" all).
export function filterPlays(plays, { team = "", scoring = false, period = "" } = {}) {
  return plays.filter((p) => (!team || p.team_tricode === team)
    && (!scoring || p.points > 0)
    && (!period || String(p.period) === String(period)));
}

export function periodName(period) {
  return period <= 4 ? `Q${period}` : `OT${period - 4}`;
}

// One line for a play: "Q4 2:13 DAL L. Dončić 26' 3PT (31 PTS) · 101–99".
export function playLine(play, { home, away }) {
  const team = play.team_tricode ? `${play.team_tricode} ` : "";
  return `${periodName(play.period)} ${play.clock} ${team}${play.description} · ${away} ${play.score_away}–${play.score_home} ${home}`;
}

export function renderPlays(body, book, filter, { home, away }) {
  const plays = filterPlays(book.list(), filter);
  if (!plays.length) {
    body.replaceChildren(el("li", { class: "muted empty-row", text: book.plays.size ? "No play matches the filter." : "No plays yet." }));
    return plays.length;
  }
  body.replaceChildren(...plays.map((p) => el("li", {
    class: [p.points ? "scoring" : "", book.fresh.has(p.action_number) ? "fresh" : "", p.team_tricode === home ? "home-play" : p.team_tricode === away ? "away-play" : ""].join(" ").trim() || null,
    "data-action": p.action_number,
  },
  el("span", { class: "play-clock", text: `${periodName(p.period)} ${p.clock}` }),
  el("span", { class: "play-team", text: p.team_tricode || "" }),
  el("span", { class: "play-text", text: p.description }),
  p.points ? el("span", { class: "play-points", text: `+${p.points}`, title: "scoring play" }) : null,
  el("span", { class: "play-score", text: `${p.score_away}–${p.score_home}` }))));
  return plays.length;
}

function pair(values) {
  return `${values[0]}-${values[1]}`;
}

// Column, cell text, sort key (numbers: bigger first when sorting descending).
const BOX_COLUMNS = [
  ["MIN", (l) => l.minutes, (l) => secondsOf(l.minutes)], ["PTS", (l) => l.points], ["REB", (l) => l.rebounds],
  ["AST", (l) => l.assists], ["STL", (l) => l.steals], ["BLK", (l) => l.blocks],
  ["TO", (l) => l.turnovers], ["PF", (l) => l.fouls], ["FG", (l) => pair(l.fg), (l) => l.fg[0] * 1000 + l.fg[1]],
  ["3P", (l) => pair(l.fg3), (l) => l.fg3[0] * 1000 + l.fg3[1]], ["FT", (l) => pair(l.ft), (l) => l.ft[0] * 1000 + l.ft[1]],
  ["+/-", (l) => (l.plus_minus > 0 ? `+${l.plus_minus}` : String(l.plus_minus)), (l) => l.plus_minus],
];
export const BOX_COLUMN_NAMES = BOX_COLUMNS.map(([name]) => name);

// "34:12" -> 2052 (a line's minutes as seconds; 0 for none).
export function secondsOf(minutes) {
  const [m, s] = String(minutes || "0:00").split(":").map(Number);
  return (m || 0) * 60 + (s || 0);
}

// Box-score lines by one column (`sort.column`, a BOX_COLUMNS name; none: as given),
// biggest first unless `sort.descending` is false; ties keep the given order.
export function sortLines(lines, sort = {}) {
  const column = BOX_COLUMNS.find(([name]) => name === sort.column);
  if (!column) return [...lines];
  const key = column[2] || column[1];
  const sign = sort.descending === false ? 1 : -1;
  return lines.map((line, i) => [line, i])
    .sort(([a, i], [b, j]) => sign * (key(a) - key(b)) || i - j)
    .map(([line]) => line);
}

// The next sort after a click on `column`: that column biggest first, then smallest
// first, then back to the box score's own order (starters as listed, bench by minutes).
export function nextSort(sort = {}, column) {
  if (sort.column !== column) return { column, descending: true };
  if (sort.descending !== false) return { column, descending: false };
  return { column: null, descending: true };
}

function boxRow(line, name, cls = null) {
  return el("tr", { class: cls }, el("th", { scope: "row", text: name }), ...BOX_COLUMNS.map(([, get]) => el("td", { text: get(line) })));
}

function sortHeader(name, sort) {
  const active = sort.column === name;
  const order = active ? (sort.descending === false ? "ascending" : "descending") : "none";
  const arrow = active ? (sort.descending === false ? " ▲" : " ▼") : "";
  return el("th", { scope: "col", "aria-sort": order },
    el("button", { type: "button", class: "sort", "data-sort": name, title: `Sort by ${name}`, text: `${name}${arrow}` }));
}

// One team's box: starters, then the bench (each sorted by `sort` if a column is chosen;
// a click on a column's button is the page's to handle: data-sort names it), then the
// team's totals.
export function renderTeamBox(table, book, side, tricode, sort = {}) {
  const players = [...book.players.values()].filter((p) => p.side === side);
  const starters = sortLines(players.filter((p) => p.starter), sort);
  const bench = sortLines(players.filter((p) => !p.starter), sort);
  const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", text: tricode }), ...BOX_COLUMNS.map(([name]) => sortHeader(name, sort))));
  const section = (label, rows) => (rows.length ? [el("tr", { class: "box-section" }, el("th", { scope: "rowgroup", colspan: String(BOX_COLUMNS.length + 1), text: label })),
    ...rows.map((p) => boxRow(p, `${p.name}${p.on_court ? " •" : ""}`, p.on_court ? "on-court" : null))] : []);
  const team = book.teams.get(side);
  const body = el("tbody", {}, ...section("starters", starters), ...section("bench", bench),
    team ? boxRow(team, "totals", "totals") : null);
  if (!players.length && !team) {
    table.replaceChildren(head, el("tbody", {}, el("tr", {}, el("td", { colspan: String(BOX_COLUMNS.length + 1), class: "muted", text: "No box score yet." }))));
    return;
  }
  table.replaceChildren(head, body);
}

// Periods not reached yet (after `period`, the game's current one) are left blank; with
// no flow (no plays yet) the table says so instead of showing zeros.
export function renderLineScore(table, flow, { home, away, period = 0 }) {
  const periods = flow ? flow.line_score.home.length : 4;
  const names = Array.from({ length: periods }, (_, i) => periodName(i + 1));
  const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "" }), ...names.map((n) => el("th", { scope: "col", text: n })), el("th", { scope: "col", text: "T" })));
  if (!flow) {
    table.replaceChildren(head, el("tbody", {}, el("tr", {}, el("td", { colspan: String(periods + 2), class: "muted", text: "No line score yet: it comes with the play-by-play." }))));
    return;
  }
  const row = (side, tricode) => {
    const points = flow.line_score[side];
    return el("tr", {}, el("th", { scope: "row", text: tricode }), ...points.map((n, i) => el("td", { text: i < Math.max(period, 1) ? n : "" })),
      el("td", { class: "total", text: points.reduce((a, b) => a + b, 0) }));
  };
  table.replaceChildren(head, el("tbody", {}, row("away", away), row("home", home)));
}

// Lead changes, ties, each side's largest lead, the current run, who has the ball, and
// from the box score each side's timeouts left and whether it is in the bonus.
export function flowFacts(flow, { home, away, homeId, awayId }, teams = new Map()) {
  if (!flow) return [];
  const team = (side) => teams.get(side) || {};
  const timeouts = SIDES.map((side) => team(side).timeouts_remaining);
  const bonus = SIDES.filter((side) => team(side).in_bonus).map((side) => (side === "home" ? home : away));
  const name = { home, away };
  const run = flow.run ? `${name[flow.run.side]} ${flow.run.points}–0` : "–";
  const ball = flow.possession === homeId ? home : flow.possession === awayId ? away : "–";
  return [
    ["lead changes", String(flow.lead_changes)],
    ["times tied", String(flow.times_tied)],
    ...SIDES.map((side) => [`largest lead ${name[side]}`, String(flow.largest_lead[side])]),
    ["current run", run],
    ["possession", ball],
    ...(timeouts.some((n) => n !== undefined && n !== null) ? [[`timeouts left ${away}–${home}`, timeouts.map((n) => (n ?? "–")).join("–")]] : []),
    ["in the bonus", bonus.length ? bonus.join(", ") : "neither"],
  ];
}
