"""@observe: each call of a function is a span under the current observation, or the root of a
trace of its own. The current observation is a ContextVar set around the call (around each step
of a generator), so nesting follows threads, asyncio tasks and generators."""
from __future__ import annotations

import asyncio
import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from .context import current, current_observation

if TYPE_CHECKING:
    from .client import Loupe
    from .observation import Span, Trace

# A generator's yielded values kept as its output, at most.
MAX_YIELDS_KEPT = 1000

_State = Tuple["Span", "Optional[Trace]"]


def make_observer(get_client: Callable[[], "Optional[Loupe]"], *, name: Optional[str], kind: str,
                  metadata: Optional[Dict[str, Any]], capture_input: bool, capture_output: bool,
                  trace: Optional[Dict[str, Any]]) -> Callable[[Any], Any]:
    def decorate(fn: Any) -> Any:
        span_name = name or getattr(fn, "__name__", None) or "observed"
        try:
            params = list(inspect.signature(fn).parameters)
            bound_method = bool(params) and params[0] in ("self", "cls")
            sig: Optional[inspect.Signature] = inspect.signature(fn)
        except (TypeError, ValueError):
            bound_method, sig = False, None

        def input_of(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
            if not capture_input:
                return None
            # As the TypeScript SDK: one argument as is, several as a list; keywords by name.
            if kwargs and sig is not None:
                try:
                    b = sig.bind(*args, **kwargs)
                    d = dict(b.arguments)
                    if bound_method and params:
                        d.pop(params[0], None)
                    return d
                except TypeError:
                    pass
            a = args[1:] if bound_method else args
            return a[0] if len(a) == 1 else list(a)

        def begin(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Optional[_State]:
            try:
                client = get_client()
                if client is None or not client.enabled or client._closed or client._sender is None:
                    return None
                inp = input_of(args, kwargs)
                parent = current()
                own = None
                if parent is None:
                    topts = dict(trace or {})
                    topts.setdefault("name", span_name)
                    topts["input"] = inp
                    own = client.trace(**topts)
                    parent = own
                return parent.span(inp, kind=kind, name=span_name, metadata=metadata), own
            except Exception as e:  # noqa: BLE001
                c = get_client()
                if c is not None:
                    c._internal_error(e)
                return None

        def done(st: _State, value: Any) -> None:
            out = value if capture_output else None
            st[0].end(out)
            if st[1] is not None:
                st[1].end(out)

        def failed(st: _State, err: BaseException) -> None:
            st[0].error(err)
            st[0].end()
            if st[1] is not None:
                st[1].error(err)
                st[1].end()

        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def agen_wrapper(*args: Any, **kwargs: Any) -> Any:
                st = begin(args, kwargs)
                gen = fn(*args, **kwargs)
                if st is None:
                    async for v in gen:
                        yield v
                    return
                kept: List[Any] = []
                sent: Any = None
                thrown: Optional[BaseException] = None
                while True:
                    token = current_observation.set(st[0])
                    try:
                        v = await (gen.athrow(thrown) if thrown is not None else gen.asend(sent))
                    except StopAsyncIteration:
                        done(st, kept)
                        return
                    except BaseException as e:
                        failed(st, e)
                        raise
                    finally:
                        _reset(token)
                    thrown = None
                    if len(kept) < MAX_YIELDS_KEPT:
                        kept.append(v)
                    try:
                        sent = yield v
                    except GeneratorExit:
                        # The app stopped early: what it read is the output.
                        try:
                            await gen.aclose()
                        finally:
                            st[0].update(metadata={"partial": True})
                            done(st, kept)
                        raise
                    except BaseException as e:  # noqa: BLE001 (thrown in by the app: passed on)
                        thrown = e
            return agen_wrapper

        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                st = begin(args, kwargs)
                gen = fn(*args, **kwargs)
                if st is None:
                    return (yield from gen)
                kept: List[Any] = []
                sent: Any = None
                thrown: Optional[BaseException] = None
                while True:
                    token = current_observation.set(st[0])
                    try:
                        v = gen.throw(thrown) if thrown is not None else gen.send(sent)
                    except StopIteration as e:
                        done(st, kept if e.value is None else e.value)
                        return e.value
                    except BaseException as e:
                        failed(st, e)
                        raise
                    finally:
                        _reset(token)
                    thrown = None
                    if len(kept) < MAX_YIELDS_KEPT:
                        kept.append(v)
                    try:
                        sent = yield v
                    except GeneratorExit:
                        try:
                            gen.close()
                        finally:
                            st[0].update(metadata={"partial": True})
                            done(st, kept)
                        raise
                    except BaseException as e:  # noqa: BLE001
                        thrown = e
            return gen_wrapper

        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                st = begin(args, kwargs)
                if st is None:
                    return await fn(*args, **kwargs)
                token = current_observation.set(st[0])
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as e:
                    failed(st, e)
                    raise
                finally:
                    _reset(token)
                done(st, result)
                return result
            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            st = begin(args, kwargs)
            if st is None:
                return fn(*args, **kwargs)
            token = current_observation.set(st[0])
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                failed(st, e)
                raise
            finally:
                _reset(token)
            if inspect.iscoroutine(result):
                # An async function behind a plain decorator: the work runs when it is awaited.
                return _awaiting(result, st)
            try:
                add_done = getattr(result, "add_done_callback", None) if inspect.isawaitable(result) else None
            except Exception:  # noqa: BLE001 (the app's object: whatever its __getattr__ does)
                add_done = None
            if callable(add_done):
                # A future or task: the app keeps its object; the span ends when it completes.
                def settled(fut: Any) -> None:
                    try:
                        if fut.cancelled():
                            failed(st, asyncio.CancelledError())
                        elif fut.exception() is not None:
                            failed(st, fut.exception())
                        else:
                            done(st, fut.result())
                    except BaseException as e:  # noqa: BLE001
                        failed(st, e)
                try:
                    add_done(settled)
                    return result
                except Exception:  # noqa: BLE001
                    pass
            done(st, result)
            return result

        async def _awaiting(coro: Any, st: _State) -> Any:
            token = current_observation.set(st[0])
            try:
                value = await coro
            except BaseException as e:
                failed(st, e)
                raise
            finally:
                _reset(token)
            done(st, value)
            return value
        return wrapper

    return decorate


def _reset(token: Any) -> None:
    try:
        current_observation.reset(token)
    except ValueError:
        pass  # set in another context (a generator resumed elsewhere): nothing to undo here
