// The chat page: sign in, pick an application, ask, follow up, browse conversations.
// At /embed?token=… it is the same page on the token's one space, in a partner's frame.

import { ApiError, call, stream, useToken } from "./api.js";
import { TurnView } from "./answer.js";

const $ = (selector) => document.querySelector(selector);
const state = { app: null, conversation: null, busy: false, latest: null, views: [] };
const params = new URLSearchParams(location.search);
const embedded = location.pathname === "/embed";
if (embedded) {
  useToken(params.get("token") || "");
  // The token stays in memory: out of the address bar and the frame's history.
  history.replaceState(null, "", location.pathname);
}

// Storage can be refused (a third-party frame when the browser blocks third-party
// storage); the page then remembers nothing, and still works.
function recall(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not remembered
  }
}

// -- theme ------------------------------------------------------------------------------------

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  // A toggle keeps its name; aria-pressed says whether it is on.
  $("#theme").setAttribute("aria-pressed", String(theme === "dark"));
}
// A partner may match its own theme: /embed?token=…&theme=dark.
const askedTheme = embedded ? params.get("theme") : null;
const savedTheme = (["light", "dark"].includes(askedTheme) && askedTheme) || recall("parley-theme");
applyTheme(savedTheme || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
$("#theme").addEventListener("click", () => {
  const theme = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  remember("parley-theme", theme);
  applyTheme(theme);
  for (const view of state.views) view.draw();
});

// -- signing in -------------------------------------------------------------------------------

function showSignIn(message = "") {
  $("#chat-view").hidden = true;
  $("#tools").hidden = true;
  $("#sign-in-view").hidden = false;
  $("#sign-in-error").textContent = message;
  $("#api-key").focus();
}

// The embed page's end: its token expired or is refused; only the partner's page can
// give it a new one.
function showEnded(message) {
  $("#chat-view").hidden = true;
  $("#tools").hidden = true;
  $("#sign-in-view").hidden = true;
  $("#ended-message").textContent = message;
  $("#ended-view").hidden = false;
}

async function showChat(me) {
  $("#sign-in-view").hidden = true;
  $("#tools").hidden = false;
  $("#chat-view").hidden = false;
  $("#app-picker").hidden = embedded;
  $("#sign-out").hidden = embedded;
  $("#who").textContent = embedded ? me.space.name : `Signed in as ${me.name}`;
  const picker = $("#app");
  picker.replaceChildren(
    ...me.applications.map((a) => {
      const option = document.createElement("option");
      option.value = a.name;
      option.textContent = a.name;
      if (a.description) option.title = a.description;
      return option;
    }),
  );
  const remembered = recall("parley-app");
  if (me.applications.some((a) => a.name === remembered)) picker.value = remembered;
  await openApplication(picker.value);
  $("#question").focus();
}

// Any call that finds the session gone brings the sign-in form back.
async function guarded(work) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      if (embedded) showEnded(error.message);
      else showSignIn(error.message);
      return null;
    }
    throw error;
  }
}

$("#sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = $("#api-key");
  try {
    const me = await call("POST", "/page/api/session", { api_key: key.value });
    key.value = "";
    await showChat(me);
  } catch (error) {
    $("#sign-in-error").textContent = error.message;
  }
});

$("#sign-out").addEventListener("click", async () => {
  await call("DELETE", "/page/api/session");
  $("#turns").replaceChildren();
  showSignIn();
});

// -- applications and conversations -------------------------------------------------------------

async function openApplication(app) {
  state.app = app;
  remember("parley-app", app);
  newConversation();
  await Promise.all([refreshConversations(), showSuggestions(null)]);
}

$("#app").addEventListener("change", (event) => guarded(() => openApplication(event.target.value)));

function newConversation() {
  state.conversation = null;
  state.latest = null;
  state.views = [];
  $("#turns").replaceChildren();
  markCurrent();
}

$("#new-conversation").addEventListener("click", () => {
  newConversation();
  showSuggestions(null);
  $("#question").focus();
});

function markCurrent() {
  for (const button of document.querySelectorAll("#conversations button")) {
    button.setAttribute("aria-current", String(button.dataset.id === state.conversation));
  }
}

async function refreshConversations() {
  const app = state.app;
  const listed = await guarded(() =>
    call("GET", `/page/api/applications/${encodeURIComponent(app)}/conversations`));
  // Another application opened meanwhile: its list, not this late one, is shown.
  if (!listed || app !== state.app) return;
  $("#conversations").replaceChildren(
    ...listed.conversations.map((c) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.id = c.id;
      button.textContent = c.title;
      button.title = `${c.title} (${new Date(c.updated_at).toLocaleString()})`;
      button.addEventListener("click", () => guarded(() => openConversation(c.id)));
      item.append(button);
      return item;
    }),
  );
  markCurrent();
}

async function openConversation(id) {
  const stored = await call("GET", `/page/api/conversations/${encodeURIComponent(id)}`);
  newConversation();
  state.conversation = stored.id;
  let last = null;
  for (const turn of stored.turns) {
    const view = addTurn(turn.question);
    if (turn.answer) {
      view.finish(turn.answer);
      last = turn.answer;
    }
  }
  markCurrent();
  await showSuggestions(last);
}

async function showSuggestions(answer) {
  // A clarifying answer's suggestions are the labels of its options, already buttons.
  const offered = answer && !answer.options.length ? answer.suggestions : [];
  let questions = offered.length ? offered : null;
  if (!questions && !state.conversation) {
    const app = state.app;
    const found = await guarded(() =>
      call("GET", `/page/api/applications/${encodeURIComponent(app)}/suggestions`));
    // Another application opened meanwhile: its questions, not these late ones, are shown.
    if (app !== state.app) return;
    questions = found ? found.questions : [];
  }
  const box = $("#suggestions");
  box.hidden = !questions || !questions.length;
  box.querySelector(".chips").replaceChildren(
    ...(questions || []).map((question) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = question;
      button.addEventListener("click", () => ask(question));
      return button;
    }),
  );
}

// -- asking -----------------------------------------------------------------------------------

function addTurn(question) {
  if (state.latest) state.latest.retire();
  const view = new TurnView(question, { ask, changeChart, name: state.app });
  $("#turns").append(view.node);
  state.latest = view;
  state.views.push(view);
  return view;
}

async function run(view, path, body) {
  setBusy(true);
  let answer = null;
  try {
    await guarded(() =>
      stream(path, body, (event) => {
        if (event.type === "started") {
          const fresh = state.conversation !== event.conversation_id;
          state.conversation = event.conversation_id;
          if (fresh) refreshConversations();
        }
        answer = view.apply(event) || answer;
      }));
  } catch (error) {
    view.setError(error.message);
  } finally {
    setBusy(false);
  }
  return answer;
}

async function ask(question) {
  if (state.busy || !question.trim()) return;
  const view = addTurn(question);
  view.node.scrollIntoView({ block: "nearest" });
  const answer = await run(view, "/page/api/turns", {
    app: state.app,
    question,
    conversation_id: state.conversation,
  });
  if (answer) await showSuggestions(answer);
}

async function changeChart(view, type) {
  if (state.busy || !state.conversation) return;
  const url = `/page/api/conversations/${encodeURIComponent(state.conversation)}/chart`;
  setBusy(true);
  try {
    await guarded(() =>
      stream(url, { chart_type: type }, (event) => {
        if (event.type === "chart") view.setChart(event.chart);
        if (event.type === "error") view.setError(event.message);
      }));
  } catch (error) {
    view.chartBox.querySelector(".chart").textContent = error.message;
  } finally {
    setBusy(false);
  }
}

function setBusy(busy) {
  state.busy = busy;
  $("#ask-button").disabled = busy;
  document.body.setAttribute("aria-busy", String(busy));
}

$("#ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#question");
  const question = input.value;
  input.value = "";
  guarded(() => ask(question));
});

// -- start ------------------------------------------------------------------------------------

async function start() {
  try {
    await showChat(await call("GET", "/page/api/me"));
  } catch (error) {
    if (embedded) showEnded(error.message);
    else showSignIn(error instanceof ApiError && error.status === 401 ? "" : error.message);
  }
}
// The chart libraries load as classic deferred scripts, which run before this module.
start();
