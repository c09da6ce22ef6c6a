// format.js: numbers, intervals, clocks, leads.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { clockLabel, clockText, favourite, interval, leadText, num, percent, record, signed } from "../../static/js/format.js";
import { gameTime } from "../../static/js/gametime.js";
import { CONSTANTS, gameState } from "./helpers.js";

const time = gameTime(CONSTANTS.game);

describe("numbers", () => {
  it("signs with a true minus and a dash for nothing", () => {
    assert.equal(signed(4), "+4");
    assert.equal(signed(-3.25, 1), "−3.3");
    assert.equal(signed(0), "0");
    assert.equal(signed(null), "–");
    assert.equal(num(undefined), "–");
    assert.equal(num(2, 2), "2.00");
    assert.equal(interval([-5, 7]), "[−5, +7]");
    assert.equal(interval(null), "–");
    assert.equal(percent(0.734), "73 %");
  });
});

describe("clocks and leads", () => {
  it("shows the game clock as on a scoreboard", () => {
    assert.equal(clockText(540), "9:00");
    assert.equal(clockText(65.4), "1:05");
    assert.equal(clockText(42.5), "42.5");
    assert.equal(clockText(null), "");
  });

  it("labels the moment with the server's period names", () => {
    const game = (extra) => ({ ...gameState("0022400755", 1), ...extra });
    assert.equal(clockLabel(game({ period: 2, clock_seconds: 300 }), time), "Q2 5:00");
    assert.equal(clockLabel(game({ period: 1, clock_seconds: 0, status_text: "End of 1st" }), time), "End of Q1");
    assert.equal(clockLabel(game({ period: 6, clock_seconds: 12.3 }), time), "2OT 12.3");
    assert.equal(clockLabel(game({ status: "final", period: 5 }), time), "Final/OT");
    assert.equal(clockLabel(game({ status: "final", period: 4 }), time), "Final");
    assert.equal(clockLabel(game({ status: "halftime" }), time), "Halftime");
    assert.equal(clockLabel(game({ status: "postponed" }), time), "Postponed");
  });

  it("says who leads and whom the model favours", () => {
    const g = gameState("0022400755", 1, { home: 50, away: 46 });
    assert.equal(leadText(g), "CLE +4");
    assert.equal(leadText({ ...g, differential: -2 }), "MIN +2");
    assert.equal(leadText({ ...g, differential: 0 }), "Tied");
    assert.equal(record({ wins: 42, losses: 10 }), "42–10");
    assert.deepEqual(favourite(g, 0.3), { tricode: "MIN", p: 0.7 });
    assert.deepEqual(favourite(g, 0.5), { tricode: "CLE", p: 0.5 });
  });
});
