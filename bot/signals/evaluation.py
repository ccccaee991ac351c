"""Precision, recall and F1 of the detector on labelled messages (tests, benchmark, tuning)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

from bot.signals.conversation import EscalationConfig, Turn, assess
from bot.signals.detector import Detector, Signals

CLASSES = ("frustrated", "technical")


@dataclass(frozen=True)
class Example:
    """A labelled customer message."""

    text: str
    frustrated: bool
    technical: bool
    kind: str = ""


@dataclass(frozen=True)
class Prediction:
    """What the detector decided for one example, as a one-message conversation."""

    example: Example
    frustrated: bool
    technical: bool
    frustration: float
    complexity: float
    cues: Tuple[str, ...]


def load_examples(path: Path) -> List[Example]:
    """Examples of a ``messages:`` file (tests/data/signals_<lang>.yml and the dev sets)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Example(str(m["text"]), bool(m["frustrated"]), bool(m["technical"]), str(m.get("kind", "")))
        for m in data["messages"]
    ]


def predict(
    detector: Detector, config: EscalationConfig, examples: Sequence[Example], lang: str
) -> List[Prediction]:
    """Score each example as its conversation's first message and apply the thresholds."""
    out = []
    for example in examples:
        signals = detector.score(example.text, lang)
        result = assess([Turn(example.text, signals)], config)
        out.append(
            Prediction(
                example,
                result.frustration >= config.frustration_threshold,
                result.complexity >= config.complexity_threshold,
                result.frustration,
                result.complexity,
                tuple(c.label for c in signals.cues),
            )
        )
    return out


def metrics(predictions: Sequence[Prediction]) -> Dict[str, Dict[str, float]]:
    """Per class: precision, recall, F1, and the confusion counts (tp, fp, fn, tn)."""
    out: Dict[str, Dict[str, float]] = {}
    for name in CLASSES:
        tp = fp = fn = tn = 0
        for p in predictions:
            truth, guess = getattr(p.example, name), getattr(p, name)
            tp += truth and guess
            fp += guess and not truth
            fn += truth and not guess
            tn += not truth and not guess
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[name] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
        }
    return out


# NLU intents whose examples may be heated: not calm text.
HEATED_INTENTS = frozenset(
    {"out_of_scope", "deny", "security_account", "security_payment", "request_human"}
)


def calm_messages(project_dir: Path) -> List[Tuple[str, str]]:
    """(text, language) of calm customer text in the project, for counting false alarms.

    The NLU examples (without the intents that may be heated), and the knowledge
    base's sample questions. Its more questions and blind development sets
    (tests/kb/dev*/) are left out: they were written to include questions asked inside
    complaints.
    """
    from bot.kb.catalog import Catalog
    from bot.kb.nlu_data import nlu_examples
    from bot.language import LANGUAGES

    out: List[Tuple[str, str]] = []
    for lang in LANGUAGES:
        for path in sorted((project_dir / "data" / "nlu" / lang).glob("*.yml")):
            out += [
                (text, lang)
                for text, intent, _ in nlu_examples(path)
                if intent not in HEATED_INTENTS
            ]
    entries, _ = Catalog(project_dir / "knowledge_base").load()
    for entry in entries.values():
        for lang in LANGUAGES:
            out += [(q, lang) for q in entry.article(lang).questions]
    return out


def calm_false_alarms(
    project_dir: Path, detector: Detector, threshold: float, langs: Sequence[str] = ()
) -> Tuple[List[Tuple[str, str, Signals]], int]:
    """Calm messages that reach ``threshold``, and how many calm messages there are.

    Each flagged message is (text, language, signals); ``langs`` limits the count to
    those languages (default: all).
    """
    messages = [(t, lang) for t, lang in calm_messages(project_dir) if not langs or lang in langs]
    flagged = []
    for text, lang in messages:
        signals = detector.score(text, lang)
        if signals.frustration >= threshold:
            flagged.append((text, lang, signals))
    return flagged, len(messages)
