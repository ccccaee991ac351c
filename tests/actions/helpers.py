"""Trackers for action tests: events as Rasa sends them to the action server."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import PROJECT_DIR

DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
_clock = itertools.count(1_700_000_000)


def user(
    text: str,
    intent: str = "faq",
    lang: Optional[str] = "en",
    confidence: float = 0.9,
    signals: Optional[Dict[str, Any]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """A customer message with its NLU parse."""
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "language": lang,
        "signals": signals or {"frustration": 0.0, "complexity": 0.0, "cues": []},
    }
    return {
        "event": "user",
        "text": text,
        "parse_data": parse,
        "metadata": metadata or {},
        "timestamp": float(next(_clock)),
    }


def bot(text: str, utter_action: Optional[str] = None) -> Dict[str, Any]:
    """A bot message (``utter_action`` when it came from a domain response)."""
    meta = {"utter_action": utter_action} if utter_action else {}
    return {
        "event": "bot",
        "text": text,
        "data": {},
        "metadata": meta,
        "timestamp": float(next(_clock)),
    }


def slot(name: str, value: Any) -> Dict[str, Any]:
    """A slot event."""
    return {"event": "slot", "name": name, "value": value, "timestamp": float(next(_clock))}


def tracker(
    events: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None, sender: str = "c1"
) -> Tracker:
    """A tracker whose latest message is the last user event."""
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    values: Dict[str, Any] = {}
    for event in events:
        if event["event"] == "slot":
            values[event["name"]] = event["value"]
    values.update(slots or {})
    return Tracker(sender, values, latest, events, False, None, {"name": "rest"}, "action_listen")


def run(
    action: Action, events: List[Dict[str, Any]], **kwargs: Any
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Run an action; returns (messages, events)."""
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker(events, **kwargs), DOMAIN))
    return dispatcher.messages, result
