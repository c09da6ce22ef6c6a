// order.js: the dashboard's sort orders and team filter (alerts.Preferences).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { orderGames, showsTeam, teamsOf } from "../../static/js/order.js";

const game = (id, status, differential, hour, home = "BOS", away = "NYK") => ({
  game_id: id, status, differential, start_time: `2025-02-11T0${hour}:00:00Z`,
  home: { tricode: home }, away: { tricode: away },
});
const games = [
  game("1", "final", 2, 0),
  game("2", "live", 15, 1, "CLE", "MIN"),
  game("3", "scheduled", 0, 3, "LAL", "GSW"),
  game("4", "halftime", -3, 2, "ORL", "ATL"),
  game("5", "stale", 0, 0, "MIA", "CHA"),
];
const ids = (list) => list.map((g) => g.game_id);

describe("card order", () => {
  it("live first: playing by start, then to come, then over, stale last", () => {
    assert.deepEqual(ids(orderGames(games, "live_first")), ["2", "4", "3", "1", "5"]);
  });
  it("closest: the closest live games first", () => {
    assert.deepEqual(ids(orderGames(games, "closest")), ["4", "2", "3", "1", "5"]);
  });
  it("start time only", () => {
    assert.deepEqual(ids(orderGames(games, "start_time")), ["1", "5", "2", "4", "3"]);
  });
});

describe("team filter", () => {
  it("shows a game of the chosen team, or every game", () => {
    assert.equal(showsTeam(games[1], "MIN"), true);
    assert.equal(showsTeam(games[1], "BOS"), false);
    assert.equal(showsTeam(games[1], ""), true);
    assert.deepEqual(teamsOf(games.slice(0, 2)), ["BOS", "CLE", "MIN", "NYK"]);
  });
});
