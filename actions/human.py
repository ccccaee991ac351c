"""A customer asks for a person: how to reach the support team."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import knowledge_base, language

CONTACT_ENTRY = "contact-hours"


def send_contact_details(dispatcher: CollectingDispatcher, lang: str) -> None:
    """How to reach the support team: the intro and the contact-hours entry."""
    dispatcher.utter_message(response="utter_human_contact")
    entry = knowledge_base().get(CONTACT_ENTRY)
    if entry is not None:
        dispatcher.utter_message(
            text=entry.article(lang).answer, kb_article=entry.id, language=lang
        )


class ActionRequestHuman(Action):
    """Tell the customer how to reach a person (the support team's channels and hours).

    The agent queue (handoff/) is not built yet; until it is, a request for a person
    gets the support team's contact details from the knowledge base.
    """

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Send the contact details in the conversation's language."""
        send_contact_details(dispatcher, language(tracker))
        return [SlotSet("kb_feedback_pending", False)]
