import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { correctionsText, patternCorrections } from "../../static/js/pattern.js";

const game = { home: { tricode: "DAL" }, away: { tricode: "SAC" } };

describe("the minutes the plays corrected after the forecast", () => {
  it("lists the minutes whose lead differs from the one the forecast used", () => {
    const minutes = [
      { minute: 1, differential: 2 },
      { minute: 2, differential: 5 }, // was 3 when the forecast was made
      { minute: 3, differential: -1 },
    ];
    assert.deepEqual(patternCorrections([2, 3, -1, 4], minutes), [{ minute: 2, used: 3, now: 5 }]);
    assert.equal(
      correctionsText(game, patternCorrections([2, 3, -1, 4], minutes)),
      "min 2 DAL +3 → DAL +5; the forecast stands as made",
    );
  });
  it("says so when the plays agree, and skips minutes not known here", () => {
    assert.deepEqual(patternCorrections([2, 3], [{ minute: 1, differential: 2 }]), []);
    assert.equal(correctionsText(game, []), "none: every minute it used stands");
    assert.deepEqual(patternCorrections(null, []), []);
  });
});
