// Entry point of the dashboard and of a night's page: a card per game of the night.
// The current night stays live over ws/scores/ (docs/websocket-api.md); a past night is
// drawn from the server-rendered JSON only.

import { sharedRange } from "./charts.js";
import { ScoreSocket, connectionPill } from "./connection.js";
import { el, localiseTimes, zoneName } from "./format.js";
import { Cards } from "./render.js";
import { refreshStatus, renderStatus } from "./status.js";
import * as store from "./store.js";

const root = document.querySelector("[data-page]");
const container = document.getElementById("games");
const gameUrl = (id) => root.dataset.gameUrl.replace("GAME_ID", encodeURIComponent(id));
const cards = new Cards(container, { gameUrl, minutesOf: store.sortedMinutes });
const live = root.dataset.live === "true";
const statusUrl = root.dataset.statusUrl;

function renderAll() {
  const empty = container.querySelector(".empty");
  if (store.games.size === 0) {
    if (!empty) container.append(el("p", { class: "empty muted", text: root.dataset.emptyText || "No games." }));
    return;
  }
  if (empty) empty.remove();
  cards.range = sharedRange([...store.games.values()], store.sortedMinutes);
  for (const game of store.games.values()) cards.render(game);
}

// Re-render one game; if it widened the shared y-range, every card follows.
function renderGame(id) {
  const game = store.games.get(id);
  if (!game) return;
  const range = sharedRange([...store.games.values()], store.sortedMinutes);
  if (range !== cards.range) renderAll();
  else cards.render(game);
}

// Cards of games no longer on the board go.
function keepOnly(ids) {
  for (const id of cards.ids()) {
    if (!ids.has(id)) {
      cards.remove(id);
      store.forget(id);
    }
  }
}

const handlers = {
  snapshot(message, replaced) {
    keepOnly(new Set([...message.current, ...message.games.map((g) => g.game_id)]));
    message.games.filter((g) => replaced.has(g.game_id)).forEach(store.replaceGame);
    renderAll();
    refreshStatus(statusUrl);
  },
  board(message) {
    keepOnly(new Set(message.game_ids));
    renderAll();
  },
  subscribed(message) {
    store.replaceGame(message.game);
    store.mergeMinutes(message.game_id, message.minutes, true);
    renderGame(message.game_id);
  },
  game(message) {
    store.upsertGame(message.game);
    renderGame(message.game_id);
  },
  minutes(message) {
    if (!store.games.has(message.game_id)) return;
    store.mergeMinutes(message.game_id, message.minutes, false);
    renderGame(message.game_id);
  },
  prediction(message) {
    const game = store.games.get(message.game_id);
    if (!game) return;
    game.prediction = message.prediction;
    renderGame(message.game_id);
    refreshStatus(statusUrl);
  },
  forecast(message) {
    if (store.addForecastPoint(message.game_id, message.forecast)) renderGame(message.game_id);
  },
};

const board = JSON.parse(document.getElementById("initial-board").textContent);
store.loadInitial(board);
renderAll();
localiseTimes();
const zone = document.getElementById("viewer-zone");
if (zone) zone.textContent = zoneName();
const initialStatus = document.getElementById("initial-status");
if (initialStatus) renderStatus(JSON.parse(initialStatus.textContent));
if (live) {
  if (statusUrl) window.setInterval(() => refreshStatus(statusUrl), 10000);
  const socket = new ScoreSocket({
    handlers,
    onState: connectionPill(),
    loginUrl: root.dataset.loginUrl,
    follows: () => [...store.games.keys()],
    protocol: board.protocol,
  });
  socket.seed(board.games);
  socket.connect();
  // A handle for debugging in the console (and the browser tests): the page's state and socket.
  window.livescores = { socket, store, cards };
}
