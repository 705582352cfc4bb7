"""The only errors the SDK hands to the app: LoupeDeliveryError from flush()/shutdown() (which
raise rather than pretend), and LoupeError to the on_error hook. Everything else it catches."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional


@dataclass(frozen=True)
class DeliveryFailure:
    """Why some events were not stored, e.g. "HTTP 401 unauthorized: ...", and how many."""

    reason: str
    count: int


class LoupeDeliveryError(Exception):
    """Raised by flush()/shutdown(): `undelivered` of `total` events were not stored."""

    def __init__(self, total: int, failures: List[DeliveryFailure]) -> None:
        self.total = total
        self.failures = failures
        self.undelivered = sum(f.count for f in failures)
        why = "; ".join(f"{f.reason} ({f.count} {'event' if f.count == 1 else 'events'})" for f in failures)
        super().__init__(f"Loupe: {self.undelivered} of {total} events were not delivered: {why}")


class LoupeError(Exception):
    """What on_error receives: code "dropped", "failed" or "internal", with an event count."""

    def __init__(self, code: str, message: str, count: int = 0, cause: Optional[BaseException] = None) -> None:
        super().__init__(message)
        self.code = code
        self.count = count
        self.cause = cause
