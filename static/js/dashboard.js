// Entry point of the dashboard and of a night's page: a card per game of the night.
// The current night stays live over ws/scores/ (boot.js, livescores-client.js); a past
// night is drawn from the server-rendered JSON only.

import { bootPage, readJson } from "./boot.js";
import { sharedRange } from "./charts.js";
import { el } from "./format.js";
import { showBoardDate, showNights } from "./nighthead.js";
import { Cards } from "./render.js";
import { refreshStatus, renderStatus } from "./status.js";

const page = bootPage();
const { root, store, time } = page;
const container = document.getElementById("games");
const cards = new Cards(container, { time, gameUrl: page.gameUrl, minutesOf: store.sortedMinutes });
const live = root.dataset.live === "true";
const statusUrl = root.dataset.statusUrl;
const nightUrl = (day) => root.dataset.nightUrl.replace("0001-01-01", day);
const onStatus = (status) => showNights(document, status.night, nightUrl);

function renderAll() {
  for (const id of cards.ids()) if (!store.games.has(id)) cards.remove(id); // left the board
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

function changed({ kind, gameId, message }) {
  if (kind === "snapshot" || kind === "board") renderAll();
  else renderGame(gameId);
  // The header follows the board's night; its neighbours come with the status.
  const moved = (kind === "snapshot" || kind === "board") && message.board && showBoardDate(document, message.board.date);
  if (moved || kind === "snapshot" || kind === "prediction") refreshStatus(statusUrl, onStatus);
}

renderAll();
if (document.getElementById("initial-status")) renderStatus(readJson("initial-status"));
if (live) {
  if (statusUrl) window.setInterval(() => refreshStatus(statusUrl, onStatus), 10000);
  const client = page.connect({ changed, followAll: true });
  // A handle for debugging in the console (and the browser tests): the page's state and client.
  window.livescores = { client, socket: client, store, cards, time };
}
