// Follow one game of the livescores WebSocket API from another origin, with an API key.
// The public client and the contract come from the scores server and this site:
//   <server>/static/js/livescores-client.js  (served with Access-Control-Allow-Origin)
//   ../asyncapi.json                          (the sequence rule: rulesFromAsyncApi)
// and the game's history from the HTTP API, with the same key (X-API-Key; CORS allows
// the origins the key lists).
const settings = new URLSearchParams(location.hash.slice(1));
const server = settings.get("server"); // e.g. https://scores.example.org
const key = settings.get("key");
const gameId = settings.get("game");
const $ = (id) => document.getElementById(id);

function show(game) {
  $("matchup").textContent = `${game.away.city} ${game.away.name} @ ${game.home.city} ${game.home.name}`;
  $("score").textContent = `${game.away.tricode} ${game.away.score} – ${game.home.score} ${game.home.tricode}`;
  $("status").textContent = game.status_text; // e.g. "Q2 5:12", "Halftime", "Final"
}

function showWinProbability(point) {
  $("win-probability").textContent = `${Math.round(point.home_win_prob * 100)} % at ${Math.floor(point.elapsed_seconds)} s of game time`;
}

async function history() {
  const headers = { "X-API-Key": key };
  const game = await fetch(`${server}/api/v1/games/${gameId}`, { headers });
  const forecasts = await fetch(`${server}/api/v1/games/${gameId}/forecasts?limit=1`, { headers });
  if (!game.ok || !forecasts.ok) throw new Error(`HTTP API: ${game.status}, ${forecasts.status}`);
  const [detail, page] = [await game.json(), await forecasts.json()];
  $("history").textContent = `${detail.minutes.length} minutes, ${page.count} forecasts at seq ${detail.seq} (ETag ${game.headers.get("ETag")})`;
}

async function main() {
  if (!server || !key || !gameId) {
    $("problem").textContent = "Open this page with #server=…&key=…&game=… in its URL.";
    return;
  }
  const { ScoresClient, apiKeyAuth, rulesFromAsyncApi } = await import(`${server}/static/js/livescores-client.js`);
  const rules = rulesFromAsyncApi(await (await fetch("../asyncapi.json")).json());
  const client = new ScoresClient({
    rules,
    url: `${server.replace(/^http/, "ws")}/ws/scores/`,
    auth: apiKeyAuth(key), // the key as a Sec-WebSocket-Protocol entry
  });
  let minutes = 0;
  client.addEventListener("state", ({ detail }) => {
    $("state").textContent = detail.state;
    $("state").dataset.state = detail.state;
  });
  client.addEventListener("subscribed", ({ detail }) => {
    const { game } = detail.message;
    show(game);
    minutes = detail.message.minutes.length;
    $("minutes").textContent = String(minutes);
    const curve = game.win_probability;
    if (curve.length) showWinProbability(curve[curve.length - 1]);
  });
  client.addEventListener("game", ({ detail }) => {
    if (detail.message.game_id === gameId) show(detail.message.game);
  });
  client.addEventListener("minutes", ({ detail }) => {
    if (detail.message.game_id !== gameId) return;
    minutes = Math.max(minutes, ...detail.message.minutes.map((m) => m.minute));
    $("minutes").textContent = String(minutes);
  });
  client.addEventListener("forecast", ({ detail }) => {
    if (detail.message.game_id === gameId) showWinProbability(detail.message.forecast);
  });
  client.addEventListener("message", () => {
    // The last version the client applied, whatever the message (the client's seq rule).
    if (client.seqs.has(gameId)) $("seq").textContent = String(client.seqs.get(gameId));
  });
  client.addEventListener("error", ({ detail }) => {
    $("problem").textContent = `${detail.message.code}: ${detail.message.detail}`;
  });
  await history().catch((err) => {
    $("history").textContent = `not available (${err.message})`; // e.g. the origin is not the key's
  });
  client.subscribe(gameId);
  client.connect();
  window.livescoresExample = client;
}

main().catch((err) => {
  $("problem").textContent = String(err);
});
