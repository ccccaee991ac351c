"""A small English lexicon for unit tests of the detector's rules."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.language import LANGUAGES

TINY = {
    "frustration": {
        "profanity": {"label": "profanity", "weight": 0.7, "terms": ["damn", "shit*"]},
        "insult": {"label": "insult", "weight": 0.6, "terms": ["idiots", "useless bot"]},
        "anger": {"label": "anger", "weight": 0.6, "terms": ["furious"]},
        "negative_emotion": {
            "label": "negative emotion",
            "weight": 0.4,
            "terms": ["angry", "bad", "fed up", "ridiculous"],
        },
        "threat": {"label": "threat", "weight": 0.55, "terms": ["bad review", "never again"]},
        "waiting": {"label": "waiting too long", "weight": 0.45, "terms": ["for weeks"]},
        "repeated_contact": {"label": "repeated contact", "weight": 0.5, "terms": ["third time"]},
        "recurrence": {"label": "happening again", "weight": 0.3, "terms": ["once again"]},
        "not_helpful": {"label": "answer did not help", "weight": 0.45, "terms": ["didn't help"]},
        "sarcasm": {"label": "sarcasm", "weight": 0.5, "terms": ["thanks for nothing"]},
        "resignation": {"label": "giving up", "weight": 0.45, "terms": ["i give up"]},
        "disbelief": {"label": "disbelief", "weight": 0.45, "terms": ["are you serious"]},
    },
    "positive": ["happy", "helpful"],
    "negators": ["not", "n't", "never"],
    "intensifiers": ["very", "really"],
    "diminishers": ["a little", "slightly"],
    "mitigators": ["no problem", "thanks"],
    "waiting_durations": {
        "quantities": ["two", "three", "several"],
        "units": ["day", "days", "week", "weeks"],
        "context": ["waiting", "wait", "since", "ago", "for"],
    },
    "technical": {
        "developer_terms": {
            "label": "developer vocabulary",
            "weight": 0.35,
            "terms": ["api", "webhook", "oauth token"],
        },
        "already_tried": {"label": "already tried", "weight": 0.45, "terms": ["already tried"]},
        "standard_steps": {
            "label": "standard fixes exhausted",
            "weight": 0.3,
            "terms": ["reinstalled", "cleared the cache"],
        },
        "technical_symptoms": {"label": "technical failure", "weight": 0.2, "terms": ["crash"]},
    },
}


def write_lexicons(directory: Path, data: dict = TINY) -> Path:
    """Write ``data`` as the lexicon of every language into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        (directory / f"{lang}.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return directory
