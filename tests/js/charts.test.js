// charts.js's pure helpers (no Chart.js): markers, datasets, the shared y-range.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  cardMarkers, differentialData, halftimeHit, periodMarkers, sharedRange, winProbabilityPoints,
} from "../../static/js/charts.js";
import { gameTime } from "../../static/js/gametime.js";
import { CONSTANTS } from "./helpers.js";

const time = gameTime(CONSTANTS.game);
const prediction = (actual, interval90 = [-2, 8]) => ({
  halftime: { point: 3, interval90, interval95: [-5, 11], actual },
  final: { point: 4.5, interval90: [-10, 19], actual: null },
  neighbours: [{ minute18: 2, halftime: 5 }, { minute18: "?", halftime: 1 }],
});

describe("markers", () => {
  it("the game page marks every period, halftime and the forecast minute, in order", () => {
    assert.deepEqual(periodMarkers(time, 48).map((l) => [l.x, l.label]),
      [[12, "Q2"], [18, "forecast"], [24, "half"], [36, "Q4"]]);
    assert.deepEqual(periodMarkers(time, 58, false).map((l) => [l.x, l.label]),
      [[12, "Q2"], [24, "half"], [36, "Q4"], [48, "OT"], [53, "2OT"]]);
    assert.equal(periodMarkers(time, 48).find((l) => l.label === "half").align, "left");
  });

  it("a card marks the forecast minute and halftime", () => {
    assert.deepEqual(cardMarkers(time).map((l) => l.x), [18, 24]);
  });
});

describe("datasets", () => {
  it("draws the bands, points and the actual at the server's minutes", () => {
    const rows = [{ minute: 1, differential: 2, imputed: false }, { minute: 2, differential: 1, imputed: true }];
    const d = differentialData(time, { prediction: prediction(6) }, rows, { full: true, recovered: [1] });
    assert.deepEqual(d.ht90, [{ x: 24, y: -2 }, { x: 24, y: 8 }]);
    assert.deepEqual(d.final90, [{ x: 48, y: -10 }, { x: 48, y: 19 }]);
    assert.deepEqual(d.line, [{ x: 0, y: 0 }, { x: 1, y: 2 }, { x: 2, y: 1 }]);
    assert.deepEqual(d.hit, [{ x: 24, y: 6 }]);
    assert.deepEqual(d.miss, []);
    assert.deepEqual(d.imputed, [{ x: 2, y: 1 }]);
    assert.deepEqual(d.recovered, [{ x: 1, y: 2 }]);
    assert.deepEqual(d.neighbours, [{ x: 18, y: 2 }, { x: 24, y: 5 }, { x: 24, y: null }]); // numbers only
    assert.equal(d.end, 48);
  });

  it("a card draws no neighbours; a game without a forecast draws only its line", () => {
    assert.deepEqual(differentialData(time, { prediction: prediction(null) }, []).neighbours, []);
    const d = differentialData(time, { prediction: null }, [{ minute: 50, differential: 3 }]);
    assert.deepEqual([d.ht90, d.htPoint, d.hit, d.miss], [[], [], [], []]);
    assert.equal(d.end, 53);
  });

  it("the actual halftime is a hit inside the 90 % interval, a miss outside, unknown before", () => {
    assert.equal(halftimeHit(prediction(8)), true);
    assert.equal(halftimeHit(prediction(9)), false);
    assert.equal(halftimeHit(prediction(null)), null);
    assert.equal(halftimeHit(null), null);
  });

  it("one y-range for every card: the largest |differential| or interval end, in fives, at least 10", () => {
    const minutes = { a: [{ differential: -13 }], b: [{ differential: 4 }] };
    assert.equal(sharedRange([{ game_id: "a" }, { game_id: "b" }], (id) => minutes[id]), 15);
    assert.equal(sharedRange([{ game_id: "b" }], (id) => minutes[id]), 10);
    assert.equal(sharedRange([{ game_id: "b", prediction: prediction(null, [-21, 3]) }], (id) => minutes[id]), 25);
  });

  it("the win-probability line is in percent", () => {
    assert.deepEqual(winProbabilityPoints([{ elapsed_seconds: 195, home_win_prob: 0.73 }]), [{ x: 3.25, y: 73 }]);
  });
});

describe("even y ticks", () => {
  it("rounds the shared range up to tens with five even ticks", async () => {
    const { evenAxis } = await import("../../static/js/charts.js");
    assert.deepEqual(evenAxis(45), { max: 50, step: 25 });
    assert.deepEqual(evenAxis(18), { max: 20, step: 10 });
    assert.deepEqual(evenAxis(3), { max: 10, step: 5 });
  });
});
