"""Frustration, complexity, a security report, or not understood: acknowledge, hand over."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import start_handoff
from bot.signals.conversation import (
    FRUSTRATION_REASON,
    NOT_UNDERSTOOD_REASON,
    SECURITY_REASON,
    TECHNICAL_REASON,
)

REASONS = (FRUSTRATION_REASON, TECHNICAL_REASON, SECURITY_REASON, NOT_UNDERSTOOD_REASON)


def decision(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The escalation decision EscalationPolicy stored in the ``escalation`` slot."""
    value = tracker.get_slot("escalation")
    if isinstance(value, Mapping) and value.get("reason") in REASONS:
        return dict(value)
    return None


class ActionEscalate(Action):
    """Hand over what EscalationPolicy decided: frustration, complexity or security."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_escalate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Acknowledge and open a ticket; without a decision, do nothing."""
        chosen = decision(tracker)
        if chosen is None:
            return []
        return start_handoff(dispatcher, tracker, str(chosen["reason"]), chosen.get("team"))
