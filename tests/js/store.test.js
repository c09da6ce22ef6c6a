// store.js: what a page knows, as the protocol's messages change it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Store } from "../../static/js/store.js";
import { gameState } from "./helpers.js";

const A = "0022400755";

describe("Store", () => {
  it("a game update keeps the prediction and the curve it does not carry", () => {
    const store = new Store();
    store.replaceGame({ ...gameState(A, 3), prediction: { halftime: {} }, win_probability: [{ elapsed_seconds: 60 }] });
    store.upsertGame(gameState(A, 4, { home: 2 }));
    const game = store.games.get(A);
    assert.equal(game.seq, 4);
    assert.equal(game.home.score, 2);
    assert.deepEqual(game.prediction, { halftime: {} });
    assert.deepEqual(game.win_probability, [{ elapsed_seconds: 60 }]);
    store.upsertGame(gameState("0022400756", 1));
    assert.equal(store.games.get("0022400756").prediction, null);
    assert.deepEqual(store.games.get("0022400756").win_probability, []);
  });

  it("merges minutes by minute, or replaces them, and sorts them", () => {
    const store = new Store();
    store.mergeMinutes(A, [{ minute: 2, differential: 1 }, { minute: 1, differential: 0 }]);
    store.mergeMinutes(A, [{ minute: 2, differential: 3 }, { minute: 3, differential: 4 }]);
    assert.deepEqual(store.sortedMinutes(A).map((m) => [m.minute, m.differential]), [[1, 0], [2, 3], [3, 4]]);
    const { sortedMinutes } = store; // handed around unbound
    store.mergeMinutes(A, [{ minute: 5, differential: 1 }], true);
    assert.deepEqual(sortedMinutes(A).map((m) => m.minute), [5]);
    assert.deepEqual(store.sortedMinutes("none"), []);
  });

  it("adds forecast points in game-time order, replacing a point of the same state", () => {
    const store = new Store();
    const at = (elapsed_seconds, home_score, away_score, home_win_prob) => ({ elapsed_seconds, home_score, away_score, home_win_prob });
    assert.equal(store.addForecastPoint(A, at(60, 2, 0, 0.5)), false); // unknown game
    store.replaceGame({ ...gameState(A, 1), win_probability: [at(60, 2, 0, 0.5), at(180, 4, 4, 0.6)] });
    store.addForecastPoint(A, at(120, 2, 2, 0.55));
    store.addForecastPoint(A, at(180, 4, 4, 0.7)); // the same state again: replaced
    store.addForecastPoint(A, at(180, 5, 4, 0.72)); // a free throw at the same second: its own state, after
    assert.deepEqual(store.games.get(A).win_probability.map((p) => [p.elapsed_seconds, p.home_score, p.home_win_prob]),
      [[60, 2, 0.5], [120, 2, 0.55], [180, 4, 0.7], [180, 5, 0.72]]);
  });

  it("sets a prediction, forgets a game, loads the page's board", () => {
    const store = new Store();
    store.loadInitial({ games: [{ ...gameState(A, 2), prediction: null, win_probability: [] }], minutes: { [A]: [{ minute: 1 }] } });
    assert.equal(store.setPrediction(A, { final: {} }), true);
    assert.equal(store.setPrediction("0022400756", {}), false);
    assert.deepEqual(store.games.get(A).prediction, { final: {} });
    store.forget(A);
    assert.equal(store.games.size + store.minutes.size, 0);
  });
});
