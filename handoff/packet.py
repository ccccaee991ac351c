"""The handoff packet from tracker events: transcript, intents, entities, the request."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from handoff.model import Message

# Messages the gateway sends to Rasa on the customer's behalf; not part of the transcript.
SYSTEM_INTENTS = frozenset({"handoff_resolved", "handoff_returned"})
# What a customer says that is not a request of its own.
SMALL_TALK = frozenset(
    {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "request_human"}
)
MAX_TRANSCRIPT = 300
# Replies that mean the bot could not help with a message.
NOT_UNDERSTOOD_REPLIES = frozenset({"utter_kb_unknown", "utter_out_of_scope"})
# The third message in a row the bot cannot help with goes to a person.
NOT_UNDERSTOOD_LIMIT = 3

Event = Mapping[str, Any]


def _ts(event: Event) -> str:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).isoformat(timespec="milliseconds")


def _intent(event: Event) -> Dict[str, Any]:
    return dict((event.get("parse_data") or {}).get("intent") or {})


def is_system(event: Event) -> bool:
    """A message the gateway sent for the customer (an agent handed the conversation back)."""
    return event.get("event") == "user" and _intent(event).get("name") in SYSTEM_INTENTS


def customer_text(event: Event) -> str:
    """What the customer typed, or which button they pressed."""
    text = str(event.get("text") or "")
    if text.startswith("/"):
        return f"[button: {_intent(event).get('name') or text[1:]}]"
    return text


def transcript(events: Iterable[Event], limit: int = MAX_TRANSCRIPT) -> List[Message]:
    """Customer and bot lines, oldest first (the latest ``limit``)."""
    lines: List[Message] = []
    for event in events:
        kind = event.get("event")
        if kind == "user" and not is_system(event):
            lines.append(Message("customer", customer_text(event), _ts(event)))
        elif kind == "bot" and (event.get("text") or (event.get("data") or {}).get("buttons")):
            text = str(event.get("text") or "")
            buttons = (event.get("data") or {}).get("buttons") or []
            titles = [str(b.get("title")) for b in buttons if isinstance(b, Mapping)]
            if titles:
                text += ("\n" if text else "") + "[buttons: " + " | ".join(titles) + "]"
            lines.append(Message("bot", text, _ts(event)))
    return lines[-limit:]


def intents(events: Iterable[Event]) -> List[Dict[str, Any]]:
    """Each customer message's intent and confidence."""
    found = []
    for event in events:
        if event.get("event") != "user" or is_system(event):
            continue
        intent = _intent(event)
        found.append(
            {
                "text": customer_text(event)[:200],
                "intent": intent.get("name"),
                "confidence": round(float(intent.get("confidence") or 0.0), 3),
            }
        )
    return found


def entities(events: Iterable[Event]) -> List[Dict[str, Any]]:
    """Entities of the customer's messages (each entity and value once)."""
    seen: Dict[tuple, Dict[str, Any]] = {}
    for event in events:
        if event.get("event") != "user":
            continue
        for item in (event.get("parse_data") or {}).get("entities") or []:
            key = (item.get("entity"), str(item.get("value")))
            seen.setdefault(key, {"entity": item.get("entity"), "value": item.get("value")})
    return list(seen.values())


def current_session(events: Sequence[Event]) -> List[Event]:
    """The events since the latest session start."""
    start = 0
    for index, event in enumerate(events):
        if event.get("event") == "session_started":
            start = index
    return list(events[start:])


def customer_request(events: Sequence[Event]) -> str:
    """The customer's own words for what they want: their first real request this session."""
    messages = [e for e in current_session(events) if e.get("event") == "user" and not is_system(e)]
    for event in messages:
        text = customer_text(event)
        if _intent(event).get("name") not in SMALL_TALK and not text.startswith("[button"):
            return text
    return customer_text(messages[-1]) if messages else ""


def said_not_helpful(events: Sequence[Event]) -> bool:
    """Whether the customer said an answer did not help ("no" to "did it help?", or in words)."""
    answered = False
    for event in current_session(events):
        if (
            event.get("event") == "slot"
            and event.get("name") == "kb_article"
            and event.get("value")
        ):
            answered = True
        elif event.get("event") == "user" and answered:
            parse = event.get("parse_data") or {}
            cues = (parse.get("signals") or {}).get("cues") or []
            if _intent(event).get("name") == "deny" or any(
                c.get("name") == "not_helpful" for c in cues if isinstance(c, Mapping)
            ):
                return True
    return False


def latest_user(events: Sequence[Event]) -> Optional[Event]:
    """The latest customer message that is not a system message."""
    for event in reversed(events):
        if event.get("event") == "user" and not is_system(event):
            return event
    return None


def not_understood_in_a_row(events: Sequence[Event]) -> int:
    """How many customer messages before the latest one, in a row, the bot could not help with.

    A message counts when the bot answered it with "I don't know" or "I can't help
    with that"; any other answer, a new session or a handback ends the run.
    """
    runs: List[bool] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started" or is_system(event):
            runs = []
        elif kind == "user":
            runs.append(False)
        elif kind == "bot" and runs:
            action = (event.get("metadata") or {}).get("utter_action")
            if action in NOT_UNDERSTOOD_REPLIES:
                runs[-1] = True
    count = 0
    for unknown in reversed(runs[:-1]):
        if not unknown:
            break
        count += 1
    return count
