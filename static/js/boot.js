// The one start-up of the dashboard and the game page: reads what the server put in the
// page (json_script "livescores-constants": game constants and the protocol's sequence
// rule; "initial-board": the games and their minutes), fills the store, localises the
// times, and connects the public client (livescores-client.js) whose events it applies
// to the store before the page draws. No side effect at import: a page calls bootPage().

import { localiseTimes, zoneName } from "./format.js";
import { gameTime } from "./gametime.js";
import { ScoresClient } from "./livescores-client.js";
import { Store } from "./store.js";

export function readJson(id, doc = document) {
  const node = doc.getElementById(id);
  if (!node) throw new Error(`the page has no json_script #${id}`);
  return JSON.parse(node.textContent);
}

// What the connection pill says for each client state.
const LABELS = {
  idle: "connecting",
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  unauthorized: "signed out",
  forbidden: "not allowed",
  closed: "closed",
};

// The pill's text for a client state: a connect after a lost connection still reads
// "reconnecting" until its snapshot makes it "live".
export function stateLabel(state, previousLabel) {
  if (state === "connecting" && previousLabel === "reconnecting") return previousLabel;
  return LABELS[state] || state;
}

export function connectionPill(pill) {
  return (state) => {
    if (!pill) return;
    const label = stateLabel(state, pill.dataset.state);
    pill.textContent = label;
    pill.dataset.state = label;
  };
}

// Apply the client's events to the store, then tell the page what changed:
// changed({kind, gameId, message}) with kind one of the client's event names.
// keep(id): games to keep although they left the board (the game page's own game).
export function applyToStore(client, store, { changed, keep = () => false }) {
  const on = (name, apply) =>
    client.addEventListener(name, (event) => {
      const { message } = event.detail;
      if (apply(event.detail) !== false) changed({ kind: name, gameId: message.game_id, message });
    });
  const forget = (ids) => ids.filter((id) => !keep(id)).forEach((id) => store.forget(id));
  on("snapshot", ({ message, replaced, dropped }) => {
    forget(dropped);
    const taken = new Set(replaced);
    for (const game of message.games) if (taken.has(game.game_id)) store.replaceGame(game);
  });
  on("board", ({ dropped }) => forget(dropped));
  on("subscribed", ({ message }) => {
    store.replaceGame(message.game);
    store.mergeMinutes(message.game_id, message.minutes, true);
  });
  on("game", ({ message }) => store.upsertGame(message.game));
  on("minutes", ({ message }) => {
    if (!store.games.has(message.game_id)) return false;
    store.mergeMinutes(message.game_id, message.minutes, false);
    return true;
  });
  on("prediction", ({ message }) => store.setPrediction(message.game_id, message.prediction));
  on("forecast", ({ message }) => store.addForecastPoint(message.game_id, message.forecast));
}

// The page's data and helpers; page.connect(...) starts the live updates.
export function bootPage(doc = document) {
  const root = doc.querySelector("[data-page]");
  const constants = readJson("livescores-constants", doc);
  const board = readJson("initial-board", doc);
  const time = gameTime(constants.game);
  const store = new Store();
  store.loadInitial(board);
  localiseTimes(doc);
  const zone = doc.getElementById("viewer-zone");
  if (zone) zone.textContent = zoneName();
  const gameUrl = (id) => root.dataset.gameUrl.replace("GAME_ID", encodeURIComponent(id));

  // followAll: every game on the board (the dashboard); follow: the games to subscribe to.
  function connect({ changed, followAll = false, follow = [], keep, handle = {} }) {
    const client = new ScoresClient({ rules: constants.protocol, followAll });
    client.seed(board.games);
    applyToStore(client, store, { changed, keep });
    const pill = connectionPill(doc.getElementById("connection"));
    client.addEventListener("state", ({ detail }) => {
      pill(detail.state);
      if (detail.state === "unauthorized") window.location.assign(root.dataset.loginUrl);
    });
    client.addEventListener("resync", ({ detail }) => console.info("asking for a snapshot:", detail.reason));
    client.addEventListener("error", ({ detail }) => {
      if (detail.message.code !== "unauthorized") console.warn("server error message", detail.message);
    });
    for (const [name, listener] of Object.entries(handle)) {
      client.addEventListener(name, (event) => listener(event.detail));
    }
    for (const id of follow) client.subscribe(id);
    client.connect();
    return client;
  }

  return { root, constants, board, time, store, gameUrl, connect };
}
