"""wrap_openai: chat completions and responses of an OpenAI client (or anything shaped like one:
Azure's, a compatible gateway's, sync or async) recorded as generation spans, streaming or not,
nested under the observation current where the call is made, or in a trace of their own. The
same output mapping as the TypeScript SDK's wrapOpenAI. Nothing is imported from `openai`.

The app gets the call's own result: a response object as it came; a stream as the same object
with its iterator wrapped in place (openai's Stream/AsyncStream read `_iterator`), or, for other
shapes, a thin proxy. A stream is recorded once the app has read it (or closed it early)."""
from __future__ import annotations

import inspect
import time
from typing import Any, Callable, Dict, List, Optional, Union

from .client import Loupe
from .context import current
from .llm import chat_output as _chat_output
from .llm import normalize_usage, plain
from .llm import response_output as _response_output
from .llm import responses_input as _responses_input

Plan = Dict[str, Union["Plan", str]]

_PLAN: Plan = {
    "chat": {"completions": {"create": "chat", "parse": "chat"}},
    "responses": {"create": "responses", "parse": "responses"},
}
_REQUEST_ONLY = ("messages", "input", "instructions", "model", "stream", "stream_options")


def wrap_openai(client: Any, *, loupe: Optional[Loupe] = None, trace_name: Optional[str] = None,
                metadata: Optional[Dict[str, Any]] = None) -> Any:
    """Returns `client` with chat.completions.create/parse and responses.create/parse recorded;
    every other attribute is the client's own. Without `loupe`, Loupe.active() at each call.

    The wrapper passes for the client: isinstance(wrapped, OpenAI) holds, `with`/`async with`
    work (giving the wrapper back where the client gives itself), with_options() and copy()
    return wrapped clients, and wrapping a wrapped client again returns it as it is (one record
    a call)."""
    if type(client) is _Wrapped:
        return client
    return _Wrapped(client, _PLAN, {"loupe": loupe, "trace_name": trace_name, "metadata": metadata}, [])


# Methods of the client that return a new client (openai's: with_options is copy): wrapped too.
_REWRAP = ("with_options", "copy")


class _Wrapped:
    """Attribute access along the plan's path; everything else goes to the real object."""

    def __init__(self, target: Any, plan: Plan, o: Dict[str, Any], path: List[str]) -> None:
        object.__setattr__(self, "_loupe_target", target)
        object.__setattr__(self, "_loupe_plan", plan)
        object.__setattr__(self, "_loupe_o", o)
        object.__setattr__(self, "_loupe_path", path)
        object.__setattr__(self, "_loupe_made", {})

    @property  # type: ignore[misc]
    def __class__(self) -> Any:  # noqa: D105 (isinstance(wrapped, OpenAI) holds)
        return type(object.__getattribute__(self, "_loupe_target"))

    def __enter__(self) -> Any:
        target = object.__getattribute__(self, "_loupe_target")
        r = type(target).__enter__(target)
        return self if r is target else r

    def __exit__(self, *exc: Any) -> Any:
        target = object.__getattribute__(self, "_loupe_target")
        return type(target).__exit__(target, *exc)

    async def __aenter__(self) -> Any:
        target = object.__getattribute__(self, "_loupe_target")
        r = await type(target).__aenter__(target)
        return self if r is target else r

    async def __aexit__(self, *exc: Any) -> Any:
        target = object.__getattribute__(self, "_loupe_target")
        return await type(target).__aexit__(target, *exc)

    def __getattr__(self, key: str) -> Any:
        target = object.__getattribute__(self, "_loupe_target")
        v = getattr(target, key)
        if key in _REWRAP and callable(v) and not object.__getattribute__(self, "_loupe_path"):
            o = object.__getattribute__(self, "_loupe_o")

            def rewrapped(*args: Any, **kwargs: Any) -> Any:
                r = v(*args, **kwargs)
                if r is None or type(r) is _Wrapped or isinstance(r, (str, int, float, bool, dict, list, tuple)):
                    return r
                return _Wrapped(r, _PLAN, o, [])

            rewrapped.__name__ = getattr(v, "__name__", key)
            rewrapped.__doc__ = getattr(v, "__doc__", None)
            return rewrapped
        step = object.__getattribute__(self, "_loupe_plan").get(key)
        if step is None:
            return v
        made: Dict[str, Any] = object.__getattribute__(self, "_loupe_made")
        cached = made.get(key)
        # The cache is per underlying value: a property that builds a new object each time is followed.
        if cached is not None and cached[0] is v:
            return cached[1]
        path = object.__getattribute__(self, "_loupe_path") + [key]
        o = object.__getattribute__(self, "_loupe_o")
        if isinstance(step, str) and callable(v):
            out: Any = _recorded(v, step, ".".join(path), o)
        elif isinstance(step, dict):
            out = _Wrapped(v, step, o, path)
        else:
            out = v
        made[key] = (v, out)
        return out

    def __setattr__(self, key: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_loupe_target"), key, value)

    def __dir__(self) -> List[str]:
        return dir(object.__getattribute__(self, "_loupe_target"))

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_loupe_target"))


def _recorded(call: Callable[..., Any], api: str, name: str, o: Dict[str, Any]) -> Callable[..., Any]:
    def recorded(*args: Any, **kwargs: Any) -> Any:
        client: Optional[Loupe] = o["loupe"] or Loupe.active()
        if client is None or not client.enabled:
            return call(*args, **kwargs)
        params = kwargs if kwargs else (args[0] if args and isinstance(args[0], dict) else {})
        try:
            rec: Optional[_Call] = _Call(client, api, f"openai.{name}", params, o)
        except Exception as e:  # noqa: BLE001
            client._internal_error(e)
            rec = None
        if rec is None:
            return call(*args, **kwargs)
        try:
            result = call(*args, **kwargs)
        except BaseException as e:
            rec.fail(e)
            raise
        streaming = params.get("stream") is True
        if inspect.isawaitable(result):
            async def awaited() -> Any:
                try:
                    value = await result
                except BaseException as e:
                    rec.fail(e)  # type: ignore[union-attr]
                    raise
                return rec.handle(value, streaming)  # type: ignore[union-attr]
            return awaited()
        return rec.handle(result, streaming)

    recorded.__name__ = getattr(call, "__name__", "recorded")
    recorded.__doc__ = getattr(call, "__doc__", None)
    return recorded


class _Call:
    """A recorded call: its generation (and the trace it made when none was current)."""

    def __init__(self, client: Loupe, api: str, name: str, params: Dict[str, Any], o: Dict[str, Any]) -> None:
        self.api = api
        self.o = o
        self.finished = False
        parent = current()
        inp = params.get("messages") if api == "chat" else _responses_input(params)
        self.own = None if parent is not None else client.trace(name=o["trace_name"] or name, input=inp)
        model = params.get("model")
        settings = {k: v for k, v in params.items() if k not in _REQUEST_ONLY}
        self.gen = (parent or self.own).generation(  # type: ignore[union-attr]
            inp, name=name, model=model if isinstance(model, str) else None, provider="openai",
            params=settings or None, metadata=o["metadata"])

    def end(self, output: Any, usage: Any, model: Any, extra: Optional[Dict[str, Any]] = None) -> None:
        if self.finished:
            return
        self.finished = True
        if extra:
            self.gen.update(metadata={**(self.o["metadata"] or {}), **extra})
        self.gen.end(output, usage=normalize_usage(usage), model=model if isinstance(model, str) else None)
        if self.own is not None:
            self.own.end(output)

    def fail(self, e: BaseException) -> None:
        try:
            if self.finished:
                return
            self.finished = True
            self.gen.error(e)
            self.gen.end()
            if self.own is not None:
                self.own.error(e)
                self.own.end()
        except Exception:  # noqa: BLE001 (recording never changes the app's error)
            pass

    def handle(self, value: Any, streaming: bool) -> Any:
        try:
            if streaming:
                return self.stream(value)
            self.done(value)
        except Exception:  # noqa: BLE001 (the app gets its result whatever the recording did)
            pass
        return value

    def done(self, value: Any) -> None:
        v = plain(value)
        if not isinstance(v, dict):
            return self.end(v, None, None)
        output, extra = _chat_output(v) if self.api == "chat" else _response_output(v)
        self.end(output, v.get("usage") if isinstance(v.get("usage"), dict) else None, v.get("model"), extra)

    def stream(self, stream: Any) -> Any:
        acc: Union[_ChatStream, _ResponseStream] = _ChatStream() if self.api == "chat" else _ResponseStream()
        began = time.monotonic()
        first: List[float] = []

        def finish(partial: bool) -> None:
            r = acc.result()
            extra: Dict[str, Any] = {**(r.get("extra") or {}), "streamed": True}
            if first:
                extra["timeToFirstChunkMs"] = round((first[0] - began) * 1000)
            if partial:
                extra["partial"] = True
            self.end(r["output"], r.get("usage"), r.get("model"), extra)

        def chunk(c: Any) -> None:
            if not first:
                first.append(time.monotonic())
            acc.add(plain(c))

        hooks = _Hooks(chunk, lambda: finish(False), lambda: finish(True), self.fail)
        wrapped = _wrap_stream(stream, hooks)
        if wrapped is None:
            self.end(None, None, None, {"streamed": True, "unreadable": True})
            return stream
        return wrapped


class _Hooks:
    def __init__(self, chunk: Callable[[Any], None], end: Callable[[], None], stopped: Callable[[], None],
                 error: Callable[[BaseException], None]) -> None:
        self.chunk, self.end, self.stopped, self.error = chunk, end, stopped, error


def _safe(f: Callable[..., None], *a: Any) -> None:
    try:
        f(*a)
    except Exception:  # noqa: BLE001 (recording never breaks the app's stream)
        pass


def _sync_gen(it: Any, h: _Hooks) -> Any:
    try:
        for c in it:
            _safe(h.chunk, c)
            yield c
    except GeneratorExit:
        _safe(h.stopped)
        close = getattr(it, "close", None)
        if callable(close):
            close()
        raise
    except BaseException as e:
        _safe(h.error, e)
        raise
    _safe(h.end)


async def _async_gen(it: Any, h: _Hooks) -> Any:
    try:
        async for c in it:
            _safe(h.chunk, c)
            yield c
    except GeneratorExit:
        _safe(h.stopped)
        aclose = getattr(it, "aclose", None)
        if callable(aclose):
            await aclose()
        raise
    except BaseException as e:
        _safe(h.error, e)
        raise
    _safe(h.end)


def _wrap_stream(stream: Any, h: _Hooks) -> Any:
    it = getattr(stream, "_iterator", None)
    if it is not None and (hasattr(it, "__anext__") or hasattr(it, "__next__")):
        try:
            # openai's Stream/AsyncStream iterate self._iterator: wrapped in place, the app keeps its object.
            is_async = hasattr(it, "__anext__")
            stream._iterator = _async_gen(it, h) if is_async else _sync_gen(it, h)
            _wrap_close(stream, h, is_async)
            return stream
        except (AttributeError, TypeError):
            pass
    if hasattr(stream, "__aiter__"):
        return _AsyncStreamProxy(stream, h)
    if hasattr(stream, "__iter__"):
        return _StreamProxy(stream, h)
    return None


def _wrap_close(stream: Any, h: _Hooks, is_async: bool) -> None:
    """close() (and `with stream:`, which calls it) before the end is read: recorded as partial."""
    name = "close"
    original = getattr(stream, name, None)
    if not callable(original):
        return
    if is_async and inspect.iscoroutinefunction(original):
        async def aclose(*a: Any, **k: Any) -> Any:
            _safe(h.stopped)
            return await original(*a, **k)
        setattr(stream, name, aclose)
    else:
        def close(*a: Any, **k: Any) -> Any:
            _safe(h.stopped)
            return original(*a, **k)
        setattr(stream, name, close)


class _StreamProxy:
    """A stream without openai's shape: iterated through the recording generator."""

    def __init__(self, stream: Any, h: _Hooks) -> None:
        self._loupe_stream = stream
        self._loupe_it = _sync_gen(stream, h)

    def __iter__(self) -> Any:
        return self._loupe_it

    def __next__(self) -> Any:
        return next(self._loupe_it)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._loupe_it.close()
        close = getattr(self._loupe_stream, "close", None)
        if callable(close):
            close()

    def __getattr__(self, key: str) -> Any:
        return getattr(self._loupe_stream, key)


class _AsyncStreamProxy:
    def __init__(self, stream: Any, h: _Hooks) -> None:
        self._loupe_stream = stream
        self._loupe_it = _async_gen(stream, h)

    def __aiter__(self) -> Any:
        return self._loupe_it

    async def __anext__(self) -> Any:
        return await self._loupe_it.__anext__()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        await self._loupe_it.aclose()
        close = getattr(self._loupe_stream, "close", None)
        if callable(close):
            r = close()
            if inspect.isawaitable(r):
                await r

    def __getattr__(self, key: str) -> Any:
        return getattr(self._loupe_stream, key)


class _ChatStream:
    """Chat completion chunks put back together: each choice's text and tool calls, the usage chunk."""

    def __init__(self) -> None:
        self.choices: Dict[int, Dict[str, Any]] = {}
        self.usage: Optional[Dict[str, Any]] = None
        self.model: Any = None

    def add(self, chunk: Any) -> None:
        if not isinstance(chunk, dict):
            return
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        if chunk.get("model") is not None:
            self.model = chunk["model"]
        for ch in chunk.get("choices") or []:
            if not isinstance(ch, dict):
                continue
            i = ch["index"] if isinstance(ch.get("index"), int) else 0
            c = self.choices.setdefault(i, {"role": "assistant", "content": "", "tool_calls": {}, "finish": None})
            if isinstance(ch.get("finish_reason"), str):
                c["finish"] = ch["finish_reason"]
            d = ch.get("delta") if isinstance(ch.get("delta"), dict) else {}
            if isinstance(d.get("role"), str):
                c["role"] = d["role"]
            if isinstance(d.get("content"), str):
                c["content"] += d["content"]
            for tc in d.get("tool_calls") or []:
                if not isinstance(tc, dict):
                    continue
                ti = tc["index"] if isinstance(tc.get("index"), int) else 0
                t = c["tool_calls"].setdefault(ti, {"id": None, "name": "", "arguments": ""})
                if isinstance(tc.get("id"), str):
                    t["id"] = tc["id"]
                f = tc.get("function") if isinstance(tc.get("function"), dict) else {}
                if isinstance(f.get("name"), str):
                    t["name"] += f["name"]
                if isinstance(f.get("arguments"), str):
                    t["arguments"] += f["arguments"]

    def result(self) -> Dict[str, Any]:
        ordered = [self.choices[i] for i in sorted(self.choices)]
        messages = []
        for c in ordered:
            m: Dict[str, Any] = {"role": c["role"], "content": c["content"]}
            if c["tool_calls"]:
                m["tool_calls"] = [
                    {**({"id": t["id"]} if t["id"] is not None else {}), "type": "function",
                     "function": {"name": t["name"], "arguments": t["arguments"]}}
                    for _, t in sorted(c["tool_calls"].items())
                ]
            messages.append(m)
        reasons = [c["finish"] for c in ordered if c["finish"] is not None]
        return {
            "output": messages[0] if len(messages) == 1 else messages,
            "usage": self.usage,
            "model": self.model,
            "extra": {"finishReason": reasons[0] if len(reasons) == 1 else reasons} if reasons else None,
        }


class _ResponseStream:
    """Response stream events: the final response when it came, else the text deltas so far."""

    def __init__(self) -> None:
        self.final: Optional[Dict[str, Any]] = None
        self.text = ""
        self.model: Any = None

    def add(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        resp = event.get("response")
        if isinstance(resp, dict):
            self.model = resp.get("model", self.model)
            if event.get("type") in ("response.completed", "response.incomplete", "response.failed"):
                self.final = resp
        if event.get("type") == "response.output_text.delta" and isinstance(event.get("delta"), str):
            self.text += event["delta"]

    def result(self) -> Dict[str, Any]:
        if self.final is not None:
            output, extra = _response_output(self.final)
            usage = self.final.get("usage")
            return {"output": output, "usage": usage if isinstance(usage, dict) else None,
                    "model": self.final.get("model"), "extra": extra}
        return {"output": {"role": "assistant", "content": self.text}, "model": self.model}
