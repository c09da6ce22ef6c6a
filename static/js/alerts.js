// The dashboard's alerts: the panel (newest first: the game by its teams, the rule in
// plain words, the game clock, the time in the viewer's zone), the highlight of the cards
// whose alert condition holds, and browser notifications (Web Notifications API) for the
// rules the user opted in to, tagged with the alert's id so two open tabs show one.
// Honours the user's preferences (alerts.models.Preferences): quiet mode shows and
// notifies nothing; a rule switched off is neither shown nor notified.

import { el, timeShort } from "./format.js";

// Whether the user wants to see this alert at all.
export function shown(alert, prefs) {
  return !prefs.quiet && !prefs.rules_off.includes(alert.rule);
}

// Whether this alert, just raised, becomes a browser notification.
export function notifies(alert, prefs, permission) {
  return permission === "granted" && shown(alert, prefs) && prefs.notify_rules.includes(alert.rule);
}

// "Kings @ Mavericks" from the board's game (its tricodes if the board lacks it).
export function gameName(alert, game) {
  if (!alert.game_id) return "Live feed";
  if (game) return `${game.away.name} @ ${game.home.name}`;
  return `${alert.away} @ ${alert.home}`;
}

// "Q4 4:00" (as the cards say it), "End of Q1" when the period's clock has run out,
// "" for an alert about no game moment.
export function clockWords(alert, time) {
  if (alert.period === null || alert.period === undefined) return "";
  if (alert.clock_seconds === 0) return `End of ${time.periodName(alert.period)}`;
  return `${time.periodName(alert.period)} ${alert.clock}`.trim();
}

export function notificationOf(alert, game) {
  return {
    title: `${gameName(alert, game)}: ${alert.rule_text}`,
    options: { body: alert.text, tag: `alert-${alert.id}` },
  };
}

export class AlertsPanel {
  // panel: the #alerts section; store: the page's games (names, cards); time: gameTime();
  // prefs: the user's alert preferences; Notify: the Notification constructor (or null).
  constructor(panel, {
    store, time, prefs, Notify = globalThis.Notification || null, fetch = (...args) => globalThis.fetch(...args),
  }) {
    this.panel = panel;
    this.list = panel.querySelector("#alert-list");
    this.store = store;
    this.time = time;
    this.prefs = prefs;
    this.Notify = Notify;
    this.fetch = fetch;
    this.alerts = new Map(); // id -> alert (its latest version)
    this.notified = new Set(); // ids this page has notified
    this.settings();
  }

  // A staff snapshot: the alerts replace what the page knew (nothing is notified).
  replace(alerts) {
    this.alerts = new Map(alerts.map((a) => [a.id, a]));
    this.render();
  }

  // An alert message: a new alert (notified if wanted) or a new version of one.
  upsert(alert) {
    const isNew = !this.alerts.has(alert.id);
    this.alerts.set(alert.id, alert);
    this.render();
    if (isNew) this.notify(alert);
  }

  notify(alert) {
    const permission = this.Notify ? this.Notify.permission : "unsupported";
    if (this.notified.has(alert.id) || !notifies(alert, this.prefs, permission)) return;
    this.notified.add(alert.id);
    const { title, options } = notificationOf(alert, this.store.games.get(alert.game_id));
    new this.Notify(title, options);
  }

  render() {
    const quiet = this.prefs.quiet;
    this.panel.querySelector("#alerts-quiet").hidden = !quiet;
    const visible = [...this.alerts.values()].filter((a) => shown(a, this.prefs)).sort((a, b) => b.id - a.id);
    this.panel.querySelector("#alerts-empty").hidden = quiet || visible.length > 0;
    this.list.replaceChildren(...visible.map((a) => this.item(a)));
    this.highlight();
  }

  item(alert) {
    const game = this.store.games.get(alert.game_id);
    const when = [clockWords(alert, this.time), timeShort(alert.raised_at)].filter(Boolean).join(" · ");
    return el("li", { class: alert.active ? "active" : "", "data-alert-id": String(alert.id), "data-rule": alert.rule },
      el("div", { class: "alert-head" },
        el("span", { class: "alert-game", text: gameName(alert, game) }),
        el("span", { class: "alert-rule", text: alert.rule_text })),
      el("div", { class: "alert-text", text: alert.text }),
      el("div", { class: "alert-meta", text: when }));
  }

  // Mark every card whose game has an active alert the user sees (again after a redraw).
  highlight() {
    const active = new Map();
    for (const a of this.alerts.values()) {
      if (!a.active || !a.game_id || !shown(a, this.prefs)) continue;
      active.set(a.game_id, [...(active.get(a.game_id) || []), a.rule_text]);
    }
    for (const card of document.querySelectorAll(".card[data-game-id]")) {
      const rules = active.get(card.dataset.gameId);
      if (rules) card.dataset.alert = `⚑ ${rules.join(", ")}`;
      else delete card.dataset.alert;
    }
  }

  // The settings: quiet mode, and per rule whether to show it and to notify it.
  settings() {
    const quiet = this.panel.querySelector("#alerts-quiet-toggle");
    quiet.checked = this.prefs.quiet;
    quiet.addEventListener("change", () => this.save({ quiet: quiet.checked }));
    const body = this.panel.querySelector("#alert-rules tbody");
    for (const [rule, label] of this.prefs.rules) {
      const show = el("input", { type: "checkbox", "aria-label": `show ${label}`, "data-rule": rule, "data-kind": "show" });
      show.checked = !this.prefs.rules_off.includes(rule);
      const notify = el("input", { type: "checkbox", "aria-label": `notify ${label}`, "data-rule": rule, "data-kind": "notify" });
      notify.checked = this.prefs.notify_rules.includes(rule);
      const toggle = () => this.save(this.ruleLists(body));
      show.addEventListener("change", toggle);
      notify.addEventListener("change", () => {
        if (notify.checked) this.askPermission();
        toggle();
      });
      body.append(el("tr", {}, el("th", { scope: "row", text: label }), el("td", {}, show), el("td", {}, notify)));
    }
    const button = this.panel.querySelector("#notify-permission");
    button.addEventListener("click", () => this.askPermission());
    this.permissionState();
  }

  ruleLists(body) {
    const boxes = [...body.querySelectorAll("input[data-rule]")];
    return {
      rules_off: boxes.filter((b) => b.dataset.kind === "show" && !b.checked).map((b) => b.dataset.rule),
      notify_rules: boxes.filter((b) => b.dataset.kind === "notify" && b.checked).map((b) => b.dataset.rule),
    };
  }

  permissionState() {
    const state = this.panel.querySelector("#notify-state");
    const button = this.panel.querySelector("#notify-permission");
    const permission = this.Notify ? this.Notify.permission : "unsupported";
    button.hidden = permission !== "default";
    state.textContent = {
      granted: "Browser notifications are allowed for the rules ticked under notify.",
      denied: "This browser blocks notifications from this site.",
      default: "Allow browser notifications to get the rules ticked under notify.",
      unsupported: "This browser has no notifications.",
    }[permission];
  }

  async askPermission() {
    if (this.Notify && this.Notify.permission === "default") await this.Notify.requestPermission();
    this.permissionState();
  }

  async save(change) {
    const response = await this.fetch(this.panel.dataset.preferencesUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.panel.dataset.csrf },
      body: JSON.stringify(change),
    });
    if (!response.ok) {
      console.warn("alert preferences not saved", response.status);
      return;
    }
    this.prefs = { ...this.prefs, ...(await response.json()) };
    this.render();
  }
}
