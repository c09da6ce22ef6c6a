// livescores-client.js: a client of the ws/scores/ WebSocket API (protocol version 3;
// docs/websocket-api.md, docs/asyncapi.json). One ES module with no dependencies and no
// build step; the dashboard and the game page use it, and so can any other front-end.
//
//   import { ScoresClient } from "/static/js/livescores-client.js";
//   const client = new ScoresClient({ rules });      // the server's sequence rule (below)
//   client.addEventListener("game", (e) => show(e.detail.message.game));
//   client.subscribe("0022400755");                   // minutes and the whole curve
//   client.connect();
//
// What it does for the app:
// * connects (default URL: this page's host, /ws/scores/), and reconnects after any close
//   but 4401 (sign in) and 4403 (not allowed), waiting min(cap, base * 2^attempt) times a
//   random factor in [0.5, 1) (jitter); the attempt count resets when a snapshot arrives;
// * applies the sequence rule: per game, the last version (`seq`) applied; a message that
//   bumps a version is applied only if it is the next one, a repeat is dropped and a jump
//   asks for a resync (`{"action": "resync", "seqs": {...}}`, once until the snapshot);
//   the board version likewise; a partial snapshot (`current`) keeps what is current;
//   the board-level alert sequence (`alert_seq`, staff sockets) likewise;
// * keeps the games you follow subscribed across reconnects and resyncs;
// * tells the app what happened as events (CustomEvent, data in `event.detail`):
//     snapshot     {message, replaced, dropped}  take the games in `replaced` from
//                  message.games, forget the games in `dropped`
//     board        {message, dropped}            tonight's set of games changed
//     alerts       {message, alerts, alertSeq}   a staff snapshot's alerts (replace yours)
//     alert        {message}                     an alert raised or its `active` changed
//                                                 (message.alert; upsert by alert.id)
//     game         {message}                     score_update / game_final (message.game)
//     prediction   {message}                     minute-18 forecast or its outcome
//     forecast     {message}                     forecast.update: one win-probability point
//     minutes      {message}                     pattern_progress: closed minutes
//     subscribed   {message}                     the game, its whole curve, every minute,
//                                                 its last plays and its box score
//     plays        {message}                     play / play_page: new, edited (same
//                                                 action_number) and removed plays
//     boxscore     {message}                     changed box-score lines and the game flow
//     unsubscribed {message}
//     error        {message}                     the server refused a frame (message.code)
//     resync       {reason, seqs}                a resync was asked for
//     state        {state, code, delay, attempt} "connecting", "live" (a snapshot came),
//                  "reconnecting" (in `delay` ms), "unauthorized" (4401: sign in),
//                  "forbidden" (4403), "closed" (close() was called)
//     message      {message, verdict}            every frame: "applied", "stale", "gap" or
//                  "ignored" (the verdicts of support/client.py, the Python reference client)
//
// The sequence rule is the server's, never a list kept here: `rules` is
// {bumps: [type, ...], carries: [...], board: [...], alerts: [...], none: [...]} as the schemas'
// x-seq annotations say (realtime/protocol.py client_rules; the dashboard's pages put it in
// json_script "livescores-constants" as `protocol`; another front-end can take it from
// the AsyncAPI document: rulesFromAsyncApi(docs/asyncapi.json)).
//
// Authentication: a browser on the site sends the staff session cookie by itself (or the
// server runs with WS_PUBLIC_STREAM=true). For credentials that are not cookies, `auth` is
// the hook: `auth.protocols` (array, or a function returning one) is offered as
// Sec-WebSocket-Protocol entries in the handshake, and `auth.frame` (a function returning
// an object, or a promise of one) is sent as the first frame once the socket opens. Either
// is called again on every (re)connect. An API key (docs/websocket-api.md, "API keys"):
//   new ScoresClient({ rules, url, auth: apiKeyAuth(key) })
// offers ["livescores.v3", "livescores.key.<key>"]; the server selects livescores.v3.

// The subprotocol the server selects, and the prefix of the entry that carries an API key.
export const API_PROTOCOL = "livescores.v3";
export const KEY_PROTOCOL = "livescores.key.";

// The `auth` option for an API key: offered as a Sec-WebSocket-Protocol entry (a header,
// so the key is in no URL), beside the protocol the server selects.
export function apiKeyAuth(key) {
  if (typeof key !== "string" || !key) throw new TypeError("apiKeyAuth needs the key (lsk_...)");
  return { protocols: [API_PROTOCOL, KEY_PROTOCOL + key] };
}

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
// Close codes after which the client stops; every other close reconnects with backoff.
export const STOP_CODES = Object.freeze({ [CLOSE_UNAUTHORIZED]: "unauthorized", [CLOSE_FORBIDDEN]: "forbidden" });
// A resync names at most this many games (docs/schemas/client/resync.json maxProperties);
// a client that knows more asks for every game instead.
export const MAX_RESYNC_GAMES = 500;
const OPEN = 1;

// The wait before reconnect number `attempt` (0, 1, ...): min(cap, base * 2^attempt) ms,
// times a factor in [0.5, 1) from random() in [0, 1).
export function backoffDelay(attempt, random = Math.random, { base = 500, cap = 10000 } = {}) {
  return Math.min(cap, base * 2 ** attempt) * (0.5 + random() / 2);
}

// ws(s)://<this page's host>/ws/scores/
export function defaultUrl(where = globalThis.location) {
  if (!where) throw new TypeError("no location to build the URL from: pass `url`");
  const scheme = where.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${where.host}/ws/scores/`;
}

// The sequence rule from the AsyncAPI document (docs/asyncapi.json): each server
// message's x-seq, grouped as the `rules` option wants them.
export function rulesFromAsyncApi(document) {
  const rules = { bumps: [], carries: [], board: [], alerts: [], none: [] };
  for (const [name, message] of Object.entries(document.components.messages)) {
    if (message["x-seq"] in rules) rules[message["x-seq"]].push(name);
  }
  for (const list of Object.values(rules)) list.sort();
  return rules;
}

function typeSet(rules, name) {
  const list = rules ? rules[name] : undefined;
  if (!Array.isArray(list)) throw new TypeError(`rules.${name} must be an array of message types (the server's x-seq rule)`);
  return new Set(list);
}

export class ScoresClient extends EventTarget {
  // rules: the server's sequence rule (above). Everything else is optional:
  // url, auth {protocols, frame}, followAll (subscribe to every game on the board),
  // backoff {base, cap} (ms), and for tests or other hosts: WebSocket (a constructor),
  // setTimeout/clearTimeout, random, logger (console-like).
  constructor({
    rules,
    url,
    auth = {},
    followAll = false,
    backoff = {},
    WebSocket: Socket = globalThis.WebSocket,
    setTimeout: schedule = (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: cancel = (id) => globalThis.clearTimeout(id),
    random = Math.random,
    logger = console,
  } = {}) {
    super();
    this.bumps = typeSet(rules, "bumps");
    this.carries = typeSet(rules, "carries");
    this.boardTypes = typeSet(rules, "board");
    // Optional: a server without alerts (protocol documents before them) has no such list.
    this.alertTypes = rules && rules.alerts ? typeSet(rules, "alerts") : new Set();
    this.url = url || defaultUrl();
    this.auth = auth;
    this.followAll = followAll;
    this.backoff = backoff;
    this.Socket = Socket;
    this.schedule = schedule;
    this.cancel = cancel;
    this.random = random;
    this.logger = logger;

    this.seqs = new Map(); // game_id -> seq of the last version applied
    this.board = null; // {date, version} of the board last applied
    this.alertSeq = null; // the last alert version applied (null: no staff snapshot yet)
    this.wanted = new Set(); // games subscribe() was called for
    this.subscribed = new Set(); // games this socket has sent subscribe for
    this.newestPlay = new Map(); // game id -> newest orderNumber of its plays received
    this.socket = null;
    this.attempt = 0; // reconnects since the last snapshot
    this.timer = null;
    this.resyncing = false;
    this.ready = false; // this socket's first snapshot has arrived
    this.stopped = false;
    this.state = "idle";
  }

  // Versions the page already shows (e.g. its server-rendered games): [{game_id, seq}].
  seed(games) {
    for (const g of games) this.seqs.set(g.game_id, g.seq);
  }

  // --- the connection -------------------------------------------------------------

  connect() {
    if (this.socket) return;
    if (this.timer !== null) this.cancel(this.timer);
    this.timer = null;
    this.stopped = false;
    this.ready = false;
    this.resyncing = false;
    this.setState("connecting");
    const protocols = typeof this.auth.protocols === "function" ? this.auth.protocols() : this.auth.protocols;
    const socket = protocols === undefined ? new this.Socket(this.url) : new this.Socket(this.url, protocols);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket === socket) this.sendAuthFrame(socket);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        this.logger.error("ws/scores/: a frame that is not JSON", err);
        return;
      }
      this.handle(message);
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.closed(event.code);
    };
  }

  // Stop for good (until connect() is called again): no reconnect.
  close() {
    this.stopped = true;
    if (this.timer !== null) this.cancel(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    this.setState("closed");
  }

  async sendAuthFrame(socket) {
    if (typeof this.auth.frame !== "function") return;
    let frame;
    try {
      frame = await this.auth.frame();
    } catch (err) {
      this.logger.error("ws/scores/: auth.frame failed", err);
      return;
    }
    if (this.socket === socket && socket.readyState === OPEN) socket.send(JSON.stringify(frame));
  }

  closed(code) {
    this.socket = null;
    this.ready = false;
    this.resyncing = false;
    if (this.stopped) return;
    const stop = STOP_CODES[code];
    if (stop) {
      this.stopped = true;
      this.setState(stop, { code });
      return;
    }
    const attempt = this.attempt++;
    const delay = backoffDelay(attempt, this.random, this.backoff);
    this.setState("reconnecting", { code, delay, attempt });
    this.timer = this.schedule(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit("state", { state, code: null, delay: null, attempt: null, ...extra });
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  send(message) {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  // --- subscriptions --------------------------------------------------------------

  // Follow a game: its minutes (pattern_progress) and whole curve (subscribed), kept
  // across reconnects and resyncs.
  subscribe(gameId) {
    this.wanted.add(gameId);
    this.follow();
  }

  unsubscribe(gameId) {
    this.wanted.delete(gameId);
    this.follow();
  }

  following() {
    return this.followAll ? new Set([...this.wanted, ...this.seqs.keys()]) : new Set(this.wanted);
  }

  // Subscribe to every followed game this socket has not subscribed to; leave the rest.
  // Only once the socket's snapshot has come (subscriptions end with a connection).
  follow() {
    if (!this.ready) return;
    const wanted = this.following();
    for (const id of wanted) {
      if (!this.subscribed.has(id) && this.send({ action: "subscribe", game_id: id })) this.subscribed.add(id);
    }
    for (const id of [...this.subscribed]) {
      if (!wanted.has(id)) {
        this.subscribed.delete(id);
        this.send({ action: "unsubscribe", game_id: id });
      }
    }
  }

  // Ask for a snapshot of the games this client is behind on (once until it comes).
  resync(reason) {
    if (this.resyncing) return;
    const seqs = this.seqs.size <= MAX_RESYNC_GAMES ? Object.fromEntries(this.seqs) : null;
    if (!this.send(seqs ? { action: "resync", seqs } : { action: "resync" })) return;
    this.resyncing = true;
    this.emit("resync", { reason, seqs });
  }

  // --- applying messages ----------------------------------------------------------

  // Apply one server message (a parsed frame); returns the verdict.
  handle(message) {
    const verdict = this.apply(message);
    this.emit("message", { message, verdict });
    return verdict;
  }

  apply(message) {
    const type = message.type;
    if (this.bumps.has(type)) return this.applyVersion(message);
    if (type === "snapshot") return this.applySnapshot(message);
    if (this.boardTypes.has(type)) return this.applyBoard(message);
    if (this.alertTypes.has(type)) return this.applyAlert(message);
    if (type === "subscribed") return this.applySubscribed(message);
    if (this.carries.has(type)) {
      // Part of a version already announced: a newer seq means that version was missed.
      if (message.seq > (this.seqs.get(message.game_id) || 0)) {
        this.resync(`${type} of game ${message.game_id} ahead of its state`);
        return "gap";
      }
      if (type === "pattern_progress") this.emit("minutes", { message });
      if (type === "play" || type === "play_page") this.applyPlays(message);
      if (type === "boxscore") this.emit("boxscore", { message });
      return "applied";
    }
    // Neither changes what the client knows ("ignored", as in support/client.py).
    if (type === "unsubscribed") this.emit("unsubscribed", { message });
    if (type === "error") {
      if (message.code === "invalid_seq" || message.code === "rate_limited") this.resyncing = false; // that resync is lost
      this.emit("error", { message });
    }
    return "ignored";
  }

  // A message that *is* a game's next version: apply only seq = last + 1.
  applyVersion(message) {
    const id = message.game_id;
    const known = this.seqs.has(id) ? this.seqs.get(id) : 0;
    if (message.seq <= known) return "stale";
    if (message.seq > known + 1) {
      this.resync(`game ${id}: seq ${message.seq} after ${known}`);
      return "gap";
    }
    const isNew = !this.seqs.has(id);
    this.seqs.set(id, message.seq);
    if (message.type === "prediction") this.emit("prediction", { message });
    else if (message.type === "forecast.update") this.emit("forecast", { message });
    else if (message.game) this.emit("game", { message });
    if (isNew) this.follow(); // a game that appeared after the snapshot
    return "applied";
  }

  // A snapshot replaces the games whose seq it changes, keeps the ones the client is
  // current on (in `games` with the same seq, or listed in `current`) and drops the rest.
  applySnapshot(message) {
    const keep = new Set(message.current || []);
    const replaced = [];
    for (const game of message.games) {
      keep.add(game.game_id);
      if (this.seqs.get(game.game_id) === game.seq) continue;
      this.seqs.set(game.game_id, game.seq);
      replaced.push(game.game_id);
    }
    const dropped = [...this.seqs.keys()].filter((id) => !keep.has(id));
    for (const id of dropped) this.seqs.delete(id);
    this.board = message.board;
    const hasAlerts = typeof message.alert_seq === "number";
    if (hasAlerts) this.alertSeq = message.alert_seq;
    this.resyncing = false;
    this.attempt = 0;
    if (!this.ready) {
      this.ready = true; // a new socket follows nothing yet
      this.subscribed.clear();
    }
    for (const id of replaced) this.subscribed.delete(id); // re-subscribe: minutes and curve
    this.emit("snapshot", { message, replaced, dropped });
    if (hasAlerts) this.emit("alerts", { message, alerts: message.alerts || [], alertSeq: this.alertSeq });
    if (this.state !== "live") this.setState("live");
    this.follow();
    return "applied";
  }

  // Tonight's set of games changed. A board version skipped, or a listed game never seen
  // (its first version missed), means: resync.
  applyBoard(message) {
    const known = this.board ? this.board.version : 0;
    const version = message.board.version;
    if (version <= known) return "stale";
    if (version > known + 1 || message.game_ids.some((id) => !this.seqs.has(id))) {
      this.resync(`board version ${version} after ${known}`);
      return "gap";
    }
    this.board = message.board;
    const listed = new Set(message.game_ids);
    const dropped = [...this.seqs.keys()].filter((id) => !listed.has(id));
    for (const id of dropped) this.seqs.delete(id);
    this.emit("board", { message, dropped });
    this.follow();
    return "applied";
  }

  // Plays chain by orderNumber: a play message whose `previous` is above the newest play
  // this client has means some were missed; ask for those after it (docs/websocket-api.md).
  applyPlays(message) {
    const id = message.game_id;
    const newest = this.newestPlay.get(id) || 0;
    if (message.type === "play" && message.previous > newest) {
      this.send({ action: "plays", game_id: id, after: newest });
    }
    const orders = message.plays.map((p) => p.order_number);
    this.newestPlay.set(id, Math.max(newest, message.last || 0, ...orders));
    this.emit("plays", { message });
  }

  // The next version of the board's alerts: apply only alert_seq = last + 1; a jump means
  // an alert (or its change) was missed: resync (the snapshot carries the alerts).
  applyAlert(message) {
    if (this.alertSeq === null) return "ignored"; // no staff snapshot yet: it will carry it
    if (message.alert_seq <= this.alertSeq) return "stale";
    if (message.alert_seq > this.alertSeq + 1) {
      this.resync(`alert_seq ${message.alert_seq} after ${this.alertSeq}`);
      return "gap";
    }
    this.alertSeq = message.alert_seq;
    this.emit("alert", { message });
    return "applied";
  }

  // The answer to subscribe: the game at version `seq` with everything. Older than what
  // was applied since (a late answer): dropped, and asked for again.
  applySubscribed(message) {
    const id = message.game_id;
    // A late answer for a game that left the board meanwhile (a board message or a
    // snapshot dropped it, and nobody asked to follow it): not taken back, and left.
    if (!this.seqs.has(id) && !this.wanted.has(id)) {
      this.subscribed.delete(id);
      this.send({ action: "unsubscribe", game_id: id });
      return "ignored";
    }
    if (message.seq < (this.seqs.get(id) || 0)) {
      this.subscribed.delete(id);
      this.follow();
      return "stale";
    }
    this.seqs.set(id, message.seq);
    const plays = message.plays || [];
    this.newestPlay.set(id, plays.length ? plays[plays.length - 1].order_number : 0);
    this.emit("subscribed", { message });
    return "applied";
  }
}
