"""Time envelope layout + SVG rendering for generated networks of growing size.

Run: ``.venv/bin/python bench/render.py``. Target (issue 15): ≤ 5 ms median for 60
actors with 150 couplings, met only with a 20 % margin. Beside it, in the same run,
Graphviz ``neato -Tsvg`` (the Debian package; the whole process, as a server would
call it) draws the same network from its DOT export, and the SVG sizes of both are
reported. The networks are generated from a fixed seed, so runs are comparable
(``tests.helpers.networks.network``, which the PDF tests print too).

Beside the time, :func:`readability` counts for the demo cases and the generated
networks what a reader would hold against the drawing (issue 12): couplings that run
through another actor's box (target 0 for the demo cases) and crossings between
couplings, with the label size chosen.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.graph.document import GraphDocument
from app.graph.examples import EXAMPLES
from app.graph.export import to_dot
from app.graph.layout import layout_document
from app.graph.route import route_couplings, route_stats
from app.graph.svg import clear_caches, render_svg
from tests.helpers.networks import network


def measure(doc: GraphDocument, repeat: int) -> tuple[float, float]:
    """Median and p95 in milliseconds (wall clock) of ``render_svg``, layout included."""
    return measure_both(doc, repeat)[:2]


def measure_both(doc: GraphDocument, repeat: int) -> tuple[float, float, float]:
    """Wall-clock median and p95, and the median CPU time of this thread, in ms. On a
    shared machine the wall clock also counts time spent waiting for a core."""
    render_svg(doc, prototype=3)  # warm up
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.thread_time()
        render_svg(doc, prototype=3)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))],
            statistics.median(cpu))


def measure_cold(doc: GraphDocument, repeat: int) -> float:
    """Median CPU ms of ``render_svg`` with nothing kept from the drawing before (the
    labels' lines, legend and title block measured again): a case drawn for the first
    time, or with every label changed. The other figures draw the same case again, as
    after an edit, where those are kept."""
    cpu = []
    for _ in range(repeat):
        clear_caches()
        start_cpu = time.thread_time()
        render_svg(doc, prototype=3)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return statistics.median(cpu)


CASES = [(5, 6, 200), (20, 40, 200), (60, 150, 200), (150, 300, 50)]
TARGET_MEDIAN_MS = 5.0  # at 60 actors / 150 couplings
MARGIN = 1.2
NEATO = shutil.which("neato")
NEATO_REPEAT = 20


def measure_neato(doc: GraphDocument, repeat: int = NEATO_REPEAT) -> tuple[float, int] | None:
    """Median ms of ``neato -Tsvg`` as a whole process on ``doc``'s DOT, and its SVG bytes."""
    if NEATO is None:
        return None
    dot = to_dot(doc).encode()
    times, size = [], 0
    for _ in range(repeat + 1):
        start = time.perf_counter()
        out = subprocess.run([NEATO, "-Tsvg"], input=dot, capture_output=True, check=True,
                             timeout=60).stdout
        times.append((time.perf_counter() - start) * 1000)
        size = len(out)
    return statistics.median(times[1:]), size


def measure_all() -> list[dict[str, float]]:
    """One row per network size: median and p95 in ms, SVG bytes; neato beside it."""
    rows = []
    for actors, couplings, repeat in CASES:
        doc = network(actors, couplings)
        median, p95, cpu = measure_both(doc, repeat)
        row: dict[str, float] = {"actors": actors, "couplings": couplings,
                                 "median_ms": median, "p95_ms": p95, "cpu_ms": cpu,
                                 "cold_cpu_ms": measure_cold(doc, repeat),
                                 "bytes": len(render_svg(doc, prototype=3).encode())}
        neato = measure_neato(doc, NEATO_REPEAT if actors <= 60 else 5)
        if neato is not None:
            row["neato_ms"], row["neato_bytes"] = neato
        rows.append(row)
    return rows


READABILITY_NETWORKS = [(20, 40), (60, 150), (150, 300)]


def readability() -> list[dict[str, Any]]:
    """Per demo case and generated network: label size, lines through boxes, crossings."""
    cases: list[tuple[str, GraphDocument]] = [(name, make()) for name, make in
                                               sorted(EXAMPLES.items())]
    cases += [(f"generated {a}/{c}", network(a, c)) for a, c in READABILITY_NETWORKS]
    rows = []
    for name, doc in cases:
        lay = layout_document(doc)
        stats = route_stats(lay, route_couplings(doc, lay))
        rows.append({"case": name, "demo": name in EXAMPLES, "actors": len(doc.actors) - 1,
                     "couplings": len(doc.couplings), "font": lay.font_size,
                     "passes": stats.passes, "crossings": stats.crossings})
    return rows


def main() -> list[dict[str, float]]:
    rows = measure_all()
    if NEATO is None:
        print("neato (Debian package graphviz) is not installed: no comparison.")
    print(f"{'actors':>6} {'couplings':>9} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} "
          f"{'cold CPU':>8} {'bytes':>7} "
          f"{'neato ms':>9} {'neato B':>8}")
    for row in rows:
        print(f"{row['actors']:>6} {row['couplings']:>9} {row['median_ms']:>10.2f} "
              f"{row['p95_ms']:>8.2f} {row['cpu_ms']:>7.2f} {row['cold_cpu_ms']:>8.2f} "
              f"{row['bytes']:>7.0f} "
              f"{row.get('neato_ms', 0):>9.1f} "
              f"{row.get('neato_bytes', 0):>8.0f}")
    print(f"\n{'case':<22} {'actors':>6} {'couplings':>9} {'label px':>8} "
          f"{'through boxes':>13} {'crossings':>9}")
    for r in readability():
        print(f"{r['case']:<22} {r['actors']:>6} {r['couplings']:>9} {r['font']:>8g} "
              f"{r['passes']:>13} {r['crossings']:>9}")
    return rows


if __name__ == "__main__":
    main()
