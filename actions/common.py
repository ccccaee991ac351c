"""Plain helpers the actions share: the knowledge base, the conversation's language."""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from bot.config import Settings
from bot.kb.store import KnowledgeBase
from bot.language import conversation_language, hinted

PERSON_BUTTON = {
    "en": "Talk to a person",
    "de": "Mit einem Menschen sprechen",
    "da": "Tal med en medarbejder",
}


@functools.cache
def knowledge_base() -> KnowledgeBase:
    """The action server's knowledge base, loaded on first use and watched for edits."""
    settings = Settings.from_env()
    kb = KnowledgeBase(settings.kb_dir, status_file=settings.kb_status_file)
    kb.start_watching()
    return kb


def language(tracker: Tracker) -> str:
    """The conversation's language, as the NLU detected it on the customer's messages."""
    parsed = (
        hinted(e.get("parse_data"), e.get("metadata"))
        for e in tracker.events
        if e.get("event") == "user"
    )
    return conversation_language(parsed)


def entity(tracker: Tracker, name: str) -> Optional[str]:
    """The latest message's value for entity ``name``, if any."""
    for item in tracker.latest_message.get("entities", []) or []:
        if item.get("entity") == name and isinstance(item.get("value"), str):
            return str(item["value"])
    return None


def entry_button(entry_id: str, title: str) -> Dict[str, Any]:
    """A button that asks for one knowledge-base entry."""
    return {"title": title, "payload": "/faq" + json.dumps({"kb_entry": entry_id})}


def person_button(lang: str) -> Dict[str, Any]:
    """A button that asks for a person."""
    return {"title": PERSON_BUTTON[lang], "payload": "/request_human"}


def answered_articles(tracker: Tracker) -> List[str]:
    """Entry ids the bot answered with in this conversation, oldest first."""
    return [
        str(e["value"])
        for e in tracker.events
        if e.get("event") == "slot" and e.get("name") == "kb_article" and e.get("value")
    ]
