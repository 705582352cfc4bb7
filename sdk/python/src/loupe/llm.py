"""LLM events carry the raw prompt and completion (the messages) and token counts, never a
provider's whole response object: the same cuts as the TypeScript SDK's llm.ts."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple


def plain(v: Any, depth: int = 0) -> Any:
    """Provider objects (pydantic models of the openai package, dataclasses) as dicts and lists,
    so the same mapping reads them as it reads JSON."""
    if depth > 20 or v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, dict):
        return {str(k): plain(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x, depth + 1) for x in v]
    dump = getattr(v, "model_dump", None)
    if callable(dump):
        try:
            return plain(dump(), depth + 1)
        except Exception:
            pass
    to_dict = getattr(v, "to_dict", None)
    if callable(to_dict):
        try:
            return plain(to_dict(), depth + 1)
        except Exception:
            pass
    d = getattr(v, "__dict__", None)
    if isinstance(d, dict):
        return {k: plain(x, depth + 1) for k, x in d.items() if not k.startswith("_")}
    return v


def _int(v: Any) -> Optional[int]:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0 or v == float("inf"):
        return None
    return int(round(v))


def _first(u: Dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if u.get(k) is not None:
            return u[k]
    return None


def normalize_usage(u: Any) -> Optional[Dict[str, int]]:
    """Usage in the native names, from ours (snake or camel case) or OpenAI's/Anthropic's/Gemini's."""
    u = plain(u)
    if not isinstance(u, dict):
        return None

    def details(k: str) -> Dict[str, Any]:
        d = u.get(k)
        return d if isinstance(d, dict) else {}

    def any_of(*vals: Any) -> Any:
        for v in vals:
            if v is not None:
                return v
        return None

    out = {
        "inputTokens": _int(_first(u, "inputTokens", "input_tokens", "prompt_tokens", "promptTokenCount")),
        "outputTokens": _int(_first(u, "outputTokens", "output_tokens", "completion_tokens", "candidatesTokenCount")),
        "totalTokens": _int(_first(u, "totalTokens", "total_tokens", "totalTokenCount")),
        "cacheReadTokens": _int(any_of(
            _first(u, "cacheReadTokens", "cache_read_tokens", "cache_read_input_tokens"),
            details("prompt_tokens_details").get("cached_tokens"),
            details("input_tokens_details").get("cached_tokens"))),
        "cacheWriteTokens": _int(_first(u, "cacheWriteTokens", "cache_write_tokens", "cache_creation_input_tokens")),
        "reasoningTokens": _int(any_of(
            _first(u, "reasoningTokens", "reasoning_tokens"),
            details("completion_tokens_details").get("reasoning_tokens"),
            details("output_tokens_details").get("reasoning_tokens"))),
    }
    out = {k: v for k, v in out.items() if v is not None}
    return out or None


def completion_of(output: Any) -> Any:
    """The completion out of a provider response, if the output is one: OpenAI chat completions
    (choices[].message), OpenAI Responses (output[]), Anthropic messages. Else kept as given."""
    if not isinstance(output, dict) and hasattr(output, "model_dump"):
        output = plain(output)
    if not isinstance(output, dict):
        return output
    choices = output.get("choices")
    if isinstance(choices, list) and ("object" in output or "id" in output or "model" in output):
        msgs = []
        for c in choices:
            if isinstance(c, dict):
                m = c.get("message")
                if m is None:
                    m = c.get("delta")
                if m is None:
                    m = c.get("text")
                msgs.append(m)
            else:
                msgs.append(c)
        return msgs[0] if len(msgs) == 1 else msgs
    if output.get("object") == "response" and isinstance(output.get("output"), list):
        return output["output"]
    if output.get("type") == "message" and output.get("role") == "assistant" and "content" in output:
        return {"role": "assistant", "content": output["content"]}
    return output


def usage_of(output: Any) -> Optional[Dict[str, int]]:
    """A provider response's usage, when the output is one and no usage was given."""
    if not isinstance(output, dict) and hasattr(output, "model_dump"):
        output = plain(output)
    if isinstance(output, dict) and isinstance(output.get("usage"), dict):
        return normalize_usage(output["usage"])
    return None


def prompt_of(inp: Any) -> Tuple[Any, Optional[str], Optional[Dict[str, Any]]]:
    """A whole provider request ({model, messages, temperature…}) as (messages, model, params)."""
    if not isinstance(inp, dict):
        return inp, None, None
    if not (isinstance(inp.get("messages"), list) or (isinstance(inp.get("input"), list) and isinstance(inp.get("model"), str))):
        return inp, None, None
    params = {k: v for k, v in inp.items() if k not in ("messages", "input", "model")}
    system = params.pop("instructions", None) if isinstance(params.get("instructions"), str) else None
    msgs = inp["messages"] if isinstance(inp.get("messages"), list) else inp["input"]
    model = inp.get("model") if isinstance(inp.get("model"), str) else None
    out = [{"role": "system", "content": system}] + list(msgs) if system is not None else msgs
    return out, model, (params or None)
