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
    EscalationConfig,
    assess,
    escalated_reasons,
    turns_from_events,
    watched_config,
)
from bot.signals.watch import Watched

ACTION_ESCALATE = "action_escalate"
SIGNALS_SLOT = "signals"  # the conversation's scores after each customer message
ESCALATION_SLOT = "escalation"  # the decision the escalation action acts on


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    """After each customer message, scores the conversation and may predict ``action_escalate``.

    It looks at the customer's recent messages (their ``signals`` from the NLU's
    ``SignalDetector``) and at conversation-level cues: rising frustration, a
    repeated question, two fallbacks in a row, "that didn't help" after an answer.
    Every turn it stores the scores in the ``signals`` slot; when a threshold of
    ``escalation/policy.yml`` is crossed it sets ``escalation`` (reason, priority,
    team, scores, cues) and predicts ``action_escalate``, outranking the rules.
    It escalates once per reason and session.
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
        events = [e.as_dict() for e in tracker.events]
        assessment = assess(turns_from_events(events), self.escalation_config())
        scores = [SlotSet(SIGNALS_SLOT, assessment.to_dict())]
        if assessment.reason is None or assessment.reason in escalated_reasons(events):
            return self._prediction(probabilities, events=scores)
        probabilities[domain.index_for_action(ACTION_ESCALATE)] = 1.0
        decision = [SlotSet(ESCALATION_SLOT, assessment.to_dict())]
        return self._prediction(probabilities, events=scores, optional_events=decision)


def _awaits_first_action(tracker: DialogueStateTracker) -> bool:
    """Whether the latest customer message has had no bot action yet."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return False
    return False
