"""Answering from the knowledge base: answer, clarify or say so; and "did it help?"."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    answered_articles,
    entity,
    entry_button,
    knowledge_base,
    language,
    person_button,
)
from actions.handoff import start_handoff
from bot.kb.entries import Entry
from handoff.packet import NOT_UNDERSTOOD_LIMIT, not_understood_in_a_row

# Entries that start the guided password-reset flow instead of a plain "did it help?".
PASSWORD_RESET = "password-reset"
UNKNOWN = "utter_kb_unknown"


def send_entry(dispatcher: CollectingDispatcher, entry: Entry, lang: str) -> List[EventType]:
    """Answer with one entry, then ask whether it helped (or run the reset check)."""
    article = entry.article(lang)
    dispatcher.utter_message(
        text=f"{article.title}\n\n{article.answer}", kb_article=entry.id, language=lang
    )
    if entry.id == PASSWORD_RESET:
        dispatcher.utter_message(response="utter_pw_reset_check", kb_article=entry.id)
    else:
        dispatcher.utter_message(response="utter_kb_did_it_help", kb_article=entry.id)
    return [SlotSet("kb_article", entry.id), SlotSet("kb_feedback_pending", True)]


def offer_alternatives(
    dispatcher: CollectingDispatcher, response: str, entries: List[Entry], lang: str
) -> None:
    """A message with buttons for other entries and for a person."""
    buttons = [entry_button(e.id, e.article(lang).title) for e in entries[:3]]
    dispatcher.utter_message(response=response, buttons=[*buttons, person_button(lang)])


class ActionAnswerQuestion(Action):
    """Look the customer's question up in the knowledge base and act on the match."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Answer, ask which entry is meant, or say the bot does not know."""
        kb = knowledge_base()
        lang = language(tracker)
        asked = entity(tracker, "kb_entry")
        if asked:
            entry = kb.get(asked)
            if entry is not None:
                return send_entry(dispatcher, entry, lang)
        text = tracker.latest_message.get("text") or ""
        decision = kb.decide(text, lang)
        previous = answered_articles(tracker)
        if decision.kind == "answer" and previous and decision.entry_id == previous[-1]:
            # The same answer again would not help: offer the next-closest entries instead.
            hits = kb.search(text, lang, limit=4)
            others = [kb.get(h.entry_id) for h in hits if h.entry_id != previous[-1]]
            related = kb.related(previous[-1])
            offer_alternatives(
                dispatcher,
                "utter_kb_repeat",
                _unique([e for e in others if e is not None] + related),
                lang,
            )
            return [SlotSet("kb_feedback_pending", False)]
        if decision.kind == "answer" and decision.entry_id:
            entry = kb.get(decision.entry_id)
            if entry is not None:
                return send_entry(dispatcher, entry, lang)
        if decision.kind == "clarify":
            entries = [e for e in (kb.get(h.entry_id) for h in decision.hits) if e is not None]
            buttons = [entry_button(e.id, e.article(lang).title) for e in entries]
            dispatcher.utter_message(response="utter_kb_clarify", buttons=buttons)
            return [SlotSet("kb_feedback_pending", False)]
        if not_understood_in_a_row(tracker.events) >= NOT_UNDERSTOOD_LIMIT - 1:
            # the third message in a row the bot cannot help with
            return start_handoff(dispatcher, tracker, "not_understood")
        dispatcher.utter_message(response=UNKNOWN)
        return [SlotSet("kb_feedback_pending", False)]


class ActionKbFeedback(Action):
    """Handle yes/no after "did this answer your question?"."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_kb_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        """Yes: glad. No: offer the related entries and a person."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "affirm":
            dispatcher.utter_message(response="utter_kb_glad")
        else:
            lang = language(tracker)
            article = tracker.get_slot("kb_article")
            related = knowledge_base().related(article) if article else []
            offer_alternatives(dispatcher, "utter_kb_related", related, lang)
        return [SlotSet("kb_feedback_pending", False)]


def _unique(entries: List[Entry]) -> List[Entry]:
    seen = set()
    out = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            out.append(entry)
    return out
