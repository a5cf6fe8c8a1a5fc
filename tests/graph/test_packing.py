"""The label packer: where a ring's rows sit in its band."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.graph.geometry import PanelFrame, Side
from app.graph.packing import Label, LabelMetrics, Packed, _best_start, _rows, pack

SIDES: tuple[Side, ...] = ("top", "right", "bottom", "left")


def best_of_all_starts(frame: PanelFrame, group: list[Label], sizes: list[tuple[float, float]],
                       lo: float, hi: float, m: LabelMetrics, tight: Packed) -> Packed:
    """Every one of the eight starts packed and compared: what _best_start must pick."""
    best, best_key = tight, (_rows(tight.placed), abs((lo + tight.end) / 2 - (lo + hi) / 2))
    for k in range(1, 9):
        res = pack(frame, group, sizes, lo + (hi - lo) * k / 8, hi, m)
        if res is None or not res.placed:
            break
        key = (_rows(res.placed), abs((res.placed[0].u0 + res.end) / 2 - (lo + hi) / 2))
        if key < best_key:
            best, best_key = res, key
    return best


@settings(max_examples=300, deadline=None)
@given(side=st.sampled_from(SIDES), font=st.sampled_from((10.0, 13.0, 20.0)),
       widths=st.lists(st.floats(1.0, 14.0), min_size=1, max_size=24),
       band=st.tuples(st.floats(0.1, 0.6), st.floats(0.02, 0.5)))
def test_best_start_skips_only_starts_that_cannot_win(side: Side, font: float,
                                                      widths: list[float],
                                                      band: tuple[float, float]) -> None:
    frame = PanelFrame.of(side, 1074.8, 760.0)
    m = LabelMetrics.of(font)
    group = [Label(f"a{i}", "network", "p", 1, ("x",) * (1 + i % 3), w, i == 0, False)
             for i, w in enumerate(widths)]
    sizes = [m.size(it) for it in group]
    lo = band[0] * frame.depth
    hi = min(lo + band[1] * frame.depth, frame.depth)
    tight = pack(frame, group, sizes, lo, hi, m)
    if tight is None:
        return
    assert _best_start(frame, group, sizes, lo, hi, m, tight) == best_of_all_starts(
        frame, group, sizes, lo, hi, m, tight)


@given(font=st.floats(5.0, 40.0), widths=st.lists(st.floats(0.0, 20.0), min_size=1, max_size=8),
       blank=st.integers(0, 3))
def test_sizes_agree_with_size(font: float, widths: list[float], blank: int) -> None:
    m = LabelMetrics.of(font)
    labels = [Label(f"a{i}", "network", "p", 1, ("x",) * (i % 4), w, i % 3 == 0, False,
                    blank_lines=blank if i % 2 else 0) for i, w in enumerate(widths)]
    assert m.sizes(labels) == {it.key: m.size(it) for it in labels}
