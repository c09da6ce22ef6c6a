// The public client (static/js/livescores-client.js) against a fake WebSocket: sequence
// numbers (gaps, repeats), partial snapshots, the board version, subscriptions, close
// codes and backoff with an injected clock and random source, the auth hook.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  API_PROTOCOL, CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED, MAX_RESYNC_GAMES, STOP_CODES, ScoresClient, apiKeyAuth,
  backoffDelay, defaultUrl, rulesFromAsyncApi,
} from "../../static/js/livescores-client.js";
import {
  EVENTS, RULES, alertMessage, alertPayload, board, error, fakeClock, fakeSockets, forecastUpdate, patternProgress, prediction, quietLogger,
  readJsonFile, recordEvents, scoreUpdate, snapshot, staffSnapshot, subscribed,
} from "./helpers.js";

const A = "0022400755";
const B = "0022400756";
const C = "0022400757";

// A client on a fake socket that is open, with every event recorded.
function connected(options = {}) {
  const net = fakeSockets();
  const clock = fakeClock();
  const client = new ScoresClient({
    rules: RULES, url: "ws://test/ws/scores/", WebSocket: net.FakeSocket,
    setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: () => 0.5, logger: quietLogger(),
    ...options,
  });
  const events = recordEvents(client, EVENTS);
  client.connect();
  net.last().open();
  return { client, net, clock, events, socket: () => net.last(), named: (name) => events.filter(([n]) => n === name).map(([, d]) => d) };
}

describe("sequence numbers", () => {
  it("applies the next version, drops repeats and late versions, resyncs once on a gap", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 3], [B, 7]]));
    assert.equal(t.client.handle(scoreUpdate(A, 4)), "applied");
    assert.equal(t.client.seqs.get(A), 4);
    assert.equal(t.client.handle(scoreUpdate(A, 4)), "stale"); // a repeat
    assert.equal(t.client.handle(scoreUpdate(A, 2)), "stale"); // a late one
    assert.equal(t.named("game").length, 1);

    assert.equal(t.client.handle(forecastUpdate(A, 6, 5)), "gap"); // 5 was missed
    assert.equal(t.client.seqs.get(A), 4); // nothing applied
    assert.deepEqual(t.socket().sent, [{ action: "resync", seqs: { [A]: 4, [B]: 7 } }]);
    assert.equal(t.client.handle(prediction(B, 9)), "gap");
    assert.equal(t.socket().sent.length, 1); // once, until the snapshot comes
    assert.equal(t.named("resync").length, 1);
    assert.equal(t.named("forecast").length + t.named("prediction").length, 0);
  });

  it("every bumping type goes through the same check, with its own event", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 1]]));
    t.client.handle(forecastUpdate(A, 2, 1));
    t.client.handle(prediction(A, 3));
    t.client.handle({ ...scoreUpdate(A, 4), type: "game_final" });
    assert.deepEqual(t.events.filter(([n]) => ["game", "forecast", "prediction"].includes(n)).map(([n, d]) => [n, d.message.seq]),
      [["forecast", 2], ["prediction", 3], ["game", 4]]);
  });

  it("takes the rule from the server: a type it never heard of advances the version if the rule says it bumps", () => {
    const rules = { ...RULES, bumps: [...RULES.bumps, "highlight"] };
    const t = connected({ rules });
    t.socket().receive(snapshot([[A, 1]]));
    assert.equal(t.client.handle({ type: "highlight", game_id: A, seq: 2 }), "applied");
    assert.equal(t.client.handle(scoreUpdate(A, 3)), "applied"); // no gap: 2 was the highlight
    // The same frames under a rule that does not list it: not a version, and 3 is a gap.
    const u = connected();
    u.socket().receive(snapshot([[A, 1]]));
    assert.equal(u.client.handle({ type: "highlight", game_id: A, seq: 2 }), "ignored");
    assert.equal(u.client.handle(scoreUpdate(A, 3)), "gap");
  });

  it("the rule in the AsyncAPI document is the one the server puts in its pages", () => {
    assert.deepEqual(rulesFromAsyncApi(readJsonFile("docs/asyncapi.json")), RULES);
  });

  it("refuses to start without the server's rule", () => {
    assert.throws(() => new ScoresClient({ url: "ws://x/" }), /rules\.bumps/);
    assert.throws(() => new ScoresClient({ url: "ws://x/", rules: { bumps: ["score_update"] } }), /rules\.carries/);
  });

  it("a game that first appears after the snapshot starts at version 1", () => {
    const t = connected({ followAll: true });
    t.socket().receive(snapshot([[A, 1]]));
    assert.equal(t.client.handle(scoreUpdate(B, 1)), "applied");
    assert.ok(t.socket().sent.some((f) => f.action === "subscribe" && f.game_id === B)); // followed at once
    assert.equal(t.client.handle(scoreUpdate(C, 2)), "gap"); // its first version was missed
  });

  it("minutes ahead of the game's state mean its update was missed", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 4]]));
    assert.equal(t.client.handle(patternProgress(A, 4, 3)), "applied");
    assert.equal(t.client.handle(patternProgress(A, 3, 2)), "applied"); // older minutes still merge
    assert.equal(t.named("minutes").length, 2);
    assert.equal(t.client.handle(patternProgress(A, 5, 4)), "gap");
    assert.equal(t.socket().sent.at(-1).action, "resync");
  });

  it("a resync that is refused (invalid_seq, or dropped as rate_limited) may be asked again", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 1]]));
    t.client.handle(scoreUpdate(A, 3));
    assert.equal(t.client.handle(error("rate_limited")), "ignored");
    t.client.handle(scoreUpdate(A, 4));
    assert.equal(t.socket().sent.filter((f) => f.action === "resync").length, 2);
    assert.equal(t.named("error").length, 1);
  });

  it("knowing more games than a resync may name, asks for every game", () => {
    const t = connected();
    t.socket().receive(snapshot(Array.from({ length: MAX_RESYNC_GAMES + 1 }, (_, i) => [String(i).padStart(10, "0"), 1])));
    t.client.handle(scoreUpdate("0000000000", 3));
    assert.deepEqual(t.socket().sent.at(-1), { action: "resync" });
    assert.equal(MAX_RESYNC_GAMES, readJsonFile("docs/schemas/client/resync.json").properties.seqs.maxProperties);
  });
});

describe("snapshots", () => {
  it("a partial snapshot replaces what changed, keeps what is current and drops what left", () => {
    const t = connected({ followAll: true });
    t.socket().receive(snapshot([[A, 3], [B, 5], [C, 2]]));
    t.client.handle(scoreUpdate(A, 5)); // gap: resync
    const sentBefore = t.socket().sent.length;
    t.socket().receive(snapshot([[A, 6]], { reason: "resync", current: [B] }));
    const last = t.named("snapshot").at(-1);
    assert.deepEqual(last.replaced, [A]);
    assert.deepEqual(last.dropped, [C]);
    assert.deepEqual([...t.client.seqs], [[A, 6], [B, 5]]);
    // A came back in `games`: subscribed again (its minutes and curve); C left: unsubscribed.
    assert.deepEqual(t.socket().sent.slice(sentBefore), [
      { action: "subscribe", game_id: A }, { action: "unsubscribe", game_id: C },
    ]);
    assert.equal(t.client.handle(scoreUpdate(A, 7)), "applied");
    t.client.handle(scoreUpdate(A, 9));
    assert.equal(t.socket().sent.at(-1).action, "resync"); // a new gap asks again
  });

  it("a game of the snapshot with the version the client has is not replaced", () => {
    const t = connected();
    t.client.seed([{ game_id: A, seq: 4 }]);
    t.socket().receive(snapshot([[A, 4], [B, 1]]));
    assert.deepEqual(t.named("snapshot")[0].replaced, [B]);
  });

  it("a game ahead of the server (a restored database) takes the server's numbers", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 40]]));
    t.client.handle(scoreUpdate(A, 42));
    t.socket().receive(snapshot([[A, 12]], { reason: "resync" }));
    assert.equal(t.client.seqs.get(A), 12);
    assert.equal(t.client.handle(scoreUpdate(A, 13)), "applied");
  });
});

describe("the board version", () => {
  it("applies the next board, drops the games it no longer lists", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 1], [B, 1]], { version: 3 }));
    assert.equal(t.client.handle(board(4, [A])), "applied");
    assert.deepEqual(t.named("board")[0].dropped, [B]);
    assert.deepEqual([...t.client.seqs.keys()], [A]);
    assert.equal(t.client.handle(board(4, [A])), "stale");
    assert.equal(t.client.handle(board(2, [A, B])), "stale");
  });

  it("a jump of the board version, or a listed game never seen, asks for a resync", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 1]], { version: 3 }));
    assert.equal(t.client.handle(board(5, [A])), "gap");
    assert.equal(t.client.board.version, 3);
    assert.equal(t.socket().sent.at(-1).action, "resync");
    t.socket().receive(snapshot([[A, 1]], { reason: "resync", version: 5 }));
    assert.equal(t.client.handle(board(6, [A, B])), "gap"); // B's first version was missed
    assert.equal(t.socket().sent.filter((f) => f.action === "resync").length, 2);
  });
});

describe("subscriptions", () => {
  it("subscribes only once the snapshot came, and again on every new connection", () => {
    const t = connected();
    t.client.subscribe(A);
    assert.deepEqual(t.socket().sent, []); // not before the snapshot
    t.socket().receive(snapshot([[A, 1]]));
    assert.deepEqual(t.socket().sent, [{ action: "subscribe", game_id: A }]);
    t.socket().receive(snapshot([[A, 1]], { reason: "resync", current: [A] }));
    assert.equal(t.socket().sent.length, 1); // current: still subscribed
    t.socket().serverClose(1006);
    t.clock.runAll();
    t.socket().open();
    t.socket().receive(snapshot([[A, 1]]));
    assert.deepEqual(t.socket().sent, [{ action: "subscribe", game_id: A }]); // the new socket
    t.client.unsubscribe(A);
    assert.deepEqual(t.socket().sent.at(-1), { action: "unsubscribe", game_id: A });
  });

  it("a subscribed answer raises the version; a late (older) one is dropped and asked again", () => {
    const t = connected();
    t.client.subscribe(A);
    t.socket().receive(snapshot([[A, 2]]));
    assert.equal(t.client.handle(subscribed(A, 3)), "applied");
    assert.equal(t.client.seqs.get(A), 3);
    t.client.handle(scoreUpdate(A, 4));
    assert.equal(t.client.handle(subscribed(A, 3)), "stale");
    assert.deepEqual(t.socket().sent.at(-1), { action: "subscribe", game_id: A });
    assert.equal(t.named("subscribed").length, 1);
  });

  it("a late subscribed answer for a game the board dropped meanwhile is not taken back", () => {
    const t = connected({ followAll: true });
    t.socket().receive(snapshot([[A, 1], [B, 1]], { version: 1 }));
    t.client.handle(board(2, [A])); // B left the board before its subscribe was answered
    assert.equal(t.client.handle(subscribed(B, 1)), "ignored");
    assert.deepEqual([...t.client.seqs.keys()], [A]);
    assert.deepEqual(t.socket().sent.at(-1), { action: "unsubscribe", game_id: B });
    assert.equal(t.named("subscribed").length, 0);
  });

  it("followAll follows every game on the board", () => {
    const t = connected({ followAll: true });
    t.socket().receive(snapshot([[A, 1], [B, 1]]));
    assert.deepEqual(t.socket().sent, [{ action: "subscribe", game_id: A }, { action: "subscribe", game_id: B }]);
  });
});

describe("connection, close codes and backoff", () => {
  it("builds its URL from the page and goes live on the snapshot, not on open", () => {
    assert.equal(defaultUrl({ protocol: "https:", host: "scores.example:8443" }), "wss://scores.example:8443/ws/scores/");
    assert.equal(defaultUrl({ protocol: "http:", host: "127.0.0.1:8000" }), "ws://127.0.0.1:8000/ws/scores/");
    const t = connected();
    assert.deepEqual(t.named("state").map((s) => s.state), ["connecting"]);
    t.socket().receive(snapshot([]));
    assert.deepEqual(t.named("state").map((s) => s.state), ["connecting", "live"]);
    assert.equal(t.socket().url, "ws://test/ws/scores/");
  });

  for (const [code, state] of [[CLOSE_UNAUTHORIZED, "unauthorized"], [CLOSE_FORBIDDEN, "forbidden"]]) {
    it(`stops on ${code}`, () => {
      const t = connected();
      t.socket().serverClose(code);
      assert.deepEqual(t.named("state").at(-1), { state, code, delay: null, attempt: null });
      assert.equal(t.clock.timers.size, 0);
      assert.equal(t.net.sockets.length, 1);
    });
  }

  for (const code of [4429, 4503, 1001, 1006, 1000]) {
    it(`reconnects with backoff after ${code}`, () => {
      const t = connected();
      t.socket().serverClose(code);
      assert.equal(t.named("state").at(-1).state, "reconnecting");
      assert.equal(t.named("state").at(-1).code, code);
      assert.deepEqual(t.clock.delays(), [375]); // 500 ms * (0.5 + 0.5 / 2)
      t.clock.runAll();
      assert.equal(t.net.sockets.length, 2);
    });
  }

  it("the stop codes are the ones the AsyncAPI document says stop", () => {
    const doc = readJsonFile("docs/asyncapi.json");
    const stop = doc.channels.scores["x-close-codes"].filter((c) => c.client === "stop").map((c) => c.code);
    assert.deepEqual(Object.keys(STOP_CODES).map(Number).sort(), stop.sort());
  });

  it("waits min(10 s, 0.5 s * 2^attempt) times a jitter in [0.5, 1), and starts over after a snapshot", () => {
    let r = 0;
    const t = connected({ random: () => r });
    const waits = [];
    for (let i = 0; i < 7; i++) {
      t.socket().serverClose(1006);
      waits.push(t.named("state").at(-1).delay);
      t.clock.runAll();
    }
    assert.deepEqual(waits, [250, 500, 1000, 2000, 4000, 5000, 5000]); // random 0: half of each
    r = 0.999999;
    t.socket().serverClose(1006);
    assert.ok(Math.abs(t.named("state").at(-1).delay - 10000) < 0.01); // the cap, full jitter
    t.clock.runAll();
    t.socket().open();
    t.socket().receive(snapshot([]));
    r = 0;
    t.socket().serverClose(1006);
    assert.equal(t.named("state").at(-1).delay, 250); // the attempt count started over
  });

  it("backoffDelay honours its base and cap", () => {
    assert.equal(backoffDelay(0, () => 0), 250);
    assert.equal(backoffDelay(3, () => 0.5, { base: 100, cap: 400 }), 300);
  });

  it("close() ends reconnecting; frames from an old socket are not read", () => {
    const t = connected();
    const first = t.socket();
    first.serverClose(1006);
    t.clock.runAll();
    const second = t.socket();
    assert.notEqual(first, second);
    first.receive(snapshot([[A, 9]])); // a stale socket
    assert.equal(t.client.seqs.size, 0);
    t.client.close();
    assert.equal(second.closedWith, 1000);
    assert.equal(t.named("state").at(-1).state, "closed");
    assert.equal(t.clock.timers.size, 0);
  });

  it("a frame that is not JSON is logged and skipped", () => {
    const logger = quietLogger();
    const t = connected({ logger });
    t.socket().receive("not json");
    t.socket().receive(snapshot([[A, 1]]));
    assert.equal(logger.lines[0][0], "error");
    assert.equal(t.client.seqs.get(A), 1);
  });
});

describe("the auth hook", () => {
  it("offers Sec-WebSocket-Protocol entries and sends a first frame, on every connection", async () => {
    let calls = 0;
    const t = connected({
      auth: {
        protocols: () => ["livescores.v3", `key.${++calls}`],
        frame: async () => ({ action: "auth", key: "k1" }),
      },
    });
    await Promise.resolve();
    assert.deepEqual(t.socket().protocols, ["livescores.v3", "key.1"]);
    assert.deepEqual(t.socket().sent, [{ action: "auth", key: "k1" }]);
    t.socket().serverClose(1006);
    t.clock.runAll();
    t.socket().open();
    await Promise.resolve();
    assert.deepEqual(t.socket().protocols, ["livescores.v3", "key.2"]);
    assert.deepEqual(t.socket().sent, [{ action: "auth", key: "k1" }]);
  });

  it("an API key is offered as a subprotocol beside the one the server selects", () => {
    const t = connected({ auth: apiKeyAuth("lsk_0123456789ab_secret") });
    assert.deepEqual(t.socket().protocols, [API_PROTOCOL, "livescores.key.lsk_0123456789ab_secret"]);
    assert.equal(API_PROTOCOL, "livescores.v3");
    assert.throws(() => apiKeyAuth(""), TypeError);
  });

  it("without auth the socket is opened with the URL alone (the session cookie does the rest)", () => {
    const t = connected();
    assert.equal(t.socket().protocols, undefined);
  });
});

describe("events", () => {
  it("every frame is reported with its verdict", () => {
    const t = connected();
    const verdicts = [];
    t.client.addEventListener("message", (e) => verdicts.push([e.detail.message.type, e.detail.verdict]));
    t.socket().receive(snapshot([[A, 1]]));
    t.socket().receive(scoreUpdate(A, 1));
    t.socket().receive({ type: "unsubscribed", game_id: A });
    t.socket().receive({ type: "something_new" });
    assert.deepEqual(verdicts, [["snapshot", "applied"], ["score_update", "stale"], ["unsubscribed", "ignored"], ["something_new", "ignored"]]);
  });
});

describe("the alert sequence (staff sockets)", () => {
  it("takes the alerts from the snapshot, applies the next alert, drops repeats, resyncs on a gap", () => {
    const t = connected();
    t.socket().receive(staffSnapshot([[A, 3]], 4, [alertPayload(9, 4)]));
    assert.deepEqual(t.named("alerts").map((d) => [d.alertSeq, d.alerts.map((a) => a.id)]), [[4, [9]]]);
    assert.equal(t.client.handle(alertMessage(10, 5)), "applied");
    assert.equal(t.client.handle(alertMessage(10, 5)), "stale");
    assert.equal(t.client.handle(scoreUpdate(A, 4)), "applied"); // an alert never moved A's seq
    assert.equal(t.client.handle(alertMessage(12, 7)), "gap");
    const [resync] = t.named("resync");
    assert.match(resync.reason, /alert_seq 7 after 5/);
    assert.deepEqual(t.socket().sent.at(-1), { action: "resync", seqs: { [A]: 4 } });
    t.socket().receive(staffSnapshot([], 7, [alertPayload(12, 7), alertPayload(11, 6)], { reason: "resync", current: [A] }));
    assert.equal(t.client.alertSeq, 7);
    assert.equal(t.client.handle(alertMessage(12, 8, { active: false })), "applied");
    assert.deepEqual(t.named("alert").map((d) => d.message.alert_seq), [5, 8]);
  });

  it("ignores alerts before a staff snapshot, and a rule list without alerts means none", () => {
    const t = connected();
    t.socket().receive(snapshot([[A, 1]])); // a public socket's snapshot: no alert_seq
    assert.equal(t.client.handle(alertMessage(1, 1)), "ignored");
    const { alerts, ...older } = RULES;
    assert.ok(alerts.includes("alert"));
    const plain = connected({ rules: older });
    plain.socket().receive(staffSnapshot([[A, 1]], 0));
    assert.equal(plain.client.handle(alertMessage(1, 1)), "ignored");
  });
});
