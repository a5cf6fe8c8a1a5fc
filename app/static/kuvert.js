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

// What someone is typing survives a colleague's change arriving live: the page is
// redrawn, the half-written fields are filled in again.
let typed = null;
document.addEventListener("htmx:beforeSwap", (e) => {
  const source = e.detail.requestConfig?.elt;
  if (!source || !source.matches("[hx-trigger='sse:changed']")) return;
  typed = [...document.querySelectorAll("#workspace form input[id], #workspace form select[id]")]
    .filter((el) => el.type !== "hidden" && el.value && el.value !== el.defaultValue)
    .map((el) => [el.id, el.value]);
  const active = document.activeElement;
  typed.focused = active && active.id ? active.id : null;
});
document.addEventListener("htmx:afterSwap", () => {
  if (!typed) return;
  typed.forEach(([id, value]) => { const el = document.getElementById(id); if (el) el.value = value; });
  if (typed.focused) document.getElementById(typed.focused)?.focus();
  typed = null;
});

let picked = [];

function wire() {
  const svg = document.querySelector("#envelope svg");
  if (!svg || svg.dataset.wired) return;
  svg.dataset.wired = "1";
  // The printed envelope is a picture (role=img); here its actors are buttons, which
  // a picture may not contain, so the drawing becomes a labelled group.
  svg.setAttribute("role", "group");
  picked = [];
  svg.querySelectorAll("g.actor").forEach((g) => {
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.addEventListener("click", () => pick(svg, g.dataset.key));
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(svg, g.dataset.key); }
    });
  });
}

// Clicking an actor focuses it (its neighbours stay, the rest fades); clicking a
// second one fills in the coupling form with the two.
function pick(svg, key) {
  picked = picked.includes(key) ? [] : [...picked, key].slice(-2);
  focus(svg, picked[picked.length - 1]);
  const form = document.getElementById("add-coupling");
  if (form && picked.length === 2) {
    form.querySelector("[name=source]").value = picked[0];
    form.querySelector("[name=target]").value = picked[1];
    form.querySelector("[name=state]").focus();
  }
  document.querySelectorAll("#actors tr[data-key]").forEach((row) => {
    row.classList.toggle("picked", picked.includes(row.dataset.key));
  });
  // The last actor picked opens its details in the side panel.
  document.querySelectorAll("#actors details[data-key]").forEach((details) => {
    details.open = details.dataset.key === picked[picked.length - 1];
    if (details.open) details.scrollIntoView({ block: "nearest" });
  });
}

function focus(svg, key) {
  svg.classList.toggle("focused", Boolean(key));
  if (!key) {
    svg.querySelectorAll(".near, .far, .picked").forEach((el) => {
      el.classList.remove("near", "far", "picked");
    });
    document.querySelectorAll("#actors tr.picked").forEach((row) => row.classList.remove("picked"));
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
    g.classList.toggle("picked", picked.includes(g.dataset.key));
  });
  couplings.forEach((c) => {
    c.classList.toggle("near", c.dataset.source === key || c.dataset.target === key);
  });
}

// Meeting mode: the keyboard drives the page; letters only when no field has focus.
document.addEventListener("keydown", (e) => {
  if (!document.body.classList.contains("meeting")) return;
  const typing = e.target.closest("input, select, textarea, [contenteditable]");
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  const svg = document.querySelector("#envelope svg");
  const actors = svg ? [...svg.querySelectorAll("g.actor")] : [];
  const current = actors.indexOf(document.activeElement);
  if (e.key === "a") { e.preventDefault(); document.getElementById("actor-label")?.focus(); }
  else if (e.key === "k") { e.preventDefault(); document.getElementById("coupling-source")?.focus(); }
  else if (e.key === "u") { e.preventDefault(); document.getElementById("undo")?.click(); }
  else if ((e.key === "n" || e.key === "p") && actors.length) {
    e.preventDefault();
    const step = e.key === "n" ? 1 : -1;
    actors[(current + step + actors.length) % actors.length].focus();
  } else if (e.key === "Escape" && svg) { picked = []; focus(svg, null); }
});

document.addEventListener("click", (e) => {
  if (e.target.id === "fullscreen") document.documentElement.requestFullscreen?.();
});
