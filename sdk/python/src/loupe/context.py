"""Which observation is current, so nested code need not pass parents around. A ContextVar
follows threads (each its own), asyncio tasks (each a copy of its creator's context: concurrent
calls under asyncio.gather stay apart) and generators (set around each step by observe)."""
from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .observation import Observation

current_observation: "contextvars.ContextVar[Optional[Observation]]" = contextvars.ContextVar(
    "loupe_current_observation", default=None
)


def current() -> "Optional[Observation]":
    """The innermost observation set here, unless it (or its trace) has ended: as the TypeScript
    SDK, work done after an end starts afresh rather than nesting under something closed."""
    c = current_observation.get()
    if c is None:
        return None
    try:
        if c._root.ended or getattr(c, "ended", False):
            return None
    except Exception:  # noqa: BLE001
        return None
    return c
