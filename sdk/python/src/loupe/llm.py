"""LLM events carry the raw prompt and completion (the messages) and token counts, never a
provider's whole response object: the same cuts as the TypeScript SDK's llm.ts."""
from __future__ import annotations

import json
import math
from enum import Enum
from typing import Any, Dict, List, Optional, Set, Tuple


# One normaliser, bounded and cycle-safe, for reading provider objects (plain) and for writing
# JSON (json_value): at most MAX_NODES values visited and MAX_DEPTH levels; a value that contains
# itself is written "[Circular]".
MAX_NODES = 200_000
MAX_DEPTH = 100
CIRCULAR = "[Circular]"
TRUNCATED = "[Truncated]"


def plain(v: Any) -> Any:
    """Provider objects (pydantic models of the openai package, dataclasses) as dicts and lists,
    so the same mapping reads them as it reads JSON; other values as they are."""
    return normalize(v, False)


def json_value(v: Any) -> Any:
    """v as what json.dumps writes without a default hook: provider objects as their fields, dict
    keys as text, Enum members as their value, exceptions as "Type: message", dates by
    isoformat(), NaN and infinities as null, bytes as their length, the rest by str()."""
    return normalize(v, True)


def _fields(v: Any) -> Any:
    """A provider object's fields (model_dump, to_dict, public attributes), or _NONE."""
    dump = getattr(v, "model_dump", None)
    if callable(dump):
        try:
            return dump()
        except Exception:  # noqa: BLE001
            pass
    to_dict = getattr(v, "to_dict", None)
    if callable(to_dict):
        try:
            return to_dict()
        except Exception:  # noqa: BLE001
            pass
    d = getattr(v, "__dict__", None)
    if isinstance(d, dict):
        return {k: x for k, x in d.items() if not (isinstance(k, str) and k.startswith("_"))}
    return _NONE


_NONE = object()


def _key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, Enum):
        k = k.value
    if k is None or isinstance(k, bool):
        return json.dumps(k)
    if isinstance(k, float) and not math.isfinite(k):
        return "null"
    try:
        return str(k)
    except Exception:  # noqa: BLE001
        return f"<{type(k).__name__}>"


def normalize(v: Any, for_json: bool) -> Any:
    budget = [MAX_NODES]
    path: Set[int] = set()

    def leaf(x: Any) -> Any:
        if not for_json:
            return x
        if isinstance(x, BaseException):
            return f"{type(x).__name__}: {x}"
        if isinstance(x, (bytes, bytearray, memoryview)):
            return f"<{len(x)} bytes>"
        iso = getattr(x, "isoformat", None)
        if callable(iso):
            try:
                return str(iso())
            except Exception:  # noqa: BLE001
                pass
        try:
            return str(x)
        except Exception:  # noqa: BLE001
            return f"<{type(x).__name__}>"

    def walk(x: Any, depth: int) -> Any:
        if x is None or isinstance(x, (str, bool)):
            return x
        if isinstance(x, int):
            return int(x) if for_json and type(x) is not int and not isinstance(x, Enum) else x
        if isinstance(x, float):
            return None if for_json and not math.isfinite(x) else x
        if isinstance(x, Enum):
            return walk(x.value, depth) if for_json else x
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            return TRUNCATED if for_json else None
        if for_json and isinstance(x, BaseException):
            return leaf(x)
        i = id(x)
        if i in path:
            return CIRCULAR
        path.add(i)
        try:
            if isinstance(x, dict):
                if for_json:
                    return {_key(k): walk(y, depth + 1) for k, y in list(x.items())}
                return {str(k): walk(y, depth + 1) for k, y in list(x.items())}
            if isinstance(x, (list, tuple)) or (for_json and isinstance(x, (set, frozenset))):
                return [walk(y, depth + 1) for y in list(x)]
            f = _fields(x)
            if f is not _NONE and f is not x:
                return walk(f, depth + 1)
            return leaf(x)
        finally:
            path.discard(i)

    return walk(v, 0)


def _int(v: Any) -> Optional[int]:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0 or v == float("inf"):
        return None
    return int(round(v))


def _first(u: Dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if u.get(k) is not None:
            return u[k]
    return None


def _any_of(*vals: Any) -> Any:
    for v in vals:
        if v is not None:
            return v
    return None


def normalize_usage(u: Any) -> Optional[Dict[str, int]]:
    """Usage in the native names, from ours (snake or camel case) or OpenAI's/Anthropic's/Gemini's."""
    u = plain(u)
    if not isinstance(u, dict):
        return None

    def details(k: str) -> Dict[str, Any]:
        d = u.get(k)
        return d if isinstance(d, dict) else {}

    out = {
        "inputTokens": _int(_first(u, "inputTokens", "input_tokens", "prompt_tokens", "promptTokenCount")),
        "outputTokens": _int(_first(u, "outputTokens", "output_tokens", "completion_tokens", "candidatesTokenCount")),
        "totalTokens": _int(_first(u, "totalTokens", "total_tokens", "totalTokenCount")),
        "cacheReadTokens": _int(_any_of(
            _first(u, "cacheReadTokens", "cache_read_tokens", "cache_read_input_tokens"),
            details("prompt_tokens_details").get("cached_tokens"),
            details("input_tokens_details").get("cached_tokens"))),
        "cacheWriteTokens": _int(_first(u, "cacheWriteTokens", "cache_write_tokens", "cache_creation_input_tokens")),
        "reasoningTokens": _int(_any_of(
            _first(u, "reasoningTokens", "reasoning_tokens"),
            details("completion_tokens_details").get("reasoning_tokens"),
            details("output_tokens_details").get("reasoning_tokens"))),
    }
    out = {k: v for k, v in out.items() if v is not None}
    return out or None


def completion_of(output: Any) -> Any:
    """The completion out of a provider response, if the output is one: OpenAI chat completions
    (the choices' messages), OpenAI Responses (one assistant message: the text and the function
    calls as tool calls), Anthropic messages. Anything else is kept as given. wrap_openai stores
    the same, so a response given to generation.end() and one recorded by the wrapper read alike."""
    return mapped_completion(output)[0]


def as_response(output: Any) -> Any:
    """A pydantic response (the openai package's) as a dict; anything else as given."""
    if not isinstance(output, dict) and hasattr(output, "model_dump"):
        return plain(output)
    return output


def mapped_completion(output: Any) -> Tuple[Any, Optional[Dict[str, Any]]]:
    """The completion and what else a response says worth keeping (finish reasons, status)."""
    output = as_response(output)
    if not isinstance(output, dict):
        return output, None
    if isinstance(output.get("choices"), list) and ("object" in output or "id" in output or "model" in output):
        return chat_output(output)
    if output.get("object") == "response" and isinstance(output.get("output"), list):
        return response_output(output)
    if output.get("type") == "message" and output.get("role") == "assistant" and "content" in output:
        return {"role": "assistant", "content": output["content"]}, None
    return output, None


def _clean_message(m: Dict[str, Any]) -> Dict[str, Any]:
    """A message without the fields that are null or empty (refusal, annotations, audio)."""
    return {k: v for k, v in m.items() if v is not None and not (isinstance(v, list) and not v)}


def chat_output(c: Dict[str, Any]) -> Tuple[Any, Optional[Dict[str, Any]]]:
    """The assistant message(s) of a chat completion, as the dashboard's chat view reads them."""
    choices = c.get("choices") if isinstance(c.get("choices"), list) else []
    messages: List[Any] = []
    reasons: List[str] = []
    for ch in choices:
        if not isinstance(ch, dict):
            messages.append(ch)
            continue
        m = ch.get("message")
        if isinstance(m, dict):
            messages.append(_clean_message(m))
        else:
            messages.append(next((x for x in (m, ch.get("delta"), ch.get("text")) if x is not None), None))
        if isinstance(ch.get("finish_reason"), str):
            reasons.append(ch["finish_reason"])
    extra = {"finishReason": reasons[0] if len(reasons) == 1 else reasons} if reasons else None
    return (messages[0] if len(messages) == 1 else messages), extra


def response_output(r: Dict[str, Any]) -> Tuple[Any, Optional[Dict[str, Any]]]:
    """A response's output items as one assistant message: its text, function calls as tool calls."""
    text = ""
    tool_calls: List[Dict[str, Any]] = []
    for item in r.get("output") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message" and isinstance(item.get("content"), list):
            for part in item["content"]:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    text += part["text"]
        elif item.get("type") == "function_call":
            tool_calls.append({"id": item.get("call_id") or item.get("id"), "type": "function",
                               "function": {"name": item.get("name"), "arguments": item.get("arguments")}})
    message: Dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = tool_calls
    status = r.get("status")
    return message, ({"status": status} if isinstance(status, str) and status != "completed" else None)


def usage_of(output: Any) -> Optional[Dict[str, int]]:
    """A provider response's usage, when the output is one and no usage was given."""
    output = as_response(output)
    if isinstance(output, dict) and isinstance(output.get("usage"), dict):
        return normalize_usage(output["usage"])
    return None


def responses_input(params: Dict[str, Any]) -> Any:
    """Responses' input as messages: `instructions` as the system message, a string as the user's."""
    raw = params.get("input")
    inp = [{"role": "user", "content": raw}] if isinstance(raw, str) else raw
    if not isinstance(params.get("instructions"), str):
        return inp
    rest = inp if isinstance(inp, list) else ([] if inp is None else [inp])
    return [{"role": "system", "content": params["instructions"]}, *rest]


def is_request(inp: Any) -> bool:
    """Whether a value is a provider request: chat's messages, or Responses' input with a model."""
    return isinstance(inp, dict) and (isinstance(inp.get("messages"), list)
                                      or ("input" in inp and inp["input"] is not None and isinstance(inp.get("model"), str)))


_REQUEST_ONLY = ("messages", "input", "instructions", "model", "stream", "stream_options")


def prompt_of(inp: Any) -> Tuple[Any, Optional[str], Optional[Dict[str, Any]]]:
    """A whole provider request ({model, messages, temperature…} or {model, input, instructions…})
    as (messages, model, params). wrap_openai reads requests the same way."""
    if not is_request(inp):
        return inp, None, None
    params = {k: v for k, v in inp.items() if k not in _REQUEST_ONLY}
    msgs = inp["messages"] if isinstance(inp.get("messages"), list) else responses_input(inp)
    model = inp.get("model") if isinstance(inp.get("model"), str) else None
    return msgs, model, (params or None)
