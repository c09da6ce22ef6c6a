// The minutes the plays corrected after the minute-18 forecast used them: the forecast's
// input_pattern (minute 1..n home-minus-away leads, as the poll closed them) against the
// minutes known now (rewritten from the play-by-play, which has every basket).

import { signed } from "./format.js";

export function patternCorrections(pattern, minutes) {
  const now = new Map((minutes || []).map((row) => [row.minute, row.differential]));
  return (pattern || []).flatMap((used, i) => {
    const value = now.get(i + 1);
    return value === undefined || value === used ? [] : [{ minute: i + 1, used, now: value }];
  });
}

export function correctionsText(game, corrections) {
  if (!corrections.length) return "none: every minute it used stands";
  const lead = (v) => `${game.home.tricode} ${signed(v)}`;
  const each = corrections.map((c) => `min ${c.minute} ${lead(c.used)} → ${lead(c.now)}`);
  return `${each.join(", ")}; the forecast stands as made`;
}
