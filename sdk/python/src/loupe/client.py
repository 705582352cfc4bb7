"""The Loupe client: configuration, traces, observe, and the flush/shutdown contract. Events go to
a bounded in-memory buffer and leave in background batches (sender.py); nothing the app calls
waits on the network or raises, except flush()/shutdown(), which raise LoupeDeliveryError rather
than pretend."""
from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
import weakref
from typing import Any, Callable, Dict, Mapping, Optional, Set, TypeVar, Union, overload

from .context import current
from .errors import LoupeDeliveryError, LoupeError
from .ids import trace_id as new_trace_id
from .models import Metadata, User
from .observation import INERT_TRACE, SPAN, Observation, Span, Trace
from .observe import make_observer
from .sender import Sender, SenderOptions

logger = logging.getLogger("loupe")

DEFAULT_BASE_URL = "http://127.0.0.1:4318"
# Open spans remembered for a flush's snapshot; older ones are still sent when they end.
MAX_OPEN_TRACKED = 10_000

F = TypeVar("F", bound=Callable[..., Any])


def _env_bool(name: str) -> Optional[bool]:
    v = os.environ.get(name)
    if v is None:
        return None
    return not re.match(r"^(false|0|no|off)$", v.strip(), re.IGNORECASE)


class _Recorder:
    """The narrow interface observations record through (observation.Recorder)."""

    __slots__ = ("_client",)

    def __init__(self, client: "Loupe") -> None:
        self._client = client

    def enqueue(self, type_: int, item: Any, size: int) -> None:
        c = self._client
        if c._sender is not None and not c._closed:
            c._sender.enqueue(type_, item, size)

    def opened(self, span: Span) -> None:
        c = self._client
        with c._open_lock:
            if len(c._open) >= MAX_OPEN_TRACKED:
                del c._open[next(iter(c._open))]
            c._open[span] = None

    def closed(self, span: Span) -> None:
        c = self._client
        with c._open_lock:
            c._open.pop(span, None)

    def internal_error(self, e: BaseException) -> None:
        self._client._internal_error(e)


# Every client not shut down, for the one atexit handler and the one fork hook. Held weakly: a
# client's sender holds it strongly while it has events buffered or in flight (they are still
# for the exit flush), and lets go once idle, so a client the app dropped is collected (its
# sender thread then stops), as the TypeScript SDK's WeakRef.
_clients: "weakref.WeakSet[Loupe]" = weakref.WeakSet()


def _warner(ref: "weakref.ReferenceType[Loupe]") -> Callable[[str, str], None]:
    def warn(key: str, message: str) -> None:
        c = ref()
        if c is not None:
            c._warn_once(key, message)
    return warn


class Loupe:
    """Sends traces to a Loupe server. Create one per process; `Loupe.active()` (and the
    module-level `observe` and `wrap_openai`) use the most recently made one."""

    _last: "Optional[Loupe]" = None

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        *,
        enabled: Optional[bool] = None,
        evaluation_only: Optional[bool] = None,
        environment: Optional[str] = None,
        release: Optional[str] = None,
        flush_at: int = 100,
        flush_interval: float = 1.0,
        max_batch_items: int = 1000,
        max_batch_bytes: int = 2 * 1024 * 1024,
        max_queue_items: int = 10_000,
        max_queue_bytes: int = 32 * 1024 * 1024,
        request_timeout: float = 10.0,
        max_retries: int = 5,
        retry_base: float = 0.25,
        retry_max: float = 10.0,
        flush_timeout: float = 30.0,
        exit_timeout: float = 2.0,
        flush_at_exit: bool = True,
        on_error: Optional[Callable[[LoupeError], None]] = None,
    ) -> None:
        self._warned: Set[str] = set()
        self._closed = False
        self._sender: Optional[Sender] = None
        self._open: Dict[Span, None] = {}
        self._open_lock = threading.Lock()
        self._on_error = on_error
        self._rec = _Recorder(self)
        self.exit_timeout = exit_timeout
        self.flush_at_exit = flush_at_exit
        self.enabled: bool = enabled if enabled is not None else (_env_bool("LOUPE_ENABLED") is not False)
        ev = evaluation_only if evaluation_only is not None else _env_bool("LOUPE_EVALUATION_ONLY")
        self.evaluation_only: bool = bool(ev)
        self.environment = environment if environment is not None else os.environ.get("LOUPE_ENVIRONMENT")
        self.release = release if release is not None else os.environ.get("LOUPE_RELEASE")
        Loupe._last = self
        if not self.enabled:
            return
        key = api_key if api_key is not None else os.environ.get("LOUPE_API_KEY")
        if not key:
            self._warn_once("key", "Loupe: no api_key (argument or LOUPE_API_KEY): the server will refuse every "
                                   "event, and flush() will say so.")
        url = (base_url or os.environ.get("LOUPE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self._sender = Sender(SenderOptions(
            base_url=url, api_key=key, flush_at=flush_at, flush_interval=flush_interval,
            max_batch_items=max_batch_items, max_batch_bytes=max_batch_bytes, max_queue_items=max_queue_items,
            max_queue_bytes=max_queue_bytes, request_timeout=request_timeout, max_retries=max_retries,
            retry_base=retry_base, retry_max=retry_max, flush_timeout=flush_timeout,
        ), _warner(weakref.ref(self)), on_error, owner=weakref.ref(self))
        _clients.add(self)
        # Collected (dropped by the app, nothing buffered): its sender's thread stops. Not at exit,
        # where the atexit handler flushes instead.
        fin = weakref.finalize(self, self._sender.stop)
        fin.atexit = False

    @classmethod
    def active(cls) -> "Optional[Loupe]":
        """The most recently constructed client: for integrations called without one."""
        return cls._last

    # -- traces ---------------------------------------------------------------------------------

    def trace(
        self,
        *,
        id: Optional[str] = None,  # noqa: A002
        name: Optional[str] = None,
        conversation_id: Optional[str] = None,
        session_id: Optional[str] = None,
        metadata: Union[Metadata, Mapping[str, Any], None] = None,
        user: Union[User, str, None] = None,
        user_id: Optional[str] = None,
        tags: Optional[list] = None,
        environment: Optional[str] = None,
        release: Optional[str] = None,
        test_id: Optional[str] = None,
        input: Any = None,  # noqa: A002
        external_id: Optional[str] = None,
        **unknown: Any,
    ) -> Trace:
        """Starts a trace: a conversation turn, an agent run, a request. `session_id` groups
        traces; `conversation_id` is the session when no session_id is given (and is kept in
        metadata.conversationId either way)."""
        try:
            if not self.enabled or self._sender is None:
                return INERT_TRACE
            if self._closed:
                self._warn_once("closed", "Loupe: this client was shut down; later calls record nothing.")
                return INERT_TRACE
            if unknown:
                # A keyword of another SDK version: ignored, said once, never an error in the app.
                self._warn_once("unknown-trace-options", f"Loupe: trace() ignored unknown options: {sorted(unknown)}")
            opts = {
                "name": name, "conversation_id": conversation_id, "session_id": session_id, "metadata": metadata,
                "user": user, "user_id": user_id, "tags": tags, "environment": environment, "release": release,
                "test_id": test_id, "input": input, "external_id": external_id,
            }
            return Trace(self._rec, id or new_trace_id(), opts, environment=self.environment,
                         release=self.release, evaluation_only=self.evaluation_only)
        except Exception as e:  # noqa: BLE001
            self._internal_error(e)
            return INERT_TRACE

    def current(self) -> Optional[Observation]:
        """The innermost active observation (observe, `with span:`), or None."""
        try:
            return current()
        except Exception:  # noqa: BLE001
            return None

    @overload
    def observe(self, func: F) -> F: ...
    @overload
    def observe(self, func: None = None, *, name: Optional[str] = None, kind: str = "span",
                metadata: Optional[Dict[str, Any]] = None, capture_input: bool = True,
                capture_output: bool = True, trace: Optional[Dict[str, Any]] = None) -> Callable[[F], F]: ...

    def observe(self, func: Optional[F] = None, *, name: Optional[str] = None, kind: str = "span",
                metadata: Optional[Dict[str, Any]] = None, capture_input: bool = True,
                capture_output: bool = True, trace: Optional[Dict[str, Any]] = None) -> Any:
        """Decorator: each call of the function (sync, async, generator or async generator) is a
        span of `kind` under the current observation; the outermost call also starts a trace
        (`trace`: client.trace() keywords for it). `@client.observe` and `@client.observe(...)`."""
        deco = make_observer(lambda: self, name=name, kind=kind, metadata=metadata, capture_input=capture_input,
                             capture_output=capture_output, trace=trace)
        return deco(func) if func is not None else deco

    # -- delivery -----------------------------------------------------------------------------

    def flush(self, timeout: Optional[float] = None) -> None:
        """Sends everything buffered before this call, and spans still open as they are (their end
        follows as an update). Returns once the server acknowledged all of it; otherwise raises
        LoupeDeliveryError saying how many events were not stored and why. `timeout` in seconds
        (default flush_timeout)."""
        if self._sender is None:
            return
        self._snapshot_open()
        self._sender.flush(timeout)

    def shutdown(self, timeout: Optional[float] = None) -> None:
        """Flushes (raising as flush() does) and stops: later calls record nothing."""
        if self._sender is None:
            return
        if self._closed:
            self._warn_once("shutdown", "Loupe: shutdown() was already called; this call does nothing.")
            return
        try:
            self.flush(timeout)
        finally:
            self._closed = True
            self._sender.abandon()
            _clients.discard(self)

    def stats(self) -> Dict[str, int]:
        """Counts since the client started: sent, dropped, retried (requests), failed (events),
        buffered, in_flight."""
        if self._sender is None:
            return {"sent": 0, "dropped": 0, "retried": 0, "failed": 0, "buffered": 0, "in_flight": 0}
        return self._sender.stats()

    # -- internals ----------------------------------------------------------------------------

    def _snapshot_open(self) -> None:
        try:
            with self._open_lock:
                spans = list(self._open)
            for s in spans:
                if s._sent_open or s._root._muted or s.ended:
                    continue
                s._sent_open = True
                self._sender.enqueue(SPAN, s, s._bytes())  # type: ignore[union-attr]
        except Exception as e:  # noqa: BLE001
            self._internal_error(e)

    def _pending(self) -> bool:
        if self._sender is None or self._closed:
            return False
        with self._open_lock:
            unsent_open = any(not s._sent_open for s in self._open)
        return unsent_open or not self._sender.idle

    def _at_exit(self) -> None:
        if self._sender is None or self._closed or not self.flush_at_exit:
            return
        try:
            if self._pending():
                self._snapshot_open()
                self._sender.flush(self.exit_timeout, at_exit=True)
        except LoupeDeliveryError as e:
            self._warn_once("exit", f"{e} (at exit)")
        except Exception as e:  # noqa: BLE001
            self._internal_error(e)
        finally:
            self._sender.abandon(timeout=min(1.0, self.exit_timeout))

    def _after_fork_in_child(self) -> None:
        # The parent's lock may have been held at the fork; the parent's open spans are its own.
        self._open_lock = threading.Lock()
        self._open = {}
        if self._sender is not None:
            self._sender.after_fork_in_child()

    def _internal_error(self, e: BaseException) -> None:
        if self._on_error is not None:
            try:
                self._on_error(LoupeError("internal", f"Loupe: internal error: {e}", 0, e))
            except Exception:  # noqa: BLE001 (the app's hook failing is not ours to surface)
                pass
        self._warn_once("internal", f"Loupe: internal error (tracing continues): {e!r}")

    def _warn_once(self, key: str, message: str) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        try:
            logger.warning(message)
        except Exception:  # noqa: BLE001
            pass


def _exit_all() -> None:
    for c in list(_clients):
        c._at_exit()


def _fork_child() -> None:
    for c in list(_clients):
        try:
            c._after_fork_in_child()
        except Exception:  # noqa: BLE001
            pass
    # A multiprocessing worker started by fork ends with os._exit(), which skips atexit; it runs
    # its finalizers first. It clears those inherited from the parent after this hook, then runs
    # its after-fork callbacks: the finalizer is registered from one of those.
    mp_util = sys.modules.get("multiprocessing.util")
    clients = list(_clients)
    if mp_util is not None and clients:
        try:
            mp_util.register_after_fork(clients[0], _register_mp_finalizer)
        except Exception:  # noqa: BLE001
            pass


def _register_mp_finalizer(_: object) -> None:
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        mp_util.Finalize(None, _exit_all, exitpriority=10)


atexit.register(_exit_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fork_child)
