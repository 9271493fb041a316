"""The only caller of the object store: plain S3 through the MinIO SDK, run off the event loop in
the store's own bounded pool, each call under a deadline: a hung store ties up only these
threads and answers StoreUnavailable (503) in bounded time, while uploads that never need the
store (a resent photo, a record) and photo decoding go on in their own threads.

Keys: originals/<sha256> (evidence as it came, so the same bytes are stored once),
review/<sha256>.jpg and thumbs/<sha256>.jpg (upright, EXIF-free derivatives)."""

from __future__ import annotations

import asyncio
import functools
import io
from concurrent.futures import ThreadPoolExecutor

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError

from storage.errors import NotFound, StoreUnavailable

# Fail fast when the store is down: the phone keeps the photo and retries, we must not hang.
CONNECTIONS = 16  # the pool's threads and urllib3's connections: one each
CALL_TIMEOUT_S = 30.0  # a whole call, retries included
_UNAVAILABLE = "the photo store cannot be reached; try again shortly"


def original_key(sha256: str) -> str:
    return f"originals/{sha256}"


def review_key(sha256: str) -> str:
    return f"review/{sha256}.jpg"


def thumb_key(sha256: str) -> str:
    return f"thumbs/{sha256}.jpg"


class ObjectStore:
    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        timeout_s: float = CALL_TIMEOUT_S,
    ) -> None:
        self.bucket = bucket
        self.timeout_s = timeout_s
        # Each socket wait is bounded too, so a timed-out call's thread comes back soon after.
        # A dropped connection is retried once; a "not now" (503 and Retry-After, as MinIO says
        # while it starts) is not waited out in here: it is the API's 503, and the phone retries.
        retries = urllib3.Retry(total=1, backoff_factor=0.2, respect_retry_after_header=False)
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(3.0, timeout_s), read=timeout_s / 2),
            retries=retries,
            maxsize=CONNECTIONS,
        )
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, http_client=http)
        self._pool = ThreadPoolExecutor(max_workers=CONNECTIONS, thread_name_prefix="object-store")

    async def _call(self, fn, *args, **kwargs):
        call = asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))
        try:
            return await asyncio.wait_for(call, self.timeout_s)
        except S3Error as exc:
            if exc.response is None or exc.response.status < 500:
                raise
            raise StoreUnavailable(_UNAVAILABLE) from exc  # starting, SlowDown, an internal error
        # ServerError and InvalidResponseError: something other than the store answered (a proxy's
        # error page), or the store answered a 5xx without an S3 body.
        except (ServerError, InvalidResponseError, urllib3.exceptions.HTTPError, OSError, TimeoutError) as exc:
            raise StoreUnavailable(_UNAVAILABLE) from exc

    async def ensure_bucket(self) -> None:
        if not await self._call(self._client.bucket_exists, self.bucket):
            try:
                await self._call(self._client.make_bucket, self.bucket)
            except S3Error as exc:  # another process made it first
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    async def ping(self) -> None:
        await self._call(self._client.bucket_exists, self.bucket)

    async def exists(self, key: str) -> bool:
        try:
            await self._call(self._client.stat_object, self.bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                return False
            raise

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._call(
            self._client.put_object, self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
        )

    async def put_if_absent(self, key: str, data: bytes, content_type: str) -> bool:
        """Content-addressed keys hold the same bytes forever: write only when missing."""
        if await self.exists(key):
            return False
        await self.put(key, data, content_type)
        return True

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            response = self._client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        try:
            return await self._call(read)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise NotFound("the stored image is missing; send the photo again") from exc
            raise
