"""Handoff tickets opened by actions: reason, team, priority, packet, what the customer hears."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from actions import handoff as handoff_actions
from actions.escalation import ActionEscalate
from actions.handoff import ActionRequestHuman, start_handoff
from actions.kb import ActionAnswerQuestion
from handoff.store import SqliteHandoffStore
from tests.actions.helpers import DOMAIN, bot, run, slot, user

ALWAYS_OPEN = """
timezone: Europe/Copenhagen
hours: {mon: "00:00-23:59", tue: "00:00-23:59", wed: "00:00-23:59", thu: "00:00-23:59",
        fri: "00:00-23:59", sat: "00:00-23:59", sun: "00:00-23:59"}
expected_wait_minutes: 20
money_at_stake: [refund-status]
access_at_stake: [password-reset]
"""
CLOSED = "timezone: Europe/Copenhagen\nhours: {}\n"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqliteHandoffStore]:
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    config = tmp_path / "handoff.yml"
    config.write_text(ALWAYS_OPEN)
    monkeypatch.setenv("SUPPORTBOT_HANDOFF_CONFIG", str(config))
    handoff_actions.handoff_store.cache_clear()
    yield handoff_actions.handoff_store()
    handoff_actions.handoff_store.cache_clear()


def escalation(
    reason: str, team: Any = None, frustration: float = 0.0, **extra: Any
) -> Dict[str, Any]:
    return {"reason": reason, "priority": "high", "team": team, "frustration": frustration,
            "complexity": 0.0, "cues": [], **extra}  # fmt: skip


def signals(
    frustration: float = 0.0, complexity: float = 0.0, labels: List[str] = ()
) -> Dict[str, Any]:  # type: ignore[assignment]
    cues = [
        {"kind": "frustration", "name": lab, "label": lab, "weight": 0.5, "evidence": ""}
        for lab in labels
    ]
    return {"frustration": frustration, "complexity": complexity, "cues": cues}


def ticket_of(store: SqliteHandoffStore, messages: List[Dict[str, Any]]):
    ids = {m.get("handoff_id") for m in messages}
    assert len(ids) == 1 and None not in ids, messages
    return store.get(ids.pop())


@pytest.mark.parametrize(
    "lang, text",
    [
        ("en", "can I talk to a human please"),
        ("de", "Ich möchte mit einem Menschen sprechen"),
        ("da", "Jeg vil gerne tale med en medarbejder"),
    ],
)
def test_customer_request_in_each_language(store: SqliteHandoffStore, lang: str, text: str) -> None:
    events = [
        user("hi", "greet", lang),
        bot("Hi!", "utter_greet"),
        user(text, "request_human", lang),
    ]
    messages, result = run(ActionRequestHuman(), events)
    ticket = ticket_of(store, messages)
    assert (ticket.reason, ticket.priority, ticket.language) == ("customer_request", "normal", lang)
    assert ticket.team == "general"
    assert messages[0]["response"] == "utter_handoff_customer_request"
    assert messages[1]["response"] == "utter_handoff_wait" and messages[1]["minutes"] == 20
    assert {"event": "slot", "name": "handoff_id", "value": ticket.id, "timestamp": None} in result
    assert [m.role for m in ticket.transcript] == ["customer", "bot", "customer"]
    assert ticket.transcript[-1].text == text
    assert [i["intent"] for i in ticket.intents] == ["greet", "request_human"]


def test_answer_not_helpful_keeps_the_topic_team_and_access_priority(store) -> None:
    events = [
        user("I forgot my password", "faq"),
        bot("Reset your password ...", None),
        slot("kb_article", "password-reset"),
        bot("Did that help?", "utter_kb_did_it_help"),
        user("no", "deny"),
        bot("Sorry. Related: ...", "utter_kb_related"),
        user("let me talk to someone", "request_human"),
    ]
    messages, _ = run(ActionRequestHuman(), events)
    ticket = ticket_of(store, messages)
    assert ticket.reason == "answer_not_helpful"
    assert ticket.team == "account"  # password-reset is an account entry
    assert ticket.priority == "high"  # access is at stake (config: access_at_stake)
    assert ticket.kb_articles_tried == ["password-reset"]
    assert messages[0]["response"] == "utter_handoff_answer_not_helpful"
    assert "I forgot my password" in ticket.summary and "did not help" in ticket.summary


@pytest.mark.parametrize(
    "reason, team, frustration, priority, opener",
    [
        ("frustration", None, 0.6, "high", "utter_escalate_frustration"),
        ("frustration", None, 0.95, "urgent", "utter_escalate_frustration"),
        ("technical_complexity", "technical", 0.0, "normal", "utter_escalate_technical"),
        ("security", "account", 0.0, "urgent", "utter_handoff_security_account"),
        ("security", "billing", 0.0, "urgent", "utter_handoff_security_payment"),
    ],
)
def test_escalations_open_tickets(store, reason, team, frustration, priority, opener) -> None:
    events = [
        user("Where is my order?", "faq", "de"),
        bot("Sendungsverfolgung ...", None),
        slot("kb_article", "order-tracking"),
        user(
            "seit drei Wochen warte ich!!!",
            "faq",
            "de",
            signals=signals(frustration, 0.5, ["waiting"]),
        ),
        slot("signals", signals(frustration, 0.5, ["waiting"])),
        slot("escalation", escalation(reason, team, frustration)),
    ]
    messages, _ = run(ActionEscalate(), events)
    ticket = ticket_of(store, messages)
    assert (ticket.reason, ticket.priority, ticket.language) == (reason, priority, "de")
    assert ticket.team == (team or "orders")  # frustration: the topic's team
    assert messages[0]["response"] == opener
    assert (
        ticket.scores["frustration"] == frustration
        and ticket.scores["cues"][0]["name"] == "waiting"
    )
    assert "signals" not in ticket.slots and "escalation" not in ticket.slots
    assert ticket.summary.startswith("Die Kundin oder der Kunde")


def test_money_at_stake_raises_priority(store) -> None:
    events = [user("Wo bleibt meine Erstattung?", "faq", "de"), slot("kb_article", "refund-status"),
              user("Mitarbeiter bitte", "request_human", "de")]  # fmt: skip
    messages, _ = run(ActionRequestHuman(), events)
    ticket = ticket_of(store, messages)
    assert (ticket.team, ticket.priority) == ("billing", "high")


def test_third_message_not_understood_hands_over(store) -> None:
    gibberish = ["blorf wuggle", "snarfle the quux", "zzyzx plonk"]
    events: List[Dict[str, Any]] = []
    for text in gibberish[:2]:
        events += [
            user(text, "nlu_fallback", "en", 0.1),
            bot("Sorry, I don't know.", "utter_kb_unknown"),
        ]
    events.append(user(gibberish[2], "nlu_fallback", "en", 0.1))
    messages, _ = run(ActionAnswerQuestion(), events)
    ticket = ticket_of(store, messages)
    assert ticket.reason == "not_understood" and ticket.team == "general"
    assert messages[0]["response"] == "utter_handoff_not_understood"
    # two in a row are not enough; an answer in between resets the count
    messages, _ = run(ActionAnswerQuestion(), events[2:], sender="c2")
    assert messages[0]["response"] == "utter_kb_unknown"
    broken = events[:2] + [user("hi", "greet"), bot("Hi!", "utter_greet")] + events[2:]
    messages, _ = run(ActionAnswerQuestion(), broken, sender="c3")
    assert messages[0]["response"] == "utter_kb_unknown"


def test_queue_position_when_agents_are_online(store) -> None:
    store.add_agent("anna", "correct horse")
    store.agent_seen("anna")
    first, _ = run(ActionRequestHuman(), [user("human please", "request_human")], sender="a")
    second, _ = run(ActionRequestHuman(), [user("human please", "request_human")], sender="b")
    assert first[1]["response"] == "utter_handoff_queue" and first[1]["position"] == 1
    assert second[1]["position"] == 2


def test_closed_hours_say_when_we_are_back(store, tmp_path, monkeypatch) -> None:
    config = tmp_path / "closed.yml"
    config.write_text(CLOSED.replace("{}", '{mon: "08:00-20:00"}'))
    monkeypatch.setenv("SUPPORTBOT_HANDOFF_CONFIG", str(config))
    messages, _ = run(ActionRequestHuman(), [user("Menneske tak", "request_human", "da")])
    assert messages[1]["response"] == "utter_handoff_closed"
    assert messages[1]["reopen"].startswith("mandag kl. 08:00")


def test_customer_name_from_the_gateway(store) -> None:
    meta = {"customer": {"id": "u-17", "name": "Ada Lovelace"}}
    messages, _ = run(ActionRequestHuman(), [user("agent", "request_human", metadata=meta)])
    ticket = ticket_of(store, messages)
    assert (ticket.customer.id, ticket.customer.name) == ("u-17", "Ada Lovelace")


def test_a_broken_queue_still_tells_the_customer_how_to_reach_us(store, monkeypatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "create", broken)
    messages, _ = run(ActionRequestHuman(), [user("human", "request_human", "de")])
    assert messages[0]["response"] == "utter_handoff_customer_request"
    assert messages[1]["response"] == "utter_human_contact"
    assert messages[2]["kb_article"] == "contact-hours"
    assert all("handoff_id" not in m for m in messages)


def test_escalate_without_a_decision_does_nothing(store) -> None:
    assert run(ActionEscalate(), [user("hi", "greet")]) == ([], [])
    assert run(
        ActionEscalate(), [user("hi", "greet"), slot("escalation", {"reason": "bored"})]
    ) == ([], [])


def test_every_handoff_response_exists_in_every_language() -> None:
    names = [
        n
        for n in DOMAIN["responses"]
        if n.startswith(("utter_handoff", "utter_escalate", "utter_csat"))
    ]
    assert len(names) >= 12
    for name in names:
        langs = {
            (v.get("condition") or [{"value": "en"}])[0]["value"] for v in DOMAIN["responses"][name]
        }
        assert langs == {"en", "de", "da"}, name


def test_start_handoff_reuses_an_open_ticket(store) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.helpers import tracker

    events = [user("human", "request_human")]
    first, second = CollectingDispatcher(), CollectingDispatcher()
    start_handoff(first, tracker(events), "customer_request")
    start_handoff(second, tracker(events), "customer_request")
    assert first.messages[0]["handoff_id"] == second.messages[0]["handoff_id"]
    assert len(store.list()) == 1
