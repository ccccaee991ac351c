"""What the gateway remembers per conversation: its channel and language."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path
from typing import Optional, Union

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.recent import Recent

migrations = Migrations("conversations")


@migrations()
def create_conversations(db: Database) -> None:
    """The first schema: one row per conversation."""
    db.table("conversations").create(
        {"id": str, "channel": str, "language": str, "created": str, "updated": str},
        pk="id",
    )


@migrations()
def create_deliveries(db: Database) -> None:
    """Platform events already handled (Telegram update ids, Slack messages), for dedup."""
    db.table("deliveries").create({"key": str, "at": float}, pk="key")
    db.table("deliveries").create_index(["at"])


# How long a platform event id is remembered; platforms retry within minutes.
DELIVERY_MEMORY_S = 2 * 24 * 3600.0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class ConversationStore:
    """A small sqlite-utils table; in memory when ``path`` is None (tests).

    Languages are cached for the ``cache_size`` most recently used conversations,
    so a long-running gateway does not grow without bound.
    """

    def __init__(self, path: Union[str, Path, None] = None, cache_size: int = 10_000) -> None:
        if path is None:
            self.db = Database(sqlite3.connect(":memory:", check_same_thread=False))
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(sqlite3.connect(str(path), check_same_thread=False))
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        migrations.apply(self.db)
        self._languages: Recent[str, Optional[str]] = Recent(cache_size)
        self._deliveries = 0

    def _cache(self, conversation_id: str, language: Optional[str]) -> None:
        self._languages.put(conversation_id, language)

    def language(self, conversation_id: str) -> Optional[str]:
        """The conversation's current language, if it has one yet."""
        if conversation_id in self._languages:
            return self._languages.touch(conversation_id)
        with self._lock:
            rows = list(
                self.db.query("select language from conversations where id = ?", [conversation_id])
            )
        value = rows[0]["language"] if rows else None
        self._cache(conversation_id, value)
        return value

    def remember(self, conversation_id: str, channel: str, language: str) -> None:
        """Record the conversation's language (written only when it changes)."""
        if self._languages.get(conversation_id) == language:
            return
        now = _now()
        with self._lock, self.db.conn:  # one transaction, committed on exit
            self.db.table("conversations").upsert(
                {"id": conversation_id, "channel": channel, "language": language, "updated": now},
                pk="id",
            )
            self.db.execute(
                "update conversations set created = coalesce(created, ?) where id = ?",
                [now, conversation_id],
            )
        self._cache(conversation_id, language)

    def first_delivery(self, key: str) -> bool:
        """True the first time an event ``key`` is seen, False for a duplicate.

        Telegram and Slack deliver the same event again after a timeout, a retry or
        a restart; the key is remembered for two days (persisted, so a restart
        does not answer twice).
        """
        now = time.time()
        with self._lock, self.db.conn:  # committed on exit
            cursor = self.db.execute(
                "insert or ignore into deliveries (key, at) values (?, ?)", [key, now]
            )
            fresh = cursor.rowcount == 1
            self._deliveries += 1
            if self._deliveries % 1000 == 0:
                self.db.execute("delete from deliveries where at < ?", [now - DELIVERY_MEMORY_S])
        return fresh

    def ping(self) -> bool:
        """True when the database answers."""
        with self._lock:
            return self.db.execute("select 1").fetchone() == (1,)
