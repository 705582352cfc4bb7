"""Traces and spans as the app holds them. Each records into plain attributes and hands itself to
the recorder when it changes state; the wire form (to_wire: the same fields as the TypeScript
SDK's toWire) is made later, on the sender's thread. Every public method catches its own errors:
tracing must never break the app it observes."""
from __future__ import annotations

import contextvars
import traceback
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Protocol, Type, Union

from .clock import now_ms, wire_time
from .context import current_observation
from .ids import span_id as new_span_id
from .llm import as_response, completion_of, normalize_usage, prompt_of, usage_of
from .models import Metadata, User
from .size import estimate_bytes

TRACE, SPAN, SCORE = 0, 1, 2

INERT_TRACE_ID = "0" * 32
INERT_SPAN_ID = "0" * 16
# Fixed part of a span's wire size (ids, times, kind, keys).
_SPAN_BASE_BYTES = 160
_RESULT_KEYS = {"output", "usage", "model", "costUsd", "cost_usd"}


class Recorder(Protocol):
    """What observations need from their client (narrow, so the classes stay testable alone)."""

    def enqueue(self, type_: int, item: Any, size: int) -> None: ...
    def opened(self, span: "Span") -> None: ...
    def closed(self, span: "Span") -> None: ...
    def internal_error(self, e: BaseException) -> None: ...


def error_parts(err: Any) -> Dict[str, Optional[str]]:
    """An exception's type, message and stack, as OpenTelemetry's exception event names them."""
    if isinstance(err, BaseException):
        stack: Optional[str] = None
        if err.__traceback__ is not None:
            stack = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        return {"type": type(err).__name__, "message": str(err), "stack": stack}
    if isinstance(err, str):
        return {"type": "Error", "message": err, "stack": None}
    try:
        text = str(err)
    except Exception:
        text = "[unprintable]"
    return {"type": "Error", "message": text, "stack": None}


def _text(v: Any) -> Optional[str]:
    """A name or comment given as something other than text (a number, an Enum): as text."""
    if v is None or isinstance(v, str):
        return v
    try:
        return str(v)
    except Exception:  # noqa: BLE001
        return f"<{type(v).__name__}>"


def _tags(v: Any) -> Optional[List[str]]:
    """tags="prod" is one tag, not four; any other iterable a list of text."""
    if v is None:
        return None
    if isinstance(v, str):
        return [v]
    try:
        return [t if isinstance(t, str) else str(_text(t)) for t in v]
    except TypeError:
        return [str(_text(v))]


def _score_of(tag: Optional[str], text: Optional[str], value: Any, name: Optional[str]) -> Dict[str, Any]:
    # Same mapping as the TypeScript SDK: without a value the tag is the value of a score named
    # "feedback"; with a value the tag names the score.
    v = value if value is not None else (tag if tag is not None else "feedback")
    n = name if name is not None else (tag if value is not None and tag else "feedback")
    return {"name": _text(n), "value": v, "comment": _text(text)}


def _drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class _ScoreItem:
    """A score is its own wire item; it lives in the queue until sent and nowhere else."""

    __slots__ = ("wire",)

    def __init__(self, wire: Dict[str, Any]) -> None:
        self.wire = wire

    def to_wire(self) -> Dict[str, Any]:
        return self.wire


class Observation:
    """What traces and spans share: making children, feedback, and their identity."""

    id: str
    trace_id: str
    _root: "Trace"

    @property
    def _child_parent_id(self) -> Optional[str]:
        raise NotImplementedError

    # -- children ---------------------------------------------------------------------------------

    def span(self, input: Any = None, *, kind: str = "span", name: Optional[str] = None, **options: Any) -> "Span":
        """A span of any kind under this one."""
        return self._child(kind, input, name, options)

    def message(self, input: Any = None, *, name: Optional[str] = None, **options: Any) -> "Span":
        """A message of the conversation (seed 004's MESSAGE): the input now, the reply at end()."""
        return self._child("message", input, name, options)

    def tool(self, input: Any = None, *, name: Optional[str] = None, **options: Any) -> "Span":
        return self._child("tool", input, name, options)

    def agent(self, input: Any = None, *, name: Optional[str] = None, **options: Any) -> "Span":
        return self._child("agent", input, name, options)

    def system(self, input: Any = None, *, name: Optional[str] = None, **options: Any) -> "Span":
        return self._child("system", input, name, options)

    def retrieval(self, query: Any = None, *, name: Optional[str] = None, **options: Any) -> "Span":
        """A retrieval: the query now, the documents (id, content, score, metadata) at end()."""
        return self._child("retrieval", query, name, options)

    def generation(self, input: Any = None, *, name: Optional[str] = None, model: Optional[str] = None,
                   params: Optional[Dict[str, Any]] = None, provider: Optional[str] = None,
                   metadata: Optional[Dict[str, Any]] = None, attributes: Optional[Dict[str, Any]] = None) -> "Generation":
        """An LLM call (kind llm): the messages sent as input, ended with output= and usage=.
        A whole provider request as input keeps its messages; its model and settings become
        model and params."""
        try:
            if self._root._rec is None:
                return INERT_GENERATION
            prompt, p_model, p_params = prompt_of(input)
            return Generation(self._root, self._child_parent_id, "llm", name or "generation", prompt, {
                "model": model if model is not None else p_model,
                "params": params if params is not None else p_params,
                "provider": provider, "metadata": metadata, "attributes": attributes,
            })
        except Exception as e:  # noqa: BLE001 (never into the app)
            self._internal(e)
            return INERT_GENERATION

    def log(self, message: str, data: Any = None, *, level: Optional[str] = None) -> "Span":
        """A point in time worth seeing (seed 000's log event): a span of kind log that starts and
        ends now, named by the message, data shown beside it; level="error" makes it an error."""
        try:
            if self._root._rec is None:
                return INERT_SPAN
            text = message if isinstance(message, str) else str(message)
            name = text[:199] + "…" if len(text) > 200 else text
            s = Span(self._root, self._child_parent_id, "log", name or "log",
                     text if data is None else {"message": text, "data": data},
                     {"metadata": {"level": level}} if level else None)
            if level == "error":
                s._status = "error"
            s.end()
            return s
        except Exception as e:  # noqa: BLE001
            self._internal(e)
            return INERT_SPAN

    def feedback(self, feedback_tag: Optional[str] = None, feedback_text: Optional[str] = None, *,
                 value: Union[int, float, str, bool, None] = None, name: Optional[str] = None,
                 tag: Optional[str] = None, text: Optional[str] = None) -> None:
        """User feedback as a score (source user). THUMBS_UP → {name: "feedback", value:
        "THUMBS_UP", comment: feedback_text}; with value=, the tag names the score."""
        try:
            rec = self._root._rec
            if rec is None or self._root._muted:
                return
            s = _score_of(feedback_tag if feedback_tag is not None else tag,
                          feedback_text if feedback_text is not None else text, value, name)
            wire: Dict[str, Any] = {
                "id": f"sc_{new_span_id()}{new_span_id()}",
                "traceId": self.trace_id,
                "name": s["name"],
                "value": s["value"],
                "comment": s["comment"],
                "source": "user",
                "createdAt": wire_time(now_ms()),
            }
            if self._child_parent_id:
                wire["spanId"] = self._child_parent_id
            rec.enqueue(SCORE, _ScoreItem(_drop_none(wire)),
                        120 + len(str(s["name"])) + len(s["comment"] or "") + estimate_bytes(s["value"]))
        except Exception as e:  # noqa: BLE001
            self._internal(e)

    # -- context manager: `with trace.message(...) as m:` -------------------------------------

    def __enter__(self) -> Any:
        try:
            if self._root._rec is None:
                return self
            # Observed functions and integrations called inside the block nest under it.
            self._tokens().append(current_observation.set(self))
        except Exception as e:  # noqa: BLE001
            self._internal(e)
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> bool:
        try:
            if self._root._rec is None:
                return False
            tokens = self._tokens()
            if tokens:
                token = tokens.pop()
                try:
                    current_observation.reset(token)
                except ValueError:
                    # Exited in another context (an async generator resumed elsewhere): nothing to undo.
                    pass
            if exc is not None:
                self.error(exc)
            self.end()
        except Exception as e:  # noqa: BLE001
            self._internal(e)
        return False  # the app's exception goes on, unchanged

    def _tokens(self) -> List["contextvars.Token[Any]"]:
        t = self.__dict__.get("_ctx_tokens")
        if t is None:
            t = self.__dict__["_ctx_tokens"] = []
        return t

    # -- overridden ---------------------------------------------------------------------------

    def end(self, output: Any = None) -> None:
        raise NotImplementedError

    def error(self, err: Any) -> "Observation":
        raise NotImplementedError

    def _internal(self, e: BaseException) -> None:
        rec = self._root._rec if getattr(self, "_root", None) is not None else None
        if rec is not None:
            try:
                rec.internal_error(e)
            except Exception:  # noqa: BLE001
                pass

    def _child(self, kind: str, input: Any, name: Optional[str], options: Mapping[str, Any]) -> "Span":
        try:
            if self._root._rec is None:
                return INERT_SPAN
            return Span(self._root, self._child_parent_id, kind, name or kind, input, options)
        except Exception as e:  # noqa: BLE001
            self._internal(e)
            return INERT_SPAN


class Trace(Observation):
    """A conversation turn, an agent run, a request: the root of spans. Use client.trace()."""

    def __init__(self, rec: Optional[Recorder], id: str, options: Mapping[str, Any], *,
                 environment: Optional[str] = None, release: Optional[str] = None,
                 evaluation_only: bool = False) -> None:
        self._rec = rec
        self.id = id
        self.trace_id = id
        self._root = self
        self._start = now_ms()
        self._end: Optional[float] = None
        self._evaluation_only = evaluation_only
        self._name: Optional[str] = None
        self._external_id: Optional[str] = None
        self._input: Any = None
        self._output: Any = None
        self._user_id: Optional[str] = None
        self._session_id: Optional[str] = None
        self._environment = environment
        self._release = release
        self._tags: Optional[List[str]] = None
        self._metadata: Optional[Dict[str, Any]] = None
        self._test_id: Optional[str] = None
        self._status: Optional[str] = None
        self._assign(options)
        self._muted = evaluation_only and not self._test_id
        self._push()

    @property
    def _child_parent_id(self) -> Optional[str]:
        return None

    @property
    def ended(self) -> bool:
        return self._end is not None

    def _merge_metadata(self, extra: Mapping[str, Any]) -> None:
        self._metadata = {**(self._metadata or {}), **extra}

    def _assign(self, o: Mapping[str, Any]) -> None:
        meta = o.get("metadata")
        if isinstance(meta, Metadata):
            # Seed 004's Metadata: its environment, release and tags are the trace's own fields.
            if meta.environment is not None:
                self._environment = meta.environment
            if meta.release is not None:
                self._release = meta.release
            if meta.tags is not None:
                self._tags = _tags(meta.tags)
            if meta.extra:
                self._merge_metadata(meta.extra)
        elif isinstance(meta, Mapping):
            self._merge_metadata(meta)
        user = o.get("user")
        if isinstance(user, User):
            self._user_id = user.id
            if user.extra:
                self._merge_metadata({"user": dict(user.extra)})
        elif isinstance(user, str):
            self._user_id = user
        if o.get("user_id") is not None:
            self._user_id = o["user_id"]
        if o.get("name") is not None:
            self._name = _text(o["name"])
        if o.get("external_id") is not None:
            self._external_id = o["external_id"]
        conv = o.get("conversation_id")
        if conv is not None:
            self._merge_metadata({"conversationId": conv})
        if o.get("session_id") is not None:
            self._session_id = o["session_id"]
        elif conv is not None and self._session_id is None:
            # As the TypeScript SDK: the conversation is the session when no session is given.
            self._session_id = conv
        if o.get("tags") is not None:
            self._tags = _tags(o["tags"])
        if o.get("environment") is not None:
            self._environment = o["environment"]
        if o.get("release") is not None:
            self._release = o["release"]
        if o.get("test_id") is not None:
            self._test_id = o["test_id"]
        if o.get("input") is not None:
            self._input = o["input"]
        if o.get("output") is not None:
            self._output = o["output"]

    def _push(self) -> None:
        if self._rec is None or self._muted:
            return
        self._rec.enqueue(TRACE, self, 200 + estimate_bytes(self._input) + estimate_bytes(self._output)
                          + estimate_bytes(self._metadata))

    def update(self, **changes: Any) -> "Trace":
        """Changes what the trace says: name, session_id, user, metadata (merged), tags,
        environment, release, test_id, input, output, external_id, conversation_id."""
        try:
            if self._rec is None:
                return self
            self._assign(changes)
            # A test_id given late lets the rest through in evaluation-only mode.
            if self._muted and self._test_id:
                self._muted = False
            self._push()
        except Exception as e:  # noqa: BLE001
            self._internal(e)
        return self

    def end(self, output: Any = None) -> None:
        """Ends the trace now, with its output. Spans still open stay open."""
        try:
            if self._rec is None or self._end is not None:
                return
            self._end = now_ms()
            if output is not None:
                self._output = output
            self._push()
        except Exception as e:  # noqa: BLE001
            self._internal(e)

    def error(self, err: Any) -> "Trace":
        """Marks the trace failed; the error's type, message and stack go into its metadata."""
        try:
            if self._rec is None:
                return self
            p = error_parts(err)
            self._status = "error"
            self._merge_metadata({"error": _drop_none(dict(p))})
            self._push()
        except Exception as e:  # noqa: BLE001
            self._internal(e)
        return self

    def to_wire(self) -> Dict[str, Any]:
        return _drop_none({
            "id": self.id,
            "name": self._name,
            "externalId": self._external_id,
            "status": self._status,
            "startTime": wire_time(self._start),
            "endTime": None if self._end is None else wire_time(self._end),
            "input": self._input,
            "output": self._output,
            "userId": self._user_id,
            "sessionId": self._session_id,
            "environment": self._environment,
            "release": self._release,
            "tags": self._tags,
            "metadata": self._metadata,
            "testId": self._test_id,
        })

    def __repr__(self) -> str:
        return f"<loupe.Trace {self.id}>"


class Span(Observation):
    """A step of a trace. Made by trace.message(), span.tool(), observe… ; ended with end()."""

    def __init__(self, root: Trace, parent_id: Optional[str], kind: str, name: str, input: Any,
                 options: Optional[Mapping[str, Any]] = None) -> None:
        self._start = now_ms()
        self._root = root
        self.trace_id = root.id
        self.parent_id = parent_id
        self.kind = kind
        self._name = _text(name) or ""
        self._input = input
        self._output: Any = None
        self._end: Optional[float] = None
        self._status: Optional[str] = None
        self._error_text: Optional[str] = None
        self._events: Optional[List[Dict[str, Any]]] = None
        self._usage: Optional[Dict[str, int]] = None
        self._cost_usd: Optional[float] = None
        o = options or {}
        self._model: Optional[str] = o.get("model")
        self._provider: Optional[str] = o.get("provider")
        self._params: Optional[Dict[str, Any]] = o.get("params")
        self._metadata: Optional[Dict[str, Any]] = o.get("metadata")
        self._attributes: Optional[Dict[str, Any]] = o.get("attributes")
        # The open state was queued at a flush and nothing changed since.
        self._sent_open = False
        self.id = new_span_id() if root._rec is not None else INERT_SPAN_ID
        if root._rec is not None and not root._muted:
            root._rec.opened(self)

    @property
    def _child_parent_id(self) -> Optional[str]:
        return self.id

    @property
    def ended(self) -> bool:
        return self._end is not None

    def end(self, output: Any = None) -> None:
        """Ends the span now, with its output if given. A second end changes nothing."""
        try:
            rec = self._root._rec
            if rec is None or self._end is not None:
                return
            self._end = now_ms()
            if output is not None:
                self._output = output
            rec.closed(self)
            if not self._root._muted:
                rec.enqueue(SPAN, self, self._bytes())
        except Exception as e:  # noqa: BLE001
            self._internal(e)

    def error(self, err: Any) -> "Span":
        """Marks the span failed: status error, "Type: message", and an exception event with the
        type, message and stack. It does not end the span."""
        try:
            if self._root._rec is None:
                return self
            p = error_parts(err)
            self._status = "error"
            self._error_text = f"{p['type']}: {p['message']}" if p["message"] else p["type"]
            attrs: Dict[str, Any] = {"exception.type": p["type"], "exception.message": p["message"]}
            if p["stack"]:
                attrs["exception.stacktrace"] = p["stack"]
            self._events = [*(self._events or []), {"name": "exception", "time": wire_time(now_ms()), "attributes": attrs}]
            self._changed()
        except Exception as e:  # noqa: BLE001
            self._internal(e)
        return self

    def update(self, *, name: Optional[str] = None, input: Any = None, output: Any = None,
               model: Optional[str] = None, provider: Optional[str] = None, usage: Any = None,
               cost_usd: Optional[float] = None, metadata: Optional[Mapping[str, Any]] = None,
               params: Optional[Mapping[str, Any]] = None, attributes: Optional[Mapping[str, Any]] = None) -> "Span":
        """Changes what the span says; metadata, params and attributes are merged. After end()
        the change is sent as an update of its own."""
        try:
            if self._root._rec is None:
                return self
            if name is not None:
                self._name = _text(name) or ""
            if input is not None:
                self._input = input
            if output is not None:
                self._output = output
            if model is not None:
                self._model = model
            if provider is not None:
                self._provider = provider
            if cost_usd is not None:
                self._cost_usd = cost_usd
            if usage is not None:
                self._usage = normalize_usage(usage)
            # New dicts, never mutated in place: the sender may be reading the old one.
            if metadata is not None:
                self._metadata = {**(self._metadata or {}), **metadata}
            if params is not None:
                self._params = {**(self._params or {}), **params}
            if attributes is not None:
                self._attributes = {**(self._attributes or {}), **attributes}
            self._changed()
        except Exception as e:  # noqa: BLE001
            self._internal(e)
        return self

    def _changed(self) -> None:
        self._sent_open = False
        rec = self._root._rec
        if rec is not None and self._end is not None and not self._root._muted:
            rec.enqueue(SPAN, self, self._bytes())

    def _bytes(self) -> int:
        return (_SPAN_BASE_BYTES + len(self._name) + estimate_bytes(self._input) + estimate_bytes(self._output)
                + (estimate_bytes(self._metadata) if self._metadata else 0)
                + (estimate_bytes(self._events) if self._events else 0))

    def to_wire(self) -> Dict[str, Any]:
        w = _drop_none({
            "id": self.id,
            "traceId": self.trace_id,
            "kind": self.kind,
            "name": self._name,
            "status": self._status,
            "error": self._error_text,
            "startTime": wire_time(self._start),
            "endTime": None if self._end is None else wire_time(self._end),
            "input": self._input,
            "output": self._output,
            "model": self._model,
            "provider": self._provider,
            "params": self._params,
            "usage": self._usage,
            "costUsd": self._cost_usd,
            "metadata": self._metadata,
            "attributes": self._attributes,
            "events": list(self._events) if self._events else None,
        })
        # As JSON.stringify in the TypeScript SDK: a root span says parentId null.
        w["parentId"] = self.parent_id
        return w

    def __repr__(self) -> str:
        return f"<loupe.Span {self.kind} {self._name!r} {self.id}>"


class Generation(Span):
    """An LLM call, ended with output= and usage= (or the output alone)."""

    def end(self, output: Any = None, *, usage: Any = None, model: Optional[str] = None,
            cost_usd: Optional[float] = None) -> None:
        """Ends the call. A provider's whole response as output is cut down to its message(s),
        its usage read when none is given. The TypeScript form, one dict of output/usage, is read
        as such too."""
        try:
            if self._root._rec is None or self.ended:
                return
            if (isinstance(output, dict) and output and ("output" in output or "usage" in output)
                    and set(output).issubset(_RESULT_KEYS) and usage is None and model is None and cost_usd is None):
                usage = output.get("usage")
                model = output.get("model")
                cost_usd = output.get("costUsd", output.get("cost_usd"))
                output = output.get("output")
            if usage is not None:
                self._usage = normalize_usage(usage)
            if model is not None:
                self._model = model
            if cost_usd is not None:
                self._cost_usd = cost_usd
            # A pydantic response read as a dict once, for both its usage and its completion.
            output = as_response(output)
            if self._usage is None:
                self._usage = usage_of(output)
            Span.end(self, None if output is None else completion_of(output))
        except Exception as e:  # noqa: BLE001
            self._internal(e)


# The objects a disabled SDK hands out: same methods, nothing recorded.
INERT_TRACE = Trace(None, INERT_TRACE_ID, {})
INERT_SPAN = Span(INERT_TRACE, None, "span", "inert", None)
INERT_GENERATION = Generation(INERT_TRACE, None, "llm", "inert", None)
