"""Loupe: tracing for LLM apps, sent to a Loupe server's native ingest API. Standard library only."""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from .client import Loupe
from .errors import DeliveryFailure, LoupeDeliveryError, LoupeError
from .ids import span_id as new_span_id
from .ids import trace_id as new_trace_id
from .models import Metadata, User
from .observation import Generation, Observation, Span, Trace
from .observe import make_observer
from .openai import wrap_openai

__version__ = "0.1.0"


def observe(func: Optional[Callable[..., Any]] = None, *, name: Optional[str] = None, kind: str = "span",
            metadata: Optional[Dict[str, Any]] = None, capture_input: bool = True, capture_output: bool = True,
            trace: Optional[Dict[str, Any]] = None) -> Any:
    """client.observe with the most recently made client, looked up at each call (so a module can
    decorate its functions before the app makes its client). Without a client the function runs
    unchanged."""
    deco = make_observer(Loupe.active, name=name, kind=kind, metadata=metadata, capture_input=capture_input,
                         capture_output=capture_output, trace=trace)
    return deco(func) if func is not None else deco


def current() -> Optional[Observation]:
    """The innermost active observation (observe, `with span:`), or None."""
    from .context import current as _current
    return _current()


__all__ = [
    "Loupe", "Metadata", "User", "Trace", "Span", "Generation", "Observation", "LoupeDeliveryError", "LoupeError",
    "DeliveryFailure", "observe", "current", "wrap_openai", "new_trace_id", "new_span_id",
]
