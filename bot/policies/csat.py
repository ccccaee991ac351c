"""Rasa policy: after the satisfaction question, a typed rating and a comment are answers."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from handoff.csat import parse_rating

ASK = "action_csat_ask"
RATE = "action_csat_rate"
COMMENT = "action_csat_comment"
# A message with one of these intents, this sure, is a new request, not a comment.
NEW_REQUEST_INTENTS = frozenset(
    {"faq", "request_human", "security_account", "security_payment", "greet"}
)
NEW_REQUEST_CONFIDENCE = 0.7


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class CsatPolicy(Policy):
    """Keeps the short satisfaction survey after a person resolved the conversation.

    Right after ``action_csat_ask`` a message that reads as a rating ("4",
    "vier", "★★★★★") goes to ``action_csat_rate``; right after that, the next
    message is the optional comment (``action_csat_comment``) unless it is
    clearly a new request, which the rules then answer as usual. Buttons
    (``/csat_rate``, ``/csat_skip``) are handled by the rules. It ranks above
    the escalation policy, so an annoyed comment is recorded, not escalated.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Priority above EscalationPolicy."""
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY + 2}

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Predict the survey's next step right after the customer answered it."""
        probabilities = self._default_predictions(domain)
        previous = _bot_action_before_latest_message(tracker)
        message = tracker.latest_message
        if previous is None or message is None:
            return self._prediction(probabilities)
        intent = message.intent or {}
        if intent.get("name") in ("csat_rate", "csat_skip"):
            return self._prediction(probabilities)  # a button: the rules handle it
        chosen = None
        if previous == ASK and parse_rating(message.text or "") is not None:
            chosen = RATE
        elif previous == RATE and not (
            intent.get("name") in NEW_REQUEST_INTENTS
            and float(intent.get("confidence") or 0.0) >= NEW_REQUEST_CONFIDENCE
        ):
            chosen = COMMENT
        if chosen is not None:
            probabilities[domain.index_for_action(chosen)] = 1.0
        return self._prediction(probabilities)


def _bot_action_before_latest_message(tracker: DialogueStateTracker) -> Optional[str]:
    """The bot's last action before the latest customer message, if that message awaits one."""
    seen_message = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_message:
                return None
            seen_message = True
        elif isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name if seen_message else None
    return None
