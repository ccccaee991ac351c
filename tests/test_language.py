"""The offline language identifier (bot/language.py)."""

from __future__ import annotations

from typing import Dict, List

import pytest
import yaml

from bot.config import PROJECT_DIR
from bot.language import LANGUAGES, LanguageIdentifier, conversation_language


def examples(path) -> List[str]:
    out = []
    for block in yaml.safe_load(path.read_text()).get("nlu", []):
        out += [x.strip()[2:] for x in block["examples"].splitlines() if x.strip().startswith("- ")]
    return out


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    texts: Dict[str, List[str]] = {lang: [] for lang in LANGUAGES}
    for lang in LANGUAGES:
        for path in (PROJECT_DIR / "data" / "nlu" / lang).rglob("*.yml"):
            texts[lang] += examples(path)
    return LanguageIdentifier.with_spacy_stop_words(texts)


@pytest.mark.parametrize(
    "text", ["ok", "okay", "42", "👍", "🙂🙂", "!!!", "   ", "ok 👍", "#12345"]
)
def test_language_neutral_messages_have_no_language(
    identifier: LanguageIdentifier, text: str
) -> None:
    assert identifier.probabilities(text) is None
    assert identifier.detect(text, previous="da") is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("I forgot my password", "en"),
        ("Ich habe mein Passwort vergessen", "de"),
        ("jeg har glemt min adgangskode", "da"),
        ("hej", "da"),
        ("tschüss", "de"),
        ("thank you", "en"),
        ("vielen dank", "de"),
        ("mange tak", "da"),
        ("what can you do", "en"),
        ("was kannst du", "de"),
        ("hvad kan du", "da"),
        ("er du en robot", "da"),
        ("bist du ein bot", "de"),
        ("are you a bot", "en"),
        ("farvel", "da"),
        ("nein", "de"),
        ("nej", "da"),
    ],
)
def test_short_messages(identifier: LanguageIdentifier, text: str, expected: str) -> None:
    assert identifier.detect(text) == expected


@pytest.mark.parametrize(
    "text,previous", [("ja", "da"), ("ja", "de"), ("super danke", "de"), ("hallo", "da")]
)
def test_ambiguous_messages_keep_the_conversation_language(
    identifier: LanguageIdentifier, text: str, previous: str
) -> None:
    assert identifier.detect(text, previous=previous) == previous


@pytest.mark.parametrize(
    "text,previous,expected",
    [
        ("Can you answer in English please?", "de", "en"),
        ("Kannst du mir bitte auf Deutsch antworten?", "en", "de"),
        ("Kan du svare på dansk?", "de", "da"),
    ],
)
def test_clear_switches_are_followed(
    identifier: LanguageIdentifier, text: str, previous: str, expected: str
) -> None:
    assert identifier.detect(text, previous=previous) == expected


def test_accuracy_on_held_out_phrasings(identifier: LanguageIdentifier) -> None:
    """Held-out phrasings (not in training) are identified >= 85 % per language."""
    for lang in LANGUAGES:
        texts = examples(PROJECT_DIR / "tests" / "nlu" / f"heldout_{lang}.yml")
        right = sum(identifier.detect(t) == lang for t in texts)
        assert right / len(texts) >= 0.85, f"{lang}: {right}/{len(texts)}"


def test_round_trip_through_dict(identifier: LanguageIdentifier) -> None:
    copy = LanguageIdentifier.from_dict(identifier.to_dict())
    for text in ["hallo zusammen", "hej med dig", "hello there"]:
        assert copy.probabilities(text) == identifier.probabilities(text)


def test_conversation_language_is_the_latest_non_neutral() -> None:
    parsed = [{"language": "de"}, {"language": None}, {"language": "da"}, {"language": None}, {}]
    assert conversation_language(parsed) == "da"
    assert conversation_language([]) == "en"
    assert conversation_language([{"language": None}], default="de") == "de"


def test_a_word_of_the_conversation_language_keeps_it_however_common_elsewhere() -> None:
    model = LanguageIdentifier.train(
        {
            "de": ["hallo"] * 60 + ["hallo wie geht es dir", "wie geht es"],
            "da": ["hallo der", "hallo alle sammen", "hej med dig", "hvordan går det"],
            "en": ["hello there", "how are you"],
        }
    )
    assert model.probabilities("hallo")["da"] < model.keep_threshold  # far likelier German
    assert model.detect("hallo", previous="da") == "da"  # ... but a Danish word too
    assert model.detect("hallo", previous="en") == "de"
    assert model.detect("hallo wie geht es", previous="da") == "de"  # "wie" is not Danish
