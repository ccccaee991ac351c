"""The detector's rules on a tiny lexicon: cues, negation, intensifiers, mitigation, patterns."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.signals.detector import Detector, Signals, noisy_or
from bot.signals.lexicon import LexiconError
from tests.signals.helpers import TINY, write_lexicons


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return Detector.from_directory(write_lexicons(tmp_path_factory.mktemp("lex")))


def cue_names(signals: Signals) -> list:
    return [c.name for c in signals.cues]


def test_calm_message_scores_zero(detector: Detector) -> None:
    signals = detector.score("Where is my parcel?", "en")
    assert signals.frustration == 0 and signals.complexity == 0 and not signals.cues


def test_emotion_word_by_lemma_and_phrase(detector: Detector) -> None:
    assert "negative_emotion" in cue_names(detector.score("I am so fed up with this", "en"))
    assert detector.score("I am angry", "en").frustration == pytest.approx(0.4)


def test_negation_cancels_a_negative_word(detector: Detector) -> None:
    assert detector.score("not bad at all", "en").frustration == 0
    assert detector.score("bad", "en").frustration > 0


def test_an_emoji_is_not_negated(tmp_path: Path) -> None:
    lexicons = {**TINY, "frustration": {**TINY["frustration"]}}
    lexicons["frustration"]["anger"] = {"label": "anger", "weight": 0.6, "terms": ["😡"]}
    detector = Detector.from_directory(write_lexicons(tmp_path, lexicons))
    assert detector.score("delivered?? it is not here 😡", "en").frustration > 0.5


def test_negation_does_not_reach_across_a_comma(detector: Detector) -> None:
    assert detector.score("not sure, but this is bad", "en").frustration > 0


def test_negated_positive_is_negative(detector: Detector) -> None:
    signals = detector.score("I am not happy with this", "en")
    assert signals.frustration == pytest.approx(0.4)
    assert detector.score("I am happy with this", "en").frustration == 0


def test_intensifier_raises_the_next_emotion_word(detector: Detector) -> None:
    plain = detector.score("I am angry", "en").frustration
    assert detector.score("I am really angry", "en").frustration == pytest.approx(plain + 0.15)


def test_diminisher_lowers_the_next_emotion_word(detector: Detector) -> None:
    assert detector.score("I am a little angry", "en").frustration == pytest.approx(0.2)
    assert detector.score("slightly furious", "en").frustration == pytest.approx(0.3)


def test_strong_words_weigh_more(detector: Detector) -> None:
    assert (
        detector.score("I am furious", "en").frustration
        > detector.score("I am angry", "en").frustration
    )


def test_intensifier_does_not_touch_other_groups(detector: Detector) -> None:
    assert detector.score("really third time", "en").frustration == pytest.approx(0.5)


def test_mitigator_softens_mild_complaints_only(detector: Detector) -> None:
    mild = detector.score("bad luck, no problem", "en")
    assert mild.frustration == pytest.approx(0.2)
    assert "mitigation" in cue_names(mild)
    strong = detector.score("damn, thanks", "en")  # profanity is not softened
    assert strong.frustration == pytest.approx(0.7)


def test_longer_phrase_wins_over_the_words_inside_it(detector: Detector) -> None:
    signals = detector.score("well thanks for nothing", "en")
    assert cue_names(signals) == ["sarcasm"]  # not also softened by "thanks"


def test_prefix_terms_match_compounds(detector: Detector) -> None:
    assert cue_names(detector.score("what a shitshow", "en")) == ["profanity"]


def test_contractions_are_matched_like_the_lexicon_writes_them(detector: Detector) -> None:
    assert cue_names(detector.score("That didn't help.", "en")) == ["not_helpful"]


def test_waiting_duration_needs_a_waiting_word(detector: Detector) -> None:
    assert "waiting" in cue_names(detector.score("I have been waiting three weeks", "en"))
    assert "waiting" in cue_names(detector.score("ordered 2 weeks ago", "en"))
    assert not detector.score("Does delivery take three days?", "en").cues


def test_shouting_and_repeated_marks(detector: Detector) -> None:
    shout = detector.score("WHERE IS MY ORDER", "en")
    assert cue_names(shout) == ["shouting"]
    louder = detector.score("WHERE IS MY REFUND. I WANT MY MONEY BACK NOW", "en")
    assert louder.frustration > shout.frustration
    assert cue_names(detector.score("where is it???", "en")) == ["punctuation"]
    twice = detector.score("where is it??? answer me!!!", "en").frustration
    assert twice > detector.score("where is it???", "en").frustration
    # acronyms and codes are not shouting
    assert not detector.score("Is DHL or UPS used? I need the PDF", "en").cues
    assert "shouting" not in cue_names(detector.score("ERR_CONNECTION_RESET again", "en"))
    assert "shouting" not in cue_names(detector.score("HTTP 502, log: ERROR timeout", "en"))


def test_repeated_marks_alone_reach_the_threshold_unless_pleased(detector: Detector) -> None:
    # "?!" on its own is enough to hand over (threshold 0.4) ...
    assert detector.score("so my order just vanished?!", "en").frustration == pytest.approx(0.4)
    # ... but not when the customer is pleased or polite
    pleased = detector.score("I am so happy with it!!!", "en")
    assert pleased.frustration == pytest.approx(0.2)
    assert "pleased wording (softens)" in [c.label for c in pleased.cues]
    assert detector.score("where is it??? thanks", "en").frustration == pytest.approx(0.2)
    # a pleased word does not soften real anger next to the marks
    assert detector.score("happy? I am furious!!!", "en").frustration > 0.6


@pytest.mark.parametrize(
    "text",
    [
        "Step 1: open the app and go to Orders. Step 2: open the return for the order. "
        "Step 3: choose the refund method, and then nothing happens at all.",
        "Schritt 1: App öffnen und Bestellungen wählen. Schritt 2: die Retoure öffnen. "
        "Schritt 3: Erstattung auf die Karte wählen, und dann passiert in der App gar nichts "
        "mehr, auch nach Minuten nicht.",
        "1. I open the app and sign in\n2. I go to my orders and pick one\n"
        "3. I tap return and the screen stays white for ever",
    ],
)
def test_numbered_steps_are_a_multi_step_description(detector: Detector, text: str) -> None:
    signals = detector.score(text, "en")
    assert cue_names(signals) == ["long_description"]
    assert signals.complexity == pytest.approx(0.45)  # above the 0.35 hand-over threshold


def test_a_few_numbers_are_not_steps(detector: Detector) -> None:
    text = "I ordered 3 shirts and 2 pairs of socks on 1. March, and only the socks arrived."
    assert "long_description" not in cue_names(detector.score(text, "en"))


@pytest.mark.parametrize(
    "text, cue",
    [
        ("The app shows error E-1042 when I pay", "error_code"),
        ("checkout returns HTTP 502", "http_status"),
        ("I get a 500 internal server error", "http_status"),
        ('Traceback (most recent call last):\n  File "x.py", line 3', "stack_trace"),
        ("at com.alpha.app.Cart.load(Cart.java:42)", "stack_trace"),
        ("it throws NullPointerException on start", "exception"),
        ("2026-11-20 10:31:02 ERROR payment failed", "log_line"),
        ("see /var/log/alpha/app.log for details", "file_path"),
        ("app version 4.12.3 on iOS 17.2", "version"),
        ("our webhook gets no events from the API", "developer_terms"),
        ("I already tried that", "already_tried"),
    ],
)
def test_technical_cues(detector: Detector, text: str, cue: str) -> None:
    signals = detector.score(text, "en")
    assert cue in cue_names(signals), signals
    assert signals.complexity > 0


def test_two_different_codes_count_more_than_one(detector: Detector) -> None:
    one = detector.score("iOS 17.4.1 here", "en").complexity
    two = detector.score("iOS 17.4.1 and app 4.12.0 here", "en").complexity
    assert 0 < one < two


def test_links_are_not_file_paths(detector: Detector) -> None:
    assert not detector.score("I used https://alpha.example/account/reset", "en").cues


def test_long_multi_step_description(detector: Detector) -> None:
    text = " ".join(["First I open the app and go to the basket."] * 3 + ["Then it spins."] * 6)
    text += " After that nothing happens at all, no matter how long I wait for it here."
    assert "long_description" in cue_names(detector.score(text, "en"))


def test_standard_steps_add_up(detector: Detector) -> None:
    one = detector.score("I reinstalled", "en").complexity
    two = detector.score("I reinstalled and cleared the cache", "en").complexity
    assert 0 < one < two


def test_scores_stay_between_zero_and_one(detector: Detector) -> None:
    text = "DAMN YOU IDIOTS!!! third time, for weeks, never again, bad review " * 20
    signals = detector.score(text, "en")
    assert 0.99 < signals.frustration <= 1.0


def test_button_payloads_and_empty_text_are_neutral(detector: Detector) -> None:
    assert detector.score("/deny", "en") == Signals(0.0, 0.0)
    assert detector.score('/faq{"kb_entry": "password-reset"}', "en") == Signals(0.0, 0.0)
    assert detector.score("   ", None) == Signals(0.0, 0.0)


def test_a_message_starting_with_a_path_is_scored(detector: Detector) -> None:
    signals = detector.score("/v3/orders returns HTTP 503 since this morning", "en")
    assert "http_status" in cue_names(signals)


def test_unknown_language_tries_every_lexicon(detector: Detector) -> None:
    assert detector.score("damn", None).frustration == pytest.approx(0.7)


def test_to_dict_round_trip(detector: Detector) -> None:
    signals = detector.score("I am really angry, error E-1042!!!", "en")
    assert Signals.from_dict(signals.to_dict()).to_dict() == signals.to_dict()
    assert Signals.from_dict("garbage") == Signals(0.0, 0.0)


def test_noisy_or() -> None:
    assert noisy_or([]) == 0
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert noisy_or([2.0]) == 1.0


@pytest.mark.parametrize(
    "broken, problem",
    [
        ("frustration: [", "not valid YAML"),
        ("technical: {}", "missing section 'frustration'"),
        (
            {
                **TINY,
                "frustration": {**TINY["frustration"], "rage": TINY["frustration"]["insult"]},
            },
            "unknown groups rage",
        ),
        (
            {
                **TINY,
                "frustration": {k: v for k, v in TINY["frustration"].items() if k != "threat"},
            },
            "missing threat",
        ),
        (
            {**TINY, "frustration": {**TINY["frustration"], "insult": {"weight": 2, "terms": []}}},
            "weight must be",
        ),
        ({**TINY, "negators": "not"}, "negators must be a list"),
    ],
)
def test_broken_lexicon_names_file_and_problem(
    tmp_path: Path, broken: object, problem: str
) -> None:
    import yaml

    write_lexicons(tmp_path)
    text = broken if isinstance(broken, str) else yaml.safe_dump(broken)
    (tmp_path / "de.yml").write_text(text)
    with pytest.raises(LexiconError) as info:
        Detector.from_directory(tmp_path)
    assert "de.yml" in str(info.value) and problem in str(info.value)
