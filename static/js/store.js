// What the page knows: games (with .prediction and .win_probability) and closed minutes.

export const games = new Map(); // game_id -> game payload
export const minutes = new Map(); // game_id -> Map(minute -> minute payload)

// A new version of a game's state (score_update / game_final): what it does not carry
// (the prediction unless an outcome was just recorded, the curve) is kept.
export function upsertGame(game) {
  const previous = games.get(game.game_id);
  if (!("prediction" in game)) game.prediction = previous ? previous.prediction : null;
  if (!("win_probability" in game)) game.win_probability = previous ? previous.win_probability || [] : [];
  games.set(game.game_id, game);
}

// A game from a snapshot or subscribed (its state, prediction and curve): replaces all.
export function replaceGame(game) {
  games.set(game.game_id, game);
}

export function mergeMinutes(id, rows, replace) {
  const map = replace || !minutes.has(id) ? new Map() : minutes.get(id);
  for (const row of rows) map.set(row.minute, row);
  minutes.set(id, map);
}

export function sortedMinutes(id) {
  return [...(minutes.get(id) || new Map()).values()].sort((a, b) => a.minute - b.minute);
}

// One forecast.update point: replaces the point of the same minute, keeps the order.
export function addForecastPoint(id, point) {
  const game = games.get(id);
  if (!game) return false;
  const series = (game.win_probability || []).filter((p) => p.minute !== point.minute);
  series.push(point);
  series.sort((a, b) => a.minute - b.minute);
  game.win_probability = series;
  return true;
}

export function forget(id) {
  games.delete(id);
  minutes.delete(id);
}

export function loadInitial(board) {
  board.games.forEach(upsertGame);
  for (const [id, rows] of Object.entries(board.minutes)) mergeMinutes(id, rows, true);
}
