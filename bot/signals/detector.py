"""Scores one customer message for frustration and technical complexity, with its cues."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from bot.language import LANGUAGES
from bot.signals import patterns
from bot.signals.lexicon import Lexicon, Terms, load_lexicons
from bot.signals.watch import Watched
from bot.spacy_lang import lemmatize, pipeline

FRUSTRATION = "frustration"
TECHNICAL = "technical"
MITIGATION = "mitigation"
POSITIVE = "positive"

NEGATION_WINDOW = 3  # a negator up to this many words before an emotion word negates it
INTENSIFIER_WINDOW = 2
INTENSIFIER_BOOST = 0.15
DIMINISHER_FACTOR = 0.5  # "a little disappointed": half the weight
MITIGATION_FACTOR = 0.5  # polite phrasing halves frustration made only of mild cues ...
# ... and so does a pleased word ("love it!!!", "SO HAPPY") when punctuation or capitals
# are all there is
PLEASED_SOFTENS = frozenset({"punctuation", "shouting"})
STRONG_CUE = 0.45  # ... that is, of cues weaker than this (sarcasm often says "thanks")
REPEAT_FACTOR = 0.5  # a group's second and third distinct terms count at this share
MAX_PER_GROUP = 3
LONG_WORDS, LONGER_WORDS, LONG_SENTENCES = 60, 120, 3
STEPS, STEP_WORDS = 3, 25  # "Step 1: ... Step 2: ... Step 3: ..." in at least this many words
MAX_CHARS = 5000  # lexicon matching reads this much of a message; patterns read 4x more
NEGATABLE = frozenset({"anger", "negative_emotion", "insult"})
EMOTIONS = NEGATABLE | {POSITIVE}
# matched by their written form only: lookup lemmas map "goods" and "well" to "good"
EXACT_FORMS = frozenset({POSITIVE})
# a button's payload ("/affirm", '/faq{"kb_entry": "x"}'), not a path ("/v3/orders 503")
_BUTTON_PAYLOAD = re.compile(r"\s*/\w+(?:\{.*\})?\s*$", re.DOTALL)
_BREAKS = frozenset(".,;:!?()[]\"'«»„“”-–—\n")

Token = Tuple[str, str]  # (lower-cased form, lemma)


@dataclass(frozen=True)
class Cue:
    """One signal that fired: which score it raises, what it is called, why it fired."""

    kind: str  # frustration | technical | mitigation
    name: str
    label: str
    weight: float
    evidence: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cue:
        """Inverse of :meth:`to_dict`."""
        return cls(
            str(data.get("kind", "")),
            str(data.get("cue", "")),
            str(data.get("label", "")),
            float(data.get("weight") or 0.0),
            str(data.get("evidence", "")),
        )

    def to_dict(self) -> Dict[str, Any]:
        """JSON form, stored with the message."""
        return {
            "kind": self.kind,
            "cue": self.name,
            "label": self.label,
            "weight": round(self.weight, 3),
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Signals:
    """A message's scores (0-1) and the cues behind them."""

    frustration: float
    complexity: float
    cues: Tuple[Cue, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        """JSON form, stored with the message (``parse_data["signals"]``)."""
        return {
            "frustration": round(self.frustration, 3),
            "complexity": round(self.complexity, 3),
            "cues": [c.to_dict() for c in self.cues],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Signals:
        """Inverse of :meth:`to_dict`; anything malformed reads as neutral."""
        if not isinstance(data, Mapping):
            return NEUTRAL
        try:
            cues = tuple(Cue.from_dict(c) for c in data.get("cues") or () if isinstance(c, Mapping))
            return cls(
                float(data.get("frustration") or 0), float(data.get("complexity") or 0), cues
            )
        except (TypeError, ValueError):
            return NEUTRAL


NEUTRAL = Signals(0.0, 0.0)


def noisy_or(weights: Sequence[float]) -> float:
    """Combine independent pieces of evidence: 1 - prod(1 - w)."""
    rest = 1.0
    for w in weights:
        rest *= 1.0 - min(max(w, 0.0), 1.0)
    return 1.0 - rest


class _Index:
    """All of a lexicon's cue groups in one lookup: word -> groups, first two words -> phrases.

    Phrases are keyed by their first word (as written) and their second word, which
    a message may match by form or by lemma: each token is compared only with the
    few phrases that can start there, however long the lists grow.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.words: Dict[str, List[str]] = {}
        self.phrases: Dict[str, Dict[str, List[Tuple[Tuple[str, ...], str]]]] = {}
        self.prefixes: List[Tuple[str, str]] = []
        sources: List[Tuple[str, Terms]] = [
            (g.name, g.terms) for g in lexicon.frustration + lexicon.technical
        ]
        sources += [(POSITIVE, lexicon.positive), (MITIGATION, lexicon.mitigators)]
        for name, terms in sources:
            for word in terms.words:
                self.words.setdefault(word, []).append(name)
            for first, phrases in terms.phrases.items():
                by_second = self.phrases.setdefault(first, {})
                for phrase in phrases:
                    by_second.setdefault(phrase[1], []).append((phrase, name))
            self.prefixes.extend((p, name) for p in terms.prefixes)

    def matches_at(self, tokens: Sequence[Token], i: int) -> List[Tuple[int, str]]:
        """(length, group) of every term that matches at token ``i``."""
        lower, lemma = tokens[i]
        found: List[Tuple[int, str]] = []
        by_second = self.phrases.get(lower)
        if by_second and i + 1 < len(tokens):
            second = tokens[i + 1]
            candidates = by_second.get(second[0], [])
            if second[1] != second[0]:
                candidates = candidates + by_second.get(second[1], [])
            for phrase, name in candidates:
                end = i + len(phrase)
                if end <= len(tokens) and all(
                    tokens[i + k][0] == phrase[k] or tokens[i + k][1] == phrase[k]
                    for k in range(2, len(phrase))
                ):
                    found.append((len(phrase), name))
        for name in self.words.get(lower, ()):
            found.append((1, name))
        if lemma != lower:
            for name in self.words.get(lemma, ()):
                if name not in EXACT_FORMS:
                    found.append((1, name))
        for prefix, name in self.prefixes:
            if lower.startswith(prefix):
                found.append((1, name))
        return found


class Detector:
    """Lexicon and pattern rules over spaCy tokens and lookup lemmas; no model, no network."""

    def __init__(self, lexicons: Mapping[str, Lexicon]) -> None:
        self.lexicons = dict(lexicons)
        self._indexes = {lang: _Index(lex) for lang, lex in self.lexicons.items()}

    @classmethod
    def from_directory(cls, directory: Path) -> Detector:
        """Load ``<lang>.yml`` lexicons from ``directory`` (raises LexiconError)."""
        return cls(load_lexicons(directory, {lang: _tokenizer(lang) for lang in LANGUAGES}))

    def score(self, text: str, lang: Optional[str]) -> Signals:
        """Scores and cues of one message in ``lang`` (None: try every language)."""
        if not text or not text.strip() or _BUTTON_PAYLOAD.match(text):
            return NEUTRAL  # empty, or a button payload such as /affirm
        shared = _pattern_cues(text[: 4 * MAX_CHARS])
        if lang in self.lexicons:
            cues, softeners = self._language_cues(text, lang)
            return _combine(shared + cues, softeners)
        if not self.lexicons:  # none loaded: the patterns alone
            return _combine(shared, frozenset())
        results = []
        for other in self.lexicons:  # no language: the reading that finds most
            cues, softeners = self._language_cues(text, other)
            results.append(_combine(shared + cues, softeners))
        return max(results, key=lambda s: (max(s.frustration, s.complexity), len(s.cues)))

    def _language_cues(self, text: str, lang: str) -> Tuple[List[Cue], FrozenSet[str]]:
        """The lexicon's cues in ``text``, and which softeners (mitigator, pleased) matched."""
        lexicon, index = self.lexicons[lang], self._indexes[lang]
        tokens, clauses = _tokens(text[:MAX_CHARS], lang)
        cues: List[Cue] = []
        softeners = self._lexicon_cues(lexicon, index, tokens, clauses, cues)
        cues.extend(_waiting_cues(lexicon, tokens, clauses))
        return cues, softeners

    def _lexicon_cues(
        self,
        lexicon: Lexicon,
        index: _Index,
        tokens: List[Token],
        clauses: List[int],
        cues: List[Cue],
    ) -> FrozenSet[str]:
        """Append the lexicon's cues to ``cues``; return the softeners that matched.

        ``mitigation``: a polite phrase; ``positive``: a pleased word, not negated.
        """
        spans: List[Tuple[int, int, str]] = []
        for i in range(len(tokens)):
            for length, name in index.matches_at(tokens, i):
                spans.append((i, i + length, name))
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))  # longest first; they win overlaps
        taken = [False] * len(tokens)
        softeners = set()
        groups = {g.name: (FRUSTRATION, g) for g in lexicon.frustration}
        groups.update({g.name: (TECHNICAL, g) for g in lexicon.technical})
        negative = groups["negative_emotion"][1]
        for start, end, name in spans:
            if any(taken[start:end]):
                continue
            for k in range(start, end):
                taken[k] = True
            evidence = " ".join(t[0] for t in tokens[start:end])
            if name == MITIGATION:
                softeners.add(MITIGATION)
                continue
            # an emoji is not negated: "it is NOT here 😡"
            negated = any(c.isalpha() for c in evidence) and _preceded_by(
                lexicon.negators, tokens, clauses, start, NEGATION_WINDOW
            )
            factor, boost = 1.0, 0.0
            if name in EMOTIONS:
                if _preceded_by(lexicon.intensifiers, tokens, clauses, start, INTENSIFIER_WINDOW):
                    boost = INTENSIFIER_BOOST
                if _preceded_by(lexicon.diminishers, tokens, clauses, start, INTENSIFIER_WINDOW):
                    factor = DIMINISHER_FACTOR
            if name == POSITIVE:
                if negated:  # "not happy", "nicht zufrieden", "ikke tilfreds"
                    weight = min(1.0, factor * (negative.weight + boost))
                    cues.append(Cue(FRUSTRATION, negative.name, negative.label, weight, evidence))
                else:
                    softeners.add(POSITIVE)
                continue
            kind, group = groups[name]
            if negated and name in NEGATABLE:
                continue  # "not bad", "nicht schlecht", "ikke dårligt"
            weight = min(1.0, factor * (group.weight + boost))
            cues.append(Cue(kind, group.name, group.label, weight, evidence))
        return frozenset(softeners)


def _pattern_cues(text: str) -> List[Cue]:
    """The language-independent cues: shouting, "!!!", codes, traces, long descriptions."""
    cues = [
        Cue(FRUSTRATION, c.name, c.label, c.weight, c.evidence)
        for c in filter(None, (patterns.shouting(text), patterns.repeated_marks(text)))
    ]
    cues += [
        Cue(TECHNICAL, c.name, c.label, c.weight, c.evidence) for c in patterns.technical_cues(text)
    ]
    long_cue = _length_cue(text)
    return cues + [long_cue] if long_cue else cues


def _tokenizer(lang: str) -> Any:
    """``text -> [(lower, lemma)]`` with ``lang``'s spaCy rules (for compiling lexicons)."""

    def tokenize(text: str) -> List[Token]:
        return _tokens(text, lang)[0]

    return tokenize


def _tokens(text: str, lang: str) -> Tuple[List[Token], List[int]]:
    """Word tokens (lower, lemma) and, for each, the number of its clause."""
    tokenizer, table = pipeline(lang)
    tokens: List[Token] = []
    clauses: List[int] = []
    clause = 0
    for tok in tokenizer(text):
        raw = tok.text
        if tok.is_punct or tok.is_space or not raw.strip():
            if tok.is_space and "\n" not in raw:
                continue
            clause += 1
            continue
        # "OAuth-Token", "FAQ-Link", "lorte-app": match the parts as words
        parts = (
            raw.split("-") if "-" in raw.strip("-") and raw.replace("-", "").isalpha() else [raw]
        )
        for part in filter(None, parts):
            tokens.append((part.lower(), lemmatize(part, table)))
            clauses.append(clause)
    return tokens, clauses


def _preceded_by(
    terms: Terms, tokens: Sequence[Token], clauses: Sequence[int], start: int, window: int
) -> bool:
    """Whether a term of ``terms`` ends within ``window`` words before ``start``, same clause."""
    for j in range(max(0, start - window), start):
        if clauses[j] != clauses[start]:
            continue
        length = terms.match_at(tokens, j)
        if length and j + length <= start:
            return True
    return False


def _waiting_cues(lexicon: Lexicon, tokens: Sequence[Token], clauses: Sequence[int]) -> List[Cue]:
    """A duration ("three weeks", "seit drei Tagen", "i to uger") next to a waiting word."""
    group = lexicon.group("waiting")
    for i in range(len(tokens) - 1):
        lower = tokens[i][0]
        if not (lower.isdigit() or lexicon.quantities.match_at(tokens, i)):
            continue
        for j in (i + 1, i + 2):
            if j < len(tokens) and clauses[j] == clauses[i] and lexicon.units.match_at(tokens, j):
                lo, hi = max(0, i - 4), min(len(tokens), j + 5)
                if any(
                    clauses[k] == clauses[i] and lexicon.waiting_context.match_at(tokens, k)
                    for k in range(lo, hi)
                    if k not in (i, j)
                ):
                    evidence = " ".join(t[0] for t in tokens[i : j + 1])
                    return [Cue(FRUSTRATION, group.name, group.label, group.weight, evidence)]
    return []


def _length_cue(text: str) -> Optional[Cue]:
    """A long, multi-sentence problem description, or one in numbered steps."""
    words = patterns.word_count(text)
    steps = patterns.numbered_steps(text) if words >= STEP_WORDS else 0
    if steps >= STEPS:
        return Cue(
            TECHNICAL,
            "long_description",
            "long multi-step description",
            0.45,
            f"{steps} numbered steps",
        )
    if words < LONG_WORDS or patterns.sentence_count(text) < LONG_SENTENCES:
        return None
    weight = 0.45 if words >= LONGER_WORDS else 0.3
    return Cue(
        TECHNICAL, "long_description", "long multi-step description", weight, f"{words} words"
    )


def _combine(cues: List[Cue], softeners: FrozenSet[str]) -> Signals:
    """Scores from cues: noisy-OR; within a group the 2nd and 3rd term count less.

    A polite phrase halves frustration made only of mild cues; a pleased word halves
    frustration made only of punctuation and capitals ("love it!!!").
    """
    by_kind: Dict[str, List[float]] = {FRUSTRATION: [], TECHNICAL: []}
    seen: Dict[Tuple[str, str], int] = {}
    kept: List[Cue] = []
    for cue in sorted(cues, key=lambda c: -c.weight):
        key = (cue.kind, cue.name)
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count >= MAX_PER_GROUP:
            continue
        by_kind[cue.kind].append(cue.weight * (1.0 if count == 0 else REPEAT_FACTOR))
        kept.append(cue)
    frustration = noisy_or(by_kind[FRUSTRATION])
    if frustration > 0:
        polite = MITIGATION in softeners and max(by_kind[FRUSTRATION]) < STRONG_CUE
        only_marks = {c.name for c in kept if c.kind == FRUSTRATION} <= PLEASED_SOFTENS
        pleased = POSITIVE in softeners and only_marks
        if polite or pleased:
            frustration *= MITIGATION_FACTOR
            label = "polite phrasing (softens)" if polite else "pleased wording (softens)"
            kept.append(Cue(MITIGATION, MITIGATION, label, MITIGATION_FACTOR, ""))
    # rounded, so that 0.35 + 0.05 reaches a 0.4 threshold (float sums land just under)
    return Signals(round(frustration, 6), round(noisy_or(by_kind[TECHNICAL]), 6), tuple(kept))


def watched_detector(directory: Path) -> Watched[Detector]:
    """The lexicons of ``directory``, re-read on edits; a broken edit keeps the last good one.

    If they cannot be read at start, the language-independent patterns still work.
    """
    return Watched(
        lambda: [directory / f"{lang}.yml" for lang in LANGUAGES],
        lambda: Detector.from_directory(directory),
        fallback=lambda: Detector({}),  # patterns only, until the lexicons are fixed
    )
