// nighthead.js: the header's dates, written as the server writes them (Django "l j F Y").

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { longDate, shortDate } from "../../static/js/nighthead.js";

describe("header dates", () => {
  it("names the weekday of a calendar date, in no time zone", () => {
    assert.equal(longDate("2025-02-10"), "Monday 10 February 2025");
    assert.equal(longDate("2026-12-01"), "Tuesday 1 December 2026");
    assert.equal(shortDate("2025-03-15"), "Sat 15 Mar");
  });
});
