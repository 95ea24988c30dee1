"""argon2id for passwords and recovery answers, with the OWASP parameters (19 MiB, 2 passes, 1 lane).

Hashing takes tens of milliseconds of CPU, so it runs in a worker thread and never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class SecretHasher:
    def __init__(
        self,
        *,
        memory_cost: int = OWASP_MEMORY_KIB,
        time_cost: int = OWASP_TIME_COST,
        parallelism: int = OWASP_PARALLELISM,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash("an unknown user never matches this")

    async def prepare(self) -> None:
        """Compute the dummy hash once at startup, so the first unknown username is not slower than the rest."""
        await asyncio.to_thread(lambda: self._dummy_hash)

    async def hash(self, secret: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, secret)

    async def verify(self, hashed: str, secret: str) -> bool:
        return await asyncio.to_thread(self._verify, hashed, secret)

    async def verify_nobody(self, secret: str) -> bool:
        """Spend the time a real verification takes, so an unknown username cannot be told by the delay."""
        await asyncio.to_thread(lambda: self._verify(self._dummy_hash, secret))
        return False

    def needs_rehash(self, hashed: str) -> bool:
        return self._hasher.check_needs_rehash(hashed)

    def _verify(self, hashed: str, secret: str) -> bool:
        try:
            return self._hasher.verify(hashed, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


class GeneratedSecretHasher:
    """For secrets identity generates itself (API client secrets: 256 random bits), a SHA-256 digest is enough.

    Slow hashing defends low-entropy human passwords against offline guessing; a 256-bit random secret cannot be
    guessed, so argon2id would only cost every client-credentials grant ~25 ms of CPU (measured: it capped grants
    at ~38/s per core). OWASP's password storage guidance allows a fast hash for such secrets. Digests written
    earlier with argon2id still verify through ``legacy``.
    """

    PREFIX = "sha256$"

    def __init__(self, legacy: SecretHasher) -> None:
        self._legacy = legacy

    async def prepare(self) -> None:
        return None

    async def hash(self, secret: str) -> str:
        return self.PREFIX + hashlib.sha256(secret.encode()).hexdigest()

    async def verify(self, hashed: str, secret: str) -> bool:
        if hashed.startswith(self.PREFIX):
            return hmac.compare_digest(hashed, await self.hash(secret))
        return await self._legacy.verify(hashed, secret)

    async def verify_nobody(self, secret: str) -> bool:
        await self.hash(secret)  # same cost as a real check: the unknown client cannot be told by the delay
        return False
