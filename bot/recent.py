"""A bounded map that forgets the least recently used entry first."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(OrderedDict[K, V]):
    """An ``OrderedDict`` of at most ``limit`` entries; ``put`` evicts the oldest.

    Reads do not reorder; a caller that wants a hit to count as use calls ``touch``.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = int(limit)

    def put(self, key: K, value: V) -> None:
        """Store ``value`` as the most recent entry, then forget beyond ``limit``."""
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)

    def touch(self, key: K) -> V:
        """The value under ``key``, now the most recent entry (KeyError if absent)."""
        self.move_to_end(key)
        return self[key]
