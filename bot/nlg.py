"""Response generation in the conversation's language (en, de, da)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.language import conversation_language, hinted
from bot.runtime import speedups

LANGUAGE_SLOT = "language"


def tracker_language(tracker: DialogueStateTracker) -> str:
    """The conversation's language from the NLU results of the customer's messages."""
    parsed = (
        hinted(e.parse_data, e.metadata) for e in tracker.events if isinstance(e, UserUttered)
    )
    return conversation_language(parsed)


class MultilingualNLG(TemplatedNaturalLanguageGenerator):
    """Picks the response variation whose ``condition`` matches the language.

    Responses in ``domain.yml`` have one variation per language, conditioned
    on ``language``. The language is taken from the conversation (the latest
    customer message that had one), and every generated message carries it
    as ``metadata.language``.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig], domain: Domain) -> None:
        super().__init__(domain.responses)
        speedups.install()  # Rasa's process builds its NLG once, at model load

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        """Generate ``utter_action`` in the conversation's language."""
        language = tracker_language(tracker)
        slots = {**tracker.current_slot_values(), LANGUAGE_SLOT: language}
        message = self.generate_from_slots(utter_action, slots, output_channel, **kwargs)
        if message is not None:
            metadata = message.get("metadata")
            message["metadata"] = {
                **(metadata if isinstance(metadata, dict) else {}),
                LANGUAGE_SLOT: language,
            }
        return message
