"""Password hashing with Argon2id (memory-hard), through argon2-cffi.

Hashing runs in its own small pool: each hash takes 64 MiB and most of a core for a while, so a
burst of logins must queue here rather than fill the default pool that photo decoding and the
rest of the server use (60 parallel logins once took /health from 10 ms to 4 s)."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, 64 MiB, t=3: the library's RFC 9106 low-memory profile
# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY = _hasher.hash("not a password anyone has")
POOL = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="argon2")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hashed(password: str) -> str:
    """hash_password in the hashing pool."""
    return await asyncio.get_running_loop().run_in_executor(POOL, hash_password, password)


async def verified(stored_hash: str | None, password: str) -> bool:
    """verify_password in the hashing pool."""
    return await asyncio.get_running_loop().run_in_executor(POOL, verify_password, stored_hash, password)
