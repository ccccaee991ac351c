"""Live updates: the queue's change log, followed once and fanned out to every open console."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Set

from handoff.store import SqliteHandoffStore

logger = logging.getLogger(__name__)


class ChangeFeed:
    """Follows the store's ``changes`` table and hands each new change to every subscriber.

    The log lives in the database, so changes written by another process (the
    action server opening a ticket) arrive too; ``poke()`` makes a change made in
    this process arrive at once instead of at the next poll.
    """

    def __init__(self, store: SqliteHandoffStore, interval: float = 0.5) -> None:
        self.store = store
        self.interval = interval
        self._subscribers: Set[asyncio.Queue] = set()
        self._wake = asyncio.Event()
        self._task: Optional[asyncio.Task] = None
        self.cursor = 0

    def start(self) -> None:
        """Begin following (from the newest change)."""
        if self._task is None:
            self.cursor = self.store.last_change()
            self._task = asyncio.create_task(self._follow(), name="handoff-changes")

    async def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def poke(self) -> None:
        """Something changed here: look now."""
        self._wake.set()

    def subscribe(self, size: int = 1000) -> asyncio.Queue:
        """A queue that receives every change from now on."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=size)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """Stop delivering to ``queue``."""
        self._subscribers.discard(queue)

    def publish(self, changes: List[Dict[str, Any]]) -> None:
        """Hand changes to every subscriber; one that is 1000 behind is dropped (it reconnects)."""
        for queue in list(self._subscribers):
            for change in changes:
                try:
                    queue.put_nowait(change)
                except asyncio.QueueFull:
                    # too far behind: end its stream (None); the browser reconnects
                    # with Last-Event-ID and catches up from the database
                    self._subscribers.discard(queue)
                    queue.get_nowait()
                    queue.put_nowait(None)
                    break

    async def _follow(self) -> None:
        while True:
            try:
                changes = self.store.changes_since(self.cursor)
            except Exception:  # noqa: BLE001 - a locked or busy database: retry, never die
                logger.exception("reading the handoff change log failed; retrying")
                changes = []
            if changes:
                self.cursor = changes[-1]["id"]
                self.publish(changes)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
