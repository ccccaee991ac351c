import json
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.config import PROJECT_DIR
from bot.kb.catalog import Catalog
from bot.kb.index import Hit, Index
from bot.kb.store import KnowledgeBase, decide
from bot.kb.text import Analyzer, TypoIndex
from tests.kb.helpers import until, write_entry


@pytest.fixture(scope="module")
def index() -> Index:
    entries, _ = Catalog(PROJECT_DIR / "knowledge_base").load()
    return Index(entries)


@pytest.mark.parametrize(
    "lang, question, expected",
    [
        ("en", "I forgot my password", "password-reset"),
        ("en", "pasword reset", "password-reset"),  # typo
        ("de", "Passwortzurücksetzung", "password-reset"),  # compound
        ("de", "Kennwort vergessen", "password-reset"),  # synonym
        ("da", "jeg har glemt min adgangskode", "password-reset"),
        ("da", "hvornår kommer mine penge tilbage", "refund-status"),
        ("de", "wann kommt meine Rückerstattung", "refund-status"),
        ("en", "where is my parcel", "order-tracking"),
    ],
)
def test_common_questions_find_their_entry(
    index: Index, lang: str, question: str, expected: str
) -> None:
    hits = index.search(question, lang)
    assert hits and hits[0].entry_id == expected, hits


def test_a_question_is_matched_in_its_own_language(index: Index) -> None:
    # Danish words do not match the English documents.
    assert not index.search("glemt adgangskode", "en") or (
        index.search("glemt adgangskode", "en")[0].score
        < index.search("glemt adgangskode", "da")[0].score
    )


def test_empty_and_symbol_only_questions_find_nothing(index: Index) -> None:
    assert index.search("", "en") == []
    assert index.search("?!? 🙂", "de") == []


def test_analyzer_splits_compounds_into_known_parts() -> None:
    de = Analyzer("de")
    known = {"passwort", "zurucksetz", "bestell", "numm"}
    assert de.split_compound("passwortzurücksetzung", known.__contains__) == [
        "passwort",
        "zurucksetz",
    ]
    assert de.split_compound("bestellungsnummer", known.__contains__) == ["bestell", "numm"]
    assert de.split_compound("haus", known.__contains__) is None


def test_typo_index_finds_words_one_edit_away() -> None:
    typos = TypoIndex({"password", "invoice"})
    assert typos.corrections("pasword") == {"password"}
    assert typos.corrections("passwrod") == {"password"}
    assert typos.corrections("invoise") == {"invoice"}
    assert typos.corrections("banana") == set()


def test_decide_answers_clarifies_or_gives_up() -> None:
    assert decide([Hit("a", 0.9), Hit("b", 0.2)]).kind == "answer"
    close = decide([Hit("a", 0.45), Hit("b", 0.43), Hit("c", 0.41)])
    assert close.kind == "clarify" and [h.entry_id for h in close.hits] == ["a", "b", "c"]
    assert decide([Hit("a", 0.1)]).kind == "none"
    assert decide([]).kind == "none"


def test_edits_are_live_within_two_seconds(tmp_path: Path) -> None:
    write_entry(tmp_path, "gift-wrap", questions={"en": [
        "can you gift wrap my order", "gift wrapping available", "wrap it as a present",
        "do you offer gift packaging", "gift wrap option"]})  # fmt: skip
    kb = KnowledgeBase(tmp_path, status_file=tmp_path / "status.json")
    kb.start_watching(interval=0.2)
    try:
        assert kb.search("gift wrap please", "en")[0].entry_id == "gift-wrap"
        # add
        write_entry(tmp_path, "opening-hours", questions={"en": [
            "when is the shop open", "opening hours", "are you open on sunday",
            "what time do you close", "open today"]})  # fmt: skip
        assert until(2.0, lambda: kb.get("opening-hours") is not None)
        # edit
        write_entry(tmp_path, "gift-wrap", answer="We now wrap for free.")
        assert until(2.0, lambda: "free" in kb.get("gift-wrap").article("en").answer)
        # delete
        (tmp_path / "gift-wrap.yml").unlink()
        assert until(2.0, lambda: kb.get("gift-wrap") is None)
        assert kb.status()["entries"] == 1
    finally:
        kb.stop_watching()


def test_a_broken_save_is_reported_at_once_without_reindexing(tmp_path: Path) -> None:
    write_entry(tmp_path, "gift-wrap")
    write_entry(tmp_path, "price-match")
    kb = KnowledgeBase(tmp_path, status_file=tmp_path / "status.json", rank=False)
    index = kb._current()
    (tmp_path / "gift-wrap.yml").write_text("id: gift-wrap\nteam: [unclosed\n")
    assert kb.reload()
    assert kb._current() is index  # the last good entries are still the ones indexed
    assert [p.file for p in kb.problems] == ["gift-wrap.yml"]
    assert json.loads((tmp_path / "status.json").read_text())["problems"][0]["file"] == (
        "gift-wrap.yml"
    )
    write_entry(tmp_path, "gift-wrap", answer="Fixed.")  # a good save re-indexes
    assert kb.reload() and kb._current() is not index and kb.problems == []
    assert "Fixed" in kb.get("gift-wrap").article("en").answer


def test_the_analyzer_keeps_entry_texts_not_questions_and_makes_char_wb_ngrams() -> None:
    analyzer = Analyzer("en")
    analyzer.remember(["Reset your password in the app"])
    assert analyzer.content_words("Reset your password in the app") == ["reset", "password", "app"]
    assert analyzer.content_words("my question about a parcel") == ["question", "parcel"]
    assert set(analyzer._content) == {"Reset your password in the app"}
    # the cached n-grams are exactly scikit-learn's char_wb 2-5-grams of words and stems
    reference = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), preprocessor=analyzer.words_and_stems
    ).build_analyzer()
    for text in ["app", "I can't log in!", "Passwörter zurücksetzen", "a b", "x" * 12]:
        assert analyzer.char_ngrams(text) == reference(text)
