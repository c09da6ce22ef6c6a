// Formatting shared by every page: signed numbers, clocks, leads, times, DOM helper.
// Game-time numbers (periods, halftime, the forecast minute) are not here: they come from
// the server through gametime.js.

export const signed = (v, digits = 0) =>
  v === null || v === undefined
    ? "–"
    : (v > 0 ? "+" : v < 0 ? "−" : "") + Math.abs(v).toFixed(digits);
export const num = (v, digits = 1) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
export const interval = (pair) => (pair ? `[${signed(pair[0])}, ${signed(pair[1])}]` : "–");
export const percent = (p) => `${Math.round(100 * p)} %`;

// The game clock as "9:00" (no leading zero) or "42.5" under a minute.
export function clockText(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return seconds.toFixed(1);
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

// Times without seconds in the viewer's time zone, with the zone named: "7:30 PM EST".
const TIME = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
const DATETIME = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
});
export const timeShort = (iso) => (iso ? TIME.format(new Date(iso)) : "–");
export const dateTimeShort = (iso) => (iso ? DATETIME.format(new Date(iso)) : "–");
export const zoneName = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

// What a card shows for the game's moment: "Q1 9:00", "End of Q1", "Halftime", "Final".
// time: gameTime() (period names).
export function clockLabel(game, time) {
  const text = (game.status_text || "").trim();
  switch (game.status) {
    case "scheduled":
      return game.start_time ? `starts ${timeShort(game.start_time)}` : text || "scheduled";
    case "postponed":
      return "Postponed";
    case "cancelled":
      return "Cancelled";
    case "stale":
      return "No update (stale)";
    case "halftime":
      return "Halftime";
    case "final":
      return time.isOvertime(game.period) ? `Final/${time.periodName(game.period)}` : "Final";
    default:
      break;
  }
  if (!game.period) return text;
  if (text.toLowerCase().startsWith("end") || game.clock_seconds === 0) {
    return `End of ${time.periodName(game.period)}`;
  }
  return `${time.periodName(game.period)} ${clockText(game.clock_seconds)}`.trim();
}

// Who leads and by how much: "BOS +4", or "Tied".
export function leadText(game) {
  const d = game.differential;
  if (!d) return "Tied";
  return d > 0 ? `${game.home.tricode} +${d}` : `${game.away.tricode} +${-d}`;
}

// A margin (home minus away, as the server keeps it) in words: "CLE by 18", "MIN by 3",
// "level". Whole points unless digits says otherwise.
export function marginText(game, value, digits = 0) {
  if (value === null || value === undefined) return "–";
  const size = Math.abs(value).toFixed(digits);
  if (Number(size) === 0) return "level";
  return `${value > 0 ? game.home.tricode : game.away.tricode} by ${size}`;
}

// A 90 % range of a margin in words: "8–27" in the terms of the side of `point` when the
// whole range favours it, else "MIN by 5 to CLE by 12".
export function rangeText(game, pair, point) {
  if (!pair) return "–";
  const [lo, hi] = pair;
  const side = point >= 0 ? 1 : -1;
  const a = Math.round(side * lo);
  const b = Math.round(side * hi);
  if (Math.min(a, b) >= 0) return `${Math.min(a, b)}–${Math.max(a, b)}`;
  return `${marginText(game, lo)} to ${marginText(game, hi)}`;
}

// "CLE by 18 at half (90 %: 8–27)".
export function forecastText(game, point, pair, when) {
  return `${marginText(game, point)} ${when} (90 %: ${rangeText(game, pair, point)})`;
}

// "updated 40 s ago" / "updated 3 min ago" for a game in play; {text, quiet}: quiet when
// a game in play has had no new state for QUIET_SECONDS (a stoppage, or a feed problem).
export const QUIET_SECONDS = 120;
export function updatedText(game, now = Date.now()) {
  if (!game.updated_at || !["live", "halftime"].includes(game.status)) return { text: "", quiet: false };
  const seconds = Math.max(0, Math.round((now - Date.parse(game.updated_at)) / 1000));
  const ago = seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.floor(seconds / 60)} min` : `${Math.floor(seconds / 3600)} h`;
  return { text: `updated ${ago} ago`, quiet: seconds >= QUIET_SECONDS };
}

export const record = (team) => `${team.wins}–${team.losses}`;

// The home side's win probability as the leading side's: {tricode, p}.
export function favourite(game, homeProb) {
  return homeProb >= 0.5
    ? { tricode: game.home.tricode, p: homeProb }
    : { tricode: game.away.tricode, p: 1 - homeProb };
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Every <time data-local> on the page, rewritten in the viewer's zone.
export function localiseTimes(root = document) {
  for (const node of root.querySelectorAll("time[data-local]")) {
    const iso = node.getAttribute("datetime");
    node.textContent = node.dataset.local === "datetime" ? dateTimeShort(iso) : timeShort(iso);
  }
}
