"""action_escalate with a Tracker, a CollectingDispatcher and the real domain."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalate
from bot.config import PROJECT_DIR

DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())


def tracker(decision: Optional[Dict[str, Any]], lang: str = "de") -> Tracker:
    parse = {"intent": {"name": "faq"}, "language": lang, "entities": []}
    events: List[Dict[str, Any]] = [{"event": "user", "text": "x", "parse_data": parse}]
    return Tracker("c", {"escalation": decision}, parse, events, False, None, {}, "action_listen")


def run(decision: Optional[Dict[str, Any]], lang: str = "de") -> tuple:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionEscalate().run(dispatcher, tracker(decision, lang), DOMAIN))
    return dispatcher.messages, events


@pytest.mark.parametrize(
    "reason, response",
    [
        ("frustration", "utter_escalate_frustration"),
        ("technical_complexity", "utter_escalate_technical"),
    ],
)
def test_acknowledges_then_hands_over(reason: str, response: str) -> None:
    decision = {"reason": reason, "priority": "high", "team": None, "cues": []}
    messages, events = run(decision)
    assert messages[0]["response"] == response
    assert messages[0]["escalation"] == {"reason": reason, "priority": "high", "team": None}
    # until the agent queue exists: how to reach a person, in the customer's language
    assert messages[1]["response"] == "utter_human_contact"
    assert "Support" in messages[2]["text"] and messages[2]["kb_article"] == "contact-hours"
    assert {
        "event": "slot",
        "name": "kb_feedback_pending",
        "value": False,
        "timestamp": None,
    } in events


def test_without_a_decision_it_does_nothing() -> None:
    assert run(None) == ([], [])
    assert run({"reason": "nonsense"}) == ([], [])


def test_every_escalation_response_exists_in_every_language() -> None:
    for name in ("utter_escalate_frustration", "utter_escalate_technical"):
        variations = DOMAIN["responses"][name]
        langs = {(v.get("condition") or [{"value": "en"}])[0]["value"] for v in variations}
        assert langs == {"en", "de", "da"}, name
