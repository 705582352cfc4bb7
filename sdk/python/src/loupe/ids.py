"""OpenTelemetry-sized ids (trace 16 bytes = 32 hex, span 8 bytes = 16 hex), as the TypeScript
SDK makes them, so spans of both SDKs and of an OpenTelemetry bridge can share a trace."""
from __future__ import annotations

import os


def _hex(n: int) -> str:
    while True:
        b = os.urandom(n)
        # An all-zero id is invalid in OpenTelemetry: astronomically rare, but cheap to rule out.
        if any(b):
            return b.hex()


def trace_id() -> str:
    return _hex(16)


def span_id() -> str:
    return _hex(8)
