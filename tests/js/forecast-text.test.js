// format.js: forecasts in words, the team named, no home-minus-away sign.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { forecastText, marginText, rangeText, updatedText } from "../../static/js/format.js";

const game = { home: { tricode: "CLE" }, away: { tricode: "MIN" } };

describe("forecasts in words", () => {
  it("names the side ahead", () => {
    assert.equal(marginText(game, 18.2), "CLE by 18");
    assert.equal(marginText(game, -3), "MIN by 3");
    assert.equal(marginText(game, 0.2), "level");
    assert.equal(marginText(game, -4.25, 1), "MIN by 4.3");
  });
  it("a range on one side is in that side's points, one across zero names both", () => {
    assert.equal(forecastText(game, 18.2, [8.4, 27.1], "at half"), "CLE by 18 at half (90 %: 8–27)");
    assert.equal(forecastText(game, -6, [-14, -1], "at half"), "MIN by 6 at half (90 %: 1–14)");
    assert.equal(rangeText(game, [-5, 12], 4), "MIN by 5 to CLE by 12");
  });
});

describe("updated … ago", () => {
  const at = Date.parse("2025-02-11T01:00:00Z");
  const live = (iso) => ({ status: "live", updated_at: iso });
  it("says how long ago a game in play changed, and when it went quiet", () => {
    assert.deepEqual(updatedText(live("2025-02-11T00:59:20Z"), at), { text: "updated 40 s ago", quiet: false });
    assert.deepEqual(updatedText(live("2025-02-11T00:57:00Z"), at), { text: "updated 3 min ago", quiet: true });
    assert.deepEqual(updatedText({ status: "final", updated_at: "2025-02-11T00:00:00Z" }, at), { text: "", quiet: false });
  });
});
