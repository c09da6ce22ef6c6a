// What a page knows: games (with .prediction and .win_probability) and closed minutes.
// Plain data, no DOM: the page's boot (boot.js) applies the client's events to it.

export class Store {
  constructor() {
    this.games = new Map(); // game_id -> game payload
    this.minutes = new Map(); // game_id -> Map(minute -> minute payload)
    this.sortedMinutes = this.sortedMinutes.bind(this); // handed around as a callback
  }

  // A new version of a game's state (score_update / game_final): what it does not carry
  // (the prediction, the curve) is kept.
  upsertGame(game) {
    const previous = this.games.get(game.game_id);
    const next = { ...game };
    if (!("prediction" in next)) next.prediction = previous ? previous.prediction : null;
    if (!("win_probability" in next)) next.win_probability = previous ? previous.win_probability || [] : [];
    this.games.set(game.game_id, next);
  }

  // A game from a snapshot or subscribed (its state, prediction and curve): replaces all.
  replaceGame(game) {
    this.games.set(game.game_id, game);
  }

  // A prediction message (the minute-18 forecast, or its actual outcome): false if the
  // game is unknown.
  setPrediction(id, prediction) {
    const game = this.games.get(id);
    if (!game) return false;
    game.prediction = prediction;
    return true;
  }

  mergeMinutes(id, rows, replace = false) {
    const map = replace || !this.minutes.has(id) ? new Map() : this.minutes.get(id);
    for (const row of rows) map.set(row.minute, row);
    this.minutes.set(id, map);
  }

  sortedMinutes(id) {
    return [...(this.minutes.get(id) || new Map()).values()].sort((a, b) => a.minute - b.minute);
  }

  // One forecast.update point: replaces the point of the same state (game time and
  // score), keeps game-time order (at one second, the lower total score first).
  addForecastPoint(id, point) {
    const game = this.games.get(id);
    if (!game) return false;
    const series = (game.win_probability || []).filter((p) => !sameState(p, point));
    series.push(point);
    series.sort(byGameTime);
    game.win_probability = series;
    return true;
  }

  forget(id) {
    this.games.delete(id);
    this.minutes.delete(id);
  }

  // The page's json_script "initial-board": {games, minutes}.
  loadInitial(board) {
    board.games.forEach((game) => this.upsertGame(game));
    for (const [id, rows] of Object.entries(board.minutes)) this.mergeMinutes(id, rows, true);
  }
}

const sameState = (a, b) =>
  a.elapsed_seconds === b.elapsed_seconds && a.home_score === b.home_score && a.away_score === b.away_score;

const byGameTime = (a, b) =>
  a.elapsed_seconds - b.elapsed_seconds || a.home_score + a.away_score - (b.home_score + b.away_score);
