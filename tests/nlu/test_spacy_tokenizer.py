"""Lookup lemmas per language (bot/nlu/spacy_tokenizer.py)."""

from __future__ import annotations

import pytest

from bot.spacy_lang import lemmatize
from bot.spacy_lang import pipeline as _pipeline


@pytest.mark.parametrize(
    "lang,word,lemma",
    [
        ("en", "passwords", "password"),
        ("en", "forgot", "forget"),
        ("de", "Konten", "konto"),
        ("de", "gesperrt", "sperren"),
        ("da", "adgangskoder", "adgangskode"),
        ("da", "glemt", "glemme"),
        ("da", "kontoen", "konto"),
    ],
)
def test_lemmas_come_from_the_lookup_tables(lang: str, word: str, lemma: str) -> None:
    _, table = _pipeline(lang)
    assert lemmatize(word, table) == lemma


def test_unknown_words_are_lower_cased() -> None:
    _, table = _pipeline("de")
    assert lemmatize("Xyzzyplonk", table) == "xyzzyplonk"
