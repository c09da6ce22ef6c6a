// Chart.js charts (Chart.js comes from npm, loaded as /static/vendor/chart.js/chart.umd.js):
// the minute-by-minute differential and the win-probability line, small on cards and full
// size on the game page. Vertical markers are labelled ("forecast", "half", quarters, OT).
// Every minute on an axis comes from `time` (gametime.js: the server's constants).

const INK = "#1b1f24";
const HIT = "#1a7f37";
const MISS = "#cf222e";
const IMPUTED = "#bf8700";
const RECOVERED = "#8250df";

// Draws options.plugins.markers.lines = [{x, label}] as dashed vertical lines with labels.
const markers = {
  id: "markers",
  afterDatasetsDraw(chart, _args, options) {
    const lines = (options && options.lines) || [];
    const { ctx, chartArea, scales } = chart;
    ctx.save();
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "top";
    let taken = -Infinity; // right edge of the last label drawn: a label never covers another
    for (const { x, label, align = "center" } of lines) {
      const px = scales.x.getPixelForValue(x);
      if (px < chartArea.left || px > chartArea.right) continue;
      ctx.strokeStyle = "rgba(27,31,36,.45)";
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top + 13);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      const width = ctx.measureText(label).width + 6;
      const left = align === "right" ? px - width : align === "left" ? px : px - width / 2;
      if (left < taken) continue;
      taken = left + width + 2;
      ctx.fillStyle = "rgba(255,255,255,.9)";
      ctx.fillRect(left, chartArea.top, width, 13);
      ctx.fillStyle = "#3d444d";
      ctx.textAlign = "left";
      ctx.fillText(label, left + 3, chartArea.top + 1);
    }
    ctx.restore();
  },
};

let registered = false;
function chartLib() {
  const Chart = window.Chart;
  if (!Chart) return null;
  if (!registered) {
    Chart.register(markers);
    registered = true;
  }
  return Chart;
}

// Period markers over the whole game up to minute `end` (the game page): every period's
// start ("Q2", "half" where halftime falls, "Q4", "OT", "2OT", ...), and the forecast minute.
export function periodMarkers(time, end, withForecast = true) {
  const lines = time.periodStarts(end).map(({ minute, period }) =>
    minute === time.halftimeMinute
      ? { x: minute, label: "half", align: withForecast ? "left" : "center" }
      : { x: minute, label: time.periodName(period) });
  if (withForecast) {
    const at = lines.findIndex((line) => line.x > time.forecastMinute);
    lines.splice(at < 0 ? lines.length : at, 0, { x: time.forecastMinute, label: "forecast", align: "right" });
  }
  return lines;
}

// A card's markers: the forecast minute and halftime only.
export const cardMarkers = (time) => [
  { x: time.forecastMinute, label: "forecast", align: "right" },
  { x: time.halftimeMinute, label: "half", align: "left" },
];

// One y-range for every card on a page: the largest |differential| or interval end, in 5s.
export function sharedRange(games, minutesOf) {
  let most = 10;
  for (const game of games) {
    for (const m of minutesOf(game.game_id)) most = Math.max(most, Math.abs(m.differential));
    const h = game.prediction && game.prediction.halftime;
    for (const pair of h ? [h.interval95, h.interval90] : []) {
      if (pair) most = Math.max(most, Math.abs(pair[0]), Math.abs(pair[1]));
    }
  }
  return 5 * Math.ceil(most / 5);
}

// Was the actual halftime differential inside the 90 % interval?
export function halftimeHit(prediction) {
  const h = prediction && prediction.halftime;
  if (!h || h.actual === null || h.actual === undefined || !h.interval90) return null;
  return h.actual >= h.interval90[0] && h.actual <= h.interval90[1];
}

// The differential chart's datasets, in differentialChart's order (pure: no Chart.js).
export function differentialData(time, game, rows, { full = false, recovered = [] } = {}) {
  const forecastAt = time.forecastMinute;
  const halftime = time.halftimeMinute;
  const regulation = time.regulationMinutes;
  const p = game && game.prediction;
  const h = p ? p.halftime : null;
  const f = p ? p.final : null;
  const band = (x, pair) => (pair ? [{ x, y: pair[0] }, { x, y: pair[1] }] : []);
  const neighbours = [];
  if (full && p) {
    for (const n of p.neighbours || []) {
      if (typeof n.minute18 === "number" && typeof n.halftime === "number") {
        neighbours.push({ x: forecastAt, y: n.minute18 }, { x: halftime, y: n.halftime }, { x: halftime, y: null });
      }
    }
  }
  const hit = halftimeHit(p);
  const recoveredSet = new Set(recovered || []);
  return {
    neighbours,
    ht95: h ? band(halftime, h.interval95) : [],
    ht90: h ? band(halftime, h.interval90) : [],
    final90: f && f.point !== null ? band(regulation, f.interval90) : [],
    line: [{ x: 0, y: 0 }, ...rows.map((m) => ({ x: m.minute, y: m.differential }))],
    htPoint: h ? [{ x: halftime, y: h.point }] : [],
    finalPoint: f && f.point !== null ? [{ x: regulation, y: f.point }] : [],
    hit: hit === true ? [{ x: halftime, y: h.actual }] : [],
    miss: hit === false ? [{ x: halftime, y: h.actual }] : [],
    imputed: rows.filter((m) => m.imputed).map((m) => ({ x: m.minute, y: m.differential })),
    recovered: rows.filter((m) => recoveredSet.has(m.minute)).map((m) => ({ x: m.minute, y: m.differential })),
    end: time.lastMinute(rows),
  };
}

// Markers are drawn over the bands and the line (Chart.js draws a lower `order` on top):
// the ✓ / ✗ of the actual halftime must read on the 90 % band it is judged against.
const point = (label, color, style, radius = 6) => ({
  label, showLine: false, pointRadius: radius, pointStyle: style, backgroundColor: color,
  borderColor: style === "rectRot" || style === "circle" ? "#fff" : color,
  borderWidth: style === "crossRot" ? 3 : style === "circle" ? 2 : 1, parsing: false, data: [], order: -1,
});
const bandStyle = (label, color) => ({
  label, borderColor: color, backgroundColor: color, borderWidth: 12, pointRadius: 0,
  borderCapStyle: "butt", showLine: true, parsing: false, data: [],
});

// datasets[2] is the 90 % halftime band (the browser tests read it).
export function differentialChart(canvas, { time, full = false }) {
  const Chart = chartLib();
  if (!Chart) return null;
  return new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        { label: `similar games ${time.forecastMinute}→${time.halftimeMinute}`, borderColor: "rgba(120,120,120,.35)", borderWidth: 1,
          pointRadius: 0, spanGaps: false, parsing: false, data: [] },
        bandStyle("halftime 95 %", "rgba(11,92,173,.22)"),
        bandStyle("halftime 90 %", "rgba(11,92,173,.5)"),
        bandStyle("final 90 %", "rgba(130,80,223,.35)"),
        { label: "differential (home − away)", borderColor: INK, backgroundColor: INK, borderWidth: 2,
          pointRadius: full ? 2 : 1.2, tension: 0, parsing: false, data: [] },
        point("halftime forecast", "#0b5cad", "rectRot"),
        point("final forecast", "#8250df", "rectRot"),
        point("actual halftime ✓ inside 90 %", HIT, "circle", 6),
        point("actual halftime ✗ outside 90 %", MISS, "crossRot", 7),
        point("imputed minute", IMPUTED, "triangle", full ? 6 : 4),
        point("recovered from play-by-play", RECOVERED, "rect", 5),
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: { type: "linear", min: 0, max: time.regulationMinutes + 1, ticks: { stepSize: time.periodMinutes / 2, includeBounds: false },
          title: { display: full, text: "game minute" }, grid: { color: "rgba(0,0,0,.06)" } },
        y: { suggestedMin: -10, suggestedMax: 10, title: { display: full, text: "home lead (points)" },
          ticks: { callback: (v) => (v > 0 ? `+${v}` : `${v}`) }, afterFit: full ? undefined : cardAxisWidth },
      },
      plugins: {
        markers: { lines: full ? periodMarkers(time, time.regulationMinutes) : cardMarkers(time) },
        legend: {
          display: full,
          // In the datasets' own order (bands, line, markers), whatever their drawing order.
          labels: { boxWidth: 12, filter: (item, data) => data.datasets[item.datasetIndex].data.length > 0,
            sort: (a, b) => a.datasetIndex - b.datasetIndex },
        },
        tooltip: { enabled: true },
      },
    },
  });
}

// A symmetric y-axis for a shared range: its end rounded up to tens, five even ticks
// (−end, −end/2, 0, end/2, end), e.g. 45 -> ±50 in steps of 25.
export function evenAxis(range) {
  const max = Math.max(10, Math.ceil(range / 10) * 10);
  return { max, step: max / 2 };
}

// range: a shared symmetric y-range (cards), or null to fit the data (game page).
export function updateDifferential(chart, game, rows, { time, full = false, range = null, recovered = [] }) {
  if (!chart) return;
  const d = differentialData(time, game, rows, { full, recovered });
  const sets = chart.data.datasets;
  const order = [d.neighbours, d.ht95, d.ht90, d.final90, d.line, d.htPoint, d.finalPoint, d.hit, d.miss, d.imputed, d.recovered];
  order.forEach((data, i) => { sets[i].data = data; });
  // One minute of room past the end, so the band drawn at the end of regulation is not cut in half.
  chart.options.scales.x.max = d.end + 1;
  if (full) chart.options.plugins.markers.lines = periodMarkers(time, d.end);
  if (range !== null) {
    const axis = evenAxis(range);
    chart.options.scales.y.min = -axis.max;
    chart.options.scales.y.max = axis.max;
    chart.options.scales.y.ticks.stepSize = axis.step;
  }
  chart.update("none");
}

// Home win probability (0–100 %) over game time (in minutes), with a 50 % line.
// The y-axis width of both charts on a card (px), so their plot areas share a left edge.
export const CARD_AXIS_WIDTH = 34;
function cardAxisWidth(scale) {
  scale.width = CARD_AXIS_WIDTH;
}

export function winProbabilityChart(canvas, { time, full = false }) {
  const Chart = chartLib();
  if (!Chart) return null;
  return new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        { label: "home win probability", borderColor: "#0b5cad", backgroundColor: "rgba(11,92,173,.12)",
          borderWidth: 2, pointRadius: full ? 1.5 : 0, tension: 0, fill: { value: 50 }, parsing: false, data: [] },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        // On a card the x-axis is the differential chart's above it (same minutes, same
        // left edge: both y-axes CARD_AXIS_WIDTH wide), so a minute lines up in both.
        x: { type: "linear", min: 0, max: time.regulationMinutes + (full ? 0 : 1), ticks: { stepSize: time.periodMinutes, display: full },
          title: { display: full, text: "game minute" }, grid: { display: full } },
        y: { min: 0, max: 100, ticks: { stepSize: full ? 25 : 50, callback: (v) => `${v}%`, font: full ? undefined : { size: 9 } },
          title: { display: full, text: "home win probability" }, afterFit: full ? undefined : cardAxisWidth,
          grid: { color: (c) => (c.tick && c.tick.value === 50 ? "rgba(0,0,0,.3)" : "rgba(0,0,0,.06)") } },
      },
      plugins: {
        markers: { lines: full ? periodMarkers(time, time.regulationMinutes, false) : [] },
        legend: { display: false },
        tooltip: { enabled: full },
      },
    },
  });
}

// The win-probability line's points (pure): game minute (the state's game time in
// minutes, not rounded), home win probability in %.
export const winProbabilityPoints = (series) =>
  series.map((p) => ({ x: p.elapsed_seconds / 60, y: 100 * p.home_win_prob }));

// end: the last minute to show (at least the series' own end), e.g. the closed minutes'.
export function updateWinProbability(chart, series, { time, full = false, end = 0 }) {
  if (!chart) return;
  chart.data.datasets[0].data = winProbabilityPoints(series);
  const last = Math.max(end, time.lastMinute(series.map((p) => ({ minute: p.elapsed_seconds / 60 }))));
  // A card's small chart keeps the differential chart's one minute of room past the end.
  chart.options.scales.x.max = full ? last : last + 1;
  if (full) chart.options.plugins.markers.lines = periodMarkers(time, last, false);
  chart.update("none");
}
