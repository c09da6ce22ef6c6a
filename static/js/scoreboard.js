// Minimal live scoreboard: a snapshot on connect, then pushed updates.
(function () {
  "use strict";
  const games = new Map();
  const container = document.getElementById("games");
  const connection = document.getElementById("connection");
  let retry = 0;

  function setConnection(state) {
    connection.textContent = state;
    connection.className = "conn conn-" + state;
  }

  function fmtSigned(value) {
    return (value > 0 ? "+" : "") + value;
  }

  function render() {
    container.replaceChildren();
    if (games.size === 0) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = "No games yet: waiting for the first poll.";
      container.append(p);
      return;
    }
    for (const game of games.values()) {
      const card = document.createElement("article");
      card.className = "game game-" + game.status;
      card.dataset.gameId = game.game_id;
      const clock = game.clock ? " " + game.clock : "";
      const lines = [
        ["teams", `${game.away.tricode} ${game.away.score} @ ${game.home.tricode} ${game.home.score}`],
        ["status", `${game.status_text || game.status}${game.status === "live" && !game.status_text.includes(":") ? clock : ""}`],
        ["progress", `pattern ${game.pattern_progress}/${game.pattern_length}`],
      ];
      const p = game.prediction;
      if (p) {
        const h = p.halftime;
        lines.push(["prediction",
          `halftime forecast ${fmtSigned(h.point.toFixed(1))} (90%: ${h.interval90[0]} to ${h.interval90[1]}) · ${p.model.name}`]);
        if (p.home_win_probability !== null) {
          lines.push(["winprob", `home win ${(100 * p.home_win_probability).toFixed(0)}%`]);
        }
      }
      for (const [cls, text] of lines) {
        const div = document.createElement("div");
        div.className = cls;
        div.textContent = text;
        card.append(div);
      }
      container.append(card);
    }
  }

  function upsert(game) {
    const previous = games.get(game.game_id);
    if (previous && !("prediction" in game)) game.prediction = previous.prediction;
    games.set(game.game_id, game);
  }

  function handle(message) {
    switch (message.type) {
      case "snapshot":
        games.clear();
        message.games.forEach(upsert);
        break;
      case "score_update":
      case "game_final":
        upsert(message.game);
        break;
      case "prediction": {
        const game = games.get(message.game_id);
        if (game) game.prediction = message.prediction;
        break;
      }
      default:
        return;
    }
    render();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/scores/`);
    socket.onopen = () => { retry = 0; setConnection("live"); };
    socket.onmessage = (event) => handle(JSON.parse(event.data));
    socket.onclose = () => {
      setConnection("reconnecting");
      const delay = Math.min(30000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }

  connect();
})();
