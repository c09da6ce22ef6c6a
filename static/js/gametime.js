// Game time, from the server's constants: the forecast minute, halftime, the length of a
// regulation and an overtime period. Nothing here is a copy of a number the server owns:
// the page gets them as json_script "livescores-constants" (dashboard/services.py,
// page_constants: games/minutes.py and games/clock.py) and every module that needs one
// is handed the object gameTime() builds from them.

const FIELDS = [
  "forecast_minute",
  "halftime_minute",
  "regulation_periods",
  "regulation_period_seconds",
  "overtime_period_seconds",
];

// constants: {forecast_minute, halftime_minute, regulation_periods,
//             regulation_period_seconds, overtime_period_seconds} (page_constants().game).
export function gameTime(constants) {
  for (const name of FIELDS) {
    const value = constants ? constants[name] : undefined;
    if (!Number.isInteger(value) || value <= 0) {
      throw new TypeError(`game constant ${name} must be a positive integer, not ${JSON.stringify(value)}`);
    }
  }
  const periods = constants.regulation_periods;
  const periodMinutes = constants.regulation_period_seconds / 60;
  const overtimeMinutes = constants.overtime_period_seconds / 60;
  const regulationMinutes = periods * periodMinutes;

  // "Q1".."Q4", then "OT", "2OT", ...
  const periodName = (period) => {
    if (period <= periods) return `Q${period}`;
    const ot = period - periods;
    return ot === 1 ? "OT" : `${ot}OT`;
  };

  // The game minute at which a period starts (minute 0: tip-off).
  const periodStart = (period) =>
    period <= periods
      ? (period - 1) * periodMinutes
      : regulationMinutes + (period - periods - 1) * overtimeMinutes;

  // The last minute an x-axis must show: regulation, or the end of the last overtime seen.
  const lastMinute = (...minuteLists) => {
    const seen = Math.max(0, ...minuteLists.flat().map((m) => m.minute));
    if (seen <= regulationMinutes) return regulationMinutes;
    return regulationMinutes + overtimeMinutes * Math.ceil((seen - regulationMinutes) / overtimeMinutes);
  };

  // Every period that starts after tip-off and before `end`: [{minute, period}].
  const periodStarts = (end) => {
    const starts = [];
    for (let period = 2; periodStart(period) < end; period++) starts.push({ minute: periodStart(period), period });
    return starts;
  };

  // "Q3 4:12", "OT 0:35", "Q4 0:00" for a game time in seconds from tip-off (a period's
  // last second counts to that period).
  const clockAt = (elapsedSeconds) => {
    let period = 1;
    while (periodStart(period + 1) * 60 < elapsedSeconds) period++;
    const length = (period <= periods ? periodMinutes : overtimeMinutes) * 60;
    const left = Math.max(0, periodStart(period) * 60 + length - elapsedSeconds);
    const whole = Math.floor(left);
    const tenths = left < 60 && left !== whole ? `.${Math.floor((left - whole) * 10)}` : "";
    const clock = left < 60 ? `0:${String(whole).padStart(2, "0")}${tenths}` : `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
    return `${periodName(period)} ${clock}`;
  };

  return Object.freeze({
    clockAt,
    forecastMinute: constants.forecast_minute,
    halftimeMinute: constants.halftime_minute,
    regulationPeriods: periods,
    periodMinutes,
    overtimeMinutes,
    regulationMinutes,
    periodName,
    periodStart,
    periodStarts,
    lastMinute,
    isOvertime: (period) => period > periods,
  });
}
