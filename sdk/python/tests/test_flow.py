"""Seed 004's flow end to end against a real server, read back through the query API: its code
blocks run unchanged, then traces, spans, context managers, errors, generations and feedback."""
from __future__ import annotations

import glob
import os
import re
import unittest

from support import ClientCase, by_kind, client, get, needs_server, read_trace, wait_trace

from loupe import LoupeDeliveryError, Metadata, User

SEED_DIR = os.environ.get("LOUPE_SEED_DIR", "/work/shared/seeds")


def seed_blocks() -> list:
    files = glob.glob(os.path.join(SEED_DIR, "004_*.txt"))
    if not files:
        return []
    with open(files[0], encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), re.S)


@needs_server
class SeedPage(unittest.TestCase):
    def test_seed_004_code_blocks_run_unchanged_and_are_stored(self) -> None:
        blocks = seed_blocks()
        if not blocks:
            self.skipTest(f"no 004_*.txt seed in {SEED_DIR} (LOUPE_SEED_DIR)")
        self.assertGreaterEqual(len(blocks), 9)
        c = client()
        ns = {"client": c, "Metadata": Metadata, "User": User}
        traces = []
        for code in blocks:
            exec(compile(code, "seed-004", "exec"), ns)  # noqa: S102 (the seed's own code, unchanged)
            if ns.get("trace") is not None and ns["trace"] not in traces:
                traces.append(ns["trace"])
        c.flush()
        self.assertEqual(len(traces), 2)
        first, nested = traces

        d = wait_trace(first.id, 7)
        self.assertEqual(d["trace"]["sessionId"], "session_123")
        self.assertEqual(d["trace"]["metadata"]["conversationId"], "conv_123")
        messages = sorted(by_kind(d, "message"), key=lambda s: s["startTime"])
        self.assertEqual([(m["input"], m["output"], m["parentId"]) for m in messages], [
            ("User: What's the weather?", "Bot: It's sunny!", None),
            ("User input", "Bot response", None),
        ])
        second = messages[1]["id"]
        expect = {
            "tool": ("Calling weather API", "API response received"),
            "llm": ("Generating response", "Response generated"),
            "agent": ("Planning next action", "Decided to search database"),
            "retrieval": ("Searching knowledge base", "Found 3 relevant documents"),
        }
        for kind, (inp, out) in expect.items():
            [s] = by_kind(d, kind)
            self.assertEqual((s["input"], s["output"], s["parentId"]), (inp, out, second), kind)
            self.assertIsNotNone(s["endTime"])
        [system] = by_kind(d, "system")
        self.assertEqual((system["input"], system["output"], system["parentId"]), ("Initializing cache", "Cache warmed up", None))
        [score] = d["scores"]
        self.assertEqual((score["name"], score["value"], score["comment"], score["source"]),
                         ("feedback", "THUMBS_UP", "User marked response as helpful", "user"))

        n = wait_trace(nested.id, 3)
        t = n["trace"]
        self.assertEqual((t["sessionId"], t["userId"], t["environment"]), ("conv_123", "user_123", "production"))
        [msg] = by_kind(n, "message")
        self.assertEqual((msg["input"], msg["output"]), ("User: Tell me about neural networks", "Bot: Neural networks are..."))
        [r] = by_kind(n, "retrieval")
        [g] = by_kind(n, "llm")
        self.assertEqual((r["parentId"], r["output"]), (msg["id"], "Found 2 relevant articles"))
        self.assertEqual((g["parentId"], g["output"]), (msg["id"], "Generated response about neural networks"))
        # The query API's filters find them.
        listed = get("/api/v1/traces?userId=user_123&environment=production")
        self.assertIn(nested.id, [x["id"] for x in listed["data"]])
        listed = get("/api/v1/traces?sessionId=session_123")
        self.assertIn(first.id, [x["id"] for x in listed["data"]])


@needs_server
class Flow(ClientCase):
    def test_ids_and_trace_fields(self) -> None:
        t = self.c.trace(name="support chat", conversation_id="conv-ids", metadata=Metadata(environment="staging", release="v2", tags=["beta"], source="chatbot"),
                         user=User(id="u-9", email="a@b.c"), input="hi")
        self.assertRegex(t.id, r"^[0-9a-f]{32}$")
        m = t.message("hi")
        self.assertRegex(m.id, r"^[0-9a-f]{16}$")
        self.assertEqual(m.trace_id, t.id)
        m.end("hello")
        t.end("hello")
        self.c.flush()
        d = wait_trace(t.id, 1)["trace"]
        self.assertEqual((d["name"], d["sessionId"], d["userId"], d["environment"], d["release"], d["tags"], d["input"], d["output"]),
                         ("support chat", "conv-ids", "u-9", "staging", "v2", ["beta"], "hi", "hello"))
        self.assertEqual(d["metadata"], {"source": "chatbot", "user": {"email": "a@b.c"}, "conversationId": "conv-ids"})

    def test_context_manager_ends_and_records_the_exception(self) -> None:
        t = self.c.trace(conversation_id="conv-cm")
        with self.assertRaises(KeyError):
            with t.message("User: hi") as m:
                with m.tool("lookup") as tool:
                    tool.update(metadata={"db": "users"})
                raise KeyError("missing")
        self.c.flush()
        d = wait_trace(t.id, 2)
        [msg] = by_kind(d, "message")
        [tl] = by_kind(d, "tool")
        self.assertEqual((msg["status"], msg["error"]), ("error", "KeyError: 'missing'"))
        self.assertIsNotNone(msg["endTime"])
        exc = next(e for e in msg["events"] if e["name"] == "exception")
        self.assertEqual(exc["attributes"]["exception.type"], "KeyError")
        self.assertIn("test_flow.py", exc["attributes"]["exception.stacktrace"])
        self.assertEqual((tl["parentId"], tl["status"], tl["metadata"]), (msg["id"], "unset", {"db": "users"}))
        self.assertEqual(d["trace"]["errorCount"], 1)

    def test_generation_model_params_input_output_usage(self) -> None:
        t = self.c.trace()
        with t.message("q") as m:
            g = m.generation(name="answer", model="gpt-4o-mini", params={"temperature": 0.2},
                             input=[{"role": "user", "content": "q"}])
            g.end(output={"role": "assistant", "content": "a"},
                  usage={"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14,
                         "prompt_tokens_details": {"cached_tokens": 3}, "completion_tokens_details": {"reasoning_tokens": 2}})
            # A whole provider request and response: cut down to the messages and the usage.
            g2 = m.generation({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "temperature": 1})
            g2.end({"id": "c1", "object": "chat.completion", "model": "gpt-4o",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "y"}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
        self.c.flush()
        d = wait_trace(t.id, 3)
        gens = {s["name"]: s for s in by_kind(d, "llm")}
        a = gens["answer"]
        self.assertEqual((a["model"], a["params"], a["input"], a["output"]),
                         ("gpt-4o-mini", {"temperature": 0.2}, [{"role": "user", "content": "q"}], {"role": "assistant", "content": "a"}))
        self.assertEqual(a["usage"], {"inputTokens": 10, "outputTokens": 4, "totalTokens": 14, "cacheReadTokens": 3, "reasoningTokens": 2})
        b = gens["generation"]
        self.assertEqual((b["model"], b["params"], b["input"], b["output"]),
                         ("gpt-4o", {"temperature": 1}, [{"role": "user", "content": "x"}], {"role": "assistant", "content": "y"}))
        self.assertEqual(b["usage"]["inputTokens"], 1)

    def test_error_update_log_and_feedback_value(self) -> None:
        t = self.c.trace()
        s = t.agent("plan")
        try:
            raise RuntimeError("nope")
        except RuntimeError as e:
            s.error(e)
        s.update(name="planner", output="gave up", metadata={"a": 1})
        s.end()
        s.update(metadata={"b": 2})  # after the end: sent as an update
        s.log("branch", {"x": 1}, level="error")
        s.feedback(feedback_tag="helpfulness", value=4)
        self.c.flush()
        d = wait_trace(t.id, 2)
        [a] = by_kind(d, "agent")
        [lg] = by_kind(d, "log")
        self.assertEqual((a["name"], a["status"], a["error"], a["output"], a["metadata"]),
                         ("planner", "error", "RuntimeError: nope", "gave up", {"a": 1, "b": 2}))
        self.assertEqual((lg["name"], lg["status"], lg["parentId"], lg["input"]), ("branch", "error", a["id"], {"message": "branch", "data": {"x": 1}}))
        [sc] = d["scores"]
        self.assertEqual((sc["name"], sc["value"], sc["spanId"]), ("helpfulness", 4, a["id"]))

    def test_open_span_at_flush_is_sent_then_ended_as_an_update(self) -> None:
        t = self.c.trace()
        s = t.tool("slow call")
        self.c.flush()
        d = wait_trace(t.id, 1)
        self.assertIsNone(d["spans"][0]["endTime"])
        s.end("done")
        self.c.flush()
        d = wait_trace(t.id, 1)
        self.assertEqual(len(d["spans"]), 1)
        self.assertEqual(d["spans"][0]["output"], "done")
        self.assertIsNotNone(d["spans"][0]["endTime"])

    def test_a_circular_or_odd_input_is_written_and_never_raises_into_the_app(self) -> None:
        t = self.c.trace()
        loop: dict = {}
        loop["self"] = loop
        a = t.tool(loop)
        a.end()
        b = t.tool(object())
        b.end("kept as text")
        self.c.flush()
        d = wait_trace(t.id, 2)
        spans = {s["id"]: s for s in d["spans"]}
        self.assertEqual(spans[a.id]["input"], {"self": "[Circular]"})
        self.assertTrue(str(spans[b.id]["input"]).startswith("<object object"))

    def test_a_value_whose_str_raises_is_written_by_its_type(self) -> None:
        class Unprintable:
            __slots__ = ()

            def __str__(self) -> str:
                raise ValueError("no text")

        t = self.c.trace()
        t.tool(Unprintable()).end("ok")
        self.c.flush()
        d = wait_trace(t.id, 1)
        self.assertEqual(d["spans"][0]["input"], "<Unprintable>")


    def test_an_internal_error_goes_to_on_error_and_one_warning_never_to_the_app(self) -> None:
        from loupe import LoupeError
        errors: list = []
        c = client(on_error=errors.append)
        t = c.trace()

        def broken(*a: object) -> None:
            raise RuntimeError("bug in the SDK")

        c._sender.enqueue = broken  # type: ignore[union-attr,method-assign]
        with self.assertLogs("loupe", "WARNING") as logs:
            m = t.message("x")
            m.end("y")
            m.update(output="z")
            m.error(ValueError("v"))
            t.update(name="n")
            t.feedback(feedback_tag="THUMBS_UP")
            m.log("l")
        self.assertTrue(errors)
        self.assertTrue(all(isinstance(e, LoupeError) and e.code == "internal" for e in errors))
        self.assertEqual(len(logs.records), 1)

    def test_a_trace_as_a_context_manager(self) -> None:
        with self.assertRaises(ValueError):
            with self.c.trace(name="cm trace") as t:
                self.assertIs(self.c.current(), t)
                t.message("inside").end()
                raise ValueError("x")
        self.assertIsNone(self.c.current())
        self.c.flush()
        d = wait_trace(t.id, 1)
        self.assertEqual(d["trace"]["status"], "error")
        self.assertIsNotNone(d["trace"]["endTime"])

if __name__ == "__main__":
    unittest.main()
