"""Knowledge-base matching on held-out paraphrases (benchmarks/kb_bench.py reports the figures)."""

from typing import Dict

import pytest
import yaml

from bot.config import PROJECT_DIR
from bot.kb.entries import question_key
from bot.kb.store import KnowledgeBase
from bot.language import LANGUAGES

# Regression floors; the aim is 95 % hit@1 (measured figures are in README.md:
# 96.7/95.3/96.7 % en/de/da).
FLOOR = 0.92
WRONG_ANSWERS = 0.03  # straight answers with the wrong entry (measured 0-1.3 %)
FALSE_ANSWERS = 0.07  # off-topic questions answered (goal 5 %; measured 0-5 %)


def heldout(lang: str) -> Dict:
    return yaml.safe_load((PROJECT_DIR / "tests" / "kb" / "heldout" / f"{lang}.yml").read_text())


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(PROJECT_DIR / "knowledge_base")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_heldout_paraphrases_are_not_sample_questions_or_keywords(
    kb: KnowledgeBase, lang: str
) -> None:
    known = set()
    for entry in kb.entries.values():
        article = entry.article(lang)
        known |= {
            question_key(q)
            for q in (*article.questions, *article.more_questions, *article.keywords)
        }
    data = heldout(lang)
    every = [q for qs in data["paraphrases"].values() for q in qs] + data["off_topic"]
    assert not [q for q in every if question_key(q) in known]
    assert set(data["paraphrases"]) == set(kb.entries)
    assert all(len(qs) >= 10 for qs in data["paraphrases"].values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hit_at_1_stays_above_the_floor(kb: KnowledgeBase, lang: str) -> None:
    cases = [(e, q) for e, qs in heldout(lang)["paraphrases"].items() for q in qs]
    hits = sum(
        bool(found) and found[0].entry_id == e
        for e, q in cases
        for found in [kb.search(q, lang, limit=1)]
    )
    assert hits / len(cases) >= FLOOR, hits / len(cases)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_off_topic_questions_are_rarely_answered(kb: KnowledgeBase, lang: str) -> None:
    questions = heldout(lang)["off_topic"]
    answered = [q for q in questions if kb.decide(q, lang).kind == "answer"]
    assert len(answered) / len(questions) <= FALSE_ANSWERS, answered


@pytest.mark.parametrize("lang", LANGUAGES)
def test_straight_answers_are_rarely_wrong_and_often_given(kb: KnowledgeBase, lang: str) -> None:
    cases = [(e, q) for e, qs in heldout(lang)["paraphrases"].items() for q in qs]
    decisions = [(e, kb.decide(q, lang)) for e, q in cases]
    answers = [(e, d.entry_id) for e, d in decisions if d.kind == "answer"]
    wrong = [a for a in answers if a[0] != a[1]]
    assert len(wrong) / len(cases) <= WRONG_ANSWERS, wrong
    assert len(answers) / len(cases) >= 0.4  # measured 47-53 %; the rest mostly clarify
