"""Shared fixtures: an isolated data cache, a fake mirror and a tiny HTTP server on localhost."""
from __future__ import annotations

import hashlib
import http.server
import os
import threading
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def real_mirror() -> Path | None:
    """The course's data mirror: D2LNOTES_DATA_MIRROR if set, else ../shared/data beside the checkout."""
    env = os.environ.get("D2LNOTES_DATA_MIRROR")
    path = Path(env) if env else SHARED_DATA
    return path if path.is_dir() else None


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty data cache, with no mirror configured."""
    path = tmp_path / "cache"
    monkeypatch.setenv("D2LNOTES_DATA", str(path))
    monkeypatch.delenv("D2LNOTES_DATA_MIRROR", raising=False)
    return path


@pytest.fixture
def real_data(tmp_path_factory, monkeypatch):
    """The real mirror, with a cache shared by the whole test session."""
    mirror = real_mirror()
    if mirror is None:
        pytest.skip("no data mirror: set D2LNOTES_DATA_MIRROR")
    monkeypatch.setenv("D2LNOTES_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("D2LNOTES_DATA", os.environ.get("D2LNOTES_DATA") or str(_session_cache(tmp_path_factory)))
    return mirror


_CACHE = {}


def _session_cache(factory):
    if "path" not in _CACHE:
        _CACHE["path"] = factory.mktemp("shared-cache")
    return _CACHE["path"]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        body, truncate = route
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if truncate:  # announce the whole body, send half, hang up: an interrupted download
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """Serve byte strings on 127.0.0.1: ``serve(path, body, truncate=False) -> url``."""
    routes: dict = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(path: str, body: bytes, truncate: bool = False) -> str:
        routes[path] = (body, truncate)
        return f"http://127.0.0.1:{server.server_port}{path}"

    yield serve
    server.shutdown()
    server.server_close()
