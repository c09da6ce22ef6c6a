// The order and filter of the dashboard's cards (the user's alerts.Preferences):
// "live_first" (live and halftime, then to come, then over), "closest" (the closest live
// games first, then as live_first), "start_time". Plain data, no DOM.

const PHASE = { live: 0, halftime: 0, scheduled: 1, postponed: 2, cancelled: 2, final: 3, stale: 4 };
const phase = (game) => (game.status in PHASE ? PHASE[game.status] : 1);
const start = (game) => (game.start_time ? Date.parse(game.start_time) : Number.MAX_SAFE_INTEGER);
const byStart = (a, b) => start(a) - start(b) || (a.game_id < b.game_id ? -1 : a.game_id > b.game_id ? 1 : 0);
const playing = (game) => phase(game) === 0;

export const SORTS = ["live_first", "closest", "start_time"];

export function orderGames(games, sort) {
  const list = [...games];
  if (sort === "start_time") return list.sort(byStart);
  if (sort === "closest") {
    return list.sort((a, b) => phase(a) - phase(b)
      || (playing(a) ? Math.abs(a.differential) - Math.abs(b.differential) : 0)
      || byStart(a, b));
  }
  return list.sort((a, b) => phase(a) - phase(b) || byStart(a, b));
}

// team: a tricode, or "" for every team.
export const showsTeam = (game, team) => !team || game.home.tricode === team || game.away.tricode === team;

export const teamsOf = (games) => [...new Set([...games].flatMap((g) => [g.home.tricode, g.away.tricode]))].sort();
