"""A phone on a hillside loses its connection in the middle of sending: over a real socket to
the real server, nothing half-received is stored, and sending again simply works."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import struct
import uuid

import httpx
from sqlalchemy import func, select

from storage.models import Photo
from storage.object_store import original_key
from tests.builders import PASSWORD, make_district


def send_half_and_hang_up(url: str, path: str, token: str, data: bytes) -> None:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"PUT {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode()
        sock.sendall(head + data[: len(data) // 2])
    # closed with half the body unsent, as when the signal drops


async def test_a_photo_upload_cut_off_midway_stores_nothing_and_the_retry_succeeds(live_server, db, photos, app):
    await make_district(db)
    token = httpx.post(
        f"{live_server.url}/api/v1/auth/login", json={"username": "worker1", "password": PASSWORD}
    ).json()["access_token"]
    plain = (photos / "hdr_iphone_hdr_YES.jpg").read_bytes()
    tag = f"dropped {uuid.uuid4()}".encode()  # bytes no other test stored (the store is shared)
    data = plain[:2] + b"\xff\xfe" + struct.pack(">H", len(tag) + 2) + tag + plain[2:]
    photo_id, record_id = uuid.uuid4(), uuid.uuid4()
    path = f"/api/v1/photos/{photo_id}?record_id={record_id}"

    send_half_and_hang_up(live_server.url, path, token, data)
    await asyncio.sleep(1.0)  # let the server notice
    assert await db.scalar(select(func.count()).select_from(Photo)) == 0
    assert not await app.state.store.exists(original_key(hashlib.sha256(data).hexdigest()))

    retry = httpx.put(
        f"{live_server.url}{path}",
        content=data,
        timeout=60,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"},
    )
    assert retry.status_code == 201, retry.text
    assert await db.scalar(select(func.count()).select_from(Photo)) == 1
