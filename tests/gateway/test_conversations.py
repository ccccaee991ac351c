"""The gateway's conversation store (bot/gateway/conversations.py)."""

from __future__ import annotations

from pathlib import Path

from bot.gateway.conversations import ConversationStore


def test_language_is_remembered_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    store = ConversationStore(path)
    assert store.language("c1") is None
    store.remember("c1", "rest", "de")
    store.remember("c1", "rest", "da")
    assert store.language("c1") == "da"
    again = ConversationStore(path)
    assert again.language("c1") == "da"
    row = next(again.db.query("select * from conversations where id = 'c1'"))
    assert row["channel"] == "rest" and row["created"] <= row["updated"]


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    ConversationStore(path)
    store = ConversationStore(path)
    names = [r["name"] for r in store.db.query("select name from _sqlite_migrations")]
    assert names == ["create_conversations", "create_deliveries"]


def test_a_platform_event_is_handled_once_even_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    store = ConversationStore(path)
    assert store.first_delivery("telegram:1:501")
    assert not store.first_delivery("telegram:1:501")
    assert store.first_delivery("telegram:1:502")
    assert not ConversationStore(path).first_delivery("telegram:1:501"), "persisted"


def test_in_memory_store_answers_ping() -> None:
    assert ConversationStore().ping()


def test_cache_is_bounded_and_evicted_entries_are_read_back(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "gateway.db", cache_size=2)
    for i, lang in enumerate(["en", "de", "da"]):
        store.remember(f"c{i}", "rest", lang)
    assert list(store._languages) == ["c1", "c2"]
    assert store.language("c0") == "en"  # evicted from the cache, read from SQLite
    assert len(store._languages) == 2
