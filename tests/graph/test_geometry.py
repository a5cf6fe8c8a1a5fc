"""Plane geometry helpers: the quick rounding must round exactly as ``round`` does."""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from app.graph.geometry import round1, rounded

tenths_and_halves = st.builds(lambda n, k: n / k, st.integers(-10**7, 10**7),
                              st.sampled_from((2, 4, 8, 16, 20, 40, 100, 200, 1000)))


@given(st.floats(allow_nan=True, allow_infinity=True) | tenths_and_halves)
@example(2.675)
@example(-0.04)
@example(0.05)
@example(-0.25)
@example(1e8 + 0.05)
def test_round1_rounds_as_round_does(x: float) -> None:
    fast, slow = round1(x), round(x, 1)
    if math.isnan(slow):
        assert math.isnan(fast)
    else:
        assert fast == slow and math.copysign(1.0, fast) == math.copysign(1.0, slow)


@given(st.floats(allow_nan=True, allow_infinity=True) | tenths_and_halves,
       st.integers(1, 6))
@example(0.0000005, 6)
@example(2.675, 2)
@example(-0.0004, 3)
def test_rounded_rounds_as_round_does(x: float, digits: int) -> None:
    fast, slow = rounded(x, digits), round(x, digits)
    if math.isnan(slow):
        assert math.isnan(fast)
    else:
        assert fast == slow and math.copysign(1.0, fast) == math.copysign(1.0, slow)
