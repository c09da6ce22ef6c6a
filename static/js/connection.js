// The ws/scores/ socket (docs/websocket-api.md): per-game sequence numbers, resync on a
// gap, reconnect with capped exponential backoff and jitter, and the close codes that
// mean "stop": 4401 sends the person to the login page (?next= back here), 4403 stops.

const SIGN_IN = 4401;
const FORBIDDEN = 4403;
const GAME_MESSAGES = new Set(["score_update", "game_final", "prediction", "forecast.update"]);

export class ScoreSocket {
  // handlers: {snapshot(msg), subscribed(msg), game(msg), minutes(msg), prediction(msg),
  //            forecast(msg)}; onState(state) for the connection pill.
  constructor({ handlers, onState, loginUrl, subscriptions }) {
    this.handlers = handlers;
    this.onState = onState;
    this.loginUrl = loginUrl;
    this.subscriptions = subscriptions; // () => [game_id, ...]
    this.socket = null;
    this.retry = 0;
    this.resyncing = false;
    this.seqs = new Map(); // game_id -> seq of the last version applied
  }

  seed(games) {
    for (const g of games) this.seqs.set(g.game_id, g.seq);
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  subscribeAll() {
    for (const id of this.subscriptions()) this.send({ action: "subscribe", game_id: id });
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

  handle(message) {
    const h = this.handlers;
    if (GAME_MESSAGES.has(message.type)) {
      if (!this.isNext(message.game_id, message.seq)) return;
      if (message.type === "prediction") h.prediction(message);
      else if (message.type === "forecast.update") h.forecast(message);
      else h.game(message);
      return;
    }
    switch (message.type) {
      case "snapshot":
        this.retry = 0;
        this.resyncing = false;
        this.seqs.clear();
        this.seed(message.games);
        h.snapshot(message);
        this.subscribeAll();
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
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${location.host}/ws/scores/`);
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

export function connectionPill() {
  const pill = document.getElementById("connection");
  return (state) => {
    if (!pill) return;
    pill.textContent = state;
    pill.dataset.state = state;
  };
}
