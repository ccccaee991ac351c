"""NLU accuracy per language on held-out phrasings that are not in the training data."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from bot.config import PROJECT_DIR
from bot.kb.nlu_data import hand_written_examples
from bot.language import LANGUAGES

# The aim, now reached in every language (measured figures in README.md):
# 104 of 109 is 95.4 %, so one message fewer in any language fails this test. The
# model trains deterministically, so a failure means the data or the pipeline changed.
FLOOR = 0.95


def heldout(lang: str) -> List[Tuple[str, str]]:
    data = yaml.safe_load((PROJECT_DIR / "tests" / "nlu" / f"heldout_{lang}.yml").read_text())
    return [
        (line.strip()[2:], block["intent"])
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def test_heldout_is_not_in_training() -> None:
    training = hand_written_examples(PROJECT_DIR / "data")
    for lang in LANGUAGES:
        overlap = [t for t, _ in heldout(lang) if t.lower() in training]
        assert not overlap, f"{lang}: held-out examples also in training: {overlap}"


@pytest.fixture(scope="module")
def results(model: Path) -> Dict[str, Dict[str, float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def evaluate() -> Dict[str, Dict[str, float]]:
        out = {}
        for lang in LANGUAGES:
            cases = heldout(lang)
            intents = languages = 0
            for text, intent in cases:
                parsed = await agent.parse_message(text)
                intents += parsed["intent"]["name"] == intent
                languages += parsed.get("language") in (lang, None)
            out[lang] = {
                "intent": intents / len(cases),
                "language": languages / len(cases),
                "n": len(cases),
            }
        return out

    figures = asyncio.run(evaluate())
    print("\nheld-out NLU accuracy:", figures)
    return figures


@pytest.mark.parametrize("lang", LANGUAGES)
def test_intent_accuracy_per_language(results: Dict[str, Dict[str, float]], lang: str) -> None:
    assert results[lang]["intent"] >= FLOOR, results[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_is_detected_or_neutral(results: Dict[str, Dict[str, float]], lang: str) -> None:
    assert results[lang]["language"] >= 0.85, results[lang]
