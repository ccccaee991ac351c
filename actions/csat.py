"""After a person resolved the conversation: the satisfaction question, rating and comment."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity
from actions.handoff import handoff_store
from handoff.csat import parse_rating
from handoff.model import HandoffError

logger = logging.getLogger(__name__)


def _store_rating(tracker: Tracker, score: Optional[int], comment: Optional[str]) -> bool:
    """Save on the ticket in the ``handoff_id`` slot; False when there is none to save on."""
    ticket = tracker.get_slot("handoff_id")
    if not ticket:
        return False
    try:
        handoff_store().rate(str(ticket), score, comment)
    except HandoffError as exc:
        logger.warning("CSAT for ticket %s not stored: %s", ticket, exc)
        return False
    return True


class ActionCsatAsk(Action):
    """An agent resolved the ticket: ask how satisfied the customer is (1-5, buttons)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_csat_ask"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Ask, and remember which ticket the answer belongs to."""
        ticket = entity(tracker, "handoff_id") or tracker.get_slot("handoff_id")
        dispatcher.utter_message(response="utter_csat_ask", handoff_id=ticket)
        return [
            SlotSet("handoff_id", ticket),
            SlotSet("escalation", None),
            SlotSet("kb_feedback_pending", False),
        ]


class ActionCsatRate(Action):
    """Store the rating (a button or a typed "4"), then offer an optional comment."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_csat_rate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Thank the customer and ask for a comment."""
        raw = entity(tracker, "csat_score")
        score = parse_rating(raw if raw is not None else tracker.latest_message.get("text") or "")
        if score is None:
            dispatcher.utter_message(response="utter_csat_ask")
            return []
        _store_rating(tracker, score, None)
        dispatcher.utter_message(response="utter_csat_comment", csat=score)
        return []


class ActionCsatComment(Action):
    """Store the free-text comment (or none, after "No comment") and say thanks."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_csat_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Save the comment and close the survey."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = tracker.latest_message.get("text") or ""
        if intent != "csat_skip" and text and not text.startswith("/"):
            _store_rating(tracker, None, text)
        dispatcher.utter_message(response="utter_csat_thanks")
        return []


class ActionHandoffBack(Action):
    """An agent gave the conversation back without closing it: the bot says it is back."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_handoff_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Say the bot is back and can help again."""
        dispatcher.utter_message(response="utter_handoff_back")
        return [SlotSet("escalation", None), SlotSet("kb_feedback_pending", False)]
