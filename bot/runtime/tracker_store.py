"""Rasa's SQL tracker store with the conversations in flight kept in memory.

Rasa's ``SQLTrackerStore`` rebuilds a conversation from its rows on every message
(query, JSON decode, event objects, replay) and, on save, counts the stored rows to
find the new events. With a few messages per second that is 40 % of Rasa's time
per message (benchmarks/serving_bench.py, profiled in-process).

``CachedSQLTrackerStore`` writes every event through to the same ``events`` table,
so the database stays the record (reports, the handoff context and a restart read
it as before), but it remembers the tracker object it last saved:

- ``retrieve`` hands that object back when the database still ends with the event
  row this process wrote last (one indexed ``max(id)`` query) and the object has no
  events beyond the stored ones. Another process or worker that wrote in between,
  or a turn that failed before its save and left the object half-updated, means a
  normal load from the rows.
- ``save`` inserts exactly the events appended since the object was loaded or last
  saved, without counting rows. A save that starts a new session after earlier
  ones drops the object, so the next load holds only that session, as with
  ``SQLTrackerStore``.

Events are append-only, so the event count tells a half-updated tracker from a
stored one. (A ``max_event_history`` cap would break that; we do not set one.)
SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed turn survives a
crash of the bot, and readers (reports, tests) do not block the writer.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Iterator, Optional, Tuple

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.recent import Recent

_LAST_ID = sa.text("SELECT max(id) FROM events WHERE sender_id = :sender_id")
# what SQLTrackerStore._additional_events counts: the rows since the latest session start
_STORED = sa.text(
    "SELECT count(*) FROM events WHERE sender_id = :sender_id AND (timestamp >= "
    "(SELECT max(timestamp) FROM events WHERE sender_id = :sender_id"
    " AND type_name = 'session_started') OR NOT EXISTS (SELECT 1 FROM events"
    " WHERE sender_id = :sender_id AND type_name = 'session_started'))"
)
# Conversations kept in memory; older ones are loaded from the rows when they return.
CACHE_SIZE = 2000


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that keeps recently saved trackers (see the module doc)."""

    def __init__(self, *args: Any, cache_size: int = CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rasas: Any = self.engine  # type: ignore[has-type]  # untyped in Rasa
        url = rasas.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # SQLAlchemy opens and closes a SQLite file per session (NullPool); in WAL
            # mode every close checkpoints. Keep connections open instead.
            rasas.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # sender_id -> (tracker, how many of its events are stored, id of the last row
        # this process wrote for it)
        self._cache: Recent[str, Tuple[DialogueStateTracker, int, int]] = Recent(cache_size)
        self.hits = 0
        self.misses = 0

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The latest session's tracker: the saved object if still current, else the rows."""
        cached = self._cache.get(sender_id)
        if cached is not None:
            tracker, stored, last_id = cached
            # events are append-only: a turn that failed before its save left more
            # events than were stored; another writer left a newer row
            if len(tracker.events) == stored and self._last_row_id(sender_id) == last_id:
                self.hits += 1
                self._cache.touch(sender_id)
                return tracker
            del self._cache[sender_id]
        self.misses += 1
        # read before the rows: a row written in between makes the next check fail
        last_id = self._last_row_id(sender_id)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker, len(tracker.events), last_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the events appended since the tracker was loaded or saved."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        # SQLAlchemy Core, not the ORM: the unit of work costs ~2 ms per turn
        with self.engine.begin() as connection:
            new = self._new(connection, tracker)
            rows = [self._row(sender_id, event.as_dict()) for event in new]
            if rows:
                connection.execute(self.SQLEvent.__table__.insert(), rows)
            last_id = self._last_row_id(sender_id, connection)
        if any(row["type_name"] == SessionStarted.type_name for row in rows) and _has_past(tracker):
            # a new session after earlier ones: the next retrieve loads it alone from the
            # rows, as SQLTrackerStore does, instead of keeping past sessions in memory
            self._cache.pop(sender_id, None)
        else:
            self._remember(tracker, len(tracker.events), last_id)

    def _remember(self, tracker: DialogueStateTracker, stored: int, last_id: int) -> None:
        self._cache.put(tracker.sender_id, (tracker, stored, last_id))

    def _new(self, connection: Any, tracker: DialogueStateTracker) -> Iterator:
        """The events appended since ``tracker`` was loaded or saved."""
        cached = self._cache.get(tracker.sender_id)
        if cached is not None and cached[0] is tracker:
            stored = cached[1]
        else:  # a tracker this store did not hand out: Rasa's way, count the rows
            stored = connection.execute(_STORED, {"sender_id": tracker.sender_id}).scalar()
        return itertools.islice(tracker.events, stored, None)

    @staticmethod
    def _row(sender_id: str, data: Dict[str, Any]) -> Dict[str, Any]:
        """The ``events`` row SQLTrackerStore.save writes for one event."""
        return {
            "sender_id": sender_id,
            "type_name": data.get("event"),
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _last_row_id(self, sender_id: str, connection: Any = None) -> int:
        if connection is None:
            with self.engine.connect() as own:
                return self._last_row_id(sender_id, own)
        return int(connection.execute(_LAST_ID, {"sender_id": sender_id}).scalar() or 0)


def _has_past(tracker: DialogueStateTracker) -> bool:
    """Whether a customer message precedes the tracker's latest session start."""
    seen_user = False
    past = False
    for event in tracker.events:
        if isinstance(event, SessionStarted):
            past = seen_user
        elif isinstance(event, UserUttered):
            seen_user = True
    return past


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
