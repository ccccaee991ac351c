"""How to reach the support team directly (when the handoff queue cannot be used)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.common import knowledge_base

CONTACT_ENTRY = "contact-hours"


def send_contact_details(dispatcher: CollectingDispatcher, lang: str) -> None:
    """How to reach the support team: the intro and the contact-hours entry."""
    dispatcher.utter_message(response="utter_human_contact")
    entry = knowledge_base().get(CONTACT_ENTRY)
    if entry is not None:
        dispatcher.utter_message(
            text=entry.article(lang).answer, kb_article=entry.id, language=lang
        )
