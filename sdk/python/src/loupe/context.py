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
    return current_observation.get()
