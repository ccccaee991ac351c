"""Rasa tokenizer on blank spaCy pipelines, one per language, with lookup lemmas."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.language import DEFAULT_LANGUAGE, LANGUAGES
from bot.nlu.language_identifier import LANGUAGE
from bot.spacy_lang import lemmatize
from bot.spacy_lang import pipeline as _pipeline


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class SpacyLemmaTokenizer(Tokenizer):
    """Tokenizes with the message language's spaCy rules and sets lookup lemmas.

    The language comes from ``LanguageIdentifier`` (which must run first); a
    neutral message is tokenized with the default language's rules.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The component's default config."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyLemmaTokenizer:
        """Creates the tokenizer and loads the three spaCy pipelines."""
        for lang in LANGUAGES:
            _pipeline(lang)
        return cls({**cls.get_default_config(), **config})

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        """Tokens of ``attribute`` with lemmas for the message's language."""
        text = message.get(attribute) or ""
        lang: Optional[str] = message.get(LANGUAGE)
        tokenizer, table = _pipeline(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
        tokens = []
        for tok in tokenizer(text):
            if tok.is_punct or tok.is_space or not tok.text.strip():
                continue
            tokens.append(Token(tok.text, tok.idx, lemma=lemmatize(tok.text, table)))
        return self._apply_token_pattern(tokens)
