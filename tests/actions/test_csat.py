"""The satisfaction survey's actions: the question, the rating, the comment, "I'm back"."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from actions import handoff as handoff_actions
from actions.csat import ActionCsatAsk, ActionCsatComment, ActionCsatRate, ActionHandoffBack
from handoff.store import SqliteHandoffStore
from tests.actions.helpers import run, slot, user
from tests.handoff.helpers import new_ticket


@pytest.fixture
def resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    handoff_actions.handoff_store.cache_clear()
    store: SqliteHandoffStore = handoff_actions.handoff_store()
    ticket = store.create(new_ticket())
    store.claim(ticket.id, "anna")
    store.resolve(ticket.id, "anna")
    yield store, ticket.id
    handoff_actions.handoff_store.cache_clear()


def test_the_question_remembers_the_ticket(resolved) -> None:
    _, ticket_id = resolved
    ent = [{"entity": "handoff_id", "value": ticket_id}]
    messages, events = run(
        ActionCsatAsk(), [user("/handoff_resolved", "handoff_resolved", entities=ent)]
    )
    assert messages[0]["response"] == "utter_csat_ask"
    assert {"event": "slot", "name": "handoff_id", "value": ticket_id, "timestamp": None} in events


@pytest.mark.parametrize(
    "text, entities, score",
    [
        ("/csat_rate", [{"entity": "csat_score", "value": "5"}], 5),
        ("vier", [], 4),
        ("2/5", [], 2),
    ],
)
def test_rating_is_stored_on_the_ticket(resolved, text, entities, score) -> None:
    store, ticket_id = resolved
    messages, _ = run(
        ActionCsatRate(),
        [slot("handoff_id", ticket_id), user(text, "csat_rate", entities=entities)],
    )
    assert messages[0]["response"] == "utter_csat_comment"
    assert store.get(ticket_id).csat["score"] == score  # type: ignore[index]


def test_an_unreadable_rating_asks_again(resolved) -> None:
    store, ticket_id = resolved
    messages, _ = run(ActionCsatRate(), [slot("handoff_id", ticket_id), user("great", "csat_rate")])
    assert messages[0]["response"] == "utter_csat_ask"
    assert store.get(ticket_id).csat is None


def test_comment_is_stored_and_no_comment_stores_nothing(resolved) -> None:
    store, ticket_id = resolved
    run(ActionCsatComment(), [slot("handoff_id", ticket_id), user("/csat_skip", "csat_skip")])
    assert store.get(ticket_id).csat is None
    messages, _ = run(
        ActionCsatComment(), [slot("handoff_id", ticket_id), user("Anna was great", "thank")]
    )
    assert messages[0]["response"] == "utter_csat_thanks"
    assert store.get(ticket_id).csat["comment"] == "Anna was great"  # type: ignore[index]


def test_without_a_ticket_the_survey_still_thanks(resolved) -> None:
    messages, _ = run(ActionCsatRate(), [user("5", "csat_rate")])
    assert messages[0]["response"] == "utter_csat_comment"


def test_back_to_bot(resolved) -> None:
    messages, events = run(ActionHandoffBack(), [user("/handoff_returned", "handoff_returned")])
    assert messages[0]["response"] == "utter_handoff_back"
    assert {"event": "slot", "name": "escalation", "value": None, "timestamp": None} in events
