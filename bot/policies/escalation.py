"""Rasa policy: hand a conversation over when frustration or complexity crosses a threshold."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import Settings
from bot.signals.conversation import (
    NOT_UNDERSTOOD_REASON,
    SECURITY_INTENTS,
    SECURITY_REASON,
    SYSTEM_INTENTS,
    EscalationConfig,
    assess,
    escalated_reasons,
    turns_from_events,
    watched_config,
)
from bot.signals.watch import Watched
from handoff.packet import NOT_UNDERSTOOD_LIMIT, not_understood_in_a_row

ACTION_ESCALATE = "action_escalate"
SIGNALS_SLOT = "signals"  # the conversation's scores after each customer message
ESCALATION_SLOT = "escalation"  # the decision the escalation action acts on
# How sure the NLU must be that a message reports a security problem.
SECURITY_CONFIDENCE = 0.5
OUT_OF_SCOPE = "out_of_scope"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    """After each customer message, scores the conversation and may predict ``action_escalate``.

    A message the NLU reads as a security report (``security_account``,
    ``security_payment``) is handed over at once with priority urgent. Otherwise
    it looks at the customer's recent messages (their ``signals`` from the NLU's
    ``SignalDetector``) and at conversation-level cues: rising frustration, a
    repeated question, two fallbacks in a row, "that didn't help" after an answer.
    Every turn it stores the scores in the ``signals`` slot; when a threshold of
    ``escalation/policy.yml`` is crossed it sets ``escalation`` (reason, priority,
    team, scores, cues) and predicts ``action_escalate``, outranking the rules.
    It escalates once per reason, per session or since a person handed back.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Priority above RulePolicy, so an escalation beats a cheerful FAQ answer."""
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY + 1, "config_file": None}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._config: Optional[Watched[EscalationConfig]] = None

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn: thresholds are read from the config file at run time."""
        return self._resource

    def escalation_config(self) -> EscalationConfig:
        """escalation/policy.yml as it is now."""
        if self._config is None:
            configured = self.config.get("config_file")
            path = (
                Path(configured)
                if configured
                else Settings.from_env().escalation_dir / "policy.yml"
            )
            self._config = watched_config(path)
        return self._config.get()

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Predict ``action_escalate`` right after a message that crosses a threshold."""
        probabilities = self._default_predictions(domain)
        if tracker.latest_action_name == ACTION_ESCALATE:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        if not _awaits_first_action(tracker):
            return self._prediction(probabilities)
        intent = tracker.latest_message.intent if tracker.latest_message else {}
        if intent.get("name") in SYSTEM_INTENTS:
            return self._prediction(probabilities)
        events = [e.as_dict() for e in tracker.events]
        assessment = assess(turns_from_events(events), self.escalation_config())
        scores = [SlotSet(SIGNALS_SLOT, assessment.to_dict())]
        chosen = assessment.to_dict()
        team = SECURITY_INTENTS.get(intent.get("name") or "")
        if team is not None and float(intent.get("confidence") or 0.0) >= SECURITY_CONFIDENCE:
            # A security report beats every other reason, and never gets an FAQ answer first.
            chosen.update(reason=SECURITY_REASON, priority="urgent", team=team)
        elif (
            chosen["reason"] is None
            and intent.get("name") == OUT_OF_SCOPE
            and not_understood_in_a_row(events) >= NOT_UNDERSTOOD_LIMIT - 1
        ):
            # A third message in a row the bot cannot help with. (A third one the
            # knowledge base cannot answer is handed over by action_answer_question.)
            chosen.update(reason=NOT_UNDERSTOOD_REASON, priority="normal", team="general")
        if chosen["reason"] is None or chosen["reason"] in escalated_reasons(events):
            return self._prediction(probabilities, events=scores)
        probabilities[domain.index_for_action(ACTION_ESCALATE)] = 1.0
        decision = [SlotSet(ESCALATION_SLOT, chosen)]
        return self._prediction(probabilities, events=scores, optional_events=decision)


def _awaits_first_action(tracker: DialogueStateTracker) -> bool:
    """Whether the latest customer message has had no bot action yet."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return False
    return False
