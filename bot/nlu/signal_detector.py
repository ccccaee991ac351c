"""Rasa NLU component that scores every message for frustration and technical complexity."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import Settings
from bot.nlu.language_identifier import LANGUAGE
from bot.signals.detector import Detector, watched_detector
from bot.signals.watch import Watched

SIGNALS = "signals"
log = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SignalDetector(GraphComponent):
    """Sets ``signals`` (frustration, complexity, cues) on every message's parse data.

    The lexicons are read from ``<lexicons>`` (default: ``$SUPPORTBOT_ESCALATION_DIR/
    lexicons``) when the model loads, and again whenever a file changes, so support
    leads' edits need no retraining. Must run after ``LanguageIdentifier``.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The component's default config."""
        return {"lexicons": None}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        self._detector: Optional[Watched[Detector]] = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SignalDetector:
        """Creates the component (lexicons load on first use)."""
        return cls(config)

    @property
    def lexicon_dir(self) -> Path:
        """Where the lexicons are read from."""
        configured = self._config.get("lexicons")
        if configured:
            return Path(configured)
        return Settings.from_env().escalation_dir / "lexicons"

    def detector(self) -> Detector:
        """The current detector (loaded on first call, reloaded on edits)."""
        if self._detector is None:
            self._detector = watched_detector(self.lexicon_dir)
        return self._detector.get()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples need no scores."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Score each message in its detected language."""
        detector = self.detector()
        for message in messages:
            signals = detector.score(message.get(TEXT) or "", message.get(LANGUAGE))
            message.set(SIGNALS, signals.to_dict(), add_to_output=True)
        return messages
