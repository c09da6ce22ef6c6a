// gametime.js: periods, minutes and markers from the server's constants.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { gameTime } from "../../static/js/gametime.js";
import { CONSTANTS } from "./helpers.js";

const time = gameTime(CONSTANTS.game);

describe("gameTime", () => {
  it("derives the game's minutes from the server's periods", () => {
    assert.equal(time.forecastMinute, 18);
    assert.equal(time.halftimeMinute, 24);
    assert.equal(time.periodMinutes, 12);
    assert.equal(time.overtimeMinutes, 5);
    assert.equal(time.regulationMinutes, 48);
  });

  it("names periods and knows where each starts", () => {
    assert.deepEqual([1, 4, 5, 6, 7].map(time.periodName), ["Q1", "Q4", "OT", "2OT", "3OT"]);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(time.periodStart), [0, 12, 24, 36, 48, 53]);
    assert.deepEqual(time.periodStarts(48), [{ minute: 12, period: 2 }, { minute: 24, period: 3 }, { minute: 36, period: 4 }]);
    assert.deepEqual(time.periodStarts(58).slice(3), [{ minute: 48, period: 5 }, { minute: 53, period: 6 }]);
    assert.equal(time.isOvertime(4), false);
    assert.equal(time.isOvertime(5), true);
  });

  it("an axis shows regulation, or up to the end of the last overtime", () => {
    assert.equal(time.lastMinute([]), 48);
    assert.equal(time.lastMinute([{ minute: 30 }], [{ minute: 48 }]), 48);
    assert.equal(time.lastMinute([{ minute: 49 }]), 53);
    assert.equal(time.lastMinute([{ minute: 53 }], [{ minute: 54 }]), 58);
  });

  it("reads a game time in seconds as the period and its clock", () => {
    assert.equal(time.clockAt(0), "Q1 12:00");
    assert.equal(time.clockAt(252), "Q1 7:48");
    assert.equal(time.clockAt(720), "Q1 0:00"); // a period's last second is its own
    assert.equal(time.clockAt(720.5), "Q2 11:59");
    assert.equal(time.clockAt(2880 - 12.5), "Q4 0:12.5");
    assert.equal(time.clockAt(2880 + 90), "OT 3:30");
    assert.equal(time.clockAt(2880 + 300 + 299), "2OT 0:01");
  });

  it("follows other constants (nothing is copied into the JS)", () => {
    const fiba = gameTime({ ...CONSTANTS.game, regulation_period_seconds: 600, halftime_minute: 20, forecast_minute: 15 });
    assert.equal(fiba.regulationMinutes, 40);
    assert.equal(fiba.lastMinute([{ minute: 41 }]), 45);
    assert.deepEqual(fiba.periodStarts(40).map((s) => s.minute), [10, 20, 30]);
  });

  it("refuses missing or malformed constants", () => {
    assert.throws(() => gameTime(undefined), /forecast_minute/);
    assert.throws(() => gameTime({ ...CONSTANTS.game, overtime_period_seconds: "300" }), /overtime_period_seconds/);
  });
});
