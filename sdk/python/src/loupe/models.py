"""Seed 004's value objects: Metadata and User, given to client.trace()."""
from __future__ import annotations

from typing import Any, Dict, List, Optional


class Metadata:
    """A trace's context. `environment`, `release` and `tags` become the trace's own fields (what
    the dashboard filters on); any other keyword is kept in the trace's metadata."""

    def __init__(self, environment: Optional[str] = None, release: Optional[str] = None,
                 tags: Optional[List[str]] = None, **extra: Any) -> None:
        self.environment = environment
        self.release = release
        self.tags = tags
        self.extra: Dict[str, Any] = dict(extra)

    def __repr__(self) -> str:
        return f"Metadata(environment={self.environment!r}, release={self.release!r}, tags={self.tags!r}, extra={self.extra!r})"


class User:
    """The end user of a trace: `id` becomes the trace's userId; any other keyword (name, email…)
    is kept in the trace's metadata under "user"."""

    def __init__(self, id: str, **extra: Any) -> None:  # noqa: A002 (seed 004 names it id)
        self.id = id
        self.extra: Dict[str, Any] = dict(extra)

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, extra={self.extra!r})"
