"""Frustration or technical complexity crossed its threshold: acknowledge, then hand over."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language
from actions.human import send_contact_details
from bot.signals.conversation import FRUSTRATION_REASON, TECHNICAL_REASON

RESPONSES = {
    FRUSTRATION_REASON: "utter_escalate_frustration",
    TECHNICAL_REASON: "utter_escalate_technical",
}


def decision(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The escalation decision EscalationPolicy stored in the ``escalation`` slot."""
    value = tracker.get_slot("escalation")
    if isinstance(value, Mapping) and value.get("reason") in RESPONSES:
        return dict(value)
    return None


def escalate(
    dispatcher: CollectingDispatcher, tracker: Tracker, chosen: Mapping[str, Any]
) -> List[EventType]:
    """Acknowledge in the customer's language and hand the conversation over.

    The reply's metadata carries the decision (reason, priority, team). The
    agent queue (handoff/) is not built yet; until it is, the customer gets the
    support team's contact details.
    """
    lang = language(tracker)
    summary = {k: chosen.get(k) for k in ("reason", "priority", "team")}
    dispatcher.utter_message(response=RESPONSES[str(chosen["reason"])], escalation=summary)
    send_contact_details(dispatcher, lang)
    return [SlotSet("kb_feedback_pending", False)]


class ActionEscalate(Action):
    """Hand over a frustrated customer or a technical problem (decided by EscalationPolicy)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_escalate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Acknowledge and hand over; without a decision, do nothing."""
        chosen = decision(tracker)
        if chosen is None:
            return []
        return escalate(dispatcher, tracker, chosen)
