// The dashboard's header follows tonight's board: its date (from every snapshot and
// board message) and, from /status.json, the nights before and after it. The server
// renders the same header (dashboard.html, _nights.html); this keeps it true when the
// board's night changes under an open page (the first poll, a rollover, a new replay).

import { el } from "./format.js";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

const parts = (iso) => {
  const [y, m, d] = iso.split("-").map(Number);
  return { y, m, d, weekday: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
};

// "Monday 10 February 2025" (Django's "l j F Y"): a calendar date, no time zone.
export function longDate(iso) {
  const { y, m, d, weekday } = parts(iso);
  return `${WEEKDAYS[weekday]} ${d} ${MONTHS[m - 1]} ${y}`;
}

// "Mon 10 Feb" (Django's "D j M").
export function shortDate(iso) {
  const { m, d, weekday } = parts(iso);
  return `${WEEKDAYS[weekday].slice(0, 3)} ${d} ${MONTHS[m - 1].slice(0, 3)}`;
}

// Put the board's date in the header (title, replay badge, the picker); true if it changed.
export function showBoardDate(doc, iso) {
  const time = doc.querySelector("#night-title time");
  if (!iso || !time || time.getAttribute("datetime") === iso) return false;
  time.setAttribute("datetime", iso);
  time.textContent = longDate(iso);
  const badge = doc.querySelector('#night-title [data-field="replay"]');
  if (badge) badge.textContent = `replay of ${iso}`;
  const picker = doc.getElementById("night-date");
  if (picker) picker.value = iso;
  doc.title = `${shortDate(iso)} ${iso.slice(0, 4)} · livescores`;
  return true;
}

// The links to the nights before and after (status.night: {day, previous, next, first, last}).
export function showNights(doc, night, nightUrl) {
  if (!night || !night.day) return;
  showBoardDate(doc, night.day);
  const nav = doc.querySelector("nav.nights");
  if (!nav) return;
  const link = (day, rel, text) => (day
    ? el("a", { class: "night-link", rel, "data-nav": rel === "prev" ? "previous" : "next", href: nightUrl(day), text })
    : el("span", { class: "night-link muted", text: rel === "prev" ? "no earlier night" : "no later night" }));
  // Replaced only when different: a link the viewer is about to click stays put.
  const swap = (node, next) => { if (node.outerHTML !== next.outerHTML) node.replaceWith(next); };
  const [first, , last] = nav.children;
  swap(first, link(night.previous, "prev", night.previous ? `← ${shortDate(night.previous)}` : ""));
  swap(last, link(night.next, "next", night.next ? `${shortDate(night.next)} →` : ""));
  const picker = doc.getElementById("night-date");
  if (picker) {
    if (night.first) picker.min = night.first;
    if (night.last) picker.max = night.last;
  }
}
