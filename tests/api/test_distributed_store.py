"""MinIO in distributed mode (4 processes on loopback, one drive each, erasure coded): a node is
killed in the middle of uploads and downloads, and nothing acknowledged is lost; the node comes
back and the objects it missed are healed onto its drive."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from scripts.stack import MinioCluster
from tests.api.test_photos import unique, upload
from tests.builders import login, make_district

KILLED = 2  # not the node the API talks to, as behind a load balancer that drops a dead node
ATTEMPTS = 5  # a phone's retries of one upload


@pytest.fixture(scope="module")
def cluster() -> Iterator[MinioCluster]:
    with tempfile.TemporaryDirectory(prefix="xunfang-cluster-") as tmp:
        cluster = MinioCluster(Path(tmp) / "minio-nodes", nodes=4)
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.stop()


@pytest.fixture
async def cluster_client(settings: Settings, engine, cluster: MinioCluster) -> AsyncIterator[AsyncTestClient]:
    app = create_app(
        msgspec.structs.replace(
            settings,
            minio_endpoint=cluster.endpoint,
            minio_access_key=cluster.access_key,
            minio_secret_key=cluster.secret_key,
        )
    )
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        yield client


async def _upload_until_acknowledged(client, headers, data: bytes, photo_id: uuid.UUID, record_id: uuid.UUID):
    """What the phone's outbox does: a 503 carries Retry-After and the same request is sent again."""
    for _ in range(ATTEMPTS):
        response = await upload(client, headers, data, photo_id=photo_id, record_id=record_id)
        if response.status_code != 503:
            return response
        assert response.headers["retry-after"].isdigit()
        await asyncio.sleep(0.5)  # the test does not wait the full Retry-After
    return response


async def _download(client, headers, photo_id: uuid.UUID) -> bytes:
    response = await client.get(f"/api/v1/photos/{photo_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.content


def _on_drive(cluster: MinioCluster, node: int, sha256: str) -> bool:
    return (cluster.drive(node) / "xunfang" / "originals" / sha256 / "xl.meta").exists()


async def test_a_node_killed_mid_stream_loses_no_acknowledged_photo_and_heals_when_it_returns(
    cluster, cluster_client, db, photos
):
    client = cluster_client
    await make_district(db)
    worker = await login(client, "worker1")
    jpeg = (photos / "gps_DSCN0010.jpg").read_bytes()
    record_id = uuid.uuid4()
    acknowledged: dict[uuid.UUID, tuple[bytes, str]] = {}  # photo id -> bytes, sha256

    async def send_one() -> None:
        data, photo_id = unique(jpeg), uuid.uuid4()
        response = await _upload_until_acknowledged(client, worker, data, photo_id, record_id)
        assert response.status_code == 201, response.text
        acknowledged[photo_id] = (data, response.json()["sha256"])

    for _ in range(3):
        await send_one()

    # The stream goes on: uploads and downloads in flight while node 2 loses power.
    async def kill_soon() -> None:
        await asyncio.sleep(0.05)
        await asyncio.to_thread(cluster.kill_node, KILLED)

    downloads = [_download(client, worker, photo_id) for photo_id in list(acknowledged)]
    results = await asyncio.gather(kill_soon(), send_one(), send_one(), *downloads)
    assert results[3:] == [data for data, _ in list(acknowledged.values())[:3]]
    for _ in range(3):  # and after it is gone
        await send_one()

    missed = {sha for _, sha in acknowledged.values() if not _on_drive(cluster, KILLED, sha)}
    assert missed, "some photos were written while the node was dead"
    for photo_id, (data, _) in acknowledged.items():  # every acknowledged photo, the same bytes
        assert await _download(client, worker, photo_id) == data

    await asyncio.to_thread(cluster.start_node, KILLED)
    # Reading an object finds the shard the returned node lacks and heals it there.
    deadline = time.monotonic() + 30
    while not all(_on_drive(cluster, KILLED, sha) for sha in missed):
        assert time.monotonic() < deadline, "the returned node was not healed within 30 s"
        for photo_id in acknowledged:
            await _download(client, worker, photo_id)
        await asyncio.sleep(0.5)

    # The proof that the healed shards are real: with two of the other nodes dead, the photos
    # written while node 2 was away can only be read with its shards (2 data + 2 parity).
    others = [n for n in range(cluster.nodes) if n not in (0, KILLED)]
    for node in others:
        await asyncio.to_thread(cluster.kill_node, node)
    try:
        for photo_id, (data, _) in acknowledged.items():
            assert await _download(client, worker, photo_id) == data
    finally:
        for node in others:
            await asyncio.to_thread(cluster.start_node, node)


def test_the_distributed_nodes_keep_their_drives_to_this_user(cluster: MinioCluster):
    """As the single node: every node runs with umask 077, so the shards it writes (and its own
    folders and log) are this user's only."""
    import io
    import stat

    from minio import Minio

    s3 = Minio(cluster.endpoint, access_key=cluster.access_key, secret_key=cluster.secret_key, secure=False)
    if not s3.bucket_exists("umask-check"):
        s3.make_bucket("umask-check")
    s3.put_object("umask-check", "originals/x", io.BytesIO(b"x" * 300_000), 300_000)
    open_to_others = [
        path
        for path in cluster.data_dir.rglob("*")
        if not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) & 0o077
    ]
    assert not open_to_others, open_to_others[:5]
    assert stat.S_IMODE(cluster.data_dir.stat().st_mode) == 0o700
