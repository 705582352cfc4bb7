"""@observe: nesting through contextvars for sync and async functions and generators, concurrent
asyncio calls kept apart, errors recorded and re-raised unchanged."""
from __future__ import annotations

import asyncio
import os
import threading
import unittest
from typing import Any, Dict, List

from support import ClientCase, by_kind, client, needs_server, wait_trace

import loupe
from loupe import LoupeDeliveryError


RUN = os.urandom(3).hex()


def roots(d: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [s for s in d["spans"] if s["parentId"] is None]


@needs_server
class Observe(ClientCase):
    def test_sync_nesting_and_the_outermost_call_makes_the_trace(self) -> None:
        c = self.c

        @c.observe(kind="retrieval")
        def search(q: str) -> List[str]:
            return [q + "-doc"]

        @c.observe
        def helper(a: int, b: int) -> int:
            return a + b

        @c.observe(name=f"answer-{RUN}", kind="agent", trace={"user_id": "u-obs", "session_id": "s-obs"})
        def answer(q: str) -> str:
            docs = search(q)
            helper(1, b=2)
            cur = c.current()
            assert cur is not None
            cur.generation([{"role": "user", "content": q}], model="m").end("reply", usage={"input_tokens": 1, "output_tokens": 2})
            return f"{docs[0]}!"

        self.assertEqual(answer("nn"), "nn-doc!")
        self.assertIsNone(c.current())
        c.flush()
        tid = self._trace_of(f"answer-{RUN}")
        d = wait_trace(tid, 4)
        self.assertEqual((d["trace"]["name"], d["trace"]["input"], d["trace"]["output"], d["trace"]["userId"], d["trace"]["sessionId"]),
                         (f"answer-{RUN}", "nn", "nn-doc!", "u-obs", "s-obs"))
        [root] = roots(d)
        self.assertEqual((root["kind"], root["name"], root["input"], root["output"]), ("agent", f"answer-{RUN}", "nn", "nn-doc!"))
        [r] = by_kind(d, "retrieval")
        self.assertEqual((r["name"], r["parentId"], r["input"], r["output"]), ("search", root["id"], "nn", ["nn-doc"]))
        h = next(s for s in d["spans"] if s["name"] == "helper")
        self.assertEqual((h["parentId"], h["input"], h["output"]), (root["id"], {"a": 1, "b": 2}, 3))
        [g] = by_kind(d, "llm")
        self.assertEqual(g["parentId"], root["id"])

    def test_exception_is_recorded_and_reraised_unchanged(self) -> None:
        err = ValueError("bad input")

        @self.c.observe(name=f"failing-{RUN}")
        def failing() -> None:
            raise err

        with self.assertRaises(ValueError) as cm:
            failing()
        self.assertIs(cm.exception, err)
        self.c.flush()
        d = wait_trace(self._trace_of(f"failing-{RUN}"), 1)
        self.assertEqual((d["trace"]["status"], d["spans"][0]["status"], d["spans"][0]["error"]), ("error", "error", "ValueError: bad input"))

    def test_async_gather_calls_stay_separate(self) -> None:
        c = self.c

        @c.observe(kind="tool")
        async def fetch(i: int) -> int:
            await asyncio.sleep(0.01 * (3 - i))
            return i * 10

        @c.observe(name=f"run-async-{RUN}")
        async def run(i: int) -> int:
            await asyncio.sleep(0.01 * i)
            v = await fetch(i)
            await asyncio.sleep(0.005)
            inner = c.current()
            assert inner is not None
            inner.system(f"after {i}").end()
            return v

        async def main() -> List[int]:
            return list(await asyncio.gather(run(0), run(1), run(2)))

        self.assertEqual(asyncio.run(main()), [0, 10, 20])
        c.flush()
        found = self._traces_named(f"run-async-{RUN}", 3)
        seen = set()
        for tid in found:
            d = wait_trace(tid, 3)
            [root] = roots(d)
            [f] = by_kind(d, "tool")
            [s] = by_kind(d, "system")
            self.assertEqual(f["parentId"], root["id"])
            self.assertEqual(s["parentId"], root["id"])
            self.assertEqual(f["input"], root["input"])
            self.assertEqual(s["input"], f"after {root['input']}")
            seen.add(root["input"])
        self.assertEqual(seen, {0, 1, 2})

    def test_threads_do_not_share_the_current_observation(self) -> None:
        c = self.c
        out: Dict[int, Any] = {}

        @c.observe(name=f"threaded-{RUN}")
        def work(i: int) -> None:
            out[i] = c.current()

        ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(len({o.trace_id for o in out.values()}), 3)

    def test_generators_sync_and_async(self) -> None:
        c = self.c

        @c.observe(kind="tool")
        def leaf(x: int) -> int:
            return x

        @c.observe(name=f"gen-sync-{RUN}")
        def numbers(n: int) -> Any:
            for i in range(n):
                yield leaf(i)

        self.assertEqual(list(numbers(3)), [0, 1, 2])

        @c.observe(name=f"gen-async-{RUN}")
        async def anumbers(n: int) -> Any:
            for i in range(n):
                await asyncio.sleep(0)
                yield leaf(i)

        async def consume() -> List[int]:
            return [v async for v in anumbers(2)]

        self.assertEqual(asyncio.run(consume()), [0, 1])
        c.flush()
        d = wait_trace(self._trace_of(f"gen-sync-{RUN}"), 4)
        [root] = roots(d)
        self.assertEqual(root["output"], [0, 1, 2])
        self.assertEqual(sorted(s["output"] for s in by_kind(d, "tool")), [0, 1, 2])
        self.assertTrue(all(s["parentId"] == root["id"] for s in by_kind(d, "tool")))
        d = wait_trace(self._trace_of(f"gen-async-{RUN}"), 3)
        [root] = roots(d)
        self.assertEqual(root["output"], [0, 1])
        self.assertTrue(all(s["parentId"] == root["id"] for s in by_kind(d, "tool")))

    def test_module_level_observe_uses_the_latest_client_and_with_blocks_nest(self) -> None:
        @loupe.observe(kind="tool")
        def step() -> str:
            return "ok"

        t = self.c.trace(name="with-block")
        with t.message("User: go") as m:
            step()
            self.assertIs(loupe.current(), m)
        self.c.flush()
        d = wait_trace(t.id, 2)
        [msg] = by_kind(d, "message")
        [tool] = by_kind(d, "tool")
        self.assertEqual((tool["name"], tool["parentId"], tool["output"]), ("step", msg["id"], "ok"))

    def test_an_ended_observation_is_not_current(self) -> None:
        t = self.c.trace()
        with t.message("x") as m:
            self.assertIs(self.c.current(), m)
            m.end("early")
            self.assertIsNone(self.c.current())
            self.assertIsNone(loupe.current())

    def _traces_named(self, name: str, n: int) -> List[str]:
        from support import get
        data = get(f"/api/v1/traces?name={name}&limit=100")["data"]
        ids = [x["id"] for x in data][:n]
        self.assertEqual(len(ids), n, name)
        return ids

    def _trace_of(self, name: str) -> str:
        return self._traces_named(name, 1)[0]


if __name__ == "__main__":
    unittest.main()
