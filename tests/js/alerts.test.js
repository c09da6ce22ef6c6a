// The dashboard's alert rules of display (static/js/alerts.js): what a user sees and
// what becomes a browser notification, by the user's preferences.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { clockWords, gameName, notificationOf, notifies, shown } from "../../static/js/alerts.js";
import { gameTime } from "../../static/js/gametime.js";
import { CONSTANTS, alertPayload } from "./helpers.js";

const PREFS = { quiet: false, rules_off: [], notify_rules: ["clutch"], rules: [] };
const time = gameTime(CONSTANTS.game);

describe("alerts on the dashboard", () => {
  it("shows and notifies by the user's preferences", () => {
    const clutch = alertPayload(7, 3);
    const run = alertPayload(8, 4, { rule: "run" });
    assert.ok(shown(clutch, PREFS) && shown(run, PREFS));
    assert.ok(notifies(clutch, PREFS, "granted"));
    assert.ok(!notifies(run, PREFS, "granted")); // not opted in to runs
    assert.ok(!notifies(clutch, PREFS, "default") && !notifies(clutch, PREFS, "denied"));
    const quiet = { ...PREFS, quiet: true };
    assert.ok(!shown(clutch, quiet) && !notifies(clutch, quiet, "granted"));
    const off = { ...PREFS, rules_off: ["clutch"] };
    assert.ok(!shown(clutch, off) && !notifies(clutch, off, "granted") && shown(run, off));
  });

  it("names the game by its teams, the clock by its period, the notification by its id", () => {
    const alert = alertPayload(7, 3);
    const game = { away: { name: "Timberwolves" }, home: { name: "Cavaliers" } };
    assert.equal(gameName(alert, game), "Timberwolves @ Cavaliers");
    assert.equal(gameName(alert, undefined), "MIN @ CLE");
    assert.equal(gameName({ ...alert, game_id: null }, undefined), "Live feed");
    assert.equal(clockWords(alert, time), "Q4 4:00");
    assert.equal(clockWords({ ...alert, period: 5, clock: "1:30", clock_seconds: 90 }, time), "OT 1:30"); // the pages name overtimes OT, 2OT, ...
    assert.equal(clockWords({ ...alert, period: 1, clock: "0:00", clock_seconds: 0 }, time), "End of Q1");
    assert.equal(clockWords({ ...alert, period: null, clock: "" }, time), "");
    const { title, options } = notificationOf(alert, game);
    assert.equal(title, "Timberwolves @ Cavaliers: clutch time");
    assert.deepEqual(options, { body: alert.text, tag: "alert-7" });
  });
});
