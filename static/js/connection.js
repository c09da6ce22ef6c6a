// The ws/scores/ socket (docs/websocket-api.md, protocol version 2): per-game sequence
// numbers and the board version, resync on a gap, reconnect with capped exponential
// backoff and jitter, and the close codes that mean "stop": 4401 sends the person to the
// login page (?next= back here), 4403 stops.
//
// Which messages bump a game's version is not listed here: the page gets it from the
// server (the schemas' x-seq annotations, games/protocol.py) as `protocol`.

const SIGN_IN = 4401;
const FORBIDDEN = 4403;

export class ScoreSocket {
  // handlers: {snapshot(msg, replaced), board(msg), subscribed(msg), game(msg), minutes(msg),
  //            prediction(msg), forecast(msg)}; onState(state) for the connection pill.
  // follows: () => [game_id, ...], the games to subscribe to (their minutes and curve).
  // protocol: {bumps: [type, ...], ...} from the page (games/protocol.py client_rules).
  constructor({ handlers, onState, loginUrl, follows, protocol, url }) {
    this.handlers = handlers;
    this.onState = onState;
    this.loginUrl = loginUrl;
    this.follows = follows;
    this.bumps = new Set(protocol.bumps);
    this.url = url || defaultUrl();
    this.socket = null;
    this.retry = 0;
    this.resyncing = false;
    this.seqs = new Map(); // game_id -> seq of the last version applied
    this.board = null; // {date, version} of the board last applied
    this.subscribed = new Set(); // games this socket has subscribed to
  }

  seed(games) {
    for (const g of games) this.seqs.set(g.game_id, g.seq);
  }

  send(message) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  // Subscribe to every followed game not subscribed yet; leave the ones not followed.
  follow() {
    const wanted = new Set(this.follows());
    for (const id of wanted) {
      if (!this.subscribed.has(id)) {
        this.subscribed.add(id);
        this.send({ action: "subscribe", game_id: id });
      }
    }
    for (const id of [...this.subscribed]) {
      if (!wanted.has(id)) {
        this.subscribed.delete(id);
        this.send({ action: "unsubscribe", game_id: id });
      }
    }
  }

  resync(reason) {
    if (this.resyncing) return;
    this.resyncing = true;
    console.info("asking for a snapshot:", reason);
    this.send({ action: "resync", seqs: Object.fromEntries(this.seqs) });
  }

  // A game message is version `seq` of its game: apply it only if it is the next one.
  // Older or repeated versions are dropped; a jump means one was missed.
  isNext(id, seq) {
    const known = this.seqs.has(id) ? this.seqs.get(id) : 0;
    if (seq <= known) return false;
    if (seq > known + 1) {
      this.resync(`game ${id}: seq ${seq} after ${known}`);
      return false;
    }
    this.seqs.set(id, seq);
    return true;
  }

  // A snapshot replaces the games whose seq it changes, keeps the ones the client is
  // current on (in `games` with the same seq, or listed in `current`) and drops the rest.
  applySnapshot(message) {
    const keep = new Set(message.current);
    const replaced = [];
    for (const g of message.games) {
      keep.add(g.game_id);
      if (this.seqs.get(g.game_id) === g.seq && message.reason === "resync") continue;
      this.seqs.set(g.game_id, g.seq);
      replaced.push(g.game_id);
    }
    for (const id of [...this.seqs.keys()]) if (!keep.has(id)) this.seqs.delete(id);
    this.board = message.board;
    if (message.reason === "connect") this.subscribed.clear(); // a new socket follows nothing yet
    for (const id of replaced) this.subscribed.delete(id); // re-subscribe: minutes and curve
    return replaced;
  }

  // The board's set of games changed. A board version skipped, or a listed game never
  // seen (its first version missed), means: resync.
  applyBoard(message) {
    const known = this.board ? this.board.version : 0;
    const version = message.board.version;
    if (version <= known) return false;
    if (version > known + 1 || message.game_ids.some((id) => !this.seqs.has(id))) {
      this.resync(`board version ${version} after ${known}`);
      return false;
    }
    this.board = message.board;
    const listed = new Set(message.game_ids);
    for (const id of [...this.seqs.keys()]) if (!listed.has(id)) this.seqs.delete(id);
    return true;
  }

  handle(message) {
    const h = this.handlers;
    if (this.bumps.has(message.type)) {
      const isNew = !this.seqs.has(message.game_id);
      if (!this.isNext(message.game_id, message.seq)) return;
      if (message.type === "prediction") h.prediction(message);
      else if (message.type === "forecast.update") h.forecast(message);
      else h.game(message);
      if (isNew) this.follow(); // a game that appeared after the snapshot
      return;
    }
    switch (message.type) {
      case "snapshot": {
        this.retry = 0;
        this.resyncing = false;
        const replaced = this.applySnapshot(message);
        h.snapshot(message, new Set(replaced));
        this.follow();
        break;
      }
      case "board":
        if (this.applyBoard(message)) {
          h.board(message);
          this.follow();
        }
        break;
      case "subscribed":
        if (message.seq > (this.seqs.get(message.game_id) || 0)) this.seqs.set(message.game_id, message.seq);
        h.subscribed(message);
        break;
      case "pattern_progress":
        // Same seq as its version's score_update, which comes first: a newer seq means
        // that update was missed.
        if (message.seq > (this.seqs.get(message.game_id) || 0)) {
          this.resync(`minutes of game ${message.game_id} ahead of its state`);
          return;
        }
        h.minutes(message);
        break;
      case "error":
        if (message.code === "invalid_seq") this.resyncing = false;
        if (message.code !== "unauthorized") console.warn("server error message", message);
        break;
      default:
        break;
    }
  }

  connect() {
    this.socket = new WebSocket(this.url);
    this.socket.onopen = () => this.onState("live");
    this.socket.onmessage = (event) => {
      try {
        this.handle(JSON.parse(event.data));
      } catch (err) {
        console.error("could not handle a message", err);
      }
    };
    this.socket.onclose = (event) => {
      this.resyncing = false;
      if (event.code === SIGN_IN) {
        this.onState("signed out");
        window.location.assign(this.loginUrl);
        return;
      }
      if (event.code === FORBIDDEN) {
        this.onState("not allowed");
        return;
      }
      this.onState("reconnecting");
      const delay = Math.min(10000, 500 * 2 ** this.retry++) * (0.5 + Math.random() / 2);
      window.setTimeout(() => this.connect(), delay);
    };
  }
}

function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/scores/`;
}

export function connectionPill() {
  const pill = document.getElementById("connection");
  return (state) => {
    if (!pill) return;
    pill.textContent = state;
    pill.dataset.state = state;
  };
}
