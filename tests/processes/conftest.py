"""The API as real separate processes (the way scripts/serve runs it), on the test stack."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from scripts import asgi
from scripts.stack import Stack, free_port


@pytest.fixture(scope="session")
def secret() -> str:
    return secrets.token_urlsafe(32)


def serve(workers: int, secret: str, env: dict[str, str] | None = None, **options) -> Iterator[str]:
    """The API as `workers` processes under the server scripts/serve uses; yields its base URL."""
    port = free_port()
    process = asgi.spawn(workers=workers, port=port, env={"XUNFANG_SECRET": secret, **(env or {})}, **options)
    base = f"http://127.0.0.1:{port}"
    try:
        asgi.wait_ready(base, process)
        yield base
    finally:
        asgi.stop(process)


@pytest.fixture(scope="session")
def process_a(stack: Stack, engine, secret: str) -> Iterator[str]:
    """One API process; `engine` first, so the schema is migrated before it starts."""
    yield from serve(1, secret)


@pytest.fixture(scope="session")
def process_b(stack: Stack, engine, secret: str) -> Iterator[str]:
    """Another API process on the same database and store."""
    yield from serve(1, secret)
