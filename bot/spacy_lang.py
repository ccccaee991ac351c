"""Blank spaCy tokenizers and lookup lemmas per language (no Rasa import, no downloads)."""

from __future__ import annotations

import functools
from typing import Any, Tuple


@functools.cache
def pipeline(lang: str) -> Tuple[Any, Any]:
    """A blank spaCy tokenizer and the lemma lookup table from spacy-lookups-data."""
    import spacy
    from spacy.lookups import load_lookups

    nlp = spacy.blank(lang)
    # A spaCy Table: keys are hashed, so look strings up with .get(), never copy to a dict.
    table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    return nlp.tokenizer, table


def lemmatize(word: str, table: Any) -> str:
    """Lower-cased lemma of a word; German nouns are looked up capitalised too."""
    lower = word.lower()
    for key in (word, lower, lower.capitalize()):
        lemma = table.get(key)
        if lemma:
            return lemma.lower()
    return lower
