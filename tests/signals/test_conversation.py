"""Conversation-level signals and the escalation decision (bot/signals/conversation.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import List, Optional

import pytest

from bot.signals.conversation import (
    EscalationConfig,
    PolicyConfigError,
    Turn,
    assess,
    escalated_reasons,
    similarity,
    turns_from_events,
    watched_config,
)
from bot.signals.detector import Cue, Signals

CONFIG = EscalationConfig(frustration_threshold=0.5, complexity_threshold=0.5)


def turn(
    text: str = "hello there",
    frustration: float = 0.0,
    complexity: float = 0.0,
    intent: Optional[str] = "faq",
    after_answer: bool = False,
    cues: List[Cue] = (),
) -> Turn:
    return Turn(text, Signals(frustration, complexity, tuple(cues)), intent, after_answer)


def names(turns: List[Turn]) -> List[str]:
    return [c.name for c in assess(turns, CONFIG).cues]


def test_calm_conversation_is_not_escalated() -> None:
    result = assess([turn("hi", intent="greet"), turn("where is my order")], CONFIG)
    assert result.reason is None and result.frustration == 0


def test_frustrated_message_escalates_with_high_priority() -> None:
    result = assess([turn(frustration=0.6)], CONFIG)
    assert (result.reason, result.priority) == ("frustration", "high")
    assert assess([turn(frustration=0.95)], CONFIG).priority == "urgent"


def test_technical_message_goes_to_the_technical_team() -> None:
    result = assess([turn(complexity=0.7)], CONFIG)
    assert (result.reason, result.team, result.priority) == (
        "technical_complexity",
        "technical",
        "normal",
    )


def test_frustration_wins_over_complexity_but_keeps_the_team() -> None:
    result = assess([turn(frustration=0.7, complexity=0.7)], CONFIG)
    assert (result.reason, result.team) == ("frustration", "technical")


def test_previous_message_carries_over() -> None:
    result = assess([turn(frustration=0.4), turn(frustration=0.3)], CONFIG)
    assert result.frustration == pytest.approx(1 - 0.7 * 0.8)  # 0.3 and half of 0.4


def test_rising_frustration_over_three_turns() -> None:
    turns = [
        turn("a b c", frustration=0.1),
        turn("d e f", frustration=0.2),
        turn("g h i", frustration=0.3),
    ]
    assert "rising" in names(turns)
    assert assess(turns, CONFIG).reason == "frustration"
    assert "rising" not in names(
        [turn(frustration=0.3), turn(frustration=0.2), turn(frustration=0.3)]
    )


def test_repeated_question() -> None:
    turns = [
        turn("how do I reset my password"),
        turn("ok", intent="affirm"),
        turn("How do I reset my password?"),
    ]
    assert "repeated_question" in names(turns)
    assert "repeated_question" not in names(
        [turn("yes", intent="affirm"), turn("yes", intent="affirm")]
    )
    assert "repeated_question" not in names([turn("where is my order"), turn("how do I pay")])


def test_two_fallbacks_in_a_row() -> None:
    assert "fallbacks" in names([turn(intent="nlu_fallback"), turn(intent="nlu_fallback")])
    assert "fallbacks" not in names([turn(intent="nlu_fallback"), turn(intent="faq")])
    # alone it is a signal, not an escalation
    assert assess([turn(intent="nlu_fallback"), turn(intent="nlu_fallback")], CONFIG).reason is None


def test_not_helpful_after_an_answer() -> None:
    cue = Cue("frustration", "not_helpful", "answer did not help", 0.45, "didn't help")
    after = assess([turn(), turn("that didn't help", 0.45, after_answer=True, cues=[cue])], CONFIG)
    assert "not_helpful_after_answer" in [c.name for c in after.cues]
    assert after.reason == "frustration"
    before = assess([turn("that didn't help", 0.45, cues=[cue])], CONFIG)
    assert before.reason is None


def test_window_limits_the_history() -> None:
    config = EscalationConfig(window=2)
    turns = [
        turn("how do I reset my password"),
        turn("x y z"),
        turn("w v u"),
        turn("how do I reset my password"),
    ]
    assert "repeated_question" not in [c.name for c in assess(turns, config).cues]


def test_similarity() -> None:
    assert similarity("Where is my order?", "where is my order") == 1.0
    assert similarity("", "x") == 0.0


def test_turns_from_tracker_events() -> None:
    signals = {"frustration": 0.5, "complexity": 0.0, "cues": []}
    events = [
        {"event": "user", "text": "old", "parse_data": {"intent": {"name": "faq"}}},
        {"event": "session_started"},
        {
            "event": "user",
            "text": "q",
            "parse_data": {"intent": {"name": "faq"}, "signals": signals},
        },
        {"event": "slot", "name": "kb_article", "value": "password-reset"},
        {"event": "user", "text": "that didn't help", "parse_data": {"intent": {"name": "deny"}}},
    ]
    turns = turns_from_events(events)
    assert [t.text for t in turns] == ["q", "that didn't help"]
    assert turns[0].signals.frustration == 0.5 and not turns[0].after_answer
    assert turns[1].after_answer and turns[1].intent == "deny"


def test_escalated_reasons_per_session() -> None:
    events = [
        {"event": "slot", "name": "escalation", "value": {"reason": "frustration"}},
        {"event": "session_started"},
        {"event": "slot", "name": "escalation", "value": {"reason": "technical_complexity"}},
    ]
    assert escalated_reasons(events) == ["technical_complexity"]


def test_shipped_policy_file_is_valid() -> None:
    from bot.config import PROJECT_DIR

    config = EscalationConfig.from_file(PROJECT_DIR / "escalation" / "policy.yml")
    assert 0 < config.frustration_threshold < 1 and 0 < config.complexity_threshold < 1


@pytest.mark.parametrize(
    "text, problem",
    [
        ("frustration: [", "not valid YAML"),
        ("frustration:\n  treshold: 0.5\n", "unknown setting frustration.treshold"),
        ("frustration:\n  threshold: high\n", "must be a number 0-1"),
        ("complexity:\n  threshold: 1.5\n", "must be a number 0-1"),
        ("conversation:\n  window: 0\n", "must be 1-50"),
        ("- 1\n", "expected sections"),
    ],
)
def test_broken_policy_file_names_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    with pytest.raises(PolicyConfigError, match=problem):
        EscalationConfig.from_file(path)


def test_policy_file_edits_are_live_and_a_broken_edit_keeps_the_last_good(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("frustration:\n  threshold: 0.7\n")
    watched = watched_config(path)
    watched.check_every = 0.0
    assert watched.get().frustration_threshold == 0.7

    def edit(text: str) -> None:
        path.write_text(text)
        later = time.time() + 5
        os.utime(path, (later, later))

    edit("frustration:\n  threshold: 0.4\n")
    assert watched.get().frustration_threshold == 0.4
    edit("frustration:\n  threshold: [\n")
    assert watched.get().frustration_threshold == 0.4
    assert watched.error and "not valid YAML" in watched.error
    path.unlink()
    assert watched.get() == EscalationConfig()


def test_a_calm_repeat_alone_is_not_escalated_with_the_shipped_thresholds() -> None:
    from bot.config import PROJECT_DIR

    shipped = EscalationConfig.from_file(PROJECT_DIR / "escalation" / "policy.yml")
    turns = [turn("how do I reset my password"), turn("how do I reset my password")]
    result = assess(turns, shipped)
    assert "repeated_question" in [c.name for c in result.cues] and result.reason is None
