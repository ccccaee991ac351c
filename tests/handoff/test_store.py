"""The SQLite handoff store: lifecycle, ordering, migrations, the claim race, the outbox."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import List

import pytest
from sqlite_utils import Database

from handoff.model import (
    AlreadyClaimed,
    Customer,
    IllegalTransition,
    InvalidTicket,
    TicketNotFound,
)
from handoff.store import SqliteHandoffStore, hash_password, migrations, verify_password
from tests.handoff.helpers import new_ticket


@pytest.fixture
def store() -> SqliteHandoffStore:
    return SqliteHandoffStore()


def test_lifecycle_waiting_claimed_resolved_rated(store: SqliteHandoffStore) -> None:
    ticket = store.create(new_ticket())
    assert ticket.status == "waiting" and ticket.agent is None and ticket.claimed is None
    assert [m.role for m in ticket.transcript] == ["customer", "bot"]
    assert store.open_ticket("conv-1") == ticket
    assert store.is_handed_off("conv-1") == ticket.id

    store.add_message(ticket.id, "customer", "hello? anyone?")
    claimed = store.claim(ticket.id, "anna")
    assert claimed.status == "claimed" and claimed.agent == "anna" and claimed.claimed
    store.reply(ticket.id, "anna", "Hi, Anna here. I'll send you a new link.")
    resolved = store.resolve(ticket.id, "anna")
    assert resolved.status == "resolved" and resolved.resolved
    assert [m.role for m in resolved.transcript] == ["customer", "bot", "customer", "agent"]
    assert store.open_ticket("conv-1") is None and store.is_handed_off("conv-1") is None

    rated = store.rate(ticket.id, 4)
    assert rated.csat is not None and rated.csat["score"] == 4
    commented = store.rate(ticket.id, None, "  quick and friendly ")
    assert commented.csat == {
        "score": 4,
        "comment": "quick and friendly",
        "ts": commented.csat["ts"],
    }


def test_ticket_json_has_every_field_of_the_contract(store: SqliteHandoffStore) -> None:
    data = store.create(new_ticket()).to_dict()
    for key in (
        "id", "conversation_id", "channel", "customer", "language", "reason", "priority",
        "team", "status", "summary", "transcript", "intents", "slots", "kb_articles_tried",
        "scores", "csat", "created", "claimed", "resolved", "agent", "previous_tickets",
        "entities",
    ):  # fmt: skip
        assert key in data, key
    assert data["customer"] == {"id": "conv-1", "name": "Ada"}
    assert data["transcript"][0] == {
        "role": "customer",
        "text": "I forgot my password",
        "ts": "2026-11-22T10:00:00.000+00:00",
    }


def test_return_to_bot_from_waiting_and_from_claimed(store: SqliteHandoffStore) -> None:
    first = store.create(new_ticket())
    assert store.return_to_bot(first.id, "anna").status == "returned_to_bot"
    second = store.create(new_ticket())
    store.claim(second.id, "anna")
    with pytest.raises(AlreadyClaimed):
        store.return_to_bot(second.id, "bo")
    assert store.return_to_bot(second.id, "anna").status == "returned_to_bot"


@pytest.mark.parametrize(
    "step",
    [
        lambda s, t: s.reply(t, "anna", "hi"),
        lambda s, t: s.claim(t, "anna"),
        lambda s, t: s.resolve(t, "anna"),
        lambda s, t: s.return_to_bot(t, "anna"),
        lambda s, t: s.add_message(t, "customer", "hi"),
    ],
    ids=["reply", "claim", "resolve", "return", "customer-message"],
)
def test_nothing_happens_on_a_resolved_ticket(store: SqliteHandoffStore, step) -> None:
    ticket = store.create(new_ticket())
    store.claim(ticket.id, "anna")
    store.resolve(ticket.id, "anna")
    with pytest.raises(IllegalTransition):
        step(store, ticket.id)


def test_reply_and_resolve_need_the_claim(store: SqliteHandoffStore) -> None:
    ticket = store.create(new_ticket())
    with pytest.raises(IllegalTransition, match="claim"):
        store.reply(ticket.id, "anna", "hi")
    with pytest.raises(IllegalTransition, match="claim"):
        store.resolve(ticket.id, "anna")
    store.claim(ticket.id, "anna")
    with pytest.raises(AlreadyClaimed) as taken:
        store.reply(ticket.id, "bo", "hi")
    assert taken.value.agent == "anna"
    with pytest.raises(InvalidTicket):
        store.reply(ticket.id, "anna", "   ")
    with pytest.raises(IllegalTransition):
        store.rate(ticket.id, 5)  # not resolved yet


def test_unknown_ids_and_bad_values(store: SqliteHandoffStore) -> None:
    with pytest.raises(TicketNotFound):
        store.get("nope")
    with pytest.raises(TicketNotFound):
        store.claim("nope", "anna")
    with pytest.raises(InvalidTicket):
        new_ticket(reason="bored")
    with pytest.raises(InvalidTicket):
        new_ticket(priority="asap")
    with pytest.raises(InvalidTicket):
        new_ticket(team="sales")
    with pytest.raises(InvalidTicket):
        new_ticket(language="fr")
    ticket = store.create(new_ticket())
    store.claim(ticket.id, "anna")
    store.resolve(ticket.id, "anna")
    for score in (0, 6, 3.5, "5"):
        with pytest.raises(InvalidTicket):
            store.rate(ticket.id, score)  # type: ignore[arg-type]


def test_one_open_ticket_per_conversation(store: SqliteHandoffStore) -> None:
    store.create(new_ticket())
    with pytest.raises(IllegalTransition):
        store.create(new_ticket())
    assert store.create(new_ticket(conversation_id="conv-2")).status == "waiting"


def test_queue_is_sorted_by_priority_then_waiting_time_and_filters(
    store: SqliteHandoffStore,
) -> None:
    a = store.create(new_ticket(conversation_id="a", priority="normal"))
    b = store.create(new_ticket(conversation_id="b", priority="urgent", team="billing"))
    c = store.create(new_ticket(conversation_id="c", priority="normal", language="de"))
    d = store.create(new_ticket(conversation_id="d", priority="high"))
    assert [t.id for t in store.list()] == [b.id, d.id, a.id, c.id]
    assert [t.id for t in store.list(team="billing")] == [b.id]
    assert [t.id for t in store.list(language="de")] == [c.id]
    store.claim(d.id, "anna")
    assert [t.id for t in store.list(status="waiting")] == [b.id, a.id, c.id]
    assert [t.id for t in store.list(status="claimed", team="account")] == [d.id]
    assert store.list(status="resolved") == []
    listed = store.list(team="billing")[0]
    assert listed.message_count == 2 and listed.transcript == []
    # queue position within the team: a, then c (account); d is claimed
    assert store.queue_position(a.id) == 1
    assert store.queue_position(c.id) == 2
    assert store.queue_position(b.id) == 1
    assert store.queue_position(d.id) == 0
    urgent = store.create(new_ticket(conversation_id="e", priority="urgent"))
    assert store.queue_position(urgent.id) == 1 and store.queue_position(a.id) == 2


def test_previous_tickets_of_the_same_customer(store: SqliteHandoffStore) -> None:
    first = store.create(new_ticket())
    store.return_to_bot(first.id, "anna")
    other = store.create(new_ticket(conversation_id="x", customer=Customer("someone-else")))
    second = store.create(new_ticket(reason="frustration", priority="high"))
    previous = second.previous_tickets
    assert [p["id"] for p in previous] == [first.id]
    assert previous[0]["status"] == "returned_to_bot" and previous[0]["summary"]
    assert store.get(other.id).previous_tickets == []


def test_changes_are_a_cursor_for_live_views(store: SqliteHandoffStore) -> None:
    start = store.last_change()
    ticket = store.create(new_ticket())
    store.add_message(ticket.id, "customer", "still there?")
    store.claim(ticket.id, "anna")
    kinds = [(c["ticket_id"], c["kind"]) for c in store.changes_since(start)]
    assert kinds == [
        (ticket.id, "created"),
        (ticket.id, "message:customer"),
        (ticket.id, "claimed"),
    ]
    assert store.changes_since(store.last_change()) == []


def test_a_failed_write_leaves_nothing_behind(
    store: SqliteHandoffStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ticket, transcript and change log are one transaction: a failure stores none of them."""

    def broken(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_change", broken)
    with pytest.raises(sqlite3.OperationalError):
        store.create(new_ticket())
    assert store.list() == []
    assert store.db.execute("select count(*) from messages").fetchone()[0] == 0
    monkeypatch.undo()
    ticket = store.create(new_ticket())
    monkeypatch.setattr(store, "_change", broken)
    with pytest.raises(sqlite3.OperationalError):
        store.claim(ticket.id, "anna")
    assert store.get(ticket.id).status == "waiting"


def test_claim_race_between_threads_has_exactly_one_winner(tmp_path: Path) -> None:
    path = tmp_path / "handoff.db"
    ticket = SqliteHandoffStore(path).create(new_ticket())
    stores = [SqliteHandoffStore(path) for _ in range(12)]
    barrier = threading.Barrier(len(stores))
    winners: List[str] = []
    losers: List[str] = []

    def claim(i: int) -> None:
        barrier.wait()
        try:
            stores[i].claim(ticket.id, f"agent{i}")
            winners.append(f"agent{i}")
        except AlreadyClaimed as exc:
            losers.append(exc.agent)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert losers == winners * (len(stores) - 1)  # every loser is told who has it
    assert SqliteHandoffStore(path).get(ticket.id).agent == winners[0]


def _claim_in_process(path: str, ticket_id: str, agent: str, start, results) -> None:
    store = SqliteHandoffStore(path)
    start.wait()
    try:
        store.claim(ticket_id, agent)
        results.put(("won", agent))
    except AlreadyClaimed as exc:
        results.put(("lost", exc.agent))


def test_claim_race_between_processes_has_exactly_one_winner(tmp_path: Path) -> None:
    """The gateway and a CLI may claim from different processes: SQLite decides once."""
    path = str(tmp_path / "handoff.db")
    ticket = SqliteHandoffStore(path).create(new_ticket())
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_claim_in_process, args=(path, ticket.id, f"p{i}", start, results))
        for i in range(6)
    ]
    for p in procs:
        p.start()
    start.set()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    won = [agent for kind, agent in outcomes if kind == "won"]
    assert len(won) == 1
    assert all(agent == won[0] for kind, agent in outcomes if kind == "lost")


def test_migrations_upgrade_an_old_database(tmp_path: Path) -> None:
    """A database from before the agents, outbox and CSAT-comment migrations keeps its data."""
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(str(path)))
    migrations.apply(db, stop_before="create_agents")
    db.table("tickets").insert(
        {
            "id": "hold", "conversation_id": "c", "channel": "rest", "customer_id": "c",
            "language": "de", "reason": "frustration", "priority": "high", "priority_rank": 2,
            "team": "orders", "status": "waiting", "created": "2026-01-01T00:00:00.000+00:00",
            "summary": "old", "intents": "[]", "entities": "[]", "slots": "{}",
            "kb_articles_tried": "[]", "scores": "{}",
        }
    )  # fmt: skip
    db.table("messages").insert({"ticket_id": "hold", "role": "customer", "text": "alt", "ts": "t"})
    db.close()

    store = SqliteHandoffStore(path)
    assert [m.name for m in migrations.pending(store.db)] == []
    old = store.get("hold")
    assert old.summary == "old" and old.transcript[0].text == "alt" and old.csat is None
    store.claim("hold", "anna")
    store.resolve("hold", "anna")
    assert store.rate("hold", 2, "too slow").csat["comment"] == "too slow"  # type: ignore[index]
    store.add_agent("anna", "correct horse")
    assert store.check_agent("anna", "correct horse")


def test_agents_passwords_are_hashed(store: SqliteHandoffStore) -> None:
    store.add_agent("anna", "correct horse")
    assert store.check_agent("anna", "correct horse")
    assert not store.check_agent("anna", "wrong horse")
    assert not store.check_agent("nobody", "correct horse")
    stored = store.db.execute("select password_hash from agents").fetchone()[0]
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    store.add_agent("anna", "battery staple")  # a new password replaces the old one
    assert store.check_agent("anna", "battery staple") and not store.check_agent(
        "anna", "correct horse"
    )
    for name, password in (("", "long enough"), ("a b", "long enough"), ("anna", "short")):
        with pytest.raises(InvalidTicket):
            store.add_agent(name, password)
    assert not verify_password("x", "md5$abc")


def test_agents_online(store: SqliteHandoffStore) -> None:
    store.add_agent("anna", "correct horse")
    store.add_agent("bo", "correct horse")
    assert store.agents_online("2000-01-01") == []
    store.agent_seen("bo")
    assert store.agents_online("2000-01-01") == ["bo"]
    assert store.agents() == ["anna", "bo"]


def test_outbox_delivers_each_message_once_in_order(store: SqliteHandoffStore) -> None:
    store.push_outbound("c1", "rest", {"text": "one"})
    store.push_outbound("c2", "rest", {"text": "other"})
    store.push_outbound("c1", "rest", {"text": "two"})
    assert store.take_outbound("c1") == [{"text": "one"}, {"text": "two"}]
    assert store.take_outbound("c1") == []
    assert store.take_outbound("c2") == [{"text": "other"}]


def test_hash_password_is_salted() -> None:
    assert hash_password("same") != hash_password("same")
