"""Handing over to a person: a ticket with the full context, and what the customer hears."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import answered_articles, knowledge_base, language
from actions.human import send_contact_details
from bot.config import Settings
from bot.signals.conversation import EscalationConfig, watched_config
from bot.signals.watch import Watched
from handoff import packet
from handoff.config import HandoffConfig
from handoff.model import Customer, HandoffError, NewTicket
from handoff.routing import Topic, at_stake, choose_priority, choose_team
from handoff.store import SqliteHandoffStore
from handoff.summary import summarize

logger = logging.getLogger(__name__)

# What the bot says first, per reason (then where the customer stands in the queue).
OPENERS = {
    "customer_request": "utter_handoff_customer_request",
    "answer_not_helpful": "utter_handoff_answer_not_helpful",
    "not_understood": "utter_handoff_not_understood",
    "frustration": "utter_escalate_frustration",
    "technical_complexity": "utter_escalate_technical",
    "security": "utter_handoff_security",
}
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
}
AT = {"en": "{day} at {time}", "de": "{day} um {time} Uhr", "da": "{day} kl. {time}"}
# Slots that are bookkeeping, not context for the agent (scores travel separately).
HIDDEN_SLOTS = {"signals", "escalation", "requested_slot", "session_started_metadata"}


@functools.cache
def handoff_store() -> SqliteHandoffStore:
    """The queue, opened on first use (the gateway opens the same file)."""
    return SqliteHandoffStore(Settings.from_env().handoff_db)


@functools.cache
def _escalation_config() -> Watched[EscalationConfig]:
    return watched_config(Settings.from_env().escalation_dir / "policy.yml")


def handoff_config() -> HandoffConfig:
    """handoff/config.yml, read on every handoff so edits apply at once."""
    return HandoffConfig.from_file(Settings.from_env().handoff_config)


def when(moment: dt.datetime, lang: str) -> str:
    """``Monday at 08:00`` in the customer's language."""
    return AT[lang].format(day=WEEKDAYS[lang][moment.weekday()], time=moment.strftime("%H:%M"))


def customer_of(tracker: Tracker) -> Customer:
    """The customer's channel user id and display name, as the gateway passed them on."""
    latest = packet.latest_user(tracker.events) or {}
    meta = latest.get("metadata") or {}
    who = meta.get("customer")
    who = who if isinstance(who, Mapping) else {}
    name = who.get("name") if isinstance(who.get("name"), str) else None
    return Customer(str(who.get("id") or tracker.sender_id), name)


def _topic(tracker: Tracker, lang: str, intent: Optional[str]) -> Topic:
    """The knowledge-base entries the conversation is about, most relevant first."""
    kb = knowledge_base()
    entries: List[str] = list(reversed(answered_articles(tracker)))
    request = packet.customer_request(tracker.events)
    if request and not request.startswith("[button"):
        decision = kb.decide(request, lang)  # only a confident match names the topic
        if decision.kind == "answer" and decision.entry_id:
            entries.append(decision.entry_id)
    entries = list(dict.fromkeys(entries))
    teams = [e.team for e in (kb.get(i) for i in entries) if e is not None]
    return Topic(entries=entries, entry_teams=teams, intent=intent)


def build_ticket(tracker: Tracker, reason: str, suggested_team: Optional[str] = None) -> NewTicket:
    """Everything an agent needs, from the conversation so far."""
    lang = language(tracker)
    events = tracker.events
    signals = tracker.get_slot("signals") or {}
    latest = packet.latest_user(events) or {}
    intent = ((latest.get("parse_data") or {}).get("intent") or {}).get("name")
    topic = _topic(tracker, lang, intent)
    escalation = _escalation_config().get()
    frustration = float(signals.get("frustration") or 0.0)
    team = choose_team(reason, topic, suggested_team)
    priority = choose_priority(
        reason,
        frustration,
        at_stake(topic.entries[:1], handoff_config()),
        escalation.frustration_threshold,
        escalation.urgent_at,
    )
    kb = knowledge_base()
    tried = answered_articles(tracker)
    titles = [e.article(lang).title for e in (kb.get(i) for i in tried) if e is not None]
    main = kb.get(topic.entries[0]) if topic.entries else None
    cues = [str(c.get("label")) for c in signals.get("cues") or [] if isinstance(c, Mapping)]
    summary = summarize(
        lang,
        reason,
        packet.customer_request(events),
        topic=main.article(lang).title if main is not None and reason != "security" else "",
        tried=titles,
        not_helpful=packet.said_not_helpful(events),
        cues=cues[:3] if reason in ("frustration", "technical_complexity") else (),
    )
    slots = {
        k: v
        for k, v in tracker.current_slot_values().items()
        if v is not None and k not in HIDDEN_SLOTS
    }
    return NewTicket(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "rest",
        customer=customer_of(tracker),
        language=lang,
        reason=reason,
        priority=priority,
        team=team,
        summary=summary,
        transcript=packet.transcript(events),
        intents=packet.intents(events),
        entities=packet.entities(events),
        slots=slots,
        kb_articles_tried=list(dict.fromkeys(tried)),
        scores={
            "frustration": frustration,
            "complexity": float(signals.get("complexity") or 0.0),
            "cues": list(signals.get("cues") or []),
        },
    )


def start_handoff(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    suggested_team: Optional[str] = None,
) -> List[EventType]:
    """Open a ticket and tell the customer a person takes over, and when.

    Every reply carries ``metadata.handoff_id``, so the gateway stops routing the
    customer's messages to the bot. If the queue cannot be written, the customer
    gets the support team's contact details instead, and the error is logged.
    """
    lang = language(tracker)
    store = handoff_store()
    try:
        ticket = build_ticket(tracker, reason, suggested_team)
        try:
            created = store.create(ticket)
        except HandoffError:
            existing = store.open_ticket(tracker.sender_id)
            if existing is None:
                raise
            created = existing
        position = store.queue_position(created.id)
        config = handoff_config()
        now = dt.datetime.now(dt.timezone.utc)
        since = (now - dt.timedelta(seconds=config.agent_online_seconds)).isoformat()
        online = store.agents_online(since)
    except Exception:  # noqa: BLE001 - the customer still gets a way to reach a person
        logger.exception("could not open a handoff ticket for %s", tracker.sender_id)
        dispatcher.utter_message(response=OPENERS[reason])
        send_contact_details(dispatcher, lang)
        return [SlotSet("kb_feedback_pending", False)]
    meta = {
        "handoff_id": created.id,
        "handoff": {"reason": created.reason, "priority": created.priority, "team": created.team},
    }
    opener = OPENERS[reason]
    if reason == "security":
        opener += "_payment" if created.team == "billing" else "_account"
    dispatcher.utter_message(response=opener, **meta)
    if online:
        dispatcher.utter_message(response="utter_handoff_queue", position=position, **meta)
    elif config.is_open(now):
        dispatcher.utter_message(
            response="utter_handoff_wait", minutes=config.expected_wait_minutes, **meta
        )
    else:
        reopen = config.next_opening(now)
        text = when(reopen, lang) if reopen is not None else "-"
        dispatcher.utter_message(response="utter_handoff_closed", reopen=text, **meta)
    return [SlotSet("kb_feedback_pending", False), SlotSet("handoff_id", created.id)]


class ActionRequestHuman(Action):
    """The customer asks for a person: hand over (``answer_not_helpful`` after a failed answer)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Open a ticket with the right reason."""
        reason = (
            "answer_not_helpful" if packet.said_not_helpful(tracker.events) else "customer_request"
        )
        return start_handoff(dispatcher, tracker, reason)
