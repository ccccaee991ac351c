"""Per-language lexicons (escalation/lexicons/<lang>.yml), compiled for fast matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Sequence, Tuple

import yaml

from bot.language import LANGUAGES

# cue groups a lexicon must define, by score they raise
FRUSTRATION_GROUPS = (
    "profanity",
    "insult",
    "anger",
    "negative_emotion",
    "threat",
    "waiting",
    "repeated_contact",
    "recurrence",
    "not_helpful",
    "sarcasm",
    "resignation",
    "disbelief",
)
TECHNICAL_GROUPS = ("developer_terms", "already_tried", "standard_steps", "technical_symptoms")
WORD_LISTS = ("positive", "negators", "intensifiers", "diminishers", "mitigators")

Tokenize = Callable[[str], List[Tuple[str, str]]]  # text -> [(lower, lemma)]


class LexiconError(ValueError):
    """A lexicon file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Terms:
    """A compiled term list: single words (forms and lemmas), prefixes and phrases."""

    words: FrozenSet[str] = frozenset()
    prefixes: Tuple[str, ...] = ()
    # first token -> phrases (as token tuples) starting with it, longest first
    phrases: Mapping[str, Tuple[Tuple[str, ...], ...]] = field(default_factory=dict)

    @classmethod
    def compile(cls, raw: Sequence[Any], tokenize: Tokenize) -> Terms:
        """Compile a list of terms as written in the file."""
        words: set = set()
        prefixes: List[str] = []
        phrases: Dict[str, List[Tuple[str, ...]]] = {}
        for item in raw:
            term = str(item).strip()
            if not term:
                continue
            if term.endswith("*") and " " not in term:
                prefixes.append(term[:-1].lower())
                continue
            tokens = tokenize(term)
            if len(tokens) == 1:
                # the form as written; a message's words match it by form or by lemma
                words.add(tokens[0][0])
            elif tokens:
                key = tuple(lower for lower, _ in tokens)
                phrases.setdefault(key[0], []).append(key)
        return cls(
            words=frozenset(words),
            prefixes=tuple(sorted(set(prefixes), key=len, reverse=True)),
            phrases={k: tuple(sorted(set(v), key=len, reverse=True)) for k, v in phrases.items()},
        )

    def match_at(self, tokens: Sequence[Tuple[str, str]], i: int) -> int:
        """Length of the longest term matching at token ``i`` (0 if none)."""
        lower, lemma = tokens[i]
        for phrase in self.phrases.get(lower, ()):
            end = i + len(phrase)
            if end <= len(tokens) and all(
                tokens[i + k][0] == phrase[k] or tokens[i + k][1] == phrase[k]
                for k in range(1, len(phrase))
            ):
                return len(phrase)
        if lower in self.words or lemma in self.words:
            return 1
        for prefix in self.prefixes:
            if lower.startswith(prefix):
                return 1
        return 0

    def __len__(self) -> int:
        return len(self.words) + len(self.prefixes) + sum(len(v) for v in self.phrases.values())


@dataclass(frozen=True)
class CueGroup:
    """One group of a lexicon: the cue's label for people, its weight and its terms."""

    name: str
    label: str
    weight: float
    terms: Terms


@dataclass(frozen=True)
class Lexicon:
    """One language's compiled lexicon."""

    language: str
    frustration: Tuple[CueGroup, ...]
    technical: Tuple[CueGroup, ...]
    positive: Terms
    negators: Terms
    intensifiers: Terms
    diminishers: Terms
    mitigators: Terms
    quantities: Terms
    units: Terms
    waiting_context: Terms

    def group(self, name: str) -> CueGroup:
        """The frustration or technical group called ``name``."""
        for group in self.frustration + self.technical:
            if group.name == name:
                return group
        raise KeyError(name)


def _group(path: Path, section: str, name: str, raw: Any, tokenize: Tokenize) -> CueGroup:
    where = f"{path}: {section}.{name}"
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: expected label, weight and terms")
    try:
        weight = float(raw.get("weight", ""))
    except (TypeError, ValueError):
        raise LexiconError(f"{where}: weight must be a number between 0 and 1") from None
    if not 0.0 <= weight <= 1.0:
        raise LexiconError(f"{where}: weight must be a number between 0 and 1")
    terms = raw.get("terms")
    if not isinstance(terms, list):
        raise LexiconError(f"{where}: terms must be a list")
    label = str(raw.get("label") or name.replace("_", " "))
    return CueGroup(name, label, weight, Terms.compile(terms, tokenize))


def _word_list(path: Path, where: str, raw: Any, tokenize: Tokenize) -> Terms:
    if raw is None:
        return Terms()
    if not isinstance(raw, list):
        raise LexiconError(f"{path}: {where} must be a list")
    return Terms.compile(raw, tokenize)


def load_lexicon(path: Path, lang: str, tokenize: Tokenize) -> Lexicon:
    """Load and compile one lexicon file; raises LexiconError naming the file and problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping with frustration and technical groups")
    groups: Dict[str, Tuple[CueGroup, ...]] = {}
    for section, names in (("frustration", FRUSTRATION_GROUPS), ("technical", TECHNICAL_GROUPS)):
        raw = data.get(section)
        if not isinstance(raw, dict):
            raise LexiconError(f"{path}: missing section '{section}'")
        missing = [n for n in names if n not in raw]
        if missing:
            raise LexiconError(f"{path}: {section} is missing {', '.join(missing)}")
        unknown = sorted(set(raw) - set(names))
        if unknown:
            raise LexiconError(f"{path}: {section} has unknown groups {', '.join(unknown)}")
        groups[section] = tuple(_group(path, section, n, raw[n], tokenize) for n in names)
    durations = data.get("waiting_durations") or {}
    if not isinstance(durations, dict):
        raise LexiconError(f"{path}: waiting_durations must have quantities, units, context")

    def words(where: str, raw: Any) -> Terms:
        return _word_list(path, where, raw, tokenize)

    return Lexicon(
        language=lang,
        frustration=groups["frustration"],
        technical=groups["technical"],
        positive=words("positive", data.get("positive")),
        negators=words("negators", data.get("negators")),
        intensifiers=words("intensifiers", data.get("intensifiers")),
        diminishers=words("diminishers", data.get("diminishers")),
        mitigators=words("mitigators", data.get("mitigators")),
        quantities=words("waiting_durations.quantities", durations.get("quantities")),
        units=words("waiting_durations.units", durations.get("units")),
        waiting_context=words("waiting_durations.context", durations.get("context")),
    )


def load_lexicons(directory: Path, tokenizers: Mapping[str, Tokenize]) -> Dict[str, Lexicon]:
    """All languages' lexicons from ``directory`` (``<lang>.yml`` each)."""
    return {
        lang: load_lexicon(directory / f"{lang}.yml", lang, tokenizers[lang]) for lang in LANGUAGES
    }
