"""wrap_openai against a fake client shaped like the `openai` package's (sync and async; its
responses with model_dump() as pydantic's; its Stream/AsyncStream iterating self._iterator):
chat completions and responses, streaming or not, tool calls, usage with cached and reasoning
tokens, errors, and the app getting its own objects back."""
from __future__ import annotations

import asyncio
import copy
import os
import unittest
from typing import Any, Dict, List, Optional

from support import ClientCase, by_kind, client, get, needs_server, wait_trace

from loupe import LoupeDeliveryError, wrap_openai

RUN = os.urandom(3).hex()


class Obj:
    """A response object as the openai package's pydantic models: attributes and model_dump()."""

    def __init__(self, d: Dict[str, Any]) -> None:
        self._d = d

    def model_dump(self) -> Dict[str, Any]:
        return copy.deepcopy(self._d)

    def __getattr__(self, k: str) -> Any:
        return self._d[k]


class Stream:
    """As openai.Stream: iterates self._iterator."""

    def __init__(self, items: List[Any]) -> None:
        self.items = items
        self.closed = False
        self._iterator = self.__stream__()

    def __stream__(self) -> Any:
        for i in self.items:
            yield Obj(i)

    def __iter__(self) -> Any:
        for item in self._iterator:
            yield item

    def __next__(self) -> Any:
        return self._iterator.__next__()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *a: Any) -> None:
        self.close()

    def close(self) -> None:
        self.closed = True


class AsyncStream:
    """As openai.AsyncStream."""

    def __init__(self, items: List[Any]) -> None:
        self.items = items
        self._iterator = self.__stream__()

    async def __stream__(self) -> Any:
        for i in self.items:
            await asyncio.sleep(0)
            yield Obj(i)

    async def __aiter__(self) -> Any:
        async for item in self._iterator:
            yield item

    async def __anext__(self) -> Any:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        pass


class APIError(Exception):
    pass


COMPLETION = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": None, "message": {
        "role": "assistant", "content": None, "refusal": None, "annotations": [], "audio": None, "function_call": None,
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}],
    }}],
    "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70,
              "prompt_tokens_details": {"cached_tokens": 32, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 8, "audio_tokens": 0}},
}


def chunk(delta: Dict[str, Any], finish: Optional[str] = None, usage: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini-2024-07-18",
            "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": usage}


CHUNKS = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "It is "}),
    chunk({"content": "sunny."}),
    chunk({"tool_calls": [{"index": 0, "id": "call_9", "type": "function", "function": {"name": "log", "arguments": "{\"a\""}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": ":1}"}}]}),
    chunk({}, "stop"),
    chunk({}, usage={"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12, "prompt_tokens_details": {"cached_tokens": 4}}),
]

RESPONSE = {
    "id": "resp_1", "object": "response", "model": "gpt-4.1-2025", "status": "completed",
    "output": [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Checking.", "annotations": []}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_7", "name": "lookup", "arguments": "{}"},
    ],
    "usage": {"input_tokens": 30, "output_tokens": 12, "total_tokens": 42,
              "input_tokens_details": {"cached_tokens": 10}, "output_tokens_details": {"reasoning_tokens": 5}},
}


class Completions:
    def __init__(self, owner: "FakeOpenAI") -> None:
        self.owner = owner

    def create(self, **kw: Any) -> Any:
        self.owner.calls.append(kw)
        if kw.get("model") == "boom":
            raise APIError("rate limited")
        if kw.get("stream"):
            return self.owner.stream_factory(CHUNKS)
        return Obj(COMPLETION)

    def parse(self, **kw: Any) -> Any:
        return Obj(COMPLETION)


RESPONSE_EVENTS = [
    {"type": "response.created", "response": {"model": "gpt-4.1-2025", "status": "in_progress"}},
    {"type": "response.output_text.delta", "delta": "Check"},
    {"type": "response.output_text.delta", "delta": "ing."},
    {"type": "response.completed", "response": RESPONSE},
]


class Responses:
    def create(self, **kw: Any) -> Any:
        if kw.get("stream"):
            return Stream(RESPONSE_EVENTS)
        return Obj(RESPONSE)


class Models:
    def list(self) -> List[str]:
        return ["gpt-4o"]


class Chat:
    def __init__(self, owner: "FakeOpenAI") -> None:
        self.completions = Completions(owner)


class FakeOpenAI:
    def __init__(self, stream_factory: Any = Stream) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.stream_factory = stream_factory
        self.api_key = "sk-fake"
        self.chat = Chat(self)
        self.responses = Responses()
        self.models = Models()
        self.closed = False

    # As openai.OpenAI: a context manager giving itself, and with_options (= copy) a new client.
    def __enter__(self) -> "FakeOpenAI":
        return self

    def __exit__(self, *a: Any) -> None:
        self.closed = True

    def copy(self, **kw: Any) -> "FakeOpenAI":
        c = FakeOpenAI(self.stream_factory)
        c.api_key = kw.get("api_key", self.api_key)
        return c

    with_options = copy


class AsyncCompletions:
    async def create(self, **kw: Any) -> Any:
        await asyncio.sleep(0)
        if kw.get("stream"):
            return AsyncStream(CHUNKS)
        return Obj(COMPLETION)


class FakeAsyncOpenAI:
    def __init__(self) -> None:
        self.chat = type("AsyncChat", (), {})()
        self.chat.completions = AsyncCompletions()
        self.closed = False

    async def __aenter__(self) -> "FakeAsyncOpenAI":
        return self

    async def __aexit__(self, *a: Any) -> None:
        self.closed = True


MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Oslo?"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


@needs_server
class WrapOpenAI(ClientCase):
    def _only_trace(self, name: str, spans: int) -> Dict[str, Any]:
        data = get(f"/api/v1/traces?name={name}")["data"]
        self.assertEqual(len(data), 1, name)
        return wait_trace(data[0]["id"], spans)

    def test_chat_completion_with_tool_calls_and_usage_nested_under_the_current_observation(self) -> None:
        fake = FakeOpenAI()
        oa = wrap_openai(fake)
        self.assertEqual(oa.api_key, "sk-fake")
        self.assertEqual(oa.models.list(), ["gpt-4o"])
        name = f"agent-{RUN}"

        @self.c.observe(name=name, kind="agent")
        def agent(q: str) -> Any:
            return oa.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0.2, tools=TOOLS)

        result = agent("Weather in Oslo?")
        self.assertIsInstance(result, Obj)
        self.assertEqual(result.id, "chatcmpl-1")
        self.assertEqual(fake.calls[0]["temperature"], 0.2)
        self.c.flush()
        d = self._only_trace(name, 2)
        [root] = by_kind(d, "agent")
        [g] = by_kind(d, "llm")
        self.assertEqual(g["parentId"], root["id"])
        self.assertEqual((g["name"], g["model"], g["input"]), ("openai.chat.completions.create", "gpt-4o-mini-2024-07-18", MESSAGES))
        self.assertEqual(g["params"], {"temperature": 0.2, "tools": TOOLS})
        self.assertEqual(g["output"], {"role": "assistant", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]})
        self.assertEqual(g["usage"], {"inputTokens": 50, "outputTokens": 20, "totalTokens": 70, "cacheReadTokens": 32, "reasoningTokens": 8})
        self.assertEqual(g["metadata"], {"finishReason": "tool_calls"})
        self.assertEqual(g["provider"], "openai")

    def test_a_stream_is_recorded_once_read_and_the_app_keeps_its_stream_object(self) -> None:
        fake = FakeOpenAI()
        name = f"oa-stream-{RUN}"
        oa = wrap_openai(fake, trace_name=name)
        stream = oa.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True})
        self.assertIsInstance(stream, Stream)
        text = "".join((c.choices[0]["delta"].get("content") or "") for c in stream if c.choices)
        self.assertEqual(text, "It is sunny.")
        self.c.flush()
        d = self._only_trace(name, 1)
        [g] = d["spans"]
        self.assertIsNone(g["parentId"])
        self.assertEqual(g["output"], {"role": "assistant", "content": "It is sunny.", "tool_calls": [
            {"id": "call_9", "type": "function", "function": {"name": "log", "arguments": "{\"a\":1}"}}]})
        self.assertEqual(g["usage"], {"inputTokens": 9, "outputTokens": 3, "totalTokens": 12, "cacheReadTokens": 4})
        self.assertEqual(g["params"], {})
        self.assertTrue(g["metadata"]["streamed"])
        self.assertEqual(g["metadata"]["finishReason"], "stop")
        self.assertIn("timeToFirstChunkMs", g["metadata"])
        self.assertEqual(d["trace"]["output"], g["output"])

    def test_a_stream_closed_early_is_partial(self) -> None:
        name = f"oa-partial-{RUN}"
        oa = wrap_openai(FakeOpenAI(), trace_name=name)
        with oa.chat.completions.create(model="m", messages=MESSAGES, stream=True) as stream:
            for c in stream:
                if c.choices and c.choices[0]["delta"].get("content") == "It is ":
                    break
        self.assertTrue(stream.closed)
        self.c.flush()
        [g] = self._only_trace(name, 1)["spans"]
        self.assertEqual(g["output"], {"role": "assistant", "content": "It is "})
        self.assertTrue(g["metadata"]["partial"])

    def test_a_stream_of_another_shape_is_proxied(self) -> None:
        name = f"oa-gen-{RUN}"
        oa = wrap_openai(FakeOpenAI(stream_factory=lambda items: (Obj(i) for i in items)), trace_name=name)
        chunks = list(oa.chat.completions.create(model="m", messages=MESSAGES, stream=True))
        self.assertEqual(len(chunks), len(CHUNKS))
        self.c.flush()
        [g] = self._only_trace(name, 1)["spans"]
        self.assertEqual(g["output"]["content"], "It is sunny.")

    def test_a_failed_call_is_an_error_and_the_app_gets_the_same_exception(self) -> None:
        name = f"oa-fail-{RUN}"
        oa = wrap_openai(FakeOpenAI(), trace_name=name)
        with self.assertRaises(APIError) as cm:
            oa.chat.completions.create(model="boom", messages=MESSAGES)
        self.assertEqual(str(cm.exception), "rate limited")
        self.c.flush()
        d = self._only_trace(name, 1)
        self.assertEqual((d["trace"]["status"], d["spans"][0]["status"], d["spans"][0]["error"]), ("error", "error", "APIError: rate limited"))

    def test_async_client_plain_and_streaming(self) -> None:
        name = f"oa-async-{RUN}"
        oa = wrap_openai(FakeAsyncOpenAI())

        @self.c.observe(name=name)
        async def run() -> str:
            r = await oa.chat.completions.create(model="m", messages=MESSAGES)
            s = await oa.chat.completions.create(model="m", messages=MESSAGES, stream=True)
            text = ""
            async for c in s:
                if c.choices:
                    text += c.choices[0]["delta"].get("content") or ""
            return f"{r.id} {text}"

        self.assertEqual(asyncio.run(run()), "chatcmpl-1 It is sunny.")
        self.c.flush()
        d = self._only_trace(name, 3)
        gens = by_kind(d, "llm")
        self.assertEqual(len(gens), 2)
        root = next(s for s in d["spans"] if s["parentId"] is None)
        self.assertTrue(all(g["parentId"] == root["id"] for g in gens))
        self.assertEqual(sorted(bool(g["metadata"].get("streamed")) for g in gens), [False, True])

    def test_the_wrapper_passes_for_the_client(self) -> None:
        name = f"oa-as-client-{RUN}"
        fake = FakeOpenAI()
        with wrap_openai(fake, trace_name=name) as oa:
            self.assertIsInstance(oa, FakeOpenAI)
            oa.chat.completions.create(model="m", messages=MESSAGES)
            other = oa.with_options(api_key="sk-2")
            self.assertIsInstance(other, FakeOpenAI)
            self.assertEqual(other.api_key, "sk-2")
            other.chat.completions.create(model="m", messages=MESSAGES)
            oa.copy().chat.completions.create(model="m", messages=MESSAGES)
            twice = wrap_openai(oa, trace_name=name)
            twice.chat.completions.create(model="m", messages=MESSAGES)
        self.assertTrue(fake.closed)
        self.c.flush()
        data = get(f"/api/v1/traces?name={name}")["data"]
        self.assertEqual(len(data), 4)  # one a call: the client wrapped twice records once

    def test_async_with_on_the_wrapped_async_client(self) -> None:
        name = f"oa-async-with-{RUN}"
        fake = FakeAsyncOpenAI()

        async def run() -> str:
            async with wrap_openai(fake, trace_name=name) as oa:
                self.assertIsInstance(oa, FakeAsyncOpenAI)
                r = await oa.chat.completions.create(model="m", messages=MESSAGES)
                return str(r.id)

        self.assertEqual(asyncio.run(run()), "chatcmpl-1")
        self.assertTrue(fake.closed)
        self.c.flush()
        self._only_trace(name, 1)

    def test_responses_api(self) -> None:
        name = f"oa-resp-{RUN}"
        oa = wrap_openai(FakeOpenAI(), trace_name=name)
        r = oa.responses.create(model="gpt-4.1", instructions="Be brief.", input="Look it up", max_output_tokens=100)
        self.assertEqual(r.id, "resp_1")
        self.c.flush()
        [g] = self._only_trace(name, 1)["spans"]
        self.assertEqual(g["name"], "openai.responses.create")
        self.assertEqual(g["input"], [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Look it up"}])
        self.assertEqual(g["params"], {"max_output_tokens": 100})
        self.assertEqual(g["output"], {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "call_7", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]})
        self.assertEqual(g["usage"], {"inputTokens": 30, "outputTokens": 12, "totalTokens": 42, "cacheReadTokens": 10, "reasoningTokens": 5})


    def test_parse_and_a_streamed_response(self) -> None:
        name = f"oa-parse-{RUN}"
        oa = wrap_openai(FakeOpenAI(), trace_name=name)

        @self.c.observe(name=name)
        def run() -> None:
            oa.chat.completions.parse(model="m", messages=MESSAGES, response_format={"type": "json_object"})
            for _ in oa.responses.create(model="gpt-4.1", input="Look it up", stream=True):
                pass

        run()
        self.c.flush()
        d = self._only_trace(name, 3)
        gens = {g["name"]: g for g in by_kind(d, "llm")}
        self.assertEqual(gens["openai.chat.completions.parse"]["params"], {"response_format": {"type": "json_object"}})
        r = gens["openai.responses.create"]
        self.assertEqual(r["output"]["content"], "Checking.")
        self.assertEqual(r["output"]["tool_calls"][0]["function"]["name"], "lookup")
        self.assertEqual((r["model"], r["usage"]["inputTokens"], r["metadata"]["streamed"]), ("gpt-4.1-2025", 30, True))

if __name__ == "__main__":
    unittest.main()
