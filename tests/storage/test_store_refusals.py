"""A store that answers "not now" (503 with Retry-After, as MinIO does while it starts, or
SlowDown under load; a bare 5xx from a proxy in front of it) is a store that cannot be reached:
every call fails at once with StoreUnavailable (the API's 503), and no thread is left sleeping
out the store's Retry-After."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from storage.errors import StoreUnavailable
from storage.object_store import ObjectStore

STARTING = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>XMinioServerNotInitialized</Code>'
    b"<Message>Server not initialized yet, please try again.</Message></Error>"
)


class Refusing(BaseHTTPRequestHandler):
    body = STARTING
    seen: list[str] = []

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).seen.append(self.command)
        self.send_response(503)
        # "0": a client that honours it asks again at once, which the request count shows.
        self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/xml" if self.body.startswith(b"<?xml") else "text/plain")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.body)

    do_GET = do_PUT = do_HEAD = do_POST = _refuse

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(params=["s3-error", "bare-5xx"])
def refusing_store(request) -> Iterator[ObjectStore]:
    handler = type("Handler", (Refusing,), {"seen": [], "body": STARTING if request.param == "s3-error" else b"busy"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = ObjectStore(
            endpoint=f"127.0.0.1:{server.server_address[1]}", access_key="k", secret_key="s" * 8, bucket="xunfang"
        )
        store.seen = handler.seen  # type: ignore[attr-defined]
        yield store
    finally:
        server.shutdown()


CALLS = {
    "put": lambda s: s.put("originals/x", b"bytes", "image/jpeg"),
    "put_if_absent": lambda s: s.put_if_absent("originals/x", b"bytes", "image/jpeg"),
    "exists": lambda s: s.exists("originals/x"),
    "get": lambda s: s.get("thumbs/x.jpg"),
    "ping": lambda s: s.ping(),
    "ensure_bucket": lambda s: s.ensure_bucket(),
}


@pytest.mark.parametrize("call", CALLS)
async def test_a_store_saying_not_now_is_unavailable_at_once(refusing_store, call):
    with pytest.raises(StoreUnavailable):
        await CALLS[call](refusing_store)
    assert len(refusing_store.seen) == 1, (
        f"asked {len(refusing_store.seen)} times: it waited on the store's Retry-After"
    )
