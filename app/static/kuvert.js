// Kuvert's own few lines of script: what htmx cannot do (clicking in the envelope).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Refusals and conflicts come back as 409/422 with a fragment that explains them:
  // show it instead of dropping it.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "409|422|423", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
  wire();
});
document.addEventListener("htmx:afterSettle", wire);

// --- Shared editing: the page's own requests and the live refreshes, coordinated ---------
//
// * A live refresh ("sse:changed") never lands while a request from this page is in
//   flight: it waits, and runs once every answer is in. An answer older than what the
//   page shows is dropped.
// * A refused change (the conflict box) stays until its author repeats or discards it,
//   whatever refreshes arrive meanwhile.
// * Only fields the person edited (input/change events) since they were drawn survive a
//   redraw; every other field shows the server's truth. A form with edited fields keeps
//   the version it was built on, so sending it on top of a colleague's change is
//   refused and shown, never silently applied.
// * Nor while a pointer is pressed on the page: a redraw between press and release
//   would put a new button under the person's hand, and the browser sends the click to
//   neither (the press would be lost, though the person saw the button go down).
// * The side panel keeps its scroll position and the focus stays, or moves to the
//   natural next field; a screen reader hears what happened.

let pending = 0;           // requests from this page not yet answered
let refreshWanted = false; // a live refresh waits for them
const dirty = new Set();   // ids of fields the person edited since they were drawn
let lastKind = null;       // the quick-add form's Type, as last chosen
let refreshing = false;    // a live refresh is on its way
let pressed = false;       // a pointer is down on the page

// For tests and tools: true when no request of the page is on its way or waiting.
window.kuvertIdle = () => pending === 0 && !refreshWanted && !refreshing;

// A refresh waits while this page has a request out or a pointer is down.
const mustWait = () => pending > 0 || pressed;

function refreshIfWanted() {
  if (!refreshWanted || mustWait()) return;
  refreshWanted = false;
  setTimeout(refreshNow, 0);
}

document.addEventListener("pointerdown", () => { pressed = true; }, true);
function released(e) {
  // Leaving the window counts as a release (the real one may happen outside it); a
  // field losing focus to the pressed button does not.
  if (!pressed || (e.type === "blur" && e.target !== window)) return;
  // After the click the release makes (and the request it sends) has run.
  setTimeout(() => { pressed = false; refreshIfWanted(); }, 0);
}
document.addEventListener("pointerup", released, true);
document.addEventListener("pointercancel", released, true);
window.addEventListener("blur", released);

const REFRESHER = "refresher";
const isRefresh = (elt) => Boolean(elt && elt.id === REFRESHER);
const shownVersion = () => Number(document.getElementById("workspace")?.dataset.version || 0);

function refreshNow() {
  const refresher = document.getElementById(REFRESHER);
  if (refresher) htmx.trigger(refresher, "sse:changed");
}

function announce(text) {
  const live = document.getElementById("announce");
  if (!live || !text) return;
  live.textContent = "";
  // A fresh text node, a moment later: screen readers announce a change, not a state.
  setTimeout(() => { live.textContent = text; }, 50);
}

function showRefusal(text) {
  const workspace = document.getElementById("workspace");
  if (!workspace) return;
  let box = document.getElementById("problems");
  if (!box) {
    box = document.createElement("section");
    box.id = "problems";
    box.className = "problems";
    box.setAttribute("role", "alert");
    workspace.querySelector(".columns")?.before(box);
  }
  box.textContent = text;
  announce(text);
}

function words(name) {
  return document.getElementById("live")?.dataset[name] || "";
}

document.addEventListener("input", markDirty);
document.addEventListener("change", markDirty);
document.addEventListener("kuvert:filled", markDirty); // the catalogue, for their typing
function markDirty(e) {
  const el = e.target;
  if (!el.id || el.type === "hidden" || !el.closest("#workspace form")) return;
  dirty.add(el.id);
  if (el.id === "actor-kind") lastKind = el.value;
}

document.addEventListener("htmx:beforeRequest", (e) => {
  if (isRefresh(e.detail.elt)) {
    if (mustWait()) { e.preventDefault(); refreshWanted = true; } else { refreshing = true; }
    return;
  }
  pending += 1;
});

document.addEventListener("htmx:afterRequest", (e) => {
  if (isRefresh(e.detail.elt)) { refreshing = false; refreshIfWanted(); return; }
  pending = Math.max(0, pending - 1);
  refreshIfWanted();
  if (!e.detail.successful && e.detail.xhr && e.detail.xhr.status >= 500) {
    showRefusal(words("failed"));
  } else if (!e.detail.xhr || e.detail.xhr.status === 0) {
    showRefusal(words("failed"));
  }
});

document.addEventListener("htmx:responseError", (e) => {
  const status = e.detail.xhr.status;
  if (status >= 500) return; // said in afterRequest
  // 403 and the like come as an error page: say its message where the person looks.
  const doc = new DOMParser().parseFromString(e.detail.xhr.responseText, "text/html");
  const why = doc.querySelector("[role=alert]")?.textContent.trim() || words("failed");
  // A form that could not be fetched changed nothing: its reason alone.
  showRefusal(e.detail.requestConfig?.verb === "get" ? why : `${words("notSaved")} ${why}`);
});

let kept = null; // what a redraw must not lose, taken just before it
const waiting = new Map(); // id → [value, version]: typed, to put back once the field is there

// The details that are open ("actor:KEY", "coupling:A|B"): the server draws their forms
// into a redraw (X-Kuvert-Open), the others are fetched when opened.
const openForms = () => [...document.querySelectorAll("#workspace details[open][data-opens]")]
  .map((d) => d.dataset.opens);

document.addEventListener("htmx:configRequest", (e) => {
  const open = openForms();
  if (open.length) e.detail.headers["X-Kuvert-Open"] = open.map(encodeURIComponent).join(" ");
});

// Put the person's typing back into the redrawn fields. The form keeps the version it was
// built on: sent as it is, it is refused if someone changed the case meanwhile. Only the
// person's own change, saved from a form drawn at the same moment, moves it on (they saw
// everything before it): its version is null here.
function putBack() {
  for (const [id, [value, version]] of waiting) {
    const el = document.getElementById(id);
    if (!el) continue;
    waiting.delete(id);
    el.value = value;
    const versionInput = el.form?.querySelector("input[name=version]");
    if (versionInput && version) versionInput.value = version;
  }
  // What has no field left (its actor is gone) stays no edit of the person's.
  for (const id of dirty) if (!document.getElementById(id) && !waiting.has(id)) dirty.delete(id);
}

// The forms of an actor or a coupling are fetched when their details are opened: the page
// draws a link in their place (the forms' own page, without JavaScript). The promise is
// kept, so the envelope's "Ret detaljer" can wait for the form it opens.
function loadForm(details) {
  const link = details.querySelector("a.form-link");
  if (!link) return Promise.resolve();
  if (!details.loading) {
    details.loading = htmx.ajax("GET", link.href, { source: link, target: link, swap: "outerHTML" })
      .then(putBack);
  }
  return details.loading;
}
document.addEventListener("toggle", (e) => {
  if (e.target.matches?.("#workspace details[data-opens]") && e.target.open) loadForm(e.target);
}, true);

document.addEventListener("htmx:beforeSwap", (e) => {
  const target = e.detail.target;
  // A form fetched for details that a redraw has replaced meanwhile: the redraw drew it,
  // or fetches it again.
  if (target && !target.isConnected) { e.detail.shouldSwap = false; return; }
  if (!target || target.id !== "workspace") return;
  const source = e.detail.requestConfig?.elt;
  const refresh = isRefresh(source);
  const text = e.detail.serverResponse || "";
  if (!/^\s*<div id="workspace"/.test(text)) {
    // Not the workspace (a bad form's error page): explain it, keep the page.
    e.detail.shouldSwap = false;
    if (!refresh && e.detail.xhr.status >= 400) {
      const doc = new DOMParser().parseFromString(text, "text/html");
      const why = doc.querySelector("[role=alert]")?.textContent.trim() || words("failed");
      showRefusal(`${words("notSaved")} ${why}`);
    }
    return;
  }
  if (refresh) {
    const version = Number((text.match(/data-version="(\d+)"/) || [])[1] || 0);
    if (mustWait()) { e.detail.shouldSwap = false; refreshWanted = true; return; }
    if (version < shownVersion()) { e.detail.shouldSwap = false; return; }
    // The page already shows this version (the answer to its own change): redrawing the
    // same thing again would only replace the fields under the person's hand.
    if (version === shownVersion() && !document.getElementById("conflict")
        && !document.getElementById("problems")) { e.detail.shouldSwap = false; return; }
  }
  const status = e.detail.xhr.status;
  const sent = !refresh && source && source.tagName === "FORM" ? source : null;
  const sentIds = new Set(sent ? [...sent.elements].map((el) => el.id).filter(Boolean) : []);
  // The fields of the form just answered are drawn by the server now (saved, or kept
  // in the conflict box to repeat); no longer the person's edits.
  sentIds.forEach((id) => dirty.delete(id));
  const side = document.querySelector("#workspace .side");
  const active = document.activeElement;
  const fromConflict = Boolean(sent && sent.closest("#conflict"));
  const oldConflict = document.getElementById("conflict");
  kept = {
    refresh,
    sentVersion: sent?.querySelector("input[name=version]")?.value || null,
    status,
    sentId: sent ? sent.id : null,
    scroll: side ? side.scrollTop : 0,
    focused: active && active.id && active.closest("#workspace") ? active.id : null,
    open: openForms(),
    values: [...dirty].map((id) => {
      const el = document.getElementById(id);
      const form = el?.form;
      const version = form?.querySelector("input[name=version]")?.value;
      if (el) return [id, el.value, version];
      // Still waiting for its form to come (opened while a request was on its way).
      return waiting.has(id) ? [id, ...waiting.get(id)] : null;
    }).filter(Boolean),
    // A refused change stays on screen until its author acts on it.
    conflict: oldConflict && !fromConflict && !text.includes('id="conflict"')
      ? oldConflict : null,
  };
});

document.addEventListener("htmx:afterSwap", () => {
  if (!kept) return;
  const { refresh, status, sentId, sentVersion, scroll, focused, open, values, conflict } = kept;
  kept = null;
  const workspace = document.getElementById("workspace");
  if (!workspace) return;
  wire(); // the new drawing's actors must be focusable before the focus is put back
  if (conflict) workspace.querySelector(".columns")?.before(conflict);
  // The server drew the forms the page named open; one opened while the request was on
  // its way is fetched now, and what was typed in it waits for it.
  waiting.clear();
  const ownOnly = !refresh && status === 200;
  for (const [id, value, version] of values) {
    waiting.set(id, [value, ownOnly && version === sentVersion ? null : version]);
  }
  open.forEach((name) => {
    const d = document.querySelector(`#workspace details[data-opens="${CSS.escape(name)}"]`);
    if (d) { d.open = true; loadForm(d); }
  });
  putBack();
  const kind = document.getElementById("actor-kind");
  if (kind && lastKind && !dirty.has("actor-kind")) kind.value = lastKind;
  const side = workspace.querySelector(".side");
  if (side) side.scrollTop = scroll;
  let next = focused ? document.getElementById(focused) : null;
  if (!refresh) {
    if (status === 409 && document.getElementById("conflict-repeat")) {
      next = document.getElementById("conflict-repeat");
    } else if (status === 200 && sentId === "add-actor") {
      next = document.getElementById("actor-label");
    }
    announce(workspace.dataset.said);
  }
  if (next && next !== document.activeElement) next.focus({ preventScroll: false });
});

document.addEventListener("click", (e) => {
  const discard = e.target.closest("#conflict-discard");
  if (!discard) return;
  e.preventDefault();
  document.getElementById("conflict")?.remove();
  announce(words("discarded"));
  refreshNow();
});

// The drawing's actors are focusable buttons; what they do is in envelope.js.
function wire() {
  const svg = document.querySelector("#envelope svg");
  if (!svg || svg.dataset.wired) return;
  svg.dataset.wired = "1";
  // The printed envelope is a picture (role=img); here its actors are buttons, which
  // a picture may not contain, so the drawing becomes a labelled group.
  svg.setAttribute("role", "group");
  svg.querySelectorAll("g.actor").forEach((g) => {
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
  });
}

// The neighbourhood of the actor last picked stands out: its neighbours stay, the rest
// fades (called by envelope.js).
function focus(svg, key) {
  svg.classList.toggle("focused", Boolean(key));
  if (!key) {
    svg.querySelectorAll(".near, .far").forEach((el) => el.classList.remove("near", "far"));
    return;
  }
  const near = new Set([key]);
  const far = new Set();
  const couplings = [...svg.querySelectorAll("g.coupling")];
  couplings.forEach((c) => {
    if (c.dataset.source === key) near.add(c.dataset.target);
    if (c.dataset.target === key) near.add(c.dataset.source);
  });
  couplings.forEach((c) => {
    if (near.has(c.dataset.source) && !near.has(c.dataset.target)) far.add(c.dataset.target);
    if (near.has(c.dataset.target) && !near.has(c.dataset.source)) far.add(c.dataset.source);
  });
  svg.querySelectorAll("g.actor").forEach((g) => {
    g.classList.toggle("near", near.has(g.dataset.key));
    g.classList.toggle("far", far.has(g.dataset.key));
  });
  couplings.forEach((c) => {
    c.classList.toggle("near", c.dataset.source === key || c.dataset.target === key);
  });
}

// Meeting mode: the keyboard drives the page; letters only when no field has focus.
// n/p walk the actors from the one last reached, found again by its key after a redraw.
let walked = null;

function toggleOpen(buttonId, open) {
  const button = document.getElementById(buttonId);
  if (!button) return false;
  const now = open ?? button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(now));
  if (buttonId === "drawer-toggle") document.body.classList.toggle("drawer-open", now);
  else document.getElementById("shortcuts").hidden = !now;
  return now;
}

document.addEventListener("keydown", (e) => {
  if (!document.body.classList.contains("meeting")) return;
  if (e.key === "Escape") {
    if (!document.getElementById("shortcuts")?.hidden) { toggleOpen("shortcuts-toggle", false); return; }
    if (document.body.classList.contains("drawer-open") && e.target.closest?.("#side")) {
      toggleOpen("drawer-toggle", false);
      document.getElementById("drawer-toggle")?.focus();
      return;
    }
  }
  const typing = e.target.closest("input, select, textarea, [contenteditable]");
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  const svg = document.querySelector("#envelope svg");
  const actors = svg ? [...svg.querySelectorAll("g.actor")] : [];
  let current = actors.indexOf(document.activeElement);
  if (current < 0 && walked) current = actors.findIndex((g) => g.dataset.key === walked);
  if (e.key === "a") { e.preventDefault(); toggleOpen("drawer-toggle", true); document.getElementById("actor-label")?.focus(); }
  else if (e.key === "k") { e.preventDefault(); toggleOpen("drawer-toggle", true); document.getElementById("coupling-source")?.focus(); }
  else if (e.key === "u") { e.preventDefault(); document.getElementById("undo")?.click(); }
  else if (e.key === "l") { e.preventDefault(); toggleOpen("drawer-toggle"); }
  else if (e.key === "?") { e.preventDefault(); toggleOpen("shortcuts-toggle"); }
  else if ((e.key === "n" || e.key === "p") && actors.length) {
    e.preventDefault();
    const step = e.key === "n" ? 1 : -1;
    const next = actors[(current + step + actors.length) % actors.length];
    walked = next.dataset.key;
    next.focus();
  }
});

document.addEventListener("click", (e) => {
  const toggle = e.target.closest("#drawer-toggle, #shortcuts-toggle");
  if (toggle) toggleOpen(toggle.id);
});

document.addEventListener("click", (e) => {
  if (e.target.id === "fullscreen") document.documentElement.requestFullscreen?.();
});
