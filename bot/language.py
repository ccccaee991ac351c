"""Offline language identification among English, German and Danish."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

LANGUAGES: Sequence[str] = ("en", "de", "da")
DEFAULT_LANGUAGE = "en"

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

# Words that say nothing about the language: acknowledgements and interjections
# that customers type in all three languages, and our own product names.
NEUTRAL_WORDS = frozenset(
    """
    ok okay okey oki okidoki k kk lol haha hahaha hehe hihi hm hmm hmmm xd
    cool super top wow ah aha oh ohh uh ups oops mmh yay
    alpha plus app email mail e login pdf url www http https com
    """.split()
)

# A word seen this often in a language's training data is a word of that language.
ATTESTED = 2

# Letters that occur in only one of the three languages.
_MARKER_LETTERS: Mapping[str, str] = {
    "æ": "da",
    "ø": "da",
    "å": "da",
    "ä": "de",
    "ö": "de",
    "ü": "de",
    "ß": "de",
}


def words(text: str) -> List[str]:
    """Lower-cased words of the text, without digits, punctuation and emoji."""
    text = unicodedata.normalize("NFC", text).lower()
    return [w.replace("’", "'") for w in _WORD_RE.findall(text)]


def content_words(text: str) -> List[str]:
    """The words of the text that carry a language (``words`` without ``NEUTRAL_WORDS``)."""
    return [w for w in words(text) if w not in NEUTRAL_WORDS]


def _char_ngrams(word: str, sizes: Iterable[int]) -> Iterable[str]:
    padded = f" {word} "
    for n in sizes:
        for i in range(len(padded) - n + 1):
            yield padded[i : i + n]


@dataclass
class LanguageIdentifier:
    """A naive Bayes model over whole words and character n-grams.

    Trained on the project's own multilingual texts (the NLU examples) plus the
    stop-word lists spaCy ships, so it knows the words customers of this shop
    actually use. Short messages are the hard case: the model returns a
    probability per language, and ``detect`` keeps the conversation's current
    language unless another one is clearly more likely.
    """

    word_counts: Dict[str, Dict[str, int]] = field(default_factory=dict)
    gram_counts: Dict[str, Dict[str, int]] = field(default_factory=dict)
    ngram_sizes: Sequence[int] = (1, 2, 3, 4)
    word_weight: float = 2.0
    # Naive Bayes is over-confident; scores are divided by this before the
    # softmax so that the probabilities mean something on short messages.
    temperature: float = 2.5
    # The conversation keeps its language while that language still has at
    # least this probability: a short "ja" in a German chat stays German.
    keep_threshold: float = 0.2
    # Below this top probability a message without a previous language is
    # treated as undecided (neutral).
    min_confidence: float = 0.45

    def __post_init__(self) -> None:
        self._prepare()

    # ----------------------------------------------------------------- training
    @classmethod
    def train(
        cls,
        texts: Mapping[str, Iterable[str]],
        stop_words: Optional[Mapping[str, Iterable[str]]] = None,
        **options: Any,
    ) -> LanguageIdentifier:
        """Build the model from texts per language (and optional stop words)."""
        word_counts: Dict[str, Counter] = {lang: Counter() for lang in LANGUAGES}
        gram_counts: Dict[str, Counter] = {lang: Counter() for lang in LANGUAGES}
        sizes = options.get("ngram_sizes", (1, 2, 3, 4))
        for lang, items in texts.items():
            if lang not in word_counts:
                raise ValueError(f"unsupported language {lang!r}")
            for text in items:
                for w in words(text):
                    if w in NEUTRAL_WORDS:
                        continue
                    word_counts[lang][w] += 1
                    gram_counts[lang].update(_char_ngrams(w, sizes))
        for lang, items in (stop_words or {}).items():
            for w in items:
                w = w.lower()
                if w in NEUTRAL_WORDS:
                    continue
                word_counts[lang][w] += 2
                gram_counts[lang].update(_char_ngrams(w, sizes))
        return cls(
            word_counts={k: dict(v) for k, v in word_counts.items()},
            gram_counts={k: dict(v) for k, v in gram_counts.items()},
            **options,
        )

    @classmethod
    def with_spacy_stop_words(
        cls, texts: Mapping[str, Iterable[str]], **options: Any
    ) -> LanguageIdentifier:
        """Train on ``texts`` plus spaCy's stop-word lists for en, de and da."""
        from spacy.lang.da.stop_words import STOP_WORDS as DA
        from spacy.lang.de.stop_words import STOP_WORDS as DE
        from spacy.lang.en.stop_words import STOP_WORDS as EN

        return cls.train(texts, {"en": EN, "de": DE, "da": DA}, **options)

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-serialisable form of the model."""
        return {
            "word_counts": self.word_counts,
            "gram_counts": self.gram_counts,
            "ngram_sizes": list(self.ngram_sizes),
            "word_weight": self.word_weight,
            "temperature": self.temperature,
            "keep_threshold": self.keep_threshold,
            "min_confidence": self.min_confidence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LanguageIdentifier:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**data, "ngram_sizes": tuple(data["ngram_sizes"])})

    def _prepare(self) -> None:
        self._word_total = {
            lang: sum(self.word_counts.get(lang, {}).values()) for lang in LANGUAGES
        }
        self._gram_total = {
            lang: sum(self.gram_counts.get(lang, {}).values()) for lang in LANGUAGES
        }
        vocab: set = set()
        grams: set = set()
        for lang in LANGUAGES:
            vocab.update(self.word_counts.get(lang, {}))
            grams.update(self.gram_counts.get(lang, {}))
        self._vocab_size = len(vocab) + 1
        self._gram_vocab_size = len(grams) + 1

    # ---------------------------------------------------------------- inference
    def _word_logp(self, word: str, lang: str) -> float:
        count = self.word_counts.get(lang, {}).get(word, 0)
        return math.log((count + 0.1) / (self._word_total[lang] + 0.1 * self._vocab_size))

    def _gram_logp(self, word: str, lang: str) -> float:
        grams = list(_char_ngrams(word, self.ngram_sizes))
        counts = self.gram_counts.get(lang, {})
        total = self._gram_total[lang] + self._gram_vocab_size
        return sum(math.log((counts.get(g, 0) + 1) / total) for g in grams) / max(len(grams), 1)

    def probabilities(self, text: str) -> Optional[Dict[str, float]]:
        """Probability per language, or None when the text carries no language."""
        tokens = content_words(text)
        if not tokens:
            return None
        scores = {lang: 0.0 for lang in LANGUAGES}
        for w in tokens:
            known = any(w in self.word_counts.get(lang, {}) for lang in LANGUAGES)
            for lang in LANGUAGES:
                s = 4.0 * self._gram_logp(w, lang)
                if known:
                    s += self.word_weight * self._word_logp(w, lang)
                scores[lang] += s
        for ch, lang in _MARKER_LETTERS.items():
            if ch in text.lower():
                scores[lang] += 3.0
        top = max(scores.values())
        exp = {lang: math.exp((s - top) / self.temperature) for lang, s in scores.items()}
        z = sum(exp.values())
        return {lang: v / z for lang, v in exp.items()}

    def attested(self, text: str, lang: str) -> bool:
        """Whether every word of ``text`` occurs in ``lang``'s training data (twice or more).

        Such a message is plausible in ``lang`` however much likelier another language
        is: "hallo" is far more common in German, and still Danish in a Danish chat.
        """
        counts = self.word_counts.get(lang, {})
        tokens = content_words(text)
        return bool(tokens) and all(counts.get(w, 0) >= ATTESTED for w in tokens)

    def detect(self, text: str, previous: Optional[str] = None) -> Optional[str]:
        """The message's language, or None when it is language-neutral.

        With ``previous`` (the conversation's language) a message that is still
        plausible in that language keeps it (its probability there is at least
        ``keep_threshold``, or all its words are ``attested`` there); a clear switch
        is followed.
        """
        probs = self.probabilities(text)
        if probs is None:
            return None
        if previous in probs and (
            probs[previous] >= self.keep_threshold or self.attested(text, previous)
        ):
            return previous
        best = max(probs, key=probs.__getitem__)
        if probs[best] < self.min_confidence:
            return None
        return best


def hinted(parse_data: Optional[Mapping[str, Any]], metadata: Any) -> Mapping[str, Any]:
    """A message's parse result whose missing language is the gateway's ``language_hint``.

    Button payloads ("/affirm", "/greet") skip the NLU pipeline and neutral texts
    ("ok") have no language; the hint is the conversation's language, or for a
    new conversation the customer's client language (Telegram, Slack locale).
    """
    parsed = dict(parse_data or {})
    hint = metadata.get("language_hint") if isinstance(metadata, Mapping) else None
    if parsed.get("language") not in LANGUAGES and hint in LANGUAGES:
        parsed["language"] = hint
    return parsed


def conversation_language(
    parsed_messages: Iterable[Mapping[str, Any]], default: str = DEFAULT_LANGUAGE
) -> str:
    """The language of the most recent message that had one.

    ``parsed_messages`` are the NLU parse results of the customer's messages,
    oldest first (``language`` is set by the NLU pipeline; None means neutral).
    """
    language = default
    for parsed in parsed_messages:
        value = parsed.get("language") if parsed else None
        if value in LANGUAGES:
            language = str(value)
    return language
