// Entry point of the dashboard and of a night's page: a card per game of the night.
// The current night stays live over ws/scores/ (boot.js, livescores-client.js); a past
// night is drawn from the server-rendered JSON only.

import { AlertsPanel } from "./alerts.js";
import { bootPage, readJson } from "./boot.js";
import { sharedRange } from "./charts.js";
import { el } from "./format.js";
import { periodName } from "./plays.js";
import { showBoardDate, showNights } from "./nighthead.js";
import { orderGames, showsTeam, teamsOf } from "./order.js";
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
const nightUrl = (day) => root.dataset.nightUrl.replace("0001-01-01", day);
const onStatus = (status) => showNights(document, status.night, nightUrl);

// Sort and team filter: the user's stored preferences (alerts.Preferences), changed here.
const controls = document.getElementById("board-controls");
const sortSelect = document.getElementById("board-sort");
const teamSelect = document.getElementById("board-team");
const legend = document.getElementById("chart-legend");

function teamOptions() {
  if (!teamSelect) return;
  const chosen = teamSelect.value || teamSelect.dataset.selected || "";
  const teams = teamsOf(store.games.values());
  if (chosen && !teams.includes(chosen)) teams.push(chosen);
  const wanted = ["", ...teams].join(",");
  if (teamSelect.dataset.teams === wanted) return;
  teamSelect.dataset.teams = wanted;
  teamSelect.replaceChildren(el("option", { value: "", text: "every team" }),
    ...teams.map((t) => el("option", { value: t, text: t })));
  teamSelect.value = chosen;
}

// Cards in the chosen order; games of other teams hidden.
function arrange() {
  const sort = sortSelect ? sortSelect.value : "live_first";
  const team = teamSelect ? teamSelect.value : "";
  const games = orderGames(store.games.values(), sort);
  let shown = 0;
  const wanted = [];
  for (const game of games) {
    const card = document.getElementById(`game-${game.game_id}`);
    if (!card) continue;
    card.hidden = !showsTeam(game, team);
    if (!card.hidden) shown += 1;
    wanted.push(card);
  }
  const now = [...container.children].filter((node) => node.classList.contains("card"));
  if (now.length !== wanted.length || now.some((node, i) => node !== wanted[i])) {
    for (const card of wanted) container.append(card); // only when the order changed
  }
  const count = document.getElementById("board-shown");
  if (count) count.textContent = team ? `${shown} of ${games.length} games` : "";
}

const alertsNode = document.getElementById("alerts");
const alerts = alertsNode && document.getElementById("alert-preferences")
  ? new AlertsPanel(alertsNode, { store, time, prefs: readJson("alert-preferences") })
  : null;

function renderAll() {
  for (const id of cards.ids()) if (!store.games.has(id)) cards.remove(id); // left the board
  const empty = container.querySelector(".empty");
  if (legend) legend.hidden = store.games.size === 0; // an empty night has nothing to explain
  if (store.games.size === 0) {
    if (!empty) container.append(el("p", { class: "empty muted", text: root.dataset.emptyText || "No games." }));
    return;
  }
  if (empty) empty.remove();
  cards.range = sharedRange([...store.games.values()], store.sortedMinutes);
  for (const game of store.games.values()) cards.render(game);
  teamOptions();
  arrange();
  if (alerts) alerts.highlight();
}

async function savePreferences() {
  arrange();
  if (!controls) return;
  try {
    await fetch(controls.action, {
      method: "POST", body: new FormData(controls), credentials: "same-origin", headers: { Accept: "application/json" },
    });
  } catch (err) {
    console.warn("preferences not saved", err);
  }
}
if (sortSelect) sortSelect.addEventListener("change", savePreferences);
if (teamSelect) teamSelect.addEventListener("change", savePreferences);

// Re-render one game; if it widened the shared y-range, every card follows.
function renderGame(id) {
  const game = store.games.get(id);
  if (!game) return;
  const range = sharedRange([...store.games.values()], store.sortedMinutes);
  if (range !== cards.range) renderAll();
  else {
    const isNew = !document.getElementById(`game-${id}`);
    cards.render(game);
    if (isNew) teamOptions();
    arrange(); // a score or status change can move the card
  }
  if (alerts) alerts.highlight();
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
  window.setInterval(() => cards.tick(store.games), 5000);
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
