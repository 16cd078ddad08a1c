"""Counting limits kept in the shared cache (CACHES["default"]), so that every worker sees them.

A `Limit` counts hits per key (an address, a code, a user) within a fixed window; `exceeded` says
whether the key has used them all. Keys are hashed so no address or code is stored as typed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    name: str
    tries: int
    seconds: int

    def _key(self, key: str) -> str:
        return f"limit:{self.name}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"

    def count(self, key: str) -> int:
        return int(cache.get(self._key(key), 0) or 0)

    def exceeded(self, key: str) -> bool:
        return self.count(key) >= self.tries

    def hit(self, key: str) -> int:
        """Count one more; the window starts at the first hit and is not extended by later ones."""
        cache_key = self._key(key)
        cache.add(cache_key, 0, timeout=self.seconds)
        try:
            return int(cache.incr(cache_key))
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=self.seconds)
            return 1

    def reset(self, key: str) -> None:
        cache.delete(self._key(key))
