// Reliability diagram of the accuracy page: mean forecast home win probability (x)
// against the observed home-win rate (y), one point per tenth, and the diagonal.
// Data from the page (json_script "reliability-data"); Chart.js from npm (chart.umd.js).

const Chart = window.Chart;

function reliabilityPoints(bins) {
  return bins.map((bin) => ({ x: bin.mean_forecast, y: bin.observed, n: bin.n }));
}

export function drawReliability(canvas, bins, unit = "games") {
  return new Chart(canvas, {
    type: "scatter",
    data: {
      datasets: [
        {
          label: unit === "games" ? "forecasts (per tenth)" : "live forecasts (per tenth)",
          data: reliabilityPoints(bins),
          showLine: true,
          borderColor: "#0969da",
          backgroundColor: "#0969da",
          pointRadius: (ctx) => Math.min(3 + Math.sqrt(ctx.raw ? ctx.raw.n : 0), 12),
        },
        {
          label: "perfectly calibrated",
          data: [{ x: 0, y: 0 }, { x: 1, y: 1 }],
          showLine: true,
          borderColor: "#8c959f",
          borderDash: [4, 4],
          pointRadius: 0,
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { min: 0, max: 1, title: { display: true, text: "forecast home win probability" } },
        y: { min: 0, max: 1, title: { display: true, text: "observed home-win rate" } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (ctx) =>
              ctx.raw.n === undefined
                ? ""
                : `forecast ${ctx.raw.x.toFixed(3)}, observed ${ctx.raw.y.toFixed(3)} (${ctx.raw.n} ${unit})`,
          },
        },
      },
    },
  });
}

function drawFromPage(canvasId, dataId, unit) {
  const canvas = document.getElementById(canvasId);
  const source = document.getElementById(dataId);
  const bins = source ? JSON.parse(source.textContent) : [];
  if (canvas && Chart && bins.length) {
    drawReliability(canvas, bins, unit);
  }
}

drawFromPage("reliability-chart", "reliability-data", "games");
drawFromPage("curve-reliability-chart", "curve-reliability-data", "points");
