"""Whole conversations over the REST endpoint in each language, through all three processes."""

from __future__ import annotations

from typing import Dict, List

import pytest
import yaml

from bot.config import PROJECT_DIR
from tests.conftest import Stack

pytestmark = pytest.mark.stack


def response_texts() -> Dict[str, Dict[str, List[str]]]:
    """utter name -> language -> texts, from domain.yml."""
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
    texts: Dict[str, Dict[str, List[str]]] = {}
    for name, variations in domain["responses"].items():
        for v in variations:
            lang = next(
                (c["value"] for c in v.get("condition", []) if c["name"] == "language"), "en"
            )
            texts.setdefault(name, {}).setdefault(lang, []).append(v["text"].strip())
    return texts


TEXTS = response_texts()

CONVERSATIONS = {
    "en": [
        ("hi there", "utter_greet"),
        ("what can you help me with", "utter_capabilities"),
        ("are you a bot?", "utter_iamabot"),
        ("tell me a joke", "utter_out_of_scope"),
        ("ok", "utter_affirm_ack"),
        ("thank you", "utter_you_are_welcome"),
        ("goodbye", "utter_goodbye"),
    ],
    "de": [
        ("hallo", "utter_greet"),
        ("was kannst du alles", "utter_capabilities"),
        ("bist du ein roboter?", "utter_iamabot"),
        ("erzähl mir einen witz", "utter_out_of_scope"),
        ("ok", "utter_affirm_ack"),
        ("danke schön", "utter_you_are_welcome"),
        ("tschüss", "utter_goodbye"),
    ],
    "da": [
        ("hej", "utter_greet"),
        ("hvad kan du hjælpe med", "utter_capabilities"),
        ("er du en robot?", "utter_iamabot"),
        ("fortæl en vittighed", "utter_out_of_scope"),
        ("ok", "utter_affirm_ack"),
        ("mange tak", "utter_you_are_welcome"),
        ("farvel", "utter_goodbye"),
    ],
}


@pytest.mark.parametrize("language", ["en", "de", "da"])
def test_conversation_in_each_language(stack: Stack, language: str) -> None:
    sender = f"conversation-{language}"
    for text, utter in CONVERSATIONS[language]:
        replies = stack.say(sender, text)
        assert len(replies) == 1, (text, replies)
        reply = replies[0]
        assert reply["recipient_id"] == sender
        assert reply["metadata"]["language"] == language, (text, reply)
        assert reply["text"].strip() in TEXTS[utter][language], (text, reply["text"])


def test_language_neutral_messages_keep_the_conversation_language(stack: Stack) -> None:
    sender = "neutral-da"
    assert stack.say(sender, "hej med dig")[0]["metadata"]["language"] == "da"
    for neutral in ["ok", "42", "👍", "🙂"]:
        for reply in stack.say(sender, neutral):
            assert reply["metadata"]["language"] == "da", (neutral, reply)


def test_customer_switching_language_is_followed(stack: Stack) -> None:
    sender = "switch"
    assert stack.say(sender, "hallo, guten tag")[0]["metadata"]["language"] == "de"
    reply = stack.say(sender, "what can you help me with? please answer in English")[0]
    assert reply["metadata"]["language"] == "en"
    assert reply["text"].strip() in TEXTS["utter_capabilities"]["en"]


def test_client_language_hint_sets_the_first_reply_language(stack: Stack) -> None:
    status, replies = stack.post(
        {"sender": "hinted", "message": "👋", "metadata": {"language": "de"}}
    )
    assert status == 200 and replies[0]["metadata"]["language"] == "de"


def test_unclear_message_gets_dont_know_in_the_conversation_language(stack: Stack) -> None:
    sender = "fallback-de"
    stack.say(sender, "guten morgen")
    reply = stack.say(sender, "xqzt vbnm plokij")[0]
    assert reply["metadata"]["language"] == "de"
    assert reply["text"].strip() in TEXTS["utter_kb_unknown"]["de"]
    assert reply["buttons"][0]["payload"] == "/request_human"


def test_health_reports_each_component(stack: Stack) -> None:
    health = stack.health()
    assert health["status"] == "ok"
    assert set(health["components"]) >= {"gateway", "rasa", "action_server", "conversation_store"}
    assert all(c["status"] == "ok" for c in health["components"].values())
