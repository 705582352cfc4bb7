"""A cheap estimate of an event's JSON size, for the byte bounds of the buffer and of batches.
json.dumps on the app's call path would cost more than the rest of a span; this walk is bounded:
breadth first, at most BUDGET containers, and at most PER entries of each (itertools.islice, and
len() for the rest), so a huge prompt or a 2-million-key dict costs what a small one does. It
leans high: every string reached is counted at its full length, bytes by theirs; a container's
entries past PER count as its sampled ones did on average (a string beside a long list is still
reached, whichever comes first), and a container past the budget counts FLOOR an entry. The
sender measures the real serialised size before sending; this keeps the buffer's memory bounded."""
from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Any, Deque, Tuple

BUDGET = 128
PER = 32
# What an entry left unvisited is taken to weigh at least.
FLOOR = 16


def _leaf(x: Any) -> int:
    """The size of a value that is not a container, or -1."""
    if isinstance(x, str):
        return len(x) + 3
    if x is None or isinstance(x, (bool, int, float)):
        return 12
    if isinstance(x, (bytes, bytearray, memoryview)):
        return len(x) + 16
    return -1


def _container(x: Any) -> Any:
    if isinstance(x, (dict, list, tuple, set, frozenset)):
        return x
    d = getattr(x, "__dict__", None)  # a provider object or dataclass: its fields
    return d if isinstance(d, dict) else None


def estimate_bytes(v: Any) -> int:
    try:
        n = _leaf(v)
        return n if n >= 0 else _estimate(v)
    except Exception:  # noqa: BLE001 (an app's object whose len() or items() fails)
        return 1024


def _estimate(v: Any) -> int:
    total = 0.0
    nodes = 0
    queue: Deque[Tuple[Any, float]] = deque([(v, 1.0)])
    while queue:
        x, w = queue.popleft()
        c = _container(x)
        if c is None:
            total += w * 64  # written by str(): unknown, not nothing
            continue
        n = len(c)
        if nodes >= BUDGET:
            total += w * (2 + n * FLOOR)
            continue
        nodes += 1
        total += w * 2
        if not n:
            continue
        take = min(n, PER)
        scale = w * n / take
        if isinstance(c, dict):
            for key, y in islice(c.items(), take):
                size = (len(key) if isinstance(key, str) else 12) + 4
                leaf = _leaf(y)
                if leaf >= 0:
                    size += leaf
                else:
                    queue.append((y, scale))
                total += scale * size
        else:
            for y in islice(c, take):
                leaf = _leaf(y)
                if leaf >= 0:
                    total += scale * (leaf + 1)
                else:
                    total += scale
                    queue.append((y, scale))
    return int(total) + 1
