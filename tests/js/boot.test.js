// boot.js's pure parts: the client's events applied to the store, the pill's labels.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { applyToStore, connectionPill, stateLabel } from "../../static/js/boot.js";
import { ScoresClient } from "../../static/js/livescores-client.js";
import { Store } from "../../static/js/store.js";
import {
  RULES, board, fakeSockets, forecastUpdate, gameState, patternProgress, prediction, quietLogger, scoreUpdate,
  snapshot, subscribed,
} from "./helpers.js";

const A = "0022400755";
const B = "0022400756";

function page({ keep } = {}) {
  const net = fakeSockets();
  const client = new ScoresClient({ rules: RULES, url: "ws://test/", WebSocket: net.FakeSocket, logger: quietLogger() });
  const store = new Store();
  const changes = [];
  applyToStore(client, store, { changed: (c) => changes.push([c.kind, c.gameId]), keep });
  client.connect();
  net.last().open();
  return { client, store, changes, socket: net.last() };
}

describe("applyToStore", () => {
  it("a page's store follows the client's events", () => {
    const p = page();
    p.socket.receive(snapshot([[A, 1], [B, 1]]));
    assert.deepEqual([...p.store.games.keys()], [A, B]);
    p.socket.receive(subscribed(A, 1, [1, 2]));
    p.socket.receive(scoreUpdate(A, 2, { home: 3 }));
    p.socket.receive(patternProgress(A, 2, 3));
    p.socket.receive(forecastUpdate(A, 3, 3));
    p.socket.receive(prediction(A, 4));
    const game = p.store.games.get(A);
    assert.equal(game.home.score, 3);
    assert.deepEqual(p.store.sortedMinutes(A).map((m) => m.minute), [1, 2, 3]);
    assert.deepEqual(game.win_probability.map((pt) => pt.minute), [3]);
    assert.equal(game.prediction.halftime.point, 3);
    assert.deepEqual(p.changes, [
      ["snapshot", undefined], ["subscribed", A], ["game", A], ["minutes", A], ["forecast", A], ["prediction", A],
    ]);
    p.socket.receive(scoreUpdate(A, 4)); // a repeat changes nothing and draws nothing
    assert.equal(p.changes.length, 6);
  });

  it("games that left the board are forgotten, unless the page keeps them", () => {
    const p = page({ keep: (id) => id === B });
    p.socket.receive(snapshot([[A, 1], [B, 1]]));
    p.socket.receive(board(2, []));
    assert.deepEqual([...p.store.games.keys()], [B]);
    p.socket.receive(snapshot([[A, 2]], { reason: "resync", version: 2 }));
    assert.deepEqual([...p.store.games.keys()], [B, A]);
    assert.equal(p.store.games.get(A).seq, 2);
  });

  it("a resync answer replaces only the games it changed", () => {
    const p = page();
    p.socket.receive(snapshot([[A, 1], [B, 1]]));
    p.store.upsertGame(gameState(B, 1, { home: 9 })); // what the page shows of B
    p.socket.receive(scoreUpdate(A, 3)); // gap
    p.socket.receive(snapshot([[A, 3]], { reason: "resync", current: [B] }));
    assert.equal(p.store.games.get(A).seq, 3);
    assert.equal(p.store.games.get(B).home.score, 9); // current: kept as it was
  });
});

describe("the connection pill", () => {
  it("says what the client's state means to a person", () => {
    assert.equal(stateLabel("live"), "live");
    assert.equal(stateLabel("unauthorized"), "signed out");
    assert.equal(stateLabel("forbidden"), "not allowed");
    assert.equal(stateLabel("connecting", "live"), "connecting");
    assert.equal(stateLabel("connecting", "reconnecting"), "reconnecting"); // until it is live again
    const pill = { dataset: {}, textContent: "" };
    connectionPill(pill)("reconnecting");
    assert.deepEqual([pill.textContent, pill.dataset.state], ["reconnecting", "reconnecting"]);
    connectionPill(null)("live"); // a page without a pill
  });
});
