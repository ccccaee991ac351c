"""The learnt re-ranker, and how the index and the knowledge base use it."""

import dataclasses
import json
import logging
from pathlib import Path
from typing import Dict, Optional

import pytest

import bot.kb.index as index_module
from bot.config import PROJECT_DIR
from bot.kb.catalog import Catalog
from bot.kb.entries import Entry
from bot.kb.index import Hit, Index
from bot.kb.ranker import Ranker
from bot.kb.store import KnowledgeBase, decide
from tests.kb.helpers import until, write_entry


@pytest.fixture(scope="module")
def shipped() -> Dict[str, Entry]:
    entries, _ = Catalog(PROJECT_DIR / "knowledge_base").load()
    return entries


def ranker_of(entries: Dict[str, Entry], lang: str) -> Ranker:
    index = Index(entries)
    assert index.train_rankers()
    return index.rankers[lang]


def test_ranker_gives_each_sample_question_to_its_entry(shipped: Dict[str, Entry]) -> None:
    ranker = ranker_of(shipped, "de")
    scores = ranker.scores("Ich habe mein Passwort vergessen")
    assert set(scores) == set(shipped)
    assert sum(scores.values()) == pytest.approx(1.0)
    assert max(scores, key=scores.get) == "password-reset"
    right = sum(
        max(s, key=s.get) == entry_id
        for entry_id, entry in shipped.items()
        for question in entry.article("de").questions
        for s in [ranker.scores(question)]
    )
    total = sum(len(e.article("de").questions) for e in shipped.values())
    assert right / total > 0.95  # it fits its own training data


def test_ranker_with_a_single_entry_ranks_nothing(shipped: Dict[str, Entry]) -> None:
    only = Index({"password-reset": shipped["password-reset"]})
    assert not only.train_rankers()  # nothing to tell apart
    ranker = only._languages["en"].ranker()
    assert ranker is not None and ranker.scores("forgot my password") == {}


def test_the_ranker_learns_from_more_questions(shipped: Dict[str, Entry]) -> None:
    # A made-up phrasing no entry has: the re-ranker learns it only from more_questions.
    question = "the glowing rectangle in my pocket stays silent about Alpha"
    entry = shipped["notifications-missing"]
    article = dataclasses.replace(
        entry.article("en"), more_questions=("my glowing rectangle stays silent",)
    )
    taught = {
        **shipped,
        entry.id: dataclasses.replace(entry, articles={**entry.articles, "en": article}),
    }
    before = ranker_of(shipped, "en").scores(question)
    after = ranker_of(taught, "en").scores(question)
    assert max(after, key=after.get) == "notifications-missing"
    assert after["notifications-missing"] > 2 * before["notifications-missing"]


def test_the_ranker_fixes_a_paraphrase_the_index_alone_gets_wrong(
    shipped: Dict[str, Entry],
) -> None:
    # Shares "wrong" with the damaged-or-wrong-item entry; the classifier has learnt
    # that a "bill" is an invoice.
    question = "my bill shows the wrong name"
    plain = Index(shipped)
    ranked = Index(shipped)
    assert ranked.train_rankers() and ranked.ranked and not plain.ranked
    assert plain.search(question, "en")[0].entry_id != "invoice-copy"
    assert ranked.search(question, "en")[0].entry_id == "invoice-copy"


def test_large_knowledge_bases_are_ranked_by_the_index_alone(
    shipped: Dict[str, Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "RANKER_MAX_ENTRIES", 10)
    index = Index(shipped)
    assert not index.train_rankers() and not index.ranked
    assert index.search("I forgot my password", "en")[0].entry_id == "password-reset"


def test_the_knowledge_base_trains_the_ranker_and_again_after_an_edit(tmp_path: Path) -> None:
    write_entry(tmp_path, "gift-wrap", questions={"en": ["can you gift wrap my order"]})
    write_entry(tmp_path, "price-match", questions={"en": ["do you match lower prices"]})
    status_file = tmp_path / "status" / "kb_status.json"
    kb = KnowledgeBase(tmp_path, status_file=status_file)
    assert kb.status()["reranker"] is True
    assert json.loads(status_file.read_text())["reranker"] is True  # what /health reads
    write_entry(tmp_path, "store-pickup", questions={"en": ["can I collect my order in a shop"]})
    assert kb.reload()
    kb.wait_ranked(timeout=30)
    assert kb.status()["reranker"] is True
    assert kb.search("collect my order in a shop", "en")[0].entry_id == "store-pickup"


def test_training_stops_when_cancelled_and_attaches_nothing(shipped: Dict[str, Entry]) -> None:
    index = Index(shipped)
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # the index is replaced after its first language

    assert not index.train_rankers(cancelled=cancelled)
    assert not index.ranked and index.rankers == {}  # no mix of ranked and plain languages
    assert len(asked) == 2


def test_a_newer_reload_stops_the_previous_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_entry(tmp_path, "gift-wrap", questions={"en": ["can you gift wrap my order"]})
    write_entry(tmp_path, "price-match", questions={"en": ["do you match lower prices"]})
    kb = KnowledgeBase(tmp_path)
    built: Dict[str, int] = {}
    real = index_module._LanguageIndex.ranker

    def counting(language: index_module._LanguageIndex) -> Optional[Ranker]:
        built[language.lang] = built.get(language.lang, 0) + 1
        if len(language.entry_ids) == 3 and language.lang == "en":  # mid-way, a newer
            write_entry(tmp_path, "store-pickup", questions={"en": ["collect in a shop"]})
            write_entry(tmp_path, "gift-card", questions={"en": ["do you sell gift cards"]})
            assert kb.reload()  # ... edit arrives and is loaded
        return real(language)

    monkeypatch.setattr(index_module._LanguageIndex, "ranker", counting)
    write_entry(tmp_path, "store-pickup", questions={"en": ["can I collect my order in a shop"]})
    assert kb.reload()
    first = kb._ranking
    assert first is not None
    first.join(30)
    kb.wait_ranked(timeout=30)
    # The first training stopped after its first language; the newer one trained all three.
    assert built == {"en": 2, "de": 1, "da": 1}
    assert kb.status()["reranker"] is True and len(kb.entries) == 4


def test_a_failing_ranker_leaves_the_index_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise MemoryError("no room")

    monkeypatch.setattr(index_module, "Ranker", broken)
    write_entry(tmp_path, "gift-wrap", questions={"en": ["can you gift wrap my order"]})
    write_entry(tmp_path, "price-match", questions={"en": ["do you match lower prices"]})
    with caplog.at_level(logging.ERROR):
        kb = KnowledgeBase(tmp_path)
    assert "re-ranker failed" in caplog.text
    assert kb.status()["reranker"] is False
    assert until(1, lambda: kb.decide("can you gift wrap my order", "en").entry_id) == "gift-wrap"


def test_questions_mostly_about_something_else_cover_little_of_the_entries(
    shipped: Dict[str, Entry],
) -> None:
    index = Index(shipped)
    assert index.lookup("how do I reset my password", "en")[1] == 1.0
    assert index.lookup("how do I reset my Netflix password", "en")[1] < 0.7
    assert index.lookup("wie setze ich mein Passwort für die Fritzbox zurück", "de")[1] < 0.7
    assert index.lookup("🙂", "en") == ([], 0.0)
    assert index.lookup("how are you", "en") == ([], 0.0)  # stop words only


def test_low_coverage_turns_an_answer_into_a_clarifying_question() -> None:
    hits = [Hit("password-reset", 0.9), Hit("account-locked", 0.3)]
    assert decide(hits, coverage=1.0).kind == "answer"
    assert decide(hits, coverage=0.5).kind == "clarify"


def test_ranked_scores_need_a_higher_score_to_answer() -> None:
    hits = [Hit("a", 0.52), Hit("b", 0.3)]
    assert decide(hits).kind == "answer"
    assert decide(hits, ranked=True).kind == "clarify"
