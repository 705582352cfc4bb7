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
import re
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from .clock import reanchor
from .errors import DeliveryFailure, LoupeDeliveryError, LoupeError
from .llm import json_value

RETRY_STATUS = {429, 502, 503, 504}
# How many failed seqs are remembered for flush() to report; past it, counts only.
MAX_REMEMBERED_FAILURES = 100_000
# The server refuses a request body over this (413).
SERVER_MAX_BODY = 64 * 1024 * 1024
_KEYS = ("traces", "spans", "scores")
_POS = re.compile(r"^(traces|spans|scores)\[(\d+)\]")
_BY_ID = re.compile(r"^(trace|span|score) (\S+)")


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
class _Prepared:
    key: str  # "traces", "spans" or "scores"
    id: Optional[str]
    data: bytes  # the event's JSON
    qs: List[_Queued]


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


def dumps(wire: Any) -> str:
    """JSON text of one event. Plain JSON values go straight to json.dumps; anything else (provider
    objects, odd dict keys, Enum members, exceptions, NaN, values that contain themselves) goes
    through the one bounded, cycle-safe normaliser first, so one odd value never loses the event."""
    for attempt in range(3):
        try:
            try:
                return json.dumps(wire, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            except (TypeError, ValueError, RecursionError):
                return json.dumps(json_value(wire), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except RuntimeError as e:
            # The app changed one of its dicts while it was being written out: try again.
            if attempt == 2 or isinstance(e, RecursionError):
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
                 on_error: Optional[Callable[[LoupeError], None]], owner: Optional[Callable[[], Any]] = None) -> None:
        self.o = o
        # A weak reference to the client: held strongly (_keep) only while something is buffered.
        self._owner = owner
        self._warn = warn
        self._on_error = on_error
        self._init_state()

    def _init_state(self) -> None:
        # The app's code (on_error, the logger) never runs with it held: reports are collected
        # under it in _reports and called by the same thread once it let go (_call).
        self._cond = threading.Condition(threading.RLock())
        self._reports: List[Tuple[Callable[..., Any], Tuple[Any, ...]]] = []
        # The `frm` of every flush() still waiting: failures after the smallest are kept for it.
        self._flush_frms: List[int] = []
        self._queue: Deque[_Queued] = deque()
        self._queue_bytes = 0
        self._first_at = 0.0
        self._seq = 0
        self._inflight: Optional[List[_Queued]] = None
        self._urgent_up_to = 0
        self._failures: List[_Failure] = []
        self._remembered = 0
        # Failures past MAX_REMEMBERED_FAILURES: [lowest seq, highest seq, count], merged past 1000.
        self._forgotten: List[List[int]] = []
        # Seqs of the batch in flight already settled (a chunk acknowledged or failed).
        self._settled: set = set()
        self._reported_up_to = 0
        self._drop_episode = False
        self._warned_drop = False
        self._stopped = False
        self._stop_event = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._keep: Any = None
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
            if self._thread is None or not self._thread.is_alive():
                self._start_thread()
            self._seq += 1
            if self._keep is None and self._owner is not None:
                self._keep = self._owner()
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
            reports = self._take_reports()
        self._call(reports)

    def _start_thread(self) -> None:
        t = threading.Thread(target=self._run, name="loupe-sender", daemon=True)
        try:
            t.start()
        except RuntimeError:
            return  # at interpreter shutdown: no new threads; the exit flush says what is left
        self._thread = t

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
            self._reports.append((self._warn, ("drop", f"Loupe: the event buffer is full ({self.o.max_queue_items} events or "
                               f"{self.o.max_queue_bytes} bytes); dropping the oldest events. stats()['dropped'] "
                               "counts them; this warning is shown once.")))
        # on_error once per overflow episode, not once per dropped event.
        if not self._drop_episode:
            self._drop_episode = True
            self._report(LoupeError("dropped", "Loupe: the event buffer is full; dropping the oldest events", len(dropped)))
        self._cond.notify_all()

    def _report(self, err: LoupeError) -> None:
        """Called with the lock held: the hook is called by _call once it is released."""
        if self._on_error is not None:
            self._reports.append((self._on_error, (err,)))

    def _take_reports(self) -> List[Tuple[Callable[..., Any], Tuple[Any, ...]]]:
        """Called with the lock held."""
        r = self._reports
        if r:
            self._reports = []
        return r

    @staticmethod
    def _call(reports: List[Tuple[Callable[..., Any], Tuple[Any, ...]]]) -> None:
        """Called without the lock: the app's hook (or logger) may block, take its own locks, call
        flush() or stats(), or even sys.exit(); none of it stops the SDK."""
        for fn, args in reports:
            try:
                fn(*args)
            except BaseException:  # noqa: BLE001 (the app's hook failing is not ours to surface)
                pass

    def _locked_call(self, fn: Callable[..., None], *args: Any) -> None:
        with self._cond:
            fn(*args)
            reports = self._take_reports()
        self._call(reports)

    def _remember(self, seqs: List[int], reason: str) -> None:
        if self._inflight is not None:
            self._settled.update(seqs)
        if self._remembered + len(seqs) > MAX_REMEMBERED_FAILURES:
            f = self._forgotten
            f.append([min(seqs), max(seqs), len(seqs)])
            if len(f) > 1000:
                last = f.pop()
                f[-1] = [min(f[-1][0], last[0]), max(f[-1][1], last[1]), f[-1][2] + last[2]]
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
            except BaseException as e:  # noqa: BLE001 (a bug of the SDK's, never the app's problem)
                self._locked_call(self._fail, [q.seq for q in batch], f"internal error: {e!r}")
            batch = []
            with cond:
                self._inflight = None
                self._settled = set()
                if self._queue:
                    self._first_at = time.monotonic()
                else:
                    self._keep = None  # idle: the client may be collected once the app drops it
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

    def _prepare(self, items: List[_Queued]) -> List[_Prepared]:
        """Each event serialised on its own and measured in real bytes: one that cannot be (a value
        whose str() raises) fails alone, and the rest go. The same span queued twice (sent open at
        a flush, then ended) goes once, in its latest state. Called without the lock."""
        out: List[_Prepared] = []
        slot: Dict[int, Any] = {}
        bad: Dict[str, List[int]] = {}
        for q in items:
            known = slot.get(id(q.item))
            if known is not None:
                if isinstance(known, str):
                    bad[known].append(q.seq)
                else:
                    known.qs.append(q)
                continue
            try:
                wire = q.item.to_wire()
                data = dumps(wire).encode("utf-8")
            except Exception as e:  # noqa: BLE001
                reason = f"not serialisable: {e!r}"
                slot[id(q.item)] = reason
                bad.setdefault(reason, []).append(q.seq)
                continue
            wid = wire.get("id") if isinstance(wire, dict) else None
            p = _Prepared(_KEYS[q.type], wid if isinstance(wid, str) else None, data, [q])
            slot[id(q.item)] = p
            out.append(p)
        for reason, seqs in bad.items():
            self._locked_call(self._fail, seqs, reason)
        return out

    def _chunks(self, prepared: List[_Prepared]) -> List[List[_Prepared]]:
        """Consecutive runs of events whose body stays within max_batch_bytes (real bytes); an event
        too big for the server's limit fails alone."""
        out: List[List[_Prepared]] = []
        cur: List[_Prepared] = []
        size = 40
        for p in prepared:
            n = len(p.data) + 1
            if n + 40 > SERVER_MAX_BODY:
                self._locked_call(self._fail, [q.seq for q in p.qs],
                                  f"too large: {n} bytes serialised, over the server's limit of 64 MiB a request")
                continue
            if cur and size + n > self.o.max_batch_bytes:
                out.append(cur)
                cur = []
                size = 40
            cur.append(p)
            size += n
        if cur:
            out.append(cur)
        return out

    @staticmethod
    def _body(chunk: List[_Prepared]) -> Tuple[bytes, Dict[str, List[_Queued]]]:
        parts: Dict[str, List[bytes]] = {}
        index: Dict[str, List[_Queued]] = {}
        for p in chunk:
            lst = parts.setdefault(p.key, [])
            index[f"{p.key}[{len(lst)}]"] = p.qs
            if p.id:
                index[f"{p.key}:{p.id}"] = p.qs
            lst.append(p.data)
        body = b",".join(b'"' + k.encode() + b'":[' + b",".join(v) + b"]" for k, v in parts.items())
        return b"{" + body + b"}", index

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
        chunks = self._chunks(self._prepare(batch))
        for i, chunk in enumerate(chunks):
            if self._stopped:
                self._locked_call(self._fail, [q.seq for c in chunks[i:] for p in c for q in p.qs], "abandoned at exit")
                return
            body, index = self._body(chunk)
            self._send(body, [q.seq for p in chunk for q in p.qs], index)

    def _send(self, body: bytes, seqs: List[int], index: Dict[str, List[_Queued]]) -> None:
        attempt = 0
        while True:
            status, text, retry_after, network_error = self._post(body)
            if 200 <= status < 300:
                self._locked_call(self._acknowledge, seqs, text, index)
                return
            if self._stopped:
                self._locked_call(self._fail, seqs, network_error or "abandoned at exit")
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
                    self._locked_call(self._fail, seqs, "abandoned at exit")
                    return
                continue
            self._locked_call(self._fail, seqs, f"{reason} (after {attempt} retries)" if attempt else reason)
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
        # The server names a refused item by position (`spans[3]`, `spans[3] (<id>)`) or by id
        # (`span <id> (trace …)`, `trace <id>`, `score <id>`); one it names neither way counts one
        # more event as failed, so flush() never reports stored what may not be.
        unmatched = 0
        unmatched_reasons: List[str] = []
        for r in rejected:
            if not isinstance(r, dict):
                r = {"message": str(r)}
            item = r.get("item") if isinstance(r.get("item"), str) else ""
            message = r.get("message") or "invalid"
            pos = _POS.match(item)
            by_id = _BY_ID.match(item)
            qs = index.get(f"{pos.group(1)}[{pos.group(2)}]") if pos else (
                index.get(f"{by_id.group(1)}s:{by_id.group(2)}") if by_id else None)
            if not qs:
                unmatched += 1
                if len(unmatched_reasons) < 3:
                    unmatched_reasons.append(f"{item or '?'}: {message}")
                continue
            reason = f"refused by the server: {message}"
            for q in qs:
                if q.seq in bad:
                    continue
                bad.add(q.seq)
                by_reason.setdefault(reason, []).append(q.seq)
        if unmatched:
            # Which events these were is unknown: count as many of the rest as failed, the last ones.
            rest = [x for x in seqs if x not in bad]
            lost = rest[max(0, len(rest) - unmatched):]
            bad.update(lost)
            if lost:
                by_reason[f"refused by the server (item not identified): {'; '.join(unmatched_reasons)}"] = lost
        self.counts.sent += len(seqs) - len(bad)
        if self._inflight is not None:
            self._settled.update(seqs)
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

    def flush(self, timeout: Optional[float] = None, at_exit: bool = False) -> None:
        """Returns once every event buffered before the call is settled and all acknowledged;
        raises LoupeDeliveryError naming what was not (refused, dropped, failed after the retries,
        or unsent when the timeout passed). On the sender's own thread (flush() inside on_error)
        it does not wait: it says at once what is settled."""
        timeout = self.o.flush_timeout if timeout is None else timeout
        if self._thread is not None and threading.current_thread() is self._thread:
            timeout = 0.0
        began = time.monotonic()
        # Bounded: at exit nothing may hold it for long (the app's code never runs with it held).
        if not self._cond.acquire(timeout=max(0.0, timeout)):
            n = max(0, self._seq - self._reported_up_to)
            raise LoupeDeliveryError(n, [DeliveryFailure(f"still unsent when the flush timed out after {timeout:g} s", n)])
        try:
            up_to = self._seq
            frm = self._reported_up_to
            self._flush_frms.append(frm)
            try:
                if up_to > self._urgent_up_to:
                    self._urgent_up_to = up_to
                self._cond.notify_all()
                deadline = began + timeout
                timed_out = False
                while self._min_unsettled() <= up_to:
                    if self._stopped and self._inflight is None:
                        break
                    left = deadline - time.monotonic()
                    if left <= 0:
                        timed_out = True
                        break
                    self._cond.wait(left)
            finally:
                self._flush_frms.remove(frm)
            counts: Dict[str, int] = {}
            for f in self._failures:
                n = sum(1 for s in f.seqs if frm < s <= up_to)
                if n:
                    counts[f.reason] = counts.get(f.reason, 0) + n
            failures = [DeliveryFailure(r, n) for r, n in counts.items()]
            forgotten = sum(n for lo, hi, n in self._forgotten if lo <= up_to and hi > frm)
            if forgotten:
                failures.append(DeliveryFailure("failed (details not kept: too many failures)", forgotten))
            if timed_out:
                # What already failed (or was stored) of the batch in flight is not counted again.
                pending = (sum(1 for q in (self._inflight or []) if q.seq <= up_to and q.seq not in self._settled)
                           + sum(1 for q in self._queue if q.seq <= up_to))
                if pending:
                    failures.append(DeliveryFailure(f"still unsent when the flush timed out after {timeout:g} s", pending))
            elif up_to > self._reported_up_to:
                self._reported_up_to = up_to
            # Failures another flush still waiting has to report are kept for it.
            self._prune(min([self._reported_up_to] + self._flush_frms))
            reports = self._take_reports()
        finally:
            self._cond.release()
        if not at_exit:
            self._call(reports)
        else:
            self._call_bounded(reports, 0.5)
        if failures:
            raise LoupeDeliveryError(up_to - frm, failures)

    @classmethod
    def _call_bounded(cls, reports: List[Tuple[Callable[..., Any], Tuple[Any, ...]]], timeout: float) -> None:
        """At exit: the app's hook gets a bounded wait on a daemon thread, never the exit itself."""
        if not reports:
            return
        t = threading.Thread(target=cls._call, args=(reports,), name="loupe-report", daemon=True)
        try:
            t.start()
        except RuntimeError:
            return
        t.join(timeout)

    def _prune(self, up_to: int) -> None:
        if up_to <= 0:
            return
        keep: List[_Failure] = []
        n = 0
        for f in self._failures:
            s = [x for x in f.seqs if x > up_to]
            if s:
                keep.append(_Failure(s, f.reason))
                n += len(s)
        self._failures = keep
        self._remembered = n
        self._forgotten = [f for f in self._forgotten if f[1] > up_to]

    @property
    def idle(self) -> bool:
        return self._inflight is None and not self._queue

    def abandon(self, timeout: float = 2.0) -> None:
        """At the exit deadline: stop, count what is left as failed. A request in flight cannot be
        aborted (urllib blocks); the thread is a daemon, so it does not hold the exit."""
        if not self._cond.acquire(timeout=timeout):
            self._stopped = True
            self._stop_event.set()
            return
        try:
            if self._stopped:
                return
            self._stopped = True
            self._stop_event.set()
            left = [q.seq for q in self._queue]
            self._queue.clear()
            self._queue_bytes = 0
            self._fail(left, "abandoned at exit")
            self._cond.notify_all()
            reports = self._take_reports()
        finally:
            self._cond.release()
        self._call_bounded(reports, timeout)

    def stop(self) -> None:
        """The client was collected (nothing buffered): the thread ends."""
        with self._cond:
            self._stopped = True
            self._stop_event.set()
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
