"""Rasa NLU component that tags each message with its language (en, de or da)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import LANGUAGES
from bot.language import LanguageIdentifier as Model

LANGUAGE = "language"
_MODEL_FILE = "language_model.json"


def example_language(message: Message) -> Optional[str]:
    """The language a training example is labelled with (intent metadata)."""
    metadata = message.get("metadata") or {}
    for scope in ("example", "intent"):
        value = (metadata.get(scope) or {}).get(LANGUAGE)
        if value in LANGUAGES:
            return str(value)
    return None


def runtime_hint(message: Message) -> Optional[str]:
    """The conversation's language as passed by the gateway in message metadata."""
    metadata = message.get("metadata") or {}
    value = metadata.get("language_hint") if isinstance(metadata, dict) else None
    return str(value) if value in LANGUAGES else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LanguageIdentifier(GraphComponent):
    """Sets ``language`` on every message: ``en``, ``de``, ``da``, or None if neutral.

    Training examples carry their language in intent metadata; the model is a
    small naive Bayes over words and character n-grams (see ``bot.language``).
    At run time the gateway passes the conversation's current language as
    ``metadata.language_hint``, so an ambiguous message keeps it.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The component's default config."""
        return {"temperature": 2.5, "keep_threshold": 0.2, "min_confidence": 0.45}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Model] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageIdentifier:
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Train the language model on the language-labelled NLU examples."""
        texts: Dict[str, List[str]] = {lang: [] for lang in LANGUAGES}
        for example in training_data.training_examples:
            lang = example_language(example)
            if lang and example.get(TEXT):
                texts[lang].append(example.get(TEXT))
        self.model = Model.with_spacy_stop_words(
            texts,
            temperature=self._config["temperature"],
            keep_threshold=self._config["keep_threshold"],
            min_confidence=self._config["min_confidence"],
        )
        with self._storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_text(json.dumps(self.model.to_dict()), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageIdentifier:
        """Loads the trained model."""
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / _MODEL_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, Model.from_dict(data))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Label each training example with its language for later components."""
        for example in training_data.training_examples:
            lang = example_language(example)
            if lang is None and self.model is not None and example.get(TEXT):
                lang = self.model.detect(example.get(TEXT))
            example.set(LANGUAGE, lang)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Detect each message's language."""
        for message in messages:
            text = message.get(TEXT) or ""
            hint = runtime_hint(message)
            lang = self.model.detect(text, previous=hint) if self.model is not None else None
            # a language-neutral message ("ok", "42", an emoji) keeps the conversation's
            message.set(LANGUAGE, lang or hint, add_to_output=True)
        return messages
