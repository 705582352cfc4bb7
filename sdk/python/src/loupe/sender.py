"""The background sender: a daemon thread that batches the buffer into native ingest requests (by
count, bytes and interval), retries what may succeed later, and keeps the books flush() reports
from. One request is in flight at a time, so a span's start always reaches the server before its
end. The app's threads only append to the buffer under a lock: nothing they call waits on the
network."""
from __future__ import annotations

import email.utils
import http.client
import json
import math
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from .clock import reanchor
from .errors import DeliveryFailure, LoupeDeliveryError, LoupeError
from .llm import plain

RETRY_STATUS = {429, 502, 503, 504}
# How many failed seqs are remembered for flush() to report; past it, counts only.
MAX_REMEMBERED_FAILURES = 100_000
_KEYS = ("traces", "spans", "scores")


@dataclass
class SenderOptions:
    base_url: str
    api_key: Optional[str]
    flush_at: int = 100
    flush_interval: float = 1.0
    max_batch_items: int = 1000
    max_batch_bytes: int = 2 * 1024 * 1024
    max_queue_items: int = 10_000
    max_queue_bytes: int = 32 * 1024 * 1024
    request_timeout: float = 10.0
    max_retries: int = 5
    retry_base: float = 0.25
    retry_max: float = 10.0
    flush_timeout: float = 30.0


@dataclass
class _Queued:
    seq: int
    type: int  # 0 trace, 1 span, 2 score
    item: Any  # has to_wire()
    size: int


@dataclass
class _Failure:
    seqs: List[int]
    reason: str


@dataclass
class _Counts:
    sent: int = 0
    dropped: int = 0
    retried: int = 0
    failed: int = 0


def _json_default(o: Any) -> Any:
    # Values JSON has no form for: provider objects as their fields, the rest as text, rather
    # than losing the whole event.
    p = plain(o)
    if p is not o:
        return p
    if hasattr(o, "isoformat"):
        try:
            return o.isoformat()
        except Exception:  # noqa: BLE001
            pass
    if isinstance(o, (set, frozenset)):
        return list(o)
    if isinstance(o, (bytes, bytearray)):
        return f"<{len(o)} bytes>"
    return str(o)


def _finite(v: Any, depth: int = 0) -> Any:
    """NaN and infinities (which json.dumps writes as invalid JSON) as null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if depth > 50:
        return v
    if isinstance(v, dict):
        return {k: _finite(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x, depth + 1) for x in v]
    return v


def dumps(wire: Any) -> str:
    for attempt in range(3):
        try:
            try:
                return json.dumps(wire, default=_json_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            except ValueError as e:
                if "Circular" in str(e):
                    raise
                return json.dumps(_finite(plain(wire)), default=_json_default, ensure_ascii=False,
                                  separators=(",", ":"), allow_nan=False)
        except RuntimeError:
            # The app changed one of its dicts while it was being written out: try again.
            if attempt == 2:
                raise
    raise RuntimeError("unreachable")


def parse_retry_after(v: Optional[str]) -> Optional[float]:
    """Retry-After as seconds or an HTTP date, in seconds."""
    if not v:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        pass
    try:
        t = email.utils.parsedate_to_datetime(v)
        return max(0.0, t.timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def summarise(text: str) -> str:
    """The server's error message out of its JSON answer, or the start of the text."""
    try:
        j = json.loads(text)
        err = j.get("error") if isinstance(j, dict) else None
        if isinstance(err, dict):
            return f"{err.get('code', '')}: {err.get('message', '')}".strip()
    except ValueError:
        pass
    return text[:200]


class Sender:
    def __init__(self, o: SenderOptions, warn: Callable[[str, str], None],
                 on_error: Optional[Callable[[LoupeError], None]]) -> None:
        self.o = o
        self._warn = warn
        self._on_error = on_error
        self._init_state()

    def _init_state(self) -> None:
        # Reentrant: on_error is called with it held, and may call stats().
        self._cond = threading.Condition(threading.RLock())
        self._queue: Deque[_Queued] = deque()
        self._queue_bytes = 0
        self._first_at = 0.0
        self._seq = 0
        self._inflight: Optional[List[_Queued]] = None
        self._urgent_up_to = 0
        self._failures: List[_Failure] = []
        self._remembered = 0
        self._forgotten = 0
        self._reported_up_to = 0
        self._drop_episode = False
        self._warned_drop = False
        self._stopped = False
        self._stop_event = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._pid = os.getpid()
        self.counts = _Counts()

    def after_fork_in_child(self) -> None:
        """A forked child gets an empty buffer and its own thread (started at its first event):
        the parent's thread does not exist here, and its lock may have been held at the fork."""
        self._init_state()

    # -- the app's side -----------------------------------------------------------------------

    def enqueue(self, type_: int, item: Any, size: int) -> None:
        if self._pid != os.getpid():
            # Forked without our hook (os.register_at_fork missing): start over here.
            self._init_state()
        with self._cond:
            if self._stopped:
                return
            if self._thread is None:
                self._start_thread()
            self._seq += 1
            if not self._queue and self._inflight is None:
                self._first_at = time.monotonic()
            self._queue.append(_Queued(self._seq, type_, item, size))
            self._queue_bytes += size
            if len(self._queue) > self.o.max_queue_items or self._queue_bytes > self.o.max_queue_bytes:
                self._drop_oldest()
            else:
                self._drop_episode = False
            # The thread sleeps without a deadline while the buffer is empty: the first event
            # starts the interval, a full batch ends it.
            if (len(self._queue) == 1 or len(self._queue) >= self.o.flush_at
                    or self._queue_bytes >= self.o.max_batch_bytes):
                self._cond.notify_all()

    def _start_thread(self) -> None:
        t = threading.Thread(target=self._run, name="loupe-sender", daemon=True)
        self._thread = t
        t.start()

    def _drop_oldest(self) -> None:
        dropped: List[int] = []
        # Keep at least the newest event, whatever its size.
        while len(self._queue) > 1 and (len(self._queue) > self.o.max_queue_items or self._queue_bytes > self.o.max_queue_bytes):
            q = self._queue.popleft()
            self._queue_bytes -= q.size
            dropped.append(q.seq)
        if not dropped:
            return
        self.counts.dropped += len(dropped)
        self._remember(dropped, "dropped: the buffer was full (the server too slow or unreachable)")
        if not self._warned_drop:
            self._warned_drop = True
            self._warn("drop", f"Loupe: the event buffer is full ({self.o.max_queue_items} events or "
                               f"{self.o.max_queue_bytes} bytes); dropping the oldest events. stats()['dropped'] "
                               "counts them; this warning is shown once.")
        # on_error once per overflow episode, not once per dropped event.
        if not self._drop_episode:
            self._drop_episode = True
            self._report(LoupeError("dropped", "Loupe: the event buffer is full; dropping the oldest events", len(dropped)))
        self._cond.notify_all()

    def _report(self, err: LoupeError) -> None:
        if self._on_error is None:
            return
        try:
            self._on_error(err)
        except Exception:  # noqa: BLE001 (the app's hook failing is not ours to surface)
            pass

    def _remember(self, seqs: List[int], reason: str) -> None:
        if self._remembered + len(seqs) > MAX_REMEMBERED_FAILURES:
            self._forgotten += len(seqs)
            return
        self._remembered += len(seqs)
        last = self._failures[-1] if self._failures else None
        if last is not None and last.reason == reason and len(last.seqs) < 10_000:
            last.seqs.extend(seqs)
        else:
            self._failures.append(_Failure(list(seqs), reason))

    # -- the thread -----------------------------------------------------------------------------

    def _due(self) -> Optional[float]:
        """Seconds until the head of the queue should go (0: now), None when nothing is queued."""
        if not self._queue:
            return None
        if (self._queue[0].seq <= self._urgent_up_to or len(self._queue) >= self.o.flush_at
                or self._queue_bytes >= self.o.max_batch_bytes):
            return 0.0
        return max(0.0, self._first_at + self.o.flush_interval - time.monotonic())

    def _run(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._stopped:
                    due = self._due()
                    if due == 0.0:
                        break
                    cond.wait(due)
                if self._stopped or self._pid != os.getpid():
                    return
                batch = self._take()
                self._inflight = batch
            try:
                self._deliver(batch)
            except Exception as e:  # noqa: BLE001 (a bug of the SDK's, never the app's problem)
                with cond:
                    self._fail([q.seq for q in batch], f"internal error: {e}")
            with cond:
                self._inflight = None
                if self._queue:
                    self._first_at = time.monotonic()
                cond.notify_all()

    def _take(self) -> List[_Queued]:
        items: List[_Queued] = []
        size = 0
        while self._queue and len(items) < self.o.max_batch_items:
            nxt = self._queue[0]
            if items and size + nxt.size > self.o.max_batch_bytes:
                break
            items.append(self._queue.popleft())
            self._queue_bytes -= nxt.size
            size += nxt.size
        return items

    def _serialise(self, items: List[_Queued]) -> Tuple[Optional[bytes], Dict[str, List[_Queued]], List[int], str]:
        parts: Dict[str, List[str]] = {k: [] for k in _KEYS}
        index: Dict[str, List[_Queued]] = {}
        # The same span queued twice (sent open at a flush, then ended) goes once, in its latest state.
        slot: Dict[int, str] = {}
        bad: List[int] = []
        why = ""
        for q in items:
            known = slot.get(id(q.item))
            if known is not None:
                index[known].append(q)
                continue
            key = _KEYS[q.type]
            try:
                text = dumps(q.item.to_wire())
            except Exception as e:  # noqa: BLE001 (a circular value in someone's input)
                bad.append(q.seq)
                why = f"not serialisable: {e}"
                continue
            ref = f"{key}[{len(parts[key])}]"
            parts[key].append(text)
            slot[id(q.item)] = ref
            index[ref] = [q]
        body = ",".join(f'"{k}":[{",".join(v)}]' for k, v in parts.items() if v)
        return ((("{" + body + "}").encode("utf-8") if body else None), index, bad, why)

    def _post(self, body: bytes) -> Tuple[int, str, Optional[float], Optional[str]]:
        """(status, text, retry-after seconds, network error)."""
        headers = {"content-type": "application/json", "user-agent": "loupe-python"}
        if self.o.api_key:
            headers["x-api-key"] = self.o.api_key
        req = urllib.request.Request(f"{self.o.base_url}/api/v1/ingest", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.o.request_timeout) as res:  # noqa: S310 (the app's own server)
                return res.status, res.read().decode("utf-8", "replace"), parse_retry_after(res.headers.get("retry-after")), None
        except urllib.error.HTTPError as e:
            try:
                text = e.read().decode("utf-8", "replace")
            except Exception:  # noqa: BLE001
                text = ""
            return e.code, text, parse_retry_after(e.headers.get("retry-after") if e.headers else None), None
        except (TimeoutError, OSError, http.client.HTTPException) as e:
            # HTTPException: a connection cut mid-answer (IncompleteRead, BadStatusLine) is a
            # network error like a refused one, retried.
            reason = getattr(e, "reason", e)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                return 0, "", None, f"timed out after {self.o.request_timeout} s"
            return 0, "", None, f"network error: {reason}"

    def _deliver(self, batch: List[_Queued]) -> None:
        reanchor()
        body, index, bad, why = self._serialise(batch)
        if bad:
            with self._cond:
                self._fail(bad, why)
        if body is None:
            return
        bad_set = set(bad)
        seqs = [q.seq for q in batch if q.seq not in bad_set]
        attempt = 0
        while True:
            status, text, retry_after, network_error = self._post(body)
            if self._stopped:
                with self._cond:
                    self._fail(seqs, network_error or "abandoned at exit")
                return
            if 200 <= status < 300:
                with self._cond:
                    self._acknowledge(seqs, text, index)
                return
            reason = network_error or f"HTTP {status} {summarise(text)}"
            if (network_error or status in RETRY_STATUS) and attempt < self.o.max_retries:
                attempt += 1
                with self._cond:
                    self.counts.retried += 1
                backoff = min(self.o.retry_max, self.o.retry_base * 2 ** (attempt - 1))
                # Jitter between half and all of the backoff: clients that failed together spread out.
                delay = min(retry_after, self.o.retry_max) if retry_after is not None else backoff * (0.5 + random.random() * 0.5)
                if self._stop_event.wait(delay) or self._stopped:
                    with self._cond:
                        self._fail(seqs, "abandoned at exit")
                    return
                continue
            with self._cond:
                self._fail(seqs, f"{reason} (after {attempt} retries)" if attempt else reason)
            return

    def _acknowledge(self, seqs: List[int], text: str, index: Dict[str, List[_Queued]]) -> None:
        rejected: List[Any] = []
        try:
            parsed = json.loads(text)
            if isinstance(parsed, dict) and isinstance(parsed.get("rejected"), list):
                rejected = parsed["rejected"]
        except ValueError:
            pass  # a 2xx without the native answer (a proxy?): taken as stored
        bad: set = set()
        by_reason: Dict[str, List[int]] = {}
        for r in rejected:
            if not isinstance(r, dict):
                continue
            ref = str(r.get("item") or "")
            qs = None
            for k in _KEYS:
                if ref.startswith(k + "["):
                    qs = index.get(ref[: ref.index("]") + 1]) if "]" in ref else None
            if not qs:
                continue
            reason = f"refused by the server: {r.get('message') or 'invalid'}"
            for q in qs:
                if q.seq in bad:
                    continue
                bad.add(q.seq)
                by_reason.setdefault(reason, []).append(q.seq)
        self.counts.sent += len(seqs) - len(bad)
        for reason, s in by_reason.items():
            self._fail(s, reason)

    def _fail(self, seqs: List[int], reason: str) -> None:
        """Called with the lock held."""
        if not seqs:
            return
        self.counts.failed += len(seqs)
        self._remember(seqs, reason)
        self._report(LoupeError("failed", f"Loupe: {len(seqs)} events not delivered: {reason}", len(seqs)))

    # -- flush, stats, stop ------------------------------------------------------------------

    def _min_unsettled(self) -> float:
        if self._inflight:
            return self._inflight[0].seq
        return self._queue[0].seq if self._queue else math.inf

    def flush(self, timeout: Optional[float] = None) -> None:
        """Returns once every event buffered before the call is settled and all acknowledged;
        raises LoupeDeliveryError naming what was not (refused, dropped, failed after the retries,
        or unsent when the timeout passed)."""
        timeout = self.o.flush_timeout if timeout is None else timeout
        with self._cond:
            up_to = self._seq
            frm = self._reported_up_to
            if up_to > self._urgent_up_to:
                self._urgent_up_to = up_to
            self._cond.notify_all()
            deadline = time.monotonic() + timeout
            timed_out = False
            while self._min_unsettled() <= up_to:
                if self._stopped and self._inflight is None:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                self._cond.wait(left)
            counts: Dict[str, int] = {}
            for f in self._failures:
                n = sum(1 for s in f.seqs if frm < s <= up_to)
                if n:
                    counts[f.reason] = counts.get(f.reason, 0) + n
            failures = [DeliveryFailure(r, n) for r, n in counts.items()]
            if self._forgotten:
                failures.append(DeliveryFailure("failed (details not kept: too many failures)", self._forgotten))
            if timed_out:
                pending = sum(1 for q in (self._inflight or []) if q.seq <= up_to) + sum(1 for q in self._queue if q.seq <= up_to)
                if pending:
                    failures.append(DeliveryFailure(f"still unsent when the flush timed out after {timeout:g} s", pending))
            elif up_to > self._reported_up_to:
                self._reported_up_to = up_to
                self._prune()
        if failures:
            raise LoupeDeliveryError(up_to - frm, failures)

    def _prune(self) -> None:
        keep: List[_Failure] = []
        n = 0
        for f in self._failures:
            s = [x for x in f.seqs if x > self._reported_up_to]
            if s:
                keep.append(_Failure(s, f.reason))
                n += len(s)
        self._failures = keep
        self._remembered = n
        self._forgotten = 0

    @property
    def idle(self) -> bool:
        return self._inflight is None and not self._queue

    def abandon(self) -> None:
        """At the exit deadline: stop, count what is left as failed. A request in flight cannot be
        aborted (urllib blocks); the thread is a daemon, so it does not hold the exit."""
        with self._cond:
            if self._stopped:
                return
            self._stopped = True
            self._stop_event.set()
            left = [q.seq for q in self._queue]
            self._queue.clear()
            self._queue_bytes = 0
            self._fail(left, "abandoned at exit")
            self._cond.notify_all()

    def stats(self) -> Dict[str, int]:
        with self._cond:
            return {
                "sent": self.counts.sent,
                "dropped": self.counts.dropped,
                "retried": self.counts.retried,
                "failed": self.counts.failed,
                "buffered": len(self._queue),
                "in_flight": len(self._inflight or []),
            }
