// The envelope as the workspace (issue 12): add, move, couple and act on couplings on
// the drawing itself, by mouse, pen, touch or keyboard.
//
// Every action sends one of the small forms in #envelope-tools (drawn by the server,
// outside the part of the page that live refreshes replace) through htmx to the same
// routes as the side panel's forms: one versioned change each, live to other viewers,
// undoable, and a refused one is shown in the same conflict box. The forms carry the
// version the page shows at the moment they are sent.
//
// Uses from kuvert.js: announce(), shownVersion(), focus() (the neighbourhood highlight),
// toggleOpen() (the meeting drawer), loadForm() (an actor's details form, fetched on opening).
"use strict";

(() => {
  const DRAG_PX = 6;          // a press that moves less than this is a click or tap
  const HOLD_MS = 500;        // a press held this long without moving opens the actor menu
  let picked = [];            // keys of the selected actors, at most two
  let origin = null;          // what had the focus when a tool opened
  let anchor = null;          // what the open tool belongs to: {kind, key} or {kind, a, b}
  let drag = null;            // an actor being dragged
  let swallowClick = false;   // the click that ends a drag is not a click
  let moved = null;           // the actor last moved, to keep the focus on it
  let hold = null;            // a press on an actor that may become a long-press
  let chosen = new Set();     // the add form's fields the person set (not the catalogue)
  let addPlace = null;        // where the add form was opened: panel and ring
  let quietUntil = 0;         // after a long-press: the browser's late click is not a click

  const $ = (id) => document.getElementById(id);
  const tools = () => $("envelope-tools");
  const word = (name) => tools()?.dataset[name] || "";
  const svgEl = () => document.querySelector("#envelope svg");
  const envelopeG = (svg) => svg.querySelector("g.envelope");
  const actorG = (key) => svgEl()?.querySelector(`g.actor[data-key="${CSS.escape(key)}"]`);
  const labelOf = (key) => {
    const g = actorG(key);
    return g ? (g.querySelector("title")?.textContent || key).split(" · ")[0] : key;
  };
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_m, k) => values[k] ?? "");

  // --- geometry: the same rule as app/graph/place.py, on the drawn shapes ----------------

  function toEnvelope(svg, clientX, clientY) {
    const m = envelopeG(svg).getScreenCTM();
    if (!m) return null;
    const p = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }

  function inTriangle(p, pts) {
    const cross = (a, b, c) => (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    const [a, b, c] = pts;
    const d = [cross(a, b, p), cross(b, c, p), cross(c, a, p)];
    return !(d.some((v) => v < 0) && d.some((v) => v > 0));
  }

  function inRect(p, el) {
    const x = +el.getAttribute("x"), y = +el.getAttribute("y");
    return p.x >= x && p.x <= x + +el.getAttribute("width")
      && p.y >= y && p.y <= y + +el.getAttribute("height");
  }

  // Which panel and ring a point of the envelope lies in; null outside or on the citizen.
  function placeAt(svg, p) {
    const env = envelopeG(svg);
    const citizen = env.querySelector("g.citizen rect");
    if (!p || (citizen && inRect(p, citizen))) return null;
    for (const poly of env.querySelectorAll("polygon[data-panel]")) {
      if (inTriangle(p, [...poly.points])) {
        const [r1, r2] = env.querySelectorAll("g.rings rect");
        const ring = r1 && inRect(p, r1) ? 1 : r2 && inRect(p, r2) ? 2 : 3;
        return { panel: poly.dataset.panel, ring };
      }
    }
    return null;
  }
  window.kuvertPlaceAt = (x, y) => placeAt(svgEl(), { x, y }); // for the tests

  // The panel on each side (arrow keys move an actor there).
  function panelOnSide(svg, key) {
    const env = envelopeG(svg);
    const polys = [...env.querySelectorAll("polygon[data-panel]")];
    const apex = polys[0].points[2];
    const side = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[key];
    let best = null, score = -Infinity;
    for (const poly of polys) {
      const [a, b] = poly.points;
      const dx = (a.x + b.x) / 2 - apex.x, dy = (a.y + b.y) / 2 - apex.y;
      const s = (dx * side[0] + dy * side[1]) / Math.hypot(dx, dy);
      if (s > score) { score = s; best = poly.dataset.panel; }
    }
    return best;
  }

  // --- the tools ------------------------------------------------------------------------

  // The add form opens at the spot clicked. The actor and coupling tools open beside the
  // drawing when there is room (so they never hide the next actor to click), else at
  // the spot.
  function place(tool, clientX, clientY, beside = false) {
    tool.hidden = false;
    const box = (tool.offsetParent || document.body).getBoundingClientRect();
    const w = tool.offsetWidth, h = tool.offsetHeight;
    const svg = svgEl();
    const drawn = svg ? envelopeG(svg).getBoundingClientRect() : null;
    let x = clientX + 12, y = clientY + 12;
    if (beside && drawn && window.innerWidth - drawn.right >= w + 16) x = drawn.right + 8;
    else if (beside && drawn && drawn.left >= w + 16) x = drawn.left - w - 8;
    else {
      if (x + w > window.innerWidth) x = Math.max(0, clientX - w - 12);
      if (y + h > window.innerHeight) y = Math.max(0, clientY - h - 12);
    }
    y = Math.max(4, Math.min(y, window.innerHeight - h - 4));
    tool.style.left = `${x - box.left}px`;
    tool.style.top = `${y - box.top}px`;
  }

  function closeTools(restore = true) {
    tools()?.querySelectorAll(".tool").forEach((t) => { t.hidden = true; });
    anchor = null;
    if (restore && origin) {
      const back = origin.id ? $(origin.id) : null;
      (back || origin).focus?.({ preventScroll: true });
    }
    origin = null;
  }

  function openTool(id, clientX, clientY, what) {
    const keep = origin;
    closeTools(false);
    origin = keep || document.activeElement;
    anchor = what;
    const tool = $(id);
    place(tool, clientX, clientY, id !== "tool-add");
    return tool;
  }

  function centreOf(el) {
    const r = el.getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2];
  }

  function openAdd(placeHere, clientX, clientY) {
    const tool = openTool("tool-add", clientX, clientY, { kind: "add" });
    chosen = new Set();
    addPlace = placeHere;
    tool.querySelector("[name=panel]").value = placeHere.panel;
    tool.querySelector("[name=ring]").value = String(placeHere.ring);
    tool.querySelector("[name=label]").focus();
  }

  function openActor(key, clientX, clientY) {
    const tool = openTool("tool-actor", clientX, clientY, { kind: "actor", key });
    const g = actorG(key);
    const citizen = g?.classList.contains("citizen");
    $("tool-actor-title").textContent = labelOf(key);
    tool.querySelector("[name=coordinator]").value = key;
    tool.querySelectorAll("[data-not-citizen]").forEach((el) => { el.hidden = citizen; });
    const other = picked.find((k) => k !== key);
    const couple = $("tool-couple");
    couple.hidden = !(picked.length === 2 && other);
    if (!couple.hidden) {
      couple.querySelector("button").textContent = fill(word("coupleWith"), { label: labelOf(other) });
    }
    focusMenu();
  }

  function focusMenu() {
    [...$("tool-actor").querySelectorAll("button")].find((b) => b.offsetParent !== null)?.focus();
  }

  function openCoupling(a, b, clientX, clientY) {
    const tool = openTool("tool-coupling", clientX, clientY, { kind: "coupling", a, b });
    const g = svgEl()?.querySelector(`g.coupling[data-source="${CSS.escape(a)}"][data-target="${CSS.escape(b)}"]`);
    const state = g?.dataset.state || "needed";
    $("tool-coupling-title").textContent = `${labelOf(a)} – ${labelOf(b)}`;
    tool.querySelectorAll("[data-state]").forEach((btn) => {
      btn.setAttribute("aria-pressed", String(btn.dataset.state === state));
    });
    const who = tool.querySelector("[name=who]");
    who.replaceChildren(...[a, b].map((k) => new Option(labelOf(k), k)));
    tool.querySelector("[name=coupling]").value = `${a}|${b}`;
    tool.querySelector(`[data-state="${state}"]`)?.focus();
  }

  // Send a tool's form through htmx to its route (data-route, drawn by the server with
  // {key}, {a}, {b} where the actor or the coupling it acts on goes).
  function send(form, extra = {}) {
    const params = { ...anchor, ...extra };
    const route = form.dataset.route.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name]));
    form.querySelector("[name=version]").value = String(shownVersion());
    const csrf = document.querySelector("#workspace input[name=csrf]");
    if (csrf) form.querySelector("[name=csrf]").value = csrf.value;
    htmx.ajax("POST", route, { source: form, target: "#workspace", swap: "outerHTML" });
  }

  function couplePicked() {
    if (picked.length !== 2) return false;
    const form = $("tool-couple");
    form.querySelector("[name=source]").value = picked[0];
    form.querySelector("[name=target]").value = picked[1];
    const [a, b] = picked;
    const point = centreOf(actorG(b) || svgEl());
    anchor = { kind: "couple", a, b, point };
    send(form);
    return true;
  }

  function move(key, panel, ring) {
    moved = key;
    const form = $("tool-move");
    form.querySelector("[name=panel]").value = panel;
    form.querySelector("[name=ring]").value = String(ring);
    send(form, { key });
  }

  // --- the catalogue in the add form ------------------------------------------------------

  // A profession or organisation picked from the catalogue fills in sector, type and
  // panel, unless the person has set that field: what each name tells is the server's
  // (app/graph/meaning.py), on the datalists' options. The organisation decides before
  // the profession, as it does for the placement on the server.
  function catalogueHint(input) {
    const list = input.list;
    const folded = input.value.trim().toLowerCase();
    const option = list && folded
      ? [...list.options].find((o) => o.value.toLowerCase() === folded) : null;
    return option ? { ...option.dataset } : {};
  }

  // The side panel's add form fills in the same way; what the person set there is kept
  // per form element (a successful add draws a new, empty form).
  const chosenBeside = new WeakMap();

  function chosenIn(form) {
    if (form.id === "tool-add") return chosen;
    if (!chosenBeside.has(form)) chosenBeside.set(form, new Set());
    return chosenBeside.get(form);
  }

  function fillFromCatalogue(form) {
    const hint = { ...catalogueHint(form.querySelector("[name=profession]")),
                   ...catalogueHint(form.querySelector("[name=organisation]")) };
    const said = [];
    for (const name of ["sector", "kind", "panel"]) {
      const field = form.querySelector(`[name=${name}]`);
      const value = hint[name];
      if (!value || chosenIn(form).has(name) || field.value === value) continue;
      if (field.tagName === "SELECT") {
        const option = [...field.options].find((o) => o.value === value);
        if (!option) continue;
        field.value = value;
        said.push(option.textContent);
      } else {
        field.value = value;
        said.push(value);
      }
      // Filled for the person's typing, so theirs like the typing: a live redraw keeps it
      // (kuvert.js). Not an "input": that would mark it as set by hand, and the next
      // profession could no longer fill it.
      field.dispatchEvent(new CustomEvent("kuvert:filled", { bubbles: true }));
    }
    if (said.length) announce(fill(word("filled"), { what: said.join(", ") }));
  }

  document.addEventListener("input", (e) => {
    const form = e.target.closest?.("#tool-add, #add-actor");
    if (!form) return;
    const name = e.target.name;
    if (name === "profession" || name === "organisation") fillFromCatalogue(form);
    else if (["sector", "kind", "panel"].includes(name)) chosenIn(form).add(name);
  });

  // --- selection ------------------------------------------------------------------------

  function select(key) {
    picked = picked.includes(key) ? picked.filter((k) => k !== key) : [...picked, key].slice(-2);
    paintSelection();
    // The side panel's coupling form follows, for those who finish there.
    const source = $("coupling-source"), target = $("coupling-target");
    if (picked.length === 2 && source && target) { source.value = picked[0]; target.value = picked[1]; }
    if (picked.length === 2) announce(fill(word("twoPicked"), { a: labelOf(picked[0]), b: labelOf(picked[1]) }));
    else if (picked.length === 1) announce(fill(word("onePicked"), { label: labelOf(picked[0]) }));
  }

  function paintSelection() {
    const svg = svgEl();
    if (!svg) return;
    picked = picked.filter((k) => actorG(k));
    focus(svg, picked[picked.length - 1] || null);
    svg.querySelectorAll("g.actor").forEach((g) => {
      g.classList.toggle("picked", picked.includes(g.dataset.key));
      g.setAttribute("aria-pressed", String(picked.includes(g.dataset.key)));
    });
    document.querySelectorAll("#actors tr[data-key]").forEach((row) => {
      row.classList.toggle("picked", picked.includes(row.dataset.key));
    });
  }

  // --- wiring a freshly drawn envelope ----------------------------------------------------

  // Meeting mode shows the envelope alone, as large as the screen allows: the drawing is
  // cropped to it (the title and legend stay in the printed and normal views).
  function cropToEnvelope(svg) {
    const env = envelopeG(svg);
    const at = /translate\(([\d.]+) ([\d.]+)\)/.exec(env.getAttribute("transform") || "");
    const top = env.querySelector("polygon[data-panel]");
    if (!at || !top) return;
    const right = [...env.querySelectorAll("polygon[data-panel]")]
      .flatMap((p) => [...p.points]).reduce((m, p) => ({ x: Math.max(m.x, p.x), y: Math.max(m.y, p.y) }), { x: 0, y: 0 });
    const pad = 4;
    svg.setAttribute("viewBox", `${+at[1] - pad} ${+at[2] - pad} ${right.x + 2 * pad} ${right.y + 2 * pad}`);
    svg.removeAttribute("width");
    svg.removeAttribute("height");
  }

  function wireEnvelope() {
    const svg = svgEl();
    if (!svg || svg.dataset.tools) return;
    svg.dataset.tools = "1";
    if (document.body.classList.contains("meeting")) cropToEnvelope(svg);
    svg.querySelectorAll("g.coupling").forEach((g) => {
      const stroke = g.querySelector("line, path");
      if (!stroke) return;
      // A wide, invisible line on top: easy to hit with a finger.
      const hit = stroke.cloneNode();
      for (const attr of ["stroke-dasharray", "stroke-linecap", "stroke-linejoin"]) hit.removeAttribute(attr);
      hit.setAttribute("stroke", "transparent");
      hit.setAttribute("stroke-width", "22");
      hit.setAttribute("pointer-events", "stroke");
      hit.classList.add("hit");
      g.append(hit);
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", fill(word("couplingName"), {
        a: labelOf(g.dataset.source), b: labelOf(g.dataset.target),
        state: tools().dataset[`state_${g.dataset.state}`] || g.dataset.state,
      }));
    });
    svg.querySelectorAll("g.actor").forEach((g) => {
      g.setAttribute("aria-pressed", String(picked.includes(g.dataset.key)));
    });
    paintSelection();
  }

  function afterSwap(e) {
    wireEnvelope();
    const form = e.detail.requestConfig?.elt;
    const status = e.detail.xhr?.status;
    if (!form || !form.closest || !form.closest("#envelope-tools")) {
      // Someone else's change: a tool on a part that is gone closes.
      if (anchor?.kind === "actor" && !actorG(anchor.key)) closeTools(false);
      return;
    }
    if (status !== 200) return; // the conflict box or the problems say why; the tool stays
    if (form.id === "tool-add") {
      for (const name of ["label", "profession", "organisation", "sector"]) form.querySelector(`[name=${name}]`).value = "";
      chosen.delete("sector");
      // The next one goes where the form was opened, unless the person chose a panel.
      if (addPlace && !chosen.has("panel")) form.querySelector("[name=panel]").value = addPlace.panel;
      form.querySelector("[name=label]").focus();
    } else if (form.id === "tool-couple") {
      const { a, b, point } = anchor || {};
      picked = [];
      paintSelection();
      if (a && b) openCoupling(a, b, ...(point || [0, 0]));
    } else if (form.id === "tool-state") {
      const { a, b } = anchor;
      const state = form.querySelector("[name=state]").value;
      $("tool-coupling").querySelectorAll("[data-state]").forEach((btn) => {
        btn.setAttribute("aria-pressed", String(btn.dataset.state === state));
      });
      anchor = { kind: "coupling", a, b };
    } else if (form.id === "tool-remove") {
      const keep = { kind: "undo", origin };
      closeTools(false);
      const undo = $("tool-undo");
      undo.hidden = false;
      undo.style.left = $("tool-actor").style.left;
      undo.style.top = $("tool-actor").style.top;
      anchor = keep;
      undo.querySelector("button").focus();
    } else if (form.id === "tool-move") {
      if (moved && document.activeElement === document.body) actorG(moved)?.focus();
    } else {
      closeTools(form.id !== "tool-undo");
      if (form.id === "tool-undo") svgEl()?.focus();
    }
  }

  // --- events ---------------------------------------------------------------------------

  document.addEventListener("submit", (e) => {
    const form = e.target.closest("#envelope-tools form");
    if (!form) return;
    e.preventDefault();
    const by = e.submitter;
    if (by && by.name) form.querySelector(`input[type=hidden][name="${by.name}"]`).value = by.value;
    if (form.id === "tool-couple") couplePicked();
    else send(form);
  });

  document.addEventListener("mousedown", (e) => {
    if (performance.now() < quietUntil && e.target.closest("#envelope svg")) e.preventDefault();
  }, true);
  document.addEventListener("click", (e) => {
    if (performance.now() < quietUntil && e.target.closest("#envelope svg")) {
      quietUntil = 0;
      e.preventDefault();
      if (!$("tool-actor").contains(document.activeElement)) focusMenu();
      return;
    }
    if (swallowClick) { swallowClick = false; e.preventDefault(); return; }
    const close = e.target.closest("[data-close]");
    if (close) { closeTools(); return; }
    const edit = e.target.closest("[data-edit]");
    if (edit && anchor?.kind === "actor") {
      const details = document.querySelector(`#actors details[data-key="${CSS.escape(anchor.key)}"]`);
      closeTools(false);
      // In meeting mode the lists are a drawer: open it to show the details.
      if (details && document.body.classList.contains("meeting")) toggleOpen("drawer-toggle", true);
      if (details) {
        details.open = true;
        details.scrollIntoView({ block: "nearest" });
        loadForm(details).then(() => details.querySelector("input:not([type=hidden])")?.focus());
      }
      return;
    }
    const svg = e.target.closest("#envelope svg");
    if (!svg) {
      if (!e.target.closest("#envelope-tools")) closeTools(false);
      return;
    }
    const actor = e.target.closest("g.actor");
    if (actor) { select(actor.dataset.key); openActor(actor.dataset.key, e.clientX, e.clientY); return; }
    const coupling = e.target.closest("g.coupling");
    if (coupling) { openCoupling(coupling.dataset.source, coupling.dataset.target, e.clientX, e.clientY); return; }
    const here = placeAt(svg, toEnvelope(svg, e.clientX, e.clientY));
    if (here) { origin = svg; openAdd(here, e.clientX, e.clientY); }
    else closeTools(false);
  });

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && anchor) { e.preventDefault(); closeTools(); return; }
    if (e.key === "Escape" && picked.length) { picked = []; paintSelection(); }
    const typing = e.target.closest("input, select, textarea, [contenteditable]");
    if (typing) return;
    const actor = e.target.closest?.("#envelope g.actor");
    const coupling = e.target.closest?.("#envelope g.coupling");
    if (actor && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      if (e.key === " " || !picked.includes(actor.dataset.key)) select(actor.dataset.key);
      if (e.key === "Enter") openActor(actor.dataset.key, ...centreOf(actor));
      return;
    }
    if (coupling && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      openCoupling(coupling.dataset.source, coupling.dataset.target, ...centreOf(coupling));
      return;
    }
    if (e.key === "k" && picked.length === 2) { e.preventDefault(); e.stopImmediatePropagation(); couplePicked(); return; }
    if (actor && !actor.classList.contains("citizen")) {
      const key = actor.dataset.key;
      if (e.key === "a") { // add another here: in this actor's panel and ring
        e.preventDefault();
        e.stopImmediatePropagation();
        origin = actor;
        openAdd({ panel: actor.dataset.panel, ring: Number(actor.dataset.ring) || 2 }, ...centreOf(actor));
        return;
      }
      if (["1", "2", "3"].includes(e.key)) {
        e.preventDefault();
        if (actor.dataset.ring !== e.key) move(key, actor.dataset.panel, Number(e.key));
        return;
      }
      if (e.key.startsWith("Arrow")) {
        e.preventDefault();
        const panel = panelOnSide(svgEl(), e.key);
        if (panel && panel !== actor.dataset.panel) move(key, panel, Number(actor.dataset.ring) || 2);
      }
    }
  }, true); // before the meeting keys of kuvert.js, so k couples when two are picked

  // Dragging an actor to another panel or ring, or onto another actor to couple the two:
  // pointer events, so mouse, pen and touch.
  document.addEventListener("pointerdown", (e) => {
    const actor = e.target.closest("#envelope g.actor");
    if (!actor || e.button !== 0) return;
    startHold(actor, e);
    if (actor.classList.contains("citizen")) return;
    drag = { key: actor.dataset.key, g: actor, x: e.clientX, y: e.clientY, id: e.pointerId, moving: false };
  });
  document.addEventListener("pointermove", (e) => {
    if (hold && e.pointerId === hold.id && Math.hypot(e.clientX - hold.x, e.clientY - hold.y) >= DRAG_PX) endHold();
    if (!drag || e.pointerId !== drag.id) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moving && Math.hypot(dx, dy) < DRAG_PX) return;
    if (!drag.moving) { drag.moving = true; drag.g.classList.add("dragging"); closeTools(false); }
    const m = envelopeG(svgEl()).getScreenCTM();
    drag.g.setAttribute("transform", `translate(${dx / m.a} ${dy / m.d})`);
    // Dropped on another actor, the two are coupled: show which one it would be.
    const onto = actorUnder(e);
    svgEl()?.querySelectorAll("g.actor.drop-onto").forEach((x) => { if (x !== onto) x.classList.remove("drop-onto"); });
    onto?.classList.add("drop-onto");
    e.preventDefault();
  });
  // The actor under the pointer, other than the one dragged (which lets the pointer
  // through while it moves: see app.css).
  function actorUnder(e) {
    const g = document.elementFromPoint(e.clientX, e.clientY)?.closest("#envelope g.actor");
    return g && drag && g !== drag.g ? g : null;
  }
  function endDrag(e, cancelled) {
    if (hold && e.pointerId === hold.id) {
      const held = hold.fired;
      endHold();
      if (held) { // the menu is open: the release is not a click, a tap or a drop
        drag = null;
        // A touch's mouse events and click come a moment after the finger lifts.
        quietUntil = performance.now() + 400;
        return;
      }
    }
    if (!drag || e.pointerId !== drag.id) return;
    const { g, key, moving } = drag;
    const onto = moving && !cancelled ? actorUnder(e) : null;
    drag = null;
    if (!moving) return;
    swallowClick = true;
    setTimeout(() => { swallowClick = false; }, 0);
    g.classList.remove("dragging");
    onto?.classList.remove("drop-onto");
    const svg = svgEl();
    if (onto) { // one actor dropped on another: couple them, the state chosen right there
      g.removeAttribute("transform");
      picked = [key, onto.dataset.key];
      paintSelection();
      couplePicked();
      return;
    }
    const here = cancelled ? null : placeAt(svg, toEnvelope(svg, e.clientX, e.clientY));
    if (here && (here.panel !== g.dataset.panel || String(here.ring) !== g.dataset.ring)) {
      move(key, here.panel, here.ring);
    } else {
      g.removeAttribute("transform");
    }
  }
  // Long-press (touch, pen or mouse held still): the actor menu, as a click or Enter
  // opens it, and nothing else: no drag starts and the release does not act again.
  function startHold(actor, e) {
    endHold();
    hold = { g: actor, x: e.clientX, y: e.clientY, id: e.pointerId, fired: false };
    hold.timer = setTimeout(() => holdDone(e.clientX, e.clientY), HOLD_MS);
  }
  function holdDone(clientX, clientY) {
    if (!hold || hold.fired || !hold.g.isConnected) { endHold(); return; }
    hold.fired = true;
    clearTimeout(hold.timer);
    const key = hold.g.dataset.key;
    if (drag) { drag.g.classList.remove("dragging"); drag.g.removeAttribute("transform"); drag = null; }
    if (!picked.includes(key)) select(key);
    openActor(key, clientX, clientY);
  }
  function endHold() {
    if (hold) clearTimeout(hold.timer);
    hold = null;
  }
  // A finger or pen held still makes the browser's own long-press (a context menu), and
  // so does the right mouse button: on an actor, that is the actor menu.
  document.addEventListener("contextmenu", (e) => {
    const actor = e.target.closest("#envelope g.actor");
    if (!actor) return;
    e.preventDefault();
    const key = actor.dataset.key;
    if (hold && !hold.fired) holdDone(hold.x, hold.y);
    // The browser's long-press focuses the actor it is on; the open menu keeps the focus.
    else if (anchor?.kind === "actor" && anchor.key === key && !$("tool-actor").hidden) focusMenu();
    else if (!hold) {
      if (!picked.includes(key)) select(key);
      openActor(key, e.clientX, e.clientY);
    }
  });
  document.addEventListener("pointerup", (e) => endDrag(e, false));
  document.addEventListener("pointercancel", (e) => endDrag(e, true));

  document.addEventListener("htmx:afterSwap", afterSwap);
  document.addEventListener("htmx:afterSettle", wireEnvelope);
  document.addEventListener("DOMContentLoaded", wireEnvelope);
})();
