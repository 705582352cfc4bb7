"""Fixes from the review of the sender: the app's hook never runs under the SDK's lock, concurrent
flushes each report their failures, refusals the server names by id (or not at all) count, the
size estimate is bounded and conservative, cycles, odd values, and observe on coroutines."""
from __future__ import annotations

import http.server
import json
import sys
import textwrap
import threading
import time
import unittest
from typing import Any, Callable, Dict, List, Optional

from support import KEY, URL, Proxy, client, free_port, needs_server, run_python, wait_trace

from loupe import LoupeDeliveryError, LoupeError


class FakeServer:
    """Answers every ingest request with answer(body) -> (status, json)."""

    def __init__(self, answer: Callable[[Dict[str, Any]], Any]) -> None:
        self.bodies: List[Dict[str, Any]] = []
        self.sizes: List[int] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                fake.sizes.append(len(raw))
                body = json.loads(raw)
                fake.bodies.append(body)
                status, out = answer(body)
                data = json.dumps(out).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@needs_server
class HookOutsideTheLock(unittest.TestCase):
    def test_a_slow_on_error_does_not_block_the_apps_threads(self) -> None:
        started = threading.Event()

        def slow(e: LoupeError) -> None:
            started.set()
            time.sleep(1.5)

        c = client(api_key="lp_not_a_key", flush_interval=0.05, on_error=slow)
        c.trace().message("x").end("y")
        self.assertTrue(started.wait(15))
        began = time.monotonic()
        t = c.trace()
        for i in range(5):
            t.tool(f"t{i}").end("ok")
        self.assertLess(time.monotonic() - began, 0.5)

    def test_flush_inside_on_error_returns_at_once(self) -> None:
        took: List[float] = []

        def hook(e: LoupeError) -> None:
            began = time.monotonic()
            try:
                c.flush(timeout=5)
            except LoupeDeliveryError:
                pass
            took.append(time.monotonic() - began)

        c = client(api_key="lp_not_a_key", flush_interval=0.05, on_error=hook)
        c.trace().message("x").end("y")
        until = time.monotonic() + 15
        while not took and time.monotonic() < until:
            time.sleep(0.05)
        self.assertTrue(took)
        self.assertLess(took[0], 1.0)

    def test_exit_is_bounded_with_a_slow_on_error(self) -> None:
        code = textwrap.dedent(f"""
            import time
            from loupe import Loupe
            c = Loupe(api_key="lp_not_a_key", base_url={URL!r}, exit_timeout=1.0, flush_interval=0.05,
                      on_error=lambda e: time.sleep(8))
            c.trace().message("x").end("y")
            time.sleep(0.5)
            c.trace().message("x").end("y")
        """)
        began = time.monotonic()
        r = run_python(code, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(time.monotonic() - began, 5.0)

    def test_an_on_error_that_exits_does_not_kill_the_sender(self) -> None:
        def hook(e: LoupeError) -> None:
            sys.exit(1)

        c = client(api_key="lp_not_a_key", on_error=hook)
        c.trace().message("x").end("y")
        with self.assertRaises(LoupeDeliveryError):
            c.flush(timeout=20)
        c.trace().message("x").end("y")
        with self.assertRaises(LoupeDeliveryError) as cm:
            c.flush(timeout=20)
        self.assertIn("HTTP 401", str(cm.exception))
        self.assertEqual(c.stats()["failed"], 4)

    def test_a_dead_sender_thread_is_replaced(self) -> None:
        c = client()
        c.trace().message("x").end("y")
        c.flush(timeout=20)
        s = c._sender
        with s._cond:
            s._stopped = True
            s._cond.notify_all()
        s._thread.join(5)
        with s._cond:
            s._stopped = False
        self.assertFalse(s._thread.is_alive())
        t = c.trace()
        t.message("x").end("y")
        c.flush(timeout=20)
        wait_trace(t.id, 1)


class ConcurrentFlushes(unittest.TestCase):
    def test_each_of_many_concurrent_flushes_reports_its_failures(self) -> None:
        srv = FakeServer(lambda b: (400, {"error": {"code": "invalid", "message": "no"}}))
        try:
            c = client(base_url=srv.url, api_key="k", flush_interval=0.01)
            ok: List[int] = []
            raised: List[int] = []

            def one(i: int) -> None:
                c.trace(name=f"t{i}").message("x").end("y")
                try:
                    c.flush(timeout=20)
                    ok.append(i)
                except LoupeDeliveryError:
                    raised.append(i)

            threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            self.assertEqual(ok, [])
            self.assertEqual(len(raised), 40)
        finally:
            srv.stop()


class Refusals(unittest.TestCase):
    def test_refusals_named_by_id_or_not_at_all_count_as_failed(self) -> None:
        def answer(body: Dict[str, Any]) -> Any:
            spans = body.get("spans", [])
            rejected = [{"item": f"span {spans[0]['id']} (trace {spans[0]['traceId']})", "message": "bad span"},
                        {"item": "something else", "message": "odd"}]
            return 200, {"accepted": 0, "rejected": rejected}

        srv = FakeServer(answer)
        try:
            c = client(base_url=srv.url, api_key="k")
            t = c.trace()
            t.tool("a").end("1")
            t.tool("b").end("2")
            with self.assertRaises(LoupeDeliveryError) as cm:
                c.flush(timeout=20)
            self.assertEqual(cm.exception.undelivered, 2)
            text = str(cm.exception)
            self.assertIn("bad span", text)
            self.assertIn("odd", text)
            self.assertEqual(c.stats()["sent"], 1)
        finally:
            srv.stop()


class CountingDict(Dict[str, Any]):
    """A dict that counts the entries read out of it: what walking it costs, without a clock."""

    read = 0

    def items(self) -> Any:
        for kv in super().items():
            self.read += 1
            yield kv


class SizeEstimate(unittest.TestCase):
    def test_the_estimate_is_bounded_and_does_not_depend_on_key_order(self) -> None:
        from loupe.size import estimate_bytes
        for v in ({"a": [1] * 1000, "b": "x" * 3_000_000}, {"b": "x" * 3_000_000, "a": [1] * 1000},
                  {"a": [1] * 1000, "b": ["y" * 10_000] * 9000}):
            real = len(json.dumps(v))
            e = estimate_bytes(v)
            self.assertGreater(e, real * 0.8, v.keys())
            self.assertLess(e, real * 1.5, v.keys())
        # Bounded by what it reads, not by a clock (timed assertions fail on a loaded machine):
        # a whole walk would read all 2,000,000 entries.
        from loupe.size import BUDGET, PER
        big = CountingDict({str(i): i for i in range(2_000_000)})
        estimate_bytes(big)
        self.assertLessEqual(big.read, BUDGET * PER)

    def test_ending_a_span_with_a_huge_dict_is_cheap(self) -> None:
        c = client(base_url="http://127.0.0.1:9", api_key="k", flush_interval=60)
        big = CountingDict({str(i): i for i in range(2_000_000)})
        s = c.trace().tool(big)
        s.end(big)
        # Creating and ending the span reads a bounded sample of the dict, never all of it.
        self.assertLess(big.read, 100_000)


class BatchesByRealSize(unittest.TestCase):
    def _accepting(self) -> FakeServer:
        return FakeServer(lambda b: (200, {"accepted": 1, "rejected": []}))

    def test_one_big_event_does_not_drop_the_others(self) -> None:
        srv = self._accepting()
        try:
            c = client(base_url=srv.url, api_key="k", flush_interval=60, flush_at=100_000)
            t = c.trace()
            for i in range(500):
                t.tool(f"small {i}").end("ok")
            t.tool({"a": [1] * 1000, "b": "x" * 3_000_000}).end("big")
            self.assertEqual(c.stats()["dropped"], 0)
            c.flush(timeout=60)
            self.assertEqual(c.stats()["sent"], 502)
        finally:
            srv.stop()

    def test_bodies_stay_within_max_batch_bytes_by_their_real_size(self) -> None:
        srv = self._accepting()
        try:
            c = client(base_url=srv.url, api_key="k", flush_interval=60, flush_at=100_000, max_batch_bytes=100_000)
            t = c.trace()
            for i in range(20):
                t.tool({"b": "x" * 30_000, "a": [1] * 1000}).end(i)
            c.flush(timeout=60)
            self.assertEqual(c.stats()["sent"], 21)
            self.assertGreater(len(srv.sizes), 5)
            self.assertLessEqual(max(srv.sizes), 100_000)
        finally:
            srv.stop()

    def test_an_event_over_the_servers_limit_fails_alone(self) -> None:
        srv = self._accepting()
        try:
            # A buffer that holds it: the bound of 32 MiB would drop the older events for it.
            c = client(base_url=srv.url, api_key="k", flush_interval=60, flush_at=100_000,
                       max_queue_bytes=256 * 1024 * 1024)
            t = c.trace()
            for i in range(5):
                t.tool(f"small {i}").end("ok")
            t.tool({"b": ["y" * 10_000] * 6800, "a": [1] * 1000}).end("huge")
            t.tool("after").end("ok")
            with self.assertRaises(LoupeDeliveryError) as cm:
                c.flush(timeout=120)
            self.assertEqual(cm.exception.undelivered, 1)
            self.assertIn("too large", str(cm.exception))
            self.assertEqual(c.stats()["sent"], 7)
            self.assertLess(max(srv.sizes), 64 * 1024 * 1024)
        finally:
            srv.stop()


@needs_server
class OddValues(unittest.TestCase):
    def test_objects_that_point_at_each_other_are_written_once_with_circular(self) -> None:
        class Node:
            def __init__(self, name: str) -> None:
                self.name = name
                self.other: Any = None

        a, b = Node("a"), Node("b")
        a.other, b.other = b, a
        c = client()
        t = c.trace()
        s = t.tool({"a": a, "pair": [a, b]})
        s.end({"b": b})
        began = time.monotonic()
        c.flush(timeout=20)
        self.assertLess(time.monotonic() - began, 5)
        d = wait_trace(t.id, 1)
        sp = d["spans"][0]
        self.assertEqual(sp["input"]["a"], {"name": "a", "other": {"name": "b", "other": "[Circular]"}})
        self.assertEqual(sp["output"]["b"]["other"]["other"], "[Circular]")

    def test_tuple_keys_enums_and_exceptions(self) -> None:
        import enum

        class Colour(enum.Enum):
            RED = "red"

        c = client()
        t = c.trace()
        t.tool({(1, 2): "pair", "colour": Colour.RED, "err": ValueError("bad value")}).end(Colour.RED)
        c.flush(timeout=20)
        sp = wait_trace(t.id, 1)["spans"][0]
        self.assertEqual(sp["input"], {"(1, 2)": "pair", "colour": "red", "err": "ValueError: bad value"})
        self.assertEqual(sp["output"], "red")


@needs_server
class ObserveAndCoercion(unittest.TestCase):
    def setUp(self) -> None:
        self.c = client()

    def test_a_plain_decorated_function_returning_a_coroutine_ends_when_it_completes(self) -> None:
        import asyncio
        seen: List[Any] = []

        async def work(x: int) -> int:
            await asyncio.sleep(0.2)
            seen.append(self.c.current())
            return x * 2

        @self.c.observe(name="behind a plain decorator")
        def call(x: int) -> Any:
            return work(x)

        async def run() -> Any:
            with self.c.trace(name="coro") as t:
                r = await call(21)
            return t, r

        t, r = asyncio.run(run())
        self.assertEqual(r, 42)
        self.c.flush()
        d = wait_trace(t.id, 1)
        [sp] = d["spans"]
        self.assertEqual(seen[0].id, sp["id"])  # the span was current while the work ran
        self.assertEqual(sp["output"], 42)
        from datetime import datetime
        took = datetime.fromisoformat(sp["endTime"].replace("Z", "+00:00")) - datetime.fromisoformat(sp["startTime"].replace("Z", "+00:00"))
        self.assertGreaterEqual(took.total_seconds(), 0.15)

    def test_a_generator_whose_close_raises_still_ends_its_span(self) -> None:
        @self.c.observe(name="gen")
        def gen() -> Any:
            try:
                yield 1
                yield 2
            finally:
                raise RuntimeError("close failed")

        t = self.c.trace(name="gen close")
        with t:
            g = gen()
            next(g)
            with self.assertRaises(RuntimeError):
                g.close()
        self.c.flush()
        d = wait_trace(t.id, 1)
        [sp] = d["spans"]
        self.assertIsNotNone(sp["endTime"])

    def test_non_string_names_tags_and_comments(self) -> None:
        t = self.c.trace(name=42, tags="prod")
        t.span("x", name=7).end("ok")
        t.feedback("THUMBS_UP", 123)
        t.end()
        self.c.flush()
        d = wait_trace(t.id, 1)
        self.assertEqual(d["trace"]["tags"], ["prod"])
        self.assertEqual(d["trace"]["name"], "42")
        self.assertEqual(d["spans"][0]["name"], "7")
        self.assertEqual(d["scores"][0]["comment"], "123")


class Counting(unittest.TestCase):
    def test_a_timed_out_flush_does_not_count_an_event_twice(self) -> None:
        from support import SilentServer
        silent = SilentServer()
        try:
            # One batch: the huge event fails as too large, the trace's request never answers.
            c = client(base_url=silent.url, api_key="k", flush_interval=60, flush_at=100_000,
                       max_queue_bytes=256 * 1024 * 1024, max_batch_bytes=256 * 1024 * 1024)
            t = c.trace()
            t.tool({"b": ["y" * 10_000] * 6800}).end("huge")
            with self.assertRaises(LoupeDeliveryError) as cm:
                c.flush(timeout=3)
            e = cm.exception
            self.assertEqual(e.total, 2)
            self.assertEqual(e.undelivered, 2, str(e))
            self.assertIn("too large", str(e))
            self.assertIn("still unsent", str(e))
        finally:
            silent.stop()


@needs_server
class Lifetime(unittest.TestCase):
    def test_a_dropped_idle_client_is_collected_and_its_thread_stops(self) -> None:
        import gc
        import weakref
        c = client()
        t = c.trace()
        t.message("x").end("y")
        c.flush(timeout=20)
        thread = c._sender._thread
        ref = weakref.ref(c)
        del c, t
        client()  # the most recent client is Loupe.active(): another one takes its place
        gc.collect()
        self.assertIsNone(ref())
        thread.join(5)
        self.assertFalse(thread.is_alive())

    def test_a_dropped_client_with_events_buffered_still_flushes_at_exit(self) -> None:
        code = textwrap.dedent(f"""
            import gc
            from loupe import Loupe
            def work():
                c = Loupe(api_key={KEY!r}, base_url={URL!r}, flush_interval=60)
                t = c.trace(name="dropped")
                t.message("x").end("y")
                print(t.id)
            work()
            Loupe(api_key={KEY!r}, base_url={URL!r})
            gc.collect()
        """)
        r = run_python(code, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_trace(r.stdout.strip(), 1)


if __name__ == "__main__":
    unittest.main()
