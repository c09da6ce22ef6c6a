// Entry point of the dashboard and of a night's page: a card per game of the night.
// The current night stays live over ws/scores/ (boot.js, livescores-client.js); a past
// night is drawn from the server-rendered JSON only.

import { AlertsPanel } from "./alerts.js";
import { bootPage, readJson } from "./boot.js";
import { sharedRange } from "./charts.js";
import { el } from "./format.js";
import { periodName } from "./plays.js";
import { Cards } from "./render.js";
import { refreshStatus, renderStatus } from "./status.js";

const page = bootPage();
const { root, store, time } = page;
const container = document.getElementById("games");
// Each game's newest play (every game is subscribed: its ack and play messages carry them).
const lastPlays = new Map();
function lastPlayLine(id) {
  const play = lastPlays.get(id);
  if (!play) return "";
  const team = play.team_tricode ? `${play.team_tricode} ` : "";
  return `${periodName(play.period)} ${play.clock} · ${team}${play.description}`;
}
function takePlays(message) {
  const newest = (message.plays || []).reduce((a, p) => (!a || p.order_number > a.order_number ? p : a), null);
  const known = lastPlays.get(message.game_id);
  if (newest && (!known || newest.order_number >= known.order_number)) lastPlays.set(message.game_id, newest);
  if (known && (message.removed || []).includes(known.action_number)) lastPlays.delete(message.game_id);
  renderGame(message.game_id);
}
const cards = new Cards(container, { time, gameUrl: page.gameUrl, minutesOf: store.sortedMinutes, lastPlayOf: lastPlayLine });
const live = root.dataset.live === "true";
const statusUrl = root.dataset.statusUrl;

const alertsNode = document.getElementById("alerts");
const alerts = alertsNode && document.getElementById("alert-preferences")
  ? new AlertsPanel(alertsNode, { store, time, prefs: readJson("alert-preferences") })
  : null;

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
  if (alerts) alerts.highlight();
}

// Re-render one game; if it widened the shared y-range, every card follows.
function renderGame(id) {
  const game = store.games.get(id);
  if (!game) return;
  const range = sharedRange([...store.games.values()], store.sortedMinutes);
  if (range !== cards.range) renderAll();
  else cards.render(game);
  if (alerts) alerts.highlight();
}

function changed({ kind, gameId }) {
  if (kind === "snapshot" || kind === "board") renderAll();
  else renderGame(gameId);
  if (kind === "snapshot" || kind === "prediction") refreshStatus(statusUrl);
}

renderAll();
if (document.getElementById("initial-status")) renderStatus(readJson("initial-status"));
if (live) {
  if (statusUrl) window.setInterval(() => refreshStatus(statusUrl), 10000);
  const handle = {
    subscribed: ({ message }) => takePlays(message),
    plays: ({ message }) => takePlays(message),
    ...(alerts
      ? { alerts: ({ alerts: list }) => alerts.replace(list), alert: ({ message }) => alerts.upsert(message.alert) }
      : {}),
  };
  const client = page.connect({ changed, followAll: true, handle });
  // A handle for debugging in the console (and the browser tests): the page's state and client.
  window.livescores = { client, socket: client, store, cards, time, alerts };
}
