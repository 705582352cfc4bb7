"""The delivery contract: flush raises for what was not stored (a bad key, a refused item, a full
buffer), retries honour Retry-After and outlast a server that is down then up without losing or
duplicating anything, exit is bounded with a silent server, atexit flushes, evaluation-only and
disabled modes, and a forked child's own sender."""
from __future__ import annotations

import json
import os
import sys
import textwrap
import time
import unittest
from typing import Any, List

from support import KEY, SRC, URL, Proxy, SilentServer, by_kind, client, needs_server, read_trace, run_python, wait_trace

from loupe import Loupe, LoupeDeliveryError, LoupeError


@needs_server
class Refusals(unittest.TestCase):
    def test_flush_raises_on_a_bad_key(self) -> None:
        errors: List[LoupeError] = []
        c = client(api_key="lp_not_a_key", on_error=errors.append)
        t = c.trace()
        t.message("x").end("y")
        with self.assertRaises(LoupeDeliveryError) as cm:
            c.flush(timeout=20)
        e = cm.exception
        self.assertEqual((e.total, e.undelivered), (2, 2))
        self.assertIn("HTTP 401", e.failures[0].reason)
        self.assertEqual(c.stats()["failed"], 2)
        self.assertEqual(c.stats()["retried"], 0)  # a 401 is not retried
        self.assertEqual([x.code for x in errors], ["failed"])
        # The failure was reported once: the next flush answers for what came after it.
        c.flush()

    def test_flush_raises_for_an_item_the_server_refused(self) -> None:
        c = client()
        t = c.trace()
        t.generation("x").end("y", usage={"input_tokens": 2_000_000_000})
        t.tool("fine").end("ok")
        with self.assertRaises(LoupeDeliveryError) as cm:
            c.flush(timeout=20)
        self.assertEqual(cm.exception.undelivered, 1)
        self.assertIn("refused by the server", str(cm.exception))
        d = wait_trace(t.id, 1)
        self.assertEqual([s["kind"] for s in d["spans"]], ["tool"])
        self.assertEqual(c.stats()["sent"], 2)


@needs_server
class Background(unittest.TestCase):
    def test_batches_leave_by_interval_and_by_count_without_a_flush(self) -> None:
        c = client(flush_interval=0.2, flush_at=50)
        for round_ in range(3):
            t = c.trace(name=f"interval {round_}")
            t.message("x").end("y")
            until = time.monotonic() + 10
            while c.stats()["sent"] < 2 * (round_ + 1) and time.monotonic() < until:
                time.sleep(0.05)
            self.assertEqual(c.stats()["sent"], 2 * (round_ + 1))
        t = c.trace()
        for i in range(60):
            t.tool(i).end()
        until = time.monotonic() + 10
        while c.stats()["sent"] < 6 + 50 and time.monotonic() < until:
            time.sleep(0.01)
        self.assertGreaterEqual(c.stats()["sent"], 56)
        c.flush()
        self.assertEqual(c.stats()["sent"], 6 + 61)


@needs_server
class Retries(unittest.TestCase):
    def test_503_with_retry_after_is_retried_after_the_wait(self) -> None:
        p = Proxy(refuse=2, status=503, retry_after="1").start()
        try:
            c = client(base_url=p.url, retry_base=0.01)
            t = c.trace()
            t.message("a").end("b")
            began = time.monotonic()
            c.flush(timeout=30)
            took = time.monotonic() - began
            self.assertGreaterEqual(took, 1.8)  # two Retry-After: 1 waits, not the 10 ms backoff
            self.assertEqual(c.stats()["retried"], 2)
            self.assertEqual(c.stats()["sent"], 2)
            self.assertEqual(len(wait_trace(t.id, 1)["spans"]), 1)
        finally:
            p.stop()

    def test_server_down_then_up_nothing_lost_nothing_duplicated(self) -> None:
        p = Proxy()  # not started: connections refused
        c = client(base_url=p.url, retry_base=0.2, retry_max=1.0, max_retries=20, flush_interval=0.05)
        t = c.trace(name="down-up")
        for i in range(5):
            t.tool(f"call {i}").end(i)
        time.sleep(1.0)
        self.assertGreater(c.stats()["retried"], 0)
        p.start()
        try:
            c.flush(timeout=30)
            d = wait_trace(t.id, 5)
            self.assertEqual(sorted(s["output"] for s in d["spans"]), [0, 1, 2, 3, 4])
            self.assertEqual(len(set(p.forwarded_span_ids)), 5)
            self.assertEqual(c.stats()["failed"], 0)
        finally:
            p.stop()

    def test_4xx_other_than_429_is_not_retried(self) -> None:
        p = Proxy(refuse=5, status=400).start()
        try:
            c = client(base_url=p.url, retry_base=0.01)
            c.trace().tool("x").end()
            with self.assertRaises(LoupeDeliveryError) as cm:
                c.flush(timeout=20)
            self.assertIn("HTTP 400", str(cm.exception))
            self.assertEqual((p.requests, c.stats()["retried"]), (1, 0))
        finally:
            p.stop()


@needs_server
class Exit(unittest.TestCase):
    def test_atexit_flushes_a_process_that_exits_right_after_tracing(self) -> None:
        code = textwrap.dedent(f"""
            from loupe import Loupe
            c = Loupe(api_key={KEY!r}, base_url={URL!r}, flush_interval=60)
            t = c.trace(name="atexit")
            t.message("User: bye").end("Bot: bye")
            t.tool("still open")
            print(t.id)
        """)
        r = run_python(code)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = wait_trace(r.stdout.strip(), 2)
        [m] = by_kind(d, "message")
        [tl] = by_kind(d, "tool")
        self.assertEqual(m["output"], "Bot: bye")
        self.assertIsNone(tl["endTime"])  # sent as it was: open

    def test_a_server_that_never_answers_delays_exit_by_the_bounded_wait_only(self) -> None:
        silent = SilentServer()
        try:
            code = textwrap.dedent(f"""
                from loupe import Loupe
                c = Loupe(api_key="k", base_url={silent.url!r}, exit_timeout=1.0)
                c.trace().message("x").end("y")
            """)
            began = time.monotonic()
            r = run_python(code, timeout=60)
            took = time.monotonic() - began
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertLess(took, 8.0)
            self.assertIn("not delivered", r.stderr)  # one warning says so
        finally:
            silent.stop()

    def test_flush_with_a_silent_server_raises_at_its_timeout(self) -> None:
        silent = SilentServer()
        try:
            c = client(base_url=silent.url)
            c.trace().message("x").end("y")
            began = time.monotonic()
            with self.assertRaises(LoupeDeliveryError) as cm:
                c.flush(timeout=1.0)
            self.assertLess(time.monotonic() - began, 3.0)
            self.assertIn("still unsent", str(cm.exception))
        finally:
            silent.stop()


@needs_server
class Bounds(unittest.TestCase):
    def test_a_full_buffer_drops_the_oldest_counts_and_warns_once(self) -> None:
        errors: List[LoupeError] = []
        c = client(max_queue_items=5, flush_at=1000, flush_interval=60, on_error=errors.append)
        with self.assertLogs("loupe", "WARNING") as logs:
            t = c.trace()
            spans = [t.tool(f"s{i}") for i in range(11)]
            for s in spans:
                s.end(s._input)
        self.assertEqual(c.stats()["dropped"], 7)  # 1 trace + 11 spans, 5 kept
        self.assertEqual(c.stats()["buffered"], 5)
        self.assertEqual(len([r for r in logs.records if "buffer is full" in r.getMessage()]), 1)
        self.assertEqual([e.code for e in errors], ["dropped"])
        with self.assertRaises(LoupeDeliveryError) as cm:
            c.flush(timeout=20)
        self.assertEqual(cm.exception.undelivered, 7)
        self.assertIn("dropped", str(cm.exception))
        d = wait_trace(t.id, 5)  # the trace itself was among the oldest: the spans made it one
        self.assertEqual(sorted(s["output"] for s in d["spans"]), ["s10", "s6", "s7", "s8", "s9"])


@needs_server
class Modes(unittest.TestCase):
    def test_evaluation_only_sends_only_traces_with_a_test_id(self) -> None:
        c = client(evaluation_only=True)
        plain = c.trace(name="not a test")
        plain.message("a").end("b")
        plain.feedback(feedback_tag="THUMBS_DOWN")
        run = c.trace(name="a test", test_id="test-42")
        run.message("a").end("b")
        run.feedback(feedback_tag="THUMBS_UP")
        late = c.trace(name="late")
        late.tool("before").end()
        late.update(test_id="test-43")
        late.tool("after").end()
        c.flush()
        self.assertIsNone(read_trace(plain.id))
        d = wait_trace(run.id, 1)
        self.assertEqual((d["trace"]["testId"], len(d["scores"])), ("test-42", 1))
        self.assertEqual([s["input"] for s in wait_trace(late.id, 1)["spans"]], ["after"])
        self.assertEqual(c.stats()["sent"], 5)  # run: trace, message, score; late: trace, "after"

    def test_evaluation_only_from_the_environment(self) -> None:
        os.environ["LOUPE_EVALUATION_ONLY"] = "true"
        try:
            c = client()
        finally:
            del os.environ["LOUPE_EVALUATION_ONLY"]
        t = c.trace()
        t.message("x").end()
        c.flush()
        self.assertEqual(c.stats()["sent"], 0)
        self.assertIsNone(read_trace(t.id))

    def test_disabled_objects_have_the_same_methods_and_send_nothing(self) -> None:
        for c in (client(enabled=False), self._env_disabled()):
            t = c.trace(conversation_id="c", session_id="s")
            self.assertEqual(t.id, "0" * 32)
            m = t.message("x")
            self.assertEqual(m.id, "0" * 16)
            for child in (m.tool("t"), m.generation("g"), m.agent("a"), m.retrieval("r"), t.system("s"), m.span("x", kind="chain")):
                child.update(metadata={"a": 1}).error(ValueError("x")).end("done")
            with m.tool("cm") as cm:
                cm.end()
            with self.assertRaises(ZeroDivisionError):
                with t.message("boom"):
                    1 / 0  # noqa: B018
            m.end("y")
            t.feedback(feedback_tag="THUMBS_UP", feedback_text="x")
            t.end()

            @c.observe(kind="tool")
            def f(x: int) -> int:
                return x + 1

            self.assertEqual(f(1), 2)
            c.flush()
            c.shutdown()
            self.assertEqual(c.stats(), {"sent": 0, "dropped": 0, "retried": 0, "failed": 0, "buffered": 0, "in_flight": 0})

    def _env_disabled(self) -> Loupe:
        os.environ["LOUPE_ENABLED"] = "false"
        try:
            return Loupe(api_key=KEY, base_url=URL)
        finally:
            del os.environ["LOUPE_ENABLED"]

    def test_configuration_from_the_environment(self) -> None:
        code = "from loupe import Loupe\nc = Loupe()\nt = c.trace()\nt.message('env').end()\nc.flush()\nprint(t.id)"
        r = run_python(code, env={"LOUPE_API_KEY": KEY, "LOUPE_BASE_URL": URL, "LOUPE_ENVIRONMENT": "ci"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(wait_trace(r.stdout.strip(), 1)["trace"]["environment"], "ci")

    def test_shutdown_stops_recording(self) -> None:
        c = client()
        c.trace().message("x").end()
        c.shutdown()
        with self.assertLogs("loupe", "WARNING"):
            t = c.trace()
        self.assertEqual(t.id, "0" * 32)
        c.shutdown()  # a second one does nothing


@needs_server
@unittest.skipUnless(hasattr(os, "fork"), "os.fork is not available here")
class Fork(unittest.TestCase):
    def test_a_forked_child_gets_its_own_sender_and_an_empty_buffer(self) -> None:
        import warnings
        c = client(flush_interval=60, flush_at=1000)
        parent = c.trace(name="parent")
        parent.message("before fork").end("p")  # buffered, not yet sent
        r, w = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12: forking a process with threads
            pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(r)
                child = c.trace(name="child")
                child.message("in child").end("c")
                c.flush(timeout=20)
                os.write(w, json.dumps({"trace": child.id, "stats": c.stats()}).encode())
                code = 0
            except BaseException as e:  # noqa: BLE001
                os.write(w, json.dumps({"error": repr(e)}).encode())
            finally:
                os._exit(code)
        os.close(w)
        data = b""
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            data += chunk
        os.close(r)
        _, status = os.waitpid(pid, 0)
        out = json.loads(data)
        self.assertEqual(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8, 0, out)
        # The child sent its own two events only: the parent's buffer was not copied into it.
        self.assertEqual(out["stats"]["sent"], 2)
        self.assertEqual(len(wait_trace(out["trace"], 1)["spans"]), 1)
        self.assertEqual(c.stats()["buffered"], 2)  # the parent's, untouched
        c.flush(timeout=20)
        d = wait_trace(parent.id, 1)
        self.assertEqual([s["input"] for s in d["spans"]], ["before fork"])
        self.assertEqual(c.stats()["sent"], 2)


    def test_a_multiprocessing_fork_worker_sends_what_it_traced_before_exiting(self) -> None:
        code = textwrap.dedent(f"""
            import multiprocessing as mp
            from loupe import Loupe
            c = Loupe(api_key={KEY!r}, base_url={URL!r}, flush_interval=60)

            def work(q):
                t = c.trace(name="mp worker")
                t.message("in worker").end("done")
                q.put(t.id)

            if __name__ == "__main__":
                ctx = mp.get_context("fork")
                q = ctx.Queue()
                p = ctx.Process(target=work, args=(q,))
                p.start()
                print(q.get(timeout=30))
                p.join(30)
                print(p.exitcode)
        """)
        r = run_python(code)
        self.assertEqual(r.returncode, 0, r.stderr)
        tid, exitcode = r.stdout.split()
        self.assertEqual(exitcode, "0")
        self.assertEqual(wait_trace(tid, 1)["spans"][0]["output"], "done")

if __name__ == "__main__":
    unittest.main()
