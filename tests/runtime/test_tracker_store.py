"""CachedSQLTrackerStore keeps SQLTrackerStore's rows and answers, only faster."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import List

from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.config import PROJECT_DIR
from bot.runtime.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.load(str(PROJECT_DIR / "domain.yml"))


def _run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


def _store(db: Path, **kwargs: object) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db), **kwargs)


def _plain(db: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))


def _turn(text: str, stamp: float) -> List[Event]:
    return [
        ActionExecuted("action_listen", timestamp=stamp),
        UserUttered(text, {"name": "faq", "confidence": 0.9}, timestamp=stamp + 0.1),
        SlotSet("kb_article", "password-reset", timestamp=stamp + 0.2),
        BotUttered(f"answer to {text}", timestamp=stamp + 0.3),
    ]


def _rows(db: Path) -> List[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id"
        ).fetchall()


def _texts(tracker: DialogueStateTracker) -> List[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_rows_are_the_ones_sql_tracker_store_writes(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    for store in (_store(ours), _plain(theirs)):
        tracker = DialogueStateTracker.from_events("c1", _turn("hi", 1.0), DOMAIN.slots)
        _run(store.save(tracker))
        loaded = _run(store.retrieve("c1"))
        for event in _turn("reset my password", 2.0):
            loaded.update(event)
        _run(store.save(loaded))
    assert _rows(ours) == _rows(theirs)
    assert len(_rows(ours)) == 8  # each event once


def test_the_saved_tracker_is_handed_back_without_reading_the_rows(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db")
    first = [ActionExecuted("action_session_start", timestamp=0.5), SessionStarted(timestamp=0.6)]
    tracker = DialogueStateTracker.from_events("c1", first + _turn("hi", 1.0), DOMAIN.slots)
    _run(store.save(tracker))
    assert _run(store.retrieve("c1")) is tracker
    assert (store.hits, store.misses) == (1, 0)
    fresh = _store(tmp_path / "t.db")  # a restart reads the rows
    loaded = _run(fresh.retrieve("c1"))
    assert _texts(loaded) == ["hi"] and loaded.get_slot("kb_article") == "password-reset"
    assert fresh.misses == 1


def test_another_writer_makes_it_reload(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    store, other = _store(db), _plain(db)
    _run(store.save(DialogueStateTracker.from_events("c1", _turn("hi", 1.0), DOMAIN.slots)))
    elsewhere = _run(other.retrieve("c1"))
    for event in _turn("second", 2.0):
        elsewhere.update(event)
    _run(other.save(elsewhere))
    assert _texts(_run(store.retrieve("c1"))) == ["hi", "second"]
    assert store.misses == 1


def test_a_turn_that_failed_before_its_save_is_not_served_from_memory(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db")
    _run(store.save(DialogueStateTracker.from_events("c1", _turn("hi", 1.0), DOMAIN.slots)))
    half = _run(store.retrieve("c1"))
    half.update(UserUttered("lost", {"name": "faq"}, timestamp=2.0))  # then an error
    again = _run(store.retrieve("c1"))
    assert again is not half and _texts(again) == ["hi"]
    for event in _turn("next", 3.0):
        again.update(event)
    _run(store.save(again))
    assert [r[1] for r in _rows(tmp_path / "t.db")].count("user") == 2


def test_a_tracker_it_did_not_hand_out_adds_only_its_new_events(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db")
    events = _turn("hi", 1.0)
    _run(store.save(DialogueStateTracker.from_events("c1", events, DOMAIN.slots)))
    rebuilt = DialogueStateTracker.from_events("c1", events + _turn("more", 2.0), DOMAIN.slots)
    _run(_store(tmp_path / "t.db").save(rebuilt))
    assert len(_rows(tmp_path / "t.db")) == 8


def test_only_the_latest_session_is_retrieved_like_sql_tracker_store(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    store = _store(db)
    tracker = DialogueStateTracker.from_events("c1", _turn("old", 1.0), DOMAIN.slots)
    _run(store.save(tracker))
    tracker.update(ActionExecuted("action_session_start", timestamp=5.0))
    tracker.update(SessionStarted(timestamp=5.1))
    for event in _turn("new", 6.0):
        tracker.update(event)
    _run(store.save(tracker))
    assert len(_rows(db)) == 10
    assert _texts(_run(store.retrieve("c1"))) == ["new"]  # not every session in memory
    assert _texts(_run(_store(db).retrieve("c1"))) == ["new"]
    assert _texts(_run(_plain(db).retrieve("c1"))) == ["new"]
    assert _texts(_run(_store(db).retrieve_full_tracker("c1"))) == ["old", "new"]


def test_memory_is_bounded(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db", cache_size=2)
    for n in range(3):
        _run(store.save(DialogueStateTracker.from_events(f"c{n}", _turn("hi", n), DOMAIN.slots)))
    assert _texts(_run(store.retrieve("c0"))) == ["hi"]  # evicted, read from the rows
    assert (store.hits, store.misses) == (0, 1)
    assert _run(store.retrieve("c2")) is not None and store.hits == 1


def test_rasa_builds_it_from_endpoints_yml_with_wal(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    config = EndpointConfig(
        type="bot.runtime.tracker_store.CachedSQLTrackerStore", dialect="sqlite", db=str(db)
    )
    store = TrackerStore.create(config, DOMAIN)
    assert isinstance(store, CachedSQLTrackerStore)  # Rasa falls back to memory on errors
    _run(store.save(DialogueStateTracker.from_events("c1", _turn("hi", 1.0), DOMAIN.slots)))
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_supervisor_configures_it() -> None:
    from bot.runtime import supervisor

    assert "type: bot.runtime.tracker_store.CachedSQLTrackerStore" in supervisor.ENDPOINTS


def test_an_in_memory_sqlite_keeps_rasas_engine() -> None:
    store = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=":memory:")
    tracker = DialogueStateTracker.from_events("c1", _turn("hi", 1.0), DOMAIN.slots)
    _run(store.save(tracker))
    assert _run(store.retrieve("c1")) is tracker
