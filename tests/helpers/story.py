"""The Lene story of issue 12, mapped on the envelope alone as a person would, by mouse.

Shared by the browser test (tests/browser/test_envelope_actions.py) and the meeting
benchmark (``bench/meeting.py``, which imports it from here): the same steps, counted the
way the issue counts them (clicks/taps + fields filled + keys), with the time from each
press to the updated envelope on screen measured inside the page.

    Lene, 45, sygemeldt efter stress, bor alene, har en voksen søn. Omkring hende:
    sagsbehandler i Jobcenter (koordinerer), psykolog (privat praksis), egen læge,
    virksomhedskonsulent, hendes søn, en veninde, en frivillig fra Café Exit, og en
    gældsrådgiver fra en forening. Sagsbehandleren og psykologen skal koble sig på
    hinanden; lægen og sagsbehandleren har en etableret kobling; sønnen og Lene har en
    anstrengt relation. Aftale: sagsbehandleren kontakter psykologen inden 1. februar 2027.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from app.graph.document import parse_document
from app.graph.layout import layout_document
from app.graph.place import place_at

__all__ = ["LENE_ACTORS", "LENE_COUPLINGS", "MEASURE_SCRIPT", "SETTLE_MS", "VIEWPORT", "Count",
           "map_lene", "measured", "settle", "spot"]

#: The laptop screen of the issue's target ("no scrolling at 1536×864").
VIEWPORT = {"width": 1536, "height": 864}
SETTLE_MS = 10_000

#: After the story: each actor's (panel, organisation), the citizen "lene" in the centre.
LENE_ACTORS: dict[str, tuple[str | None, str | None]] = {
    "lene": (None, None), "sagsbehandler": ("afdelinger", "Jobcenter"),
    "virksomhedskonsulent": ("afdelinger", None),
    "psykolog": ("organisationer", "Privat praksis"), "egen-læge": ("organisationer", None),
    "søn": ("netvaerk", None), "veninde": ("netvaerk", None),
    "frivillig": ("civilsamfund", "Café Exit"), "gældsrådgiver": ("civilsamfund", "Forening")}
LENE_COUPLINGS: list[dict[str, Any]] = [
    {"source": "sagsbehandler", "target": "psykolog", "state": "needed",
     "agreements": [{"who": "sagsbehandler", "what": "Kontakter psykologen",
                     "due": "2027-02-01"}]},
    {"source": "egen-læge", "target": "sagsbehandler", "state": "established",
     "agreements": []},
    {"source": "søn", "target": "lene", "state": "strained", "agreements": []}]

# In the page, from its first request: the time of the last press (pointer or key), and
# for every new envelope drawing after one, how long it took until the frame after it, and
# how much of that the request took (sent to answer read). A drag (the pointer released
# more than 4 px from where it was pressed) counts from its release: the drop is what the
# person asks for; the time their hand takes to move there is not the page's.
# Scrolling anywhere in the page (the window or an inner box) is recorded too.
MEASURE_SCRIPT = """
(() => {
  const m = window.__kuvertMeasure = {latencies: [], requests: [], scrolls: 0, maxScroll: 0};
  let pressed = null, drawn = null, at = null;
  const press = () => { pressed = performance.now(); };
  addEventListener("pointerdown", (e) => { press(); at = [e.clientX, e.clientY]; }, true);
  addEventListener("pointerup", (e) => {
    if (at && Math.hypot(e.clientX - at[0], e.clientY - at[1]) > 4) press();
  }, true);
  addEventListener("keydown", press, true);
  addEventListener("scroll", () => {
    m.scrolls += 1;
    m.maxScroll = Math.max(m.maxScroll, scrollX, scrollY);
  }, true);
  new MutationObserver(() => {
    const svg = document.querySelector("#envelope svg");
    if (!svg || svg === drawn) return;
    const first = drawn === null;
    drawn = svg;
    if (first || pressed === null) return;  // the first drawing, or a change by others
    const start = pressed;
    pressed = null;
    requestAnimationFrame(() => {
      m.latencies.push(performance.now() - start);
      // The request's own share (sent → answer read), from the browser's resource timing.
      const asked = performance.getEntriesByType("resource").filter((e) =>
        e.startTime >= start && ["xmlhttprequest", "fetch"].includes(e.initiatorType));
      m.requests.push(asked.length ? Math.max(...asked.map((e) => e.responseEnd - e.startTime))
                                   : null);
    });
  }).observe(document, {subtree: true, childList: true});
})();
"""


def settle(page: Page, version: int) -> None:
    """Wait until the page has no request on its way and shows ``version``."""
    page.wait_for_function("() => window.kuvertIdle && window.kuvertIdle()",
                           timeout=SETTLE_MS)
    expect(page.locator("#case-version")).to_have_text(str(version), timeout=SETTLE_MS)
    page.wait_for_function("() => window.kuvertIdle()", timeout=SETTLE_MS)


def measured(page: Page) -> dict[str, Any]:
    """What ``MEASURE_SCRIPT`` recorded so far (the page's context must have it)."""
    found: dict[str, Any] = page.evaluate("() => window.__kuvertMeasure")
    return found


def spot(page: Page, doc: dict[str, Any], panel: str, ring: int) -> tuple[float, float]:
    """A point (in the page) of the envelope in ``panel`` and ``ring``, found with the
    server's rule (place_at) on the layout of ``doc`` (the stored document), away from
    every actor and not under an open tool."""
    lay = layout_document(parse_document(doc))
    boxes = [a.box for a in (lay.citizen, *lay.actors)]
    cx, cy = lay.centre
    bounds = lay.ring_bounds
    side = {"afdelinger": (0, -1), "organisationer": (1, 0), "civilsamfund": (0, 1),
            "netvaerk": (-1, 0)}[panel]
    s = (bounds[ring - 1] + bounds[ring]) / 2
    for shift in (0.0, 0.2, -0.2, 0.35, -0.35, 0.5, -0.5, 0.65, -0.65):
        x = cx + side[0] * s * cx + (shift * s * cx if side[0] == 0 else 0)
        y = cy + side[1] * s * cy + (shift * s * cy if side[1] == 0 else 0)
        clear = all(not (b.x - 8 <= x <= b.right + 8 and b.y - 8 <= y <= b.bottom + 8)
                    for b in boxes)
        if not clear or place_at(lay, (x, y)) != (panel, ring):
            continue
        point = page.evaluate(
            """([x, y]) => { const g = document.querySelector('#envelope svg g.envelope');
                 const p = new DOMPoint(x, y).matrixTransform(g.getScreenCTM());
                 const hit = document.elementFromPoint(p.x, p.y);
                 return hit && hit.closest('#envelope svg') ? [p.x, p.y] : null; }""", [x, y])
        if point:
            break
    else:
        raise AssertionError(f"no free spot in {panel} ring {ring}")
    # The browser's rule on the drawn shapes agrees with the server's.
    assert page.evaluate("([x, y]) => window.kuvertPlaceAt(x, y)", [x, y]) == {
        "panel": panel, "ring": ring}
    return float(point[0]), float(point[1])


class Count:
    """Interactions as the issue counts them: clicks/taps, fields filled, keys pressed
    (a drag is one press: counted as a tap)."""

    def __init__(self, page: Page) -> None:
        self.page, self.clicks, self.fields, self.keys = page, 0, 0, 0

    def click(self, locator: Any) -> None:
        locator.click()
        self.clicks += 1

    def at(self, point: tuple[float, float]) -> None:
        self.page.mouse.click(*point)
        self.clicks += 1

    def fill(self, locator: Any, text: str) -> None:
        locator.fill(text)
        self.fields += 1

    def choose(self, locator: Any, value: str) -> None:
        locator.select_option(value)
        self.fields += 1

    def drag(self, source: Any, target: Any) -> None:
        """One press, moved from ``source`` onto ``target`` and released (one tap)."""
        start, end = source.bounding_box(), target.bounding_box()
        assert start is not None and end is not None
        self.page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        self.page.mouse.down()
        self.page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
        self.page.mouse.up()
        self.clicks += 1

    def key(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1

    @property
    def total(self) -> int:
        return self.clicks + self.fields + self.keys


def _actor(page: Page, key: str) -> Any:
    return page.locator(f'#envelope g.actor[data-key="{key}"]')


def map_lene(page: Page, stored: Callable[[], dict[str, Any]], version: int = 1) -> Count:
    """Map the story on the open case page (a case with only the citizen, key "lene",
    at ``version``), by mouse and the keyboard's Enter; returns the count.

    ``stored`` answers the case's stored document (the API): empty spots are found on
    its layout, as a person finds them by looking.
    """
    n = Count(page)
    v = version
    add = page.locator("#tool-add")

    def panel(name: str, ring: int, kind: str | None,
              people: list[tuple[str, str]]) -> None:
        nonlocal v
        n.at(spot(page, stored(), name, ring))
        if kind:
            n.choose(add.locator("[name=kind]"), kind)
        for label, organisation in people:
            n.fill(add.locator("[name=label]"), label)
            if organisation:
                n.fill(add.locator("[name=organisation]"), organisation)
            n.key("Enter")
            v += 1
            settle(page, v)

    panel("afdelinger", 1, None, [("Sagsbehandler", "Jobcenter"),
                                  ("Virksomhedskonsulent", "")])
    panel("organisationer", 2, None, [("Psykolog", "Privat praksis"), ("Egen læge", "")])
    panel("netvaerk", 1, "network", [("Søn", ""), ("Veninde", "")])
    panel("civilsamfund", 2, "volunteer", [("Frivillig", "Café Exit"),
                                            ("Gældsrådgiver", "Forening")])

    tool = page.locator("#tool-actor")
    coupling = page.locator("#tool-coupling")
    # The coordinator.
    n.click(_actor(page, "sagsbehandler"))
    n.click(tool.get_by_role("button", name="Gør til koordinator"))
    v += 1
    settle(page, v)
    # Couple her with the psychologist: drop one on the other (starts "skal etableres").
    n.drag(_actor(page, "sagsbehandler"), _actor(page, "psykolog"))
    v += 1
    settle(page, v)
    # The agreement, right in the coupling's tool: the caseworker is already "who".
    n.fill(coupling.locator("[name=what]"), "Kontakter psykologen")
    n.fill(coupling.locator("[name=due]"), "01.02.2027")
    n.click(coupling.get_by_role("button", name="Tilføj aftale"))
    v += 1
    settle(page, v)
    for a, b, state in (("egen-læge", "sagsbehandler", "etableret"),
                        ("søn", "lene", "anstrengt")):
        n.drag(_actor(page, a), _actor(page, b))
        v += 1
        settle(page, v)
        n.click(coupling.get_by_role("button", name=state, exact=True))
        v += 1
        settle(page, v)
    return n
