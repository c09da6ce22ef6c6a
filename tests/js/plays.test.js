// plays.js: a game's plays kept by action_number (edits replace, removals go), the feed's
// filters and one-line text, the game-flow facts; and the client's play-gap request.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ScoresClient } from "../../static/js/livescores-client.js";
import { BOX_COLUMN_NAMES, PlayBook, filterPlays, flowFacts, nextSort, periodName, playLine, secondsOf, sortLines } from "../../static/js/plays.js";
import { RULES, fakeClock, fakeSockets, quietLogger, snapshot, subscribed } from "./helpers.js";

const A = "0022400762";
const play = (number, order, extra = {}) => ({
  action_number: number, order_number: order, period: 1, clock: "11:40", time_actual: null, team_id: 1610612742,
  team_tricode: "DAL", person_id: 1, player_name: "K. Irving", action_type: "2pt", sub_type: "Jump Shot",
  description: "K. Irving 12' Jump Shot (2 PTS)", score_home: 2, score_away: 0, points: 2, possession: 1610612742,
  edited: null, ...extra,
});

describe("the play book", () => {
  it("orders by orderNumber newest first, replaces edits and drops removed plays", () => {
    const book = new PlayBook();
    book.take([play(7, 70000), play(4, 40000, { points: 0, action_type: "jumpball" }), play(9, 90000)]);
    assert.deepEqual(book.list().map((p) => p.action_number), [9, 7, 4]);
    book.take([play(7, 95000, { description: "edited" })], [9], { fresh: true });
    assert.deepEqual(book.list().map((p) => [p.action_number, p.description.slice(0, 6)]), [[7, "edited"], [4, "K. Irv"]]);
    assert.ok(book.fresh.has(7));
    assert.equal(book.last().action_number, 7);
  });

  it("filters by team, scoring plays and period", () => {
    const plays = [play(1, 1, { team_tricode: "SAC" }), play(2, 2, { points: 0 }), play(3, 3, { period: 2 })];
    assert.deepEqual(filterPlays(plays, { team: "DAL" }).map((p) => p.action_number), [2, 3]);
    assert.deepEqual(filterPlays(plays, { scoring: true }).map((p) => p.action_number), [1, 3]);
    assert.deepEqual(filterPlays(plays, { period: "2" }).map((p) => p.action_number), [3]);
  });

  it("says a play in one line and the game flow in facts", () => {
    assert.equal(periodName(5), "OT1");
    assert.equal(playLine(play(1, 1), { home: "DAL", away: "SAC" }), "Q1 11:40 DAL K. Irving 12' Jump Shot (2 PTS) · SAC 0–2 DAL");
    const flow = { line_score: { home: [2, 0, 0, 0], away: [0, 0, 0, 0] }, lead_changes: 3, times_tied: 2,
      largest_lead: { home: 9, away: 4 }, run: { side: "away", points: 8 }, possession: 1610612758 };
    const facts = Object.fromEntries(flowFacts(flow, { home: "DAL", away: "SAC", homeId: 1610612742, awayId: 1610612758 }));
    assert.equal(facts["current run"], "SAC 8–0");
    assert.equal(facts.possession, "SAC");
    assert.equal(facts["largest lead DAL"], "9");
    assert.equal(facts["in the bonus"], "neither");
    const teams = new Map([["home", { timeouts_remaining: 3, in_bonus: true }], ["away", { timeouts_remaining: 5, in_bonus: false }]]);
    const withBox = Object.fromEntries(flowFacts(flow, { home: "DAL", away: "SAC", homeId: 1, awayId: 2 }, teams));
    assert.equal(withBox["timeouts left SAC–DAL"], "5–3");
    assert.equal(withBox["in the bonus"], "DAL");
  });
});

describe("play messages in the client", () => {
  it("asks for the plays after its newest when a batch's previous is ahead of it", () => {
    const net = fakeSockets();
    const clock = fakeClock();
    const client = new ScoresClient({ rules: RULES, url: "ws://t/", WebSocket: net.FakeSocket,
      setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: () => 0.5, logger: quietLogger() });
    const seen = [];
    client.addEventListener("plays", (e) => seen.push(e.detail.message));
    client.connect();
    net.last().open();
    net.last().receive(snapshot([[A, 3]]));
    client.handle({ ...subscribed(A, 3), plays: [play(7, 70000)], boxscore: { teams: [], players: [], flow: null } });
    const batch = (previous, last, plays) => ({ type: "play", version: 2, sent_at: "2026-01-01T00:00:00Z", game_id: A, seq: 3, previous, last, plays, removed: [] });
    assert.equal(client.handle(batch(70000, 90000, [play(9, 90000)])), "applied");
    assert.deepEqual(net.last().sent.filter((f) => f.action === "plays"), []);
    client.handle(batch(120000, 130000, [play(13, 130000)])); // 10..12 were missed
    assert.deepEqual(net.last().sent.filter((f) => f.action === "plays"), [{ action: "plays", game_id: A, after: 90000 }]);
    assert.equal(seen.length, 2);
    assert.equal(client.newestPlay.get(A), 130000);
  });
});

describe("the box score's sort", () => {
  const line = (name, minutes, points, fg, plus) => ({ name, minutes, points, fg, fg3: [0, 0], ft: [0, 0], plus_minus: plus });
  const lines = [line("A", "34:12", 20, [8, 15], -3), line("B", "9:05", 20, [7, 9], 6), line("C", "40:00", 31, [12, 20], 1)];

  it("orders by a column, biggest first, ties in the given order", () => {
    assert.deepEqual(sortLines(lines, { column: "PTS" }).map((l) => l.name), ["C", "A", "B"]);
    assert.deepEqual(sortLines(lines, { column: "MIN" }).map((l) => l.name), ["C", "A", "B"]);
    assert.deepEqual(sortLines(lines, { column: "+/-", descending: false }).map((l) => l.name), ["A", "C", "B"]);
    assert.deepEqual(sortLines(lines, { column: "FG" }).map((l) => l.name), ["C", "A", "B"]); // made, then attempted
    assert.deepEqual(sortLines(lines, {}).map((l) => l.name), ["A", "B", "C"]); // no column: as given
  });

  it("reads minutes as seconds", () => {
    assert.equal(secondsOf("34:12"), 2052);
    assert.equal(secondsOf("0:00"), 0);
    assert.equal(secondsOf(""), 0);
  });

  it("cycles a column: biggest first, smallest first, back to the box score's order", () => {
    let sort = nextSort({}, "PTS");
    assert.deepEqual(sort, { column: "PTS", descending: true });
    sort = nextSort(sort, "PTS");
    assert.deepEqual(sort, { column: "PTS", descending: false });
    assert.deepEqual(nextSort(sort, "PTS"), { column: null, descending: true });
    assert.deepEqual(nextSort(sort, "REB"), { column: "REB", descending: true });
    assert.ok(BOX_COLUMN_NAMES.includes("MIN") && BOX_COLUMN_NAMES.length === 12);
  });
});
