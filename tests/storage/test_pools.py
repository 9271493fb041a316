"""A slow part stalls only what needs it: a hung object store, or a burst of password hashing,
ties up its own bounded threads, never the ones the rest of the server runs on; and every call
to a hung store ends with StoreUnavailable (a 503 the phone retries) instead of hanging."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from api.passwords import hash_password, verified
from storage.errors import StoreUnavailable
from storage.object_store import ObjectStore


@pytest.fixture
def hung_store() -> Iterator[str]:
    """An endpoint that accepts connections and never answers, like a wedged MinIO."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def _store(endpoint: str, timeout_s: float) -> ObjectStore:
    return ObjectStore(endpoint=endpoint, access_key="k", secret_key="s", bucket="photos", timeout_s=timeout_s)


async def test_a_call_to_a_hung_store_ends_with_store_unavailable(hung_store):
    store = _store(hung_store, timeout_s=1.0)
    # the guard only keeps a regression from hanging the suite; the store itself must give up
    with pytest.raises(StoreUnavailable):
        await asyncio.wait_for(store.put("originals/x", b"bytes", "image/jpeg"), 20)


async def test_a_hung_store_leaves_the_default_threads_free(hung_store):
    store = _store(hung_store, timeout_s=4.0)
    stuck = [asyncio.ensure_future(store.put(f"originals/{n}", b"bytes", "image/jpeg")) for n in range(40)]
    await asyncio.sleep(0.3)  # every store thread is now waiting on the hung endpoint
    # hashing or decoding a photo that never needs the store still runs at once
    assert await asyncio.wait_for(asyncio.to_thread(sum, [1, 2]), 5) == 3
    for task in stuck:
        task.cancel()
    await asyncio.gather(*stuck, return_exceptions=True)


async def test_a_burst_of_logins_queues_in_its_own_pool():
    stored = hash_password("a password")
    logins = [asyncio.ensure_future(verified(stored, "a guess")) for _ in range(30)]
    other = await asyncio.to_thread(sum, [1, 2])  # not behind the 30 argon2 runs
    assert other == 3 and not all(login.done() for login in logins)
    assert not any(await asyncio.gather(*logins))
