// Shared by the node tests: the server's page constants (a fixture that
// tests/js/test_node.py checks against dashboard.services.page_constants), a fake
// WebSocket, a fake clock, and message builders in the shape of docs/schemas.

import { readFileSync } from "node:fs";

export const ROOT = new URL("../../", import.meta.url);
export const readJsonFile = (path) => JSON.parse(readFileSync(new URL(path, ROOT), "utf8"));

export const CONSTANTS = readJsonFile("tests/js/fixtures/page-constants.json");
export const RULES = CONSTANTS.protocol;

// A WebSocket the test drives: open(), receive(message), serverClose(code).
export function fakeSockets() {
  const sockets = [];
  class FakeSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 0;
      this.sent = [];
      this.closedWith = null;
      sockets.push(this);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error("send on a socket that is not open");
      this.sent.push(JSON.parse(data));
    }

    close(code = 1000) {
      this.readyState = 3;
      this.closedWith = code;
    }

    open() {
      this.readyState = 1;
      this.onopen({});
    }

    receive(message) {
      this.onmessage({ data: typeof message === "string" ? message : JSON.stringify(message) });
    }

    serverClose(code) {
      this.readyState = 3;
      this.onclose({ code });
    }
  }
  return { FakeSocket, sockets, last: () => sockets[sockets.length - 1] };
}

// setTimeout/clearTimeout that only record; run() fires what is due, in order.
export function fakeClock() {
  const timers = new Map();
  let next = 1;
  return {
    timers,
    setTimeout(fn, ms) {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    delays: () => [...timers.values()].map((t) => t.ms),
    runAll() {
      const due = [...timers.entries()];
      timers.clear();
      for (const [, t] of due) t.fn();
    },
  };
}

// A logger that keeps what it was told (and says nothing).
export function quietLogger() {
  const lines = [];
  const keep = (level) => (...args) => lines.push([level, ...args]);
  return { lines, debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") };
}

// Every event the client emits, in order: [name, detail].
export function recordEvents(client, names) {
  const seen = [];
  for (const name of names) client.addEventListener(name, (e) => seen.push([name, e.detail]));
  return seen;
}

export const EVENTS = [
  "snapshot", "board", "game", "prediction", "forecast", "minutes", "subscribed", "unsubscribed",
  "error", "resync", "state", "alerts", "alert",
];

// --- messages (the fields the client reads; docs/schemas has the rest) ----------

const SENT_AT = "2025-02-11T01:00:00+00:00";
const team = (tricode, score) => ({ team_id: 1, tricode, city: "City", name: "Team", wins: 1, losses: 1, score });

export function gameState(id, seq, { home = 0, away = 0, status = "live", period = 1 } = {}) {
  return {
    game_id: id, date: "2025-02-10", start_time: SENT_AT, status, status_text: "Q1 10:00", period,
    clock: "10:00", clock_seconds: 600, elapsed_seconds: 120, home: team("CLE", home), away: team("MIN", away),
    differential: home - away, pattern_progress: 1, pattern_length: 18, seq,
  };
}

export const snapshot = (games, { reason = "connect", current = [], version = 1 } = {}) => ({
  type: "snapshot", version: 2, sent_at: SENT_AT, reason, board: { date: "2025-02-10", version },
  current, games: games.map(([id, seq]) => ({ ...gameState(id, seq), win_probability: [], prediction: null })),
});
export const scoreUpdate = (id, seq, score = {}) => ({
  type: "score_update", version: 2, sent_at: SENT_AT, game_id: id, seq, game: gameState(id, seq, score),
});
export const forecastUpdate = (id, seq, minute) => ({
  type: "forecast.update", version: 2, sent_at: SENT_AT, game_id: id, seq,
  forecast: { minute, home_win_prob: 0.6, final_margin: 3, interval90: [-10, 16], interval95: [-14, 20], model_version: "m1" },
});
export const prediction = (id, seq) => ({
  type: "prediction", version: 2, sent_at: SENT_AT, game_id: id, seq,
  prediction: { game_id: id, halftime: { point: 3, interval90: [-5, 11], interval95: [-8, 14], actual: null } },
});
export const patternProgress = (id, seq, minute) => ({
  type: "pattern_progress", version: 2, sent_at: SENT_AT, game_id: id, seq, progress: minute, pattern_length: 18,
  minutes: [{ minute, differential: 1, home_score: 3, away_score: 2, imputed: false }],
});
export const subscribed = (id, seq, minutes = [1]) => ({
  type: "subscribed", version: 2, sent_at: SENT_AT, game_id: id, seq,
  game: { ...gameState(id, seq), prediction: null, win_probability: [] },
  minutes: minutes.map((minute) => ({ minute, differential: 0, home_score: 0, away_score: 0, imputed: false })),
});
export const board = (version, gameIds) => ({
  type: "board", version: 2, sent_at: SENT_AT, board: { date: "2025-02-10", version }, game_ids: gameIds,
});
export const error = (code, detail = "") => ({ type: "error", version: 2, sent_at: SENT_AT, code, detail });

export const alertPayload = (id, seq, { rule = "clutch", active = true, gameId = "0022400755" } = {}) => ({
  id, seq, game_id: gameId, rule, rule_text: "clutch time", key: "P4", text: "Clutch time: MIN 100 @ CLE 98, 4:00 left in Q4",
  home: "CLE", away: "MIN", period: 4, clock: "4:00", clock_seconds: 240, home_score: 100, away_score: 98,
  raised_at: SENT_AT, active,
});
export const alertMessage = (id, seq, options = {}) => ({
  type: "alert", version: 2, sent_at: SENT_AT, alert_seq: seq, alert: alertPayload(id, seq, options),
});
export const staffSnapshot = (games, alertSeq, alerts = [], options = {}) => ({
  ...snapshot(games, options), alert_seq: alertSeq, alerts,
});
