"""Escalation in the running bot: scores with every message, acknowledgement, hand-over."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, List

import pytest

from tests.conftest import Stack

pytestmark = pytest.mark.stack

ACKNOWLEDGEMENT = {
    "en": "I'm sorry, this has clearly been frustrating",
    "de": "Das tut mir leid, das war offensichtlich ärgerlich",
    "da": "Det er jeg ked af. Det har tydeligvis været frustrerende",
}
FRUSTRATED = {
    "en": "This is ridiculous, I've been waiting THREE WEEKS for my order!!! Worst shop ever.",
    "de": "Das ist doch lächerlich, ich warte seit drei Wochen auf meine Bestellung!!! Saftladen.",
    "da": "Det er simpelthen for dårligt, jeg har ventet i tre uger på min ordre!!! Elendig butik.",
}


def events(stack: Stack, sender: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        rows = db.execute(
            "select data from events where sender_id = ? order by id", (sender,)
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


@pytest.mark.parametrize("lang", ["en", "de", "da"])
def test_a_frustrated_customer_gets_an_acknowledgement_and_a_handover(
    stack: Stack, lang: str
) -> None:
    sender = f"angry-{lang}"
    replies = stack.say(sender, FRUSTRATED[lang])
    first = replies[0]
    assert first["text"].startswith(ACKNOWLEDGEMENT[lang]), replies
    assert first["metadata"]["language"] == lang
    assert first["metadata"]["handoff"]["reason"] == "frustration"
    assert first["metadata"]["handoff"]["priority"] in ("high", "urgent")
    # never a cheerful FAQ answer about delivery times
    assert not any(r.get("metadata", {}).get("kb_article") == "delivery-times" for r in replies)
    decision = [
        e["value"]
        for e in events(stack, sender)
        if e.get("event") == "slot" and e["name"] == "escalation"
    ]
    assert decision and decision[-1]["reason"] == "frustration"
    labels = {c["label"] for c in decision[-1]["cues"]}
    assert 'repeated "!!!" or "???"' in labels and "waiting too long" in labels, labels


def test_a_technical_problem_goes_to_the_technical_team(stack: Stack) -> None:
    replies = stack.say(
        "dev-1",
        "Our webhook endpoint gets HTTP 502 from /api/v2/orders since the SDK update to 3.2.1, "
        "log: 2026-11-20 10:31:02 ERROR upstream timeout",
    )
    escalation = replies[0]["metadata"]["handoff"]
    assert escalation == {
        "reason": "technical_complexity",
        "priority": "normal",
        "team": "technical",
    }
    assert replies[0]["text"].startswith("This needs someone from our technical team")


def test_calm_customers_are_not_escalated_and_every_message_is_scored(stack: Stack) -> None:
    sender = "calm-1"
    for text in ("Hi!", "No problem, thanks. How do I get a copy of my invoice?"):
        replies = stack.say(sender, text)
        assert not any("handoff" in r.get("metadata", {}) for r in replies), replies
    stored = events(stack, sender)
    users = [e for e in stored if e.get("event") == "user"]
    assert len(users) == 2
    assert all(e["parse_data"]["signals"]["frustration"] < 0.3 for e in users)
    scores = [e["value"] for e in stored if e.get("event") == "slot" and e["name"] == "signals"]
    assert len(scores) == 2 and all(s["reason"] is None for s in scores)


def test_not_understood_twice_plus_annoyance_escalates(stack: Stack) -> None:
    sender = "fallbacks-1"
    stack.say(sender, "qwrtzp blorf")
    stack.say(sender, "xkcd vrrrmp zzt")
    replies = stack.say(sender, "jfhdjs ugh, useless")
    assert replies[0]["metadata"].get("handoff", {}).get("reason") == "frustration", replies
