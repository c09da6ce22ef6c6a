// Staff dashboard and game page: live over ws/scores/ (see docs/websocket-api.md).
// The page starts from the server-rendered JSON, then the socket keeps it current:
// a snapshot on every (re)connect, a subscription per shown game for its minutes.
(function () {
  "use strict";

  const root = document.querySelector("[data-page]");
  if (!root) return;
  const PAGE = root.dataset.page; // "dashboard" | "game"
  const ONLY_GAME = root.dataset.gameId || null;
  const REGULATION = 48;
  const HALFTIME = 24;
  const PATTERN = 18;

  const games = new Map(); // game_id -> game payload (with .prediction)
  const minutes = new Map(); // game_id -> Map(minute -> minute payload)
  const cards = new Map(); // game_id -> {el, chart}
  const container = document.getElementById("games");
  const connection = document.getElementById("connection");

  // --- formatting ---------------------------------------------------------------
  const signed = (v, digits = 0) =>
    v === null || v === undefined ? "–" : (v > 0 ? "+" : v < 0 ? "−" : "") + Math.abs(v).toFixed(digits);
  const num = (v, digits = 1) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
  const interval = (pair) => (pair ? `[${signed(pair[0])}, ${signed(pair[1])}]` : "–");
  const timeOf = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "–");

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function setConnection(state) {
    connection.textContent = state;
    connection.dataset.state = state;
  }

  function gameUrl(id) {
    return root.dataset.gameUrl.replace("GAME_ID", encodeURIComponent(id));
  }

  // --- state --------------------------------------------------------------------
  function upsertGame(game) {
    const previous = games.get(game.game_id);
    if (!("prediction" in game)) game.prediction = previous ? previous.prediction : null;
    games.set(game.game_id, game);
  }

  function mergeMinutes(id, rows, replace) {
    const map = replace || !minutes.has(id) ? new Map() : minutes.get(id);
    for (const row of rows) map.set(row.minute, row);
    minutes.set(id, map);
  }

  function sortedMinutes(id) {
    return [...(minutes.get(id) || new Map()).values()].sort((a, b) => a.minute - b.minute);
  }

  // --- chart --------------------------------------------------------------------
  function chartData(id) {
    const game = games.get(id);
    const rows = sortedMinutes(id);
    const line = [{ x: 0, y: 0 }, ...rows.map((m) => ({ x: m.minute, y: m.differential }))];
    const p = game && game.prediction;
    const h = p ? p.halftime : null;
    const f = p ? p.final : null;
    const band = (x, pair) => (pair ? [{ x, y: pair[0] }, { x, y: pair[1] }] : []);
    const neighbours = [];
    if (PAGE === "game" && p) {
      for (const n of p.neighbours || []) {
        if (typeof n.minute18 === "number" && typeof n.halftime === "number") {
          neighbours.push({ x: PATTERN, y: n.minute18 }, { x: HALFTIME, y: n.halftime }, { x: HALFTIME, y: null });
        }
      }
    }
    return {
      line,
      neighbours,
      ht95: h ? band(HALFTIME, h.interval95) : [],
      ht90: h ? band(HALFTIME, h.interval90) : [],
      htPoint: h ? [{ x: HALFTIME, y: h.point }] : [],
      final90: f && f.point !== null ? band(REGULATION, f.interval90) : [],
      finalPoint: f && f.point !== null ? [{ x: REGULATION, y: f.point }] : [],
      // One minute of room past the end, so the band drawn at minute 48 is not cut in half.
      xMax: Math.max(REGULATION, rows.length ? rows[rows.length - 1].minute : 0) + 1,
    };
  }

  function makeChart(canvas, id) {
    const d = chartData(id);
    const bandStyle = (color, width) => ({
      borderColor: color, backgroundColor: color, borderWidth: width, pointRadius: 0,
      borderCapStyle: "butt", showLine: true, parsing: false,
    });
    return new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: "similar games 18→24", data: d.neighbours, borderColor: "rgba(120,120,120,.35)",
            borderWidth: 1, pointRadius: 0, spanGaps: false, parsing: false },
          { label: "halftime 95%", data: d.ht95, ...bandStyle("rgba(11,92,173,.22)", 12) },
          { label: "halftime 90%", data: d.ht90, ...bandStyle("rgba(11,92,173,.5)", 12) },
          { label: "final 90%", data: d.final90, ...bandStyle("rgba(130,80,223,.35)", 12) },
          { label: "differential (home − away)", data: d.line, borderColor: "#1b1f24",
            backgroundColor: "#1b1f24", borderWidth: 2, pointRadius: 1.5, tension: 0, parsing: false },
          { label: "halftime forecast", data: d.htPoint, showLine: false, pointRadius: 6,
            pointStyle: "rectRot", backgroundColor: "#0b5cad", borderColor: "#fff", parsing: false },
          { label: "final forecast", data: d.finalPoint, showLine: false, pointRadius: 6,
            pointStyle: "rectRot", backgroundColor: "#8250df", borderColor: "#fff", parsing: false },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear", min: 0, max: d.xMax,
            ticks: { stepSize: 6, includeBounds: false },
            title: { display: PAGE === "game", text: "game minute" },
            grid: { color: (c) => ([PATTERN, HALFTIME].includes(c.tick && c.tick.value) ? "rgba(0,0,0,.35)" : "rgba(0,0,0,.06)") },
          },
          y: { suggestedMin: -8, suggestedMax: 8, title: { display: PAGE === "game", text: "home − away" } },
        },
        plugins: {
          legend: { display: PAGE === "game", labels: { boxWidth: 12, filter: (item, data) => data.datasets[item.datasetIndex].data.length > 0 } },
          tooltip: { enabled: true },
        },
      },
    });
  }

  function updateChart(id) {
    const card = cards.get(id);
    if (!card || !card.chart) return;
    const d = chartData(id);
    const sets = card.chart.data.datasets;
    [sets[0].data, sets[1].data, sets[2].data, sets[3].data, sets[4].data, sets[5].data, sets[6].data] =
      [d.neighbours, d.ht95, d.ht90, d.final90, d.line, d.htPoint, d.finalPoint];
    card.chart.options.scales.x.max = d.xMax;
    card.chart.update("none");
  }

  // --- cards --------------------------------------------------------------------
  function buildCard(id) {
    const field = (name, tag = "span", cls = "") => el(tag, { class: cls, "data-field": name });
    const article = el("article", { class: "card", id: `game-${id}`, "data-game-id": id },
      el("div", { class: "card-head" },
        el("a", { href: gameUrl(id), class: "matchup", "data-field": "matchup" }),
        field("status", "span", "badge")),
      el("div", { class: "scoreline" },
        el("div", { class: "team" }, field("away-name", "span", "tri"), field("away-score", "span", "score")),
        el("div", { class: "at", text: "@" }),
        el("div", { class: "team" }, field("home-name", "span", "tri"), field("home-score", "span", "score"))),
      el("div", { class: "meta" }, field("clock"), field("differential")),
      el("div", { class: "progress" },
        el("div", { class: "bar" }, el("div", { class: "fill", "data-field": "progress-bar" })),
        field("progress", "span", "progress-text")),
      el("div", { class: "chart" }, el("canvas", { "aria-label": "minute-by-minute differential" })),
      field("forecast", "div", "forecast"),
      field("neighbours", "div", "neighbours"));
    container.append(article);
    const entry = { el: article, chart: null };
    cards.set(id, entry);
    if (window.Chart) entry.chart = makeChart(article.querySelector("canvas"), id);
    return entry;
  }

  function forecastNodes(game) {
    const p = game.prediction;
    if (!p) {
      const left = Math.max(0, game.pattern_length - game.pattern_progress);
      const text = game.status === "scheduled" ? "Forecast at minute 18."
        : left > 0 ? `Forecast in ${left} minute${left === 1 ? "" : "s"} (at minute 18).`
        : "No forecast for this game.";
      return [el("p", { class: "muted", text })];
    }
    const h = p.halftime;
    const lines = [
      el("div", { class: "fc-line", "data-field": "halftime-forecast" },
        el("b", { text: `Halftime ${signed(h.point, 1)}` }),
        ` 90% ${interval(h.interval90)}`, h.interval95 ? ` · 95% ${interval(h.interval95)}` : ""),
    ];
    if (h.actual !== null) {
      lines.push(el("div", { class: "fc-line actual", text: `actual halftime ${signed(h.actual)} (error ${signed(h.actual - h.point, 1)})` }));
    }
    if (p.final && p.final.point !== null) {
      lines.push(el("div", { class: "fc-line final" },
        el("b", { text: `Final margin ${signed(p.final.point, 1)}` }), ` 90% ${interval(p.final.interval90)}`,
        p.final.actual !== null ? ` · actual ${signed(p.final.actual)}` : ""));
    }
    if (p.home_win_probability !== null) {
      lines.push(el("div", { class: "fc-line", text: `${game.home.tricode} win probability ${(100 * p.home_win_probability).toFixed(0)}%` }));
    }
    lines.push(el("div", { class: "fc-line muted", text: `${p.model.name} ${p.model.version}` }));
    return lines;
  }

  function neighbourNodes(game) {
    const list = (game.prediction && game.prediction.neighbours) || [];
    if (!game.prediction) return [];
    if (!list.length) {
      return [el("p", { class: "muted", text: "This model does not name similar historical games." })];
    }
    const rows = list.map((n) => el("tr", {},
      el("td", { text: n.date || "–" }), el("td", { text: `${n.away || "?"} @ ${n.home || "?"}` }),
      el("td", { text: signed(n.minute18) }), el("td", { text: signed(n.halftime) }),
      el("td", { text: n.final !== undefined ? signed(n.final) : "–" })));
    const details = el("details", {},
      el("summary", { text: `${list.length} similar historical games` }),
      el("table", { class: "compact" },
        el("thead", {}, el("tr", {}, ...["date", "game", "min 18", "half", "final"].map((t) => el("th", { text: t })))),
        el("tbody", {}, ...rows)));
    details.open = PAGE === "game";
    return [details];
  }

  function renderCard(id) {
    const game = games.get(id);
    if (!game) return;
    const entry = cards.get(id) || buildCard(id);
    const card = entry.el;
    const set = (name, text) => { card.querySelector(`[data-field="${name}"]`).textContent = text; };
    card.className = `card status-${game.status}`;
    set("matchup", `${game.away.city} ${game.away.name} @ ${game.home.city} ${game.home.name}`);
    set("status", game.status);
    set("away-name", game.away.tricode);
    set("home-name", game.home.tricode);
    set("away-score", game.away.score);
    set("home-score", game.home.score);
    const when = game.status === "scheduled"
      ? (game.start_time ? `starts ${timeOf(game.start_time)}` : game.status_text)
      : [game.status_text, game.status === "live" && game.clock && !game.status_text.includes(game.clock) ? game.clock : ""]
        .filter(Boolean).join(" ");
    set("clock", when);
    set("differential", `diff ${signed(game.differential)}`);
    set("progress", `pattern ${game.pattern_progress}/${game.pattern_length}`);
    card.querySelector('[data-field="progress-bar"]').style.width =
      `${(100 * game.pattern_progress) / game.pattern_length}%`;
    card.querySelector('[data-field="forecast"]').replaceChildren(...forecastNodes(game));
    const box = card.querySelector('[data-field="neighbours"]');
    const opened = box.querySelector("details");
    const keepOpen = opened ? opened.open : null;
    box.replaceChildren(...neighbourNodes(game));
    const details = box.querySelector("details");
    if (details && keepOpen !== null) details.open = keepOpen;
    updateChart(id);
    if (PAGE === "game") renderGamePage(game);
  }

  function renderAll() {
    const empty = container.querySelector(".empty");
    if (games.size === 0) {
      if (!empty) container.append(el("p", { class: "empty muted", text: "No games yet: waiting for the first poll." }));
      return;
    }
    if (empty) empty.remove();
    for (const id of games.keys()) renderCard(id);
  }

  function dropMissing(ids) {
    for (const [id, entry] of cards) {
      if (!ids.has(id)) {
        if (entry.chart) entry.chart.destroy();
        entry.el.remove();
        cards.delete(id);
        games.delete(id);
        minutes.delete(id);
      }
    }
  }

  // --- game page ----------------------------------------------------------------
  let lastTimelineKey = null;

  function renderGamePage(game) {
    const rows = sortedMinutes(game.game_id);
    document.getElementById("minute-count").textContent = `(${rows.length} closed)`;
    document.getElementById("minute-rows").replaceChildren(...rows.map((m) => el("tr",
      { class: m.minute === PATTERN || m.minute === HALFTIME ? "marked" : "" },
      el("td", { text: m.minute }), el("td", { text: m.away_score }), el("td", { text: m.home_score }),
      el("td", { text: signed(m.differential) }), el("td", { class: "muted", text: m.imputed ? "imputed" : "" }))));
    const detail = document.getElementById("prediction-detail");
    const p = game.prediction;
    if (!p) return;
    const h = p.halftime;
    const f = p.final;
    const facts = [
      ["model", `${p.model.name} ${p.model.version}`],
      ["made at", p.created_at ? new Date(p.created_at).toLocaleString() : "–"],
      ["latency", `${num(p.latency_ms)} ms`],
      ["halftime point", signed(h.point, 2)],
      ["halftime 90%", interval(h.interval90)],
      ["halftime 95%", interval(h.interval95)],
      ["actual halftime", h.actual === null ? "not yet" : `${signed(h.actual)} (error ${signed(h.actual - h.point, 2)})`],
      ["final point", f.point === null ? "–" : signed(f.point, 2)],
      ["final 90%", interval(f.interval90)],
      ["actual final", f.actual === null ? "not yet" : `${signed(f.actual)}${f.point === null ? "" : ` (error ${signed(f.actual - f.point, 2)})`}`],
      ["home win probability", p.home_win_probability === null ? "–" : `${(100 * p.home_win_probability).toFixed(1)}%`],
      ["input minutes 1–18", (p.input_pattern || []).map((v) => signed(v)).join(" ")],
      ["imputed minutes", (p.imputed_minutes || []).length ? p.imputed_minutes.join(", ") : "none"],
    ];
    const components = Object.entries(p.components || {});
    detail.replaceChildren(
      el("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])),
      components.length
        ? el("table", { class: "compact" }, el("caption", { text: "components" }),
          el("tbody", {}, ...components.map(([k, v]) => el("tr", {}, el("td", { text: k }), el("td", { text: typeof v === "number" ? signed(v, 2) : JSON.stringify(v) })))))
        : el("p", { class: "muted", text: "no component breakdown" }),
    );
  }

  function appendTimeline(game, sentAt) {
    const body = document.getElementById("snapshot-rows");
    if (!body) return;
    const key = [game.status_text, game.home.score, game.away.score, game.elapsed_seconds].join("|");
    if (key === lastTimelineKey) return;
    lastTimelineKey = key;
    const empty = body.querySelector(".empty-row");
    if (empty) empty.remove();
    const at = sentAt ? new Date(sentAt) : new Date();
    body.prepend(el("tr", { class: "fresh" },
      el("td", {}, el("time", { datetime: at.toISOString(), text: at.toLocaleTimeString() })),
      el("td", { text: game.status_text || game.status }), el("td", { text: game.away.score }),
      el("td", { text: game.home.score })));
  }

  // --- system panel (dashboard) -------------------------------------------------
  function renderStatus(status) {
    const facts = document.getElementById("system-facts");
    if (!facts) return;
    const polls = status.polls;
    const last = polls.last;
    const model = status.model;
    const items = [
      ["feed", `${status.feed} (every ${status.poll_interval_seconds} s)`],
      ["last poll", last ? `${timeOf(last.started_at)} · ${last.outcome} · ${last.games} games · ${num(last.total_ms)} ms` : "none yet"],
      ["last ok poll", timeOf(polls.last_ok)],
      ["errors", `${polls.errors} of the last ${polls.runs} polls`],
      ["model served", model.served_version || "no artifact: drift baseline"],
      ["last forecast", model.last_forecast ? `${model.last_forecast.name} ${model.last_forecast.version} at ${timeOf(model.last_forecast.at)}` : "none yet"],
    ];
    facts.replaceChildren(...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { "data-fact": k, text: v })]));
    document.querySelector('#poll-times [data-field="window"]').textContent = polls.runs;
    document.querySelector("#poll-times tbody").replaceChildren(
      ...[["fetch", polls.fetch_ms], ["processing", polls.processing_ms], ["total", polls.total_ms]].map(([k, s]) =>
        el("tr", {}, el("th", { text: k }), el("td", { text: num(s.avg) }), el("td", { text: num(s.min) }), el("td", { text: num(s.max) }))));
    document.getElementById("poll-errors").replaceChildren(...polls.recent_errors.map((e) =>
      el("p", { class: "error", text: `${timeOf(e.started_at)} ${e.outcome}: ${e.error}` })));
    const acc = status.accuracy;
    const pct = (v) => (v === null ? "–" : `${v.toFixed(0)}%`);
    const row = (a, cls) => el("tr", { class: cls }, el("td", { text: a.label }), el("td", { text: a.halftime_n }),
      el("td", { text: num(a.halftime_mae, 2) }), el("td", { text: pct(a.coverage90) }), el("td", { text: pct(a.coverage95) }),
      el("td", { text: a.final_n ? num(a.final_mae, 2) : "–" }));
    const rows = acc.overall.halftime_n
      ? [row(acc.overall, "total"), ...acc.by_date.map((a) => row(a, ""))]
      : [el("tr", {}, el("td", { colspan: "6", class: "muted", text: `No forecast has a known halftime yet (${acc.pending} waiting).` }))];
    document.getElementById("accuracy-rows").replaceChildren(...rows);
  }

  async function refreshStatus() {
    const url = root.dataset.statusUrl;
    if (!url) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok && !response.redirected) renderStatus(await response.json());
    } catch (err) {
      console.debug("status refresh failed", err);
    }
  }

  // --- socket -------------------------------------------------------------------
  // Close codes the server sends (docs/websocket-api.md): 4401/4403 mean "sign in";
  // anything else (4503 message bus down, 1001 server going away, 1006 dropped) means
  // reconnect with capped exponential backoff and jitter. Every reconnect brings a
  // snapshot, so nothing missed while away stays missing.
  const STOP_CODES = new Set([4401, 4403]);
  let socket = null;
  let retry = 0;
  let resyncing = false;
  const seqs = new Map(); // game_id -> seq of the last version applied

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function subscribeAll() {
    const ids = ONLY_GAME ? [ONLY_GAME] : [...games.keys()];
    for (const id of ids) send({ action: "subscribe", game_id: id });
  }

  function resync(reason) {
    if (resyncing) return;
    resyncing = true;
    console.info("asking for a snapshot:", reason);
    send({ action: "resync", seqs: Object.fromEntries(seqs) });
  }

  // A scoreboard message is version `seq` of its game: apply it only if it is the
  // next one. Older or repeated versions are dropped; a jump means one was missed.
  function isNext(id, seq) {
    const known = seqs.has(id) ? seqs.get(id) : 0;
    if (seq <= known) return false;
    if (seq > known + 1) {
      resync(`game ${id}: seq ${seq} after ${known}`);
      return false;
    }
    seqs.set(id, seq);
    return true;
  }

  function handle(message) {
    switch (message.type) {
      case "snapshot": {
        retry = 0;
        resyncing = false;
        seqs.clear();
        for (const g of message.games) seqs.set(g.game_id, g.seq);
        const shown = message.games.filter((g) => !ONLY_GAME || g.game_id === ONLY_GAME);
        if (!ONLY_GAME) dropMissing(new Set(shown.map((g) => g.game_id)));
        shown.forEach(upsertGame);
        renderAll();
        subscribeAll();
        refreshStatus();
        break;
      }
      case "subscribed":
        if (ONLY_GAME && message.game_id !== ONLY_GAME) return;
        if (message.seq > (seqs.get(message.game_id) || 0)) seqs.set(message.game_id, message.seq);
        upsertGame(message.game);
        mergeMinutes(message.game_id, message.minutes, true);
        renderCard(message.game_id);
        break;
      case "score_update":
      case "game_final":
        if (!isNext(message.game_id, message.seq)) return;
        if (ONLY_GAME && message.game_id !== ONLY_GAME) return;
        upsertGame(message.game);
        renderCard(message.game_id);
        if (PAGE === "game") appendTimeline(message.game, message.sent_at);
        break;
      case "pattern_progress":
        // Same seq as its version's score_update, which comes first: a newer seq means
        // that update was missed.
        if (message.seq > (seqs.get(message.game_id) || 0)) {
          resync(`minutes of game ${message.game_id} ahead of its state`);
          return;
        }
        if (!games.has(message.game_id)) return;
        mergeMinutes(message.game_id, message.minutes, false);
        renderCard(message.game_id);
        break;
      case "prediction": {
        if (!isNext(message.game_id, message.seq)) return;
        const game = games.get(message.game_id);
        if (!game) return;
        game.prediction = message.prediction;
        renderCard(message.game_id);
        refreshStatus();
        break;
      }
      case "error":
        if (message.code === "invalid_seq") resyncing = false;
        if (message.code !== "unauthorized") console.warn("server error message", message);
        break;
      default:
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/scores/`);
    socket.onopen = () => setConnection("live");
    socket.onmessage = (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch (err) {
        console.error("could not handle a message", err);
      }
    };
    socket.onclose = (event) => {
      resyncing = false;
      if (STOP_CODES.has(event.code)) {
        setConnection("signed out");
        window.location.assign(root.dataset.loginUrl);
        return;
      }
      setConnection("reconnecting");
      const delay = Math.min(10000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
      window.setTimeout(connect, delay);
    };
  }

  // --- start --------------------------------------------------------------------
  const initial = JSON.parse(document.getElementById("initial-board").textContent);
  initial.games.forEach(upsertGame);
  for (const g of initial.games) seqs.set(g.game_id, g.seq);
  for (const [id, rows] of Object.entries(initial.minutes)) mergeMinutes(id, rows, true);
  renderAll();
  const initialStatus = document.getElementById("initial-status");
  if (initialStatus) renderStatus(JSON.parse(initialStatus.textContent));
  if (root.dataset.statusUrl) window.setInterval(refreshStatus, 10000);
  connect();
})();
