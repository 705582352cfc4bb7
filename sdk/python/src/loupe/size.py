"""A cheap estimate of an event's JSON size, for the buffer's and batches' byte bounds: a walk of
at most BUDGET values, extrapolated, so a huge prompt costs the app what a small one does."""
from __future__ import annotations

from typing import Any, List

BUDGET = 64


def estimate_bytes(v: Any) -> int:
    if v is None:
        return 4
    if isinstance(v, str):
        return len(v) + 2
    if isinstance(v, (int, float, bool)):
        return 8
    budget = BUDGET
    total = 0
    seen = 0
    skipped = 0
    stack: List[Any] = [v]
    while stack:
        x = stack.pop()
        if budget <= 0:
            skipped += len(stack) + 1
            break
        budget -= 1
        seen += 1
        if isinstance(x, str):
            total += len(x) + 3
        elif isinstance(x, dict):
            total += 2
            for k, y in x.items():
                total += len(str(k)) + 4
                stack.append(y)
        elif isinstance(x, (list, tuple)):
            total += 2
            stack.extend(x)
        else:
            total += 8
    # Unvisited values are taken to be as big as the average visited one.
    return total + (-(-total * skipped // seen) if skipped else 0)
