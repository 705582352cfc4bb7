"""Epoch milliseconds from a monotonic clock anchored once to the wall clock: durations stay exact
across wall-clock steps, start times are wall-clock times (as the TypeScript SDK's clock)."""
from __future__ import annotations

import time

_anchor_ns = time.time_ns() - time.perf_counter_ns()


def now_ms() -> float:
    return (_anchor_ns + time.perf_counter_ns()) / 1e6


def reanchor() -> None:
    """Called off the hot path by the sender: the monotonic clock drifts from NTP over hours."""
    global _anchor_ns
    fresh = time.time_ns() - time.perf_counter_ns()
    if abs(fresh - _anchor_ns) > 1_000_000:
        _anchor_ns = fresh


def wire_time(ms: float) -> float:
    """Epoch ms with µs precision, the finest the server stores."""
    return round(ms * 1000) / 1000
