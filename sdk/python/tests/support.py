"""Shared by the tests: the server under test (LOUPE_TEST_URL, LOUPE_TEST_KEY), reading traces
back through the query API, and the misbehaving servers some tests put in front of it."""
from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

URL = os.environ.get("LOUPE_TEST_URL", "").rstrip("/")
KEY = os.environ.get("LOUPE_TEST_KEY", "")
SKIP_REASON = ("LOUPE_TEST_URL and LOUPE_TEST_KEY are not set: these tests need a running Loupe server "
               "(npm test runs them through test/python/python-sdk.test.ts, which starts one)")


def needs_server(cls: Any) -> Any:
    return unittest.skipUnless(URL and KEY, SKIP_REASON)(cls)


def client(**kw: Any) -> Any:
    from loupe import Loupe
    kw.setdefault("api_key", KEY)
    kw.setdefault("base_url", URL)
    kw.setdefault("flush_at_exit", False)
    return Loupe(**kw)


class ClientCase(unittest.TestCase):
    """A test with a client of its own (`self.c`) on the test server, shut down after it."""

    def setUp(self) -> None:
        self.c = client()

    def tearDown(self) -> None:
        from loupe import LoupeDeliveryError
        try:
            self.c.shutdown(timeout=10)
        except LoupeDeliveryError:
            pass


def get(path: str, key: Optional[str] = None) -> Any:
    req = urllib.request.Request(URL + path, headers={"x-api-key": key or KEY})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def read_trace(trace_id: str) -> Optional[Dict[str, Any]]:
    return get(f"/api/v1/traces/{trace_id}")


def wait_trace(trace_id: str, spans: int = 0, timeout: float = 15.0) -> Dict[str, Any]:
    until = time.monotonic() + timeout
    while True:
        t = read_trace(trace_id)
        if t is not None and len(t["spans"]) >= spans:
            return t
        if time.monotonic() > until:
            raise AssertionError(f"trace {trace_id}: {len(t['spans']) if t else 'not found'} after {timeout} s")
        time.sleep(0.1)


def by_kind(detail: Dict[str, Any], kind: str) -> List[Dict[str, Any]]:
    return [s for s in detail["spans"] if s["kind"] == kind]


def run_python(code: str, env: Optional[Dict[str, str]] = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e["PYTHONPATH"] = SRC + os.pathsep + e.get("PYTHONPATH", "")
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """An HTTP proxy in front of the real server: answers the first `refuse` requests itself with
    `status` (and Retry-After), forwards the rest; stop() and start() take it down and up on the
    same port (the server "down then up")."""

    def __init__(self, refuse: int = 0, status: int = 503, retry_after: Optional[str] = None) -> None:
        self.refuse, self.status, self.retry_after = refuse, status, retry_after
        self.refused = 0
        self.requests = 0
        self.forwarded_span_ids: List[str] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: Optional[http.server.ThreadingHTTPServer] = None
        self.lock = threading.Lock()

    def start(self) -> "Proxy":
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with proxy.lock:
                    proxy.requests += 1
                    refuse = proxy.refused < proxy.refuse
                    if refuse:
                        proxy.refused += 1
                if refuse:
                    self.send_response(proxy.status)
                    self.send_header("content-type", "application/json")
                    if proxy.retry_after:
                        self.send_header("retry-after", proxy.retry_after)
                    data = b'{"error":{"code":"unavailable","message":"try again later"}}'
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                try:
                    for s in json.loads(body).get("spans", []):
                        proxy.forwarded_span_ids.append(s["id"])
                except ValueError:
                    pass
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                req = urllib.request.Request(URL + self.path, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class SilentServer:
    """Accepts connections and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.conns: List[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.closed:
                c.close()
                return
            self.conns.append(c)

    def stop(self) -> None:
        self.closed = True
        for c in self.conns:
            c.close()
        self.sock.close()
