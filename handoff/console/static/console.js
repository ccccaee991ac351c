// The agent console: the queue, one ticket, and live updates over server-sent events.
"use strict";

const AGENT = document.body.dataset.agent;
const HEADERS = { "X-Requested-With": "supportbot-console", "Content-Type": "application/json" };
const $ = (id) => document.getElementById(id);
let current = null; // the open ticket's id
let queueTimer = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options, headers: HEADERS });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) { window.location = "/console"; }
  return { ok: response.ok, status: response.status, body };
}

function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function filters() {
  const form = new FormData($("filters"));
  const params = new URLSearchParams();
  for (const [key, value] of form) if (value) params.set(key, value);
  return params.toString();
}

async function loadQueue() {
  const { ok, body } = await api(`/api/handoffs?${filters()}`);
  if (!ok) return;
  const list = $("queue");
  list.replaceChildren(...body.tickets.map((t) => {
    const item = el("li", { class: `p-${t.priority}${t.id === current ? " selected" : ""}`, "data-id": t.id },
      el("div", { class: "meta" },
        el("strong", {}, t.priority), el("span", {}, t.reason.replaceAll("_", " ")),
        el("span", {}, t.team), el("span", {}, t.language),
        el("span", {}, t.status === "claimed" ? `claimed by ${t.agent}` : `waiting ${ago(t.created)}`)),
      el("div", { class: "sum" }, t.summary));
    item.addEventListener("click", () => openTicket(t.id));
    return item;
  }));
  $("empty").hidden = body.tickets.length > 0;
}

function scheduleQueue() {
  clearTimeout(queueTimer);
  queueTimer = setTimeout(loadQueue, 150);
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

function render(t) {
  $("t-title").textContent = `${t.customer.name || t.customer.id} · ${t.channel} · ${t.id}`;
  $("t-badges").replaceChildren(
    el("span", { class: `badge ${t.priority}` }, t.priority),
    el("span", { class: "badge" }, t.reason.replaceAll("_", " ")),
    el("span", { class: "badge" }, `team ${t.team}`),
    el("span", { class: "badge" }, t.language),
    el("span", { class: "badge", id: "t-status" }, t.status + (t.agent ? ` · ${t.agent}` : "")));
  $("t-summary").textContent = t.summary;
  $("t-customer").textContent = `${t.customer.name || "(no name)"} · id ${t.customer.id} · conversation ${t.conversation_id}`;
  const scores = t.scores || {};
  const cues = (scores.cues || []).map((c) => c.label + (c.evidence ? ` (“${c.evidence}”)` : ""));
  $("t-scores").textContent = `frustration ${(+scores.frustration || 0).toFixed(2)}, complexity ${(+scores.complexity || 0).toFixed(2)}`
    + (cues.length ? ` · ${cues.join("; ")}` : "");
  $("t-kb").textContent = t.kb_articles_tried.length ? t.kb_articles_tried.join(", ") : "none";
  $("t-intents").textContent = t.intents.map((i) => `${i.intent} ${(+i.confidence).toFixed(2)}`).join(" · ") || "none";
  $("t-previous").textContent = t.previous_tickets.length
    ? t.previous_tickets.map((p) => `${p.id} (${p.reason}, ${p.status})`).join(", ") : "none";
  $("transcript").replaceChildren(...t.transcript.map((m) =>
    el("li", { class: m.role }, el("span", { class: "when" }, `${m.role} · ${m.ts ? new Date(m.ts).toLocaleTimeString() : ""}`), m.text)));
  const mine = t.status === "claimed" && t.agent === AGENT;
  $("claim").disabled = t.status !== "waiting";
  $("resolve").disabled = !mine;
  $("return").disabled = !(t.status === "waiting" || mine);
  $("reply").querySelector("textarea").disabled = !mine;
  $("reply").querySelector("button").disabled = !mine;
  const list = $("transcript");
  list.lastElementChild?.scrollIntoView({ block: "nearest" });
}

async function openTicket(id) {
  current = id;
  const { ok, body } = await api(`/api/handoffs/${encodeURIComponent(id)}`);
  if (!ok) { notice(body.error || "Cannot open this ticket."); return; }
  $("placeholder").hidden = true;
  $("ticket").hidden = false;
  notice("");
  render(body);
  for (const item of $("queue").children) item.classList.toggle("selected", item.dataset.id === id);
}

async function step(name, payload) {
  if (!current) return;
  const { ok, body } = await api(`/api/handoffs/${encodeURIComponent(current)}/${name}`, {
    method: "POST", body: JSON.stringify(payload || {}),
  });
  if (!ok) notice(body.agent ? `Already claimed by ${body.agent}.` : body.error || "That did not work.");
  await openTicket(current);
  scheduleQueue();
  return ok;
}

$("claim").addEventListener("click", () => step("claim"));
$("resolve").addEventListener("click", () => step("resolve"));
$("return").addEventListener("click", () => step("return"));
$("reply").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = event.target.querySelector("textarea");
  const text = box.value.trim();
  if (!text) return;
  if (await step("reply", { text })) box.value = "";
});
$("filters").addEventListener("change", loadQueue);

function connect() {
  const stream = new EventSource("/api/handoffs/events");
  stream.onopen = () => { $("live").className = "live on"; };
  stream.onerror = () => { $("live").className = "live off"; };
  const onChange = (event) => {
    const data = JSON.parse(event.data);
    scheduleQueue();
    if (data.change && data.change.ticket_id === current) openTicket(current);
  };
  for (const kind of ["created", "message", "claimed", "resolved", "returned_to_bot", "rated"]) {
    stream.addEventListener(kind, onChange);
  }
}

loadQueue();
connect();
setInterval(loadQueue, 30000); // refreshes the waiting times
