"""Time envelope layout + SVG rendering for generated networks of growing size.

Run: ``.venv/bin/python bench/render.py``. Target (DESIGN §10): ≤ 10 ms median
for 60 actors with 150 couplings. The networks are generated from a fixed seed,
so runs are comparable.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.graph.document import COUPLING_STATES, PANELS, GraphDocument
from app.graph.svg import render_svg

LABELS = ["Socialrådgiver", "UU-vejleder", "Jobkonsulent", "Sundhedsplejerske",
          "Misbrugsbehandler", "Mor", "Frivillig i fodboldklubben", "Boligsocial medarbejder",
          "Psykolog", "Kontaktlærer", "Egen læge", "Moster", "Café (praktikplads)",
          "Koordinerende sagsbehandler i Unge, Uddannelse og Job"]
KINDS = ["professional", "organisation", "network", "volunteer"]


def network(actors: int, couplings: int, seed: int = 1) -> GraphDocument:
    """A random but reproducible network: the citizen plus ``actors`` others."""
    rng = random.Random(seed)
    people = [{"key": "borger", "kind": "citizen", "label": "Borger"}]
    for i in range(actors):
        people.append({"key": f"a{i}", "kind": rng.choice(KINDS),
                       "label": f"{rng.choice(LABELS)} {i}",
                       "panel": rng.choice(PANELS), "ring": rng.choice((1, 2, 3))})
    keys = [p["key"] for p in people]
    pairs: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()
    while len(pairs) < min(couplings, len(keys) * (len(keys) - 1) // 2):
        a, b = rng.sample(keys, 2)
        if frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            pairs.append((a, b))
    return GraphDocument.model_validate({
        "label": f"Bench {actors}", "target_group": "voksne", "actors": people,
        "couplings": [{"source": a, "target": b, "state": rng.choice(COUPLING_STATES)}
                      for a, b in pairs],
        "coordinator": "a0",
    })


def measure(doc: GraphDocument, repeat: int) -> tuple[float, float]:
    """Median and p95 in milliseconds of ``render_svg`` (layout included)."""
    render_svg(doc, prototype=3)  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        render_svg(doc, prototype=3)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


CASES = [(5, 6, 200), (20, 40, 200), (60, 150, 200), (150, 300, 50)]
TARGET_MEDIAN_MS = 10.0  # at 60 actors / 150 couplings


def measure_all() -> list[dict[str, float]]:
    """One row per network size: actors, couplings, median and p95 in ms."""
    rows = []
    for actors, couplings, repeat in CASES:
        median, p95 = measure(network(actors, couplings), repeat)
        rows.append({"actors": actors, "couplings": couplings, "median_ms": median,
                     "p95_ms": p95})
    return rows


def main() -> list[dict[str, float]]:
    rows = measure_all()
    print(f"{'actors':>6} {'couplings':>9} {'median ms':>10} {'p95 ms':>8}")
    for row in rows:
        print(f"{row['actors']:>6} {row['couplings']:>9} {row['median_ms']:>10.2f} "
              f"{row['p95_ms']:>8.2f}")
    return rows


if __name__ == "__main__":
    main()
