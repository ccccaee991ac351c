"""The conversation's view: scores over turns, conversation-level cues, the escalation decision."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot.signals.detector import FRUSTRATION, TECHNICAL, Cue, Signals, noisy_or
from bot.signals.watch import Watched
from handoff.packet import SYSTEM_INTENTS, is_system  # a handback starts the count afresh

FRUSTRATION_REASON = "frustration"
TECHNICAL_REASON = "technical_complexity"
SECURITY_REASON = "security"
NOT_UNDERSTOOD_REASON = "not_understood"
# A hacked account, phishing, or an unknown charge: handed over at once, to the team at risk.
SECURITY_INTENTS = {"security_account": "account", "security_payment": "billing"}
FALLBACK_INTENT = "nlu_fallback"
# intents whose repetition is not "asking the same question again"
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"})
_WORD = re.compile(r"[^\W_]+")


class PolicyConfigError(ValueError):
    """escalation/policy.yml cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class EscalationConfig:
    """Thresholds and weights of escalation/policy.yml (defaults when a key is absent)."""

    frustration_threshold: float = 0.6
    urgent_at: float = 0.9
    frustration_carry_over: float = 0.5
    complexity_threshold: float = 0.6
    complexity_carry_over: float = 0.6
    rising: float = 0.3
    rising_min: float = 0.25
    repeated_question: float = 0.3
    repeat_similarity: float = 0.7
    fallbacks_in_a_row: float = 0.35
    not_helpful_after_answer: float = 0.3
    window: int = 6

    @classmethod
    def from_file(cls, path: Path) -> EscalationConfig:
        """Read ``path``; raises PolicyConfigError naming the file and the key."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise PolicyConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise PolicyConfigError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise PolicyConfigError(
                f"{path}: expected sections frustration, complexity, conversation"
            )
        keys = {
            ("frustration", "threshold"): "frustration_threshold",
            ("frustration", "urgent_at"): "urgent_at",
            ("frustration", "carry_over"): "frustration_carry_over",
            ("complexity", "threshold"): "complexity_threshold",
            ("complexity", "carry_over"): "complexity_carry_over",
            ("conversation", "rising"): "rising",
            ("conversation", "rising_min"): "rising_min",
            ("conversation", "repeated_question"): "repeated_question",
            ("conversation", "repeat_similarity"): "repeat_similarity",
            ("conversation", "fallbacks_in_a_row"): "fallbacks_in_a_row",
            ("conversation", "not_helpful_after_answer"): "not_helpful_after_answer",
            ("conversation", "window"): "window",
        }
        values: Dict[str, Any] = {}
        for section, raw in data.items():
            if not isinstance(raw, dict):
                raise PolicyConfigError(f"{path}: {section} must be a mapping")
            for key, value in raw.items():
                attr = keys.get((section, key))
                if attr is None:
                    raise PolicyConfigError(f"{path}: unknown setting {section}.{key}")
                if attr == "window":
                    if not isinstance(value, int) or not 1 <= value <= 50:
                        raise PolicyConfigError(f"{path}: {section}.{key} must be 1-50")
                elif not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
                    raise PolicyConfigError(f"{path}: {section}.{key} must be a number 0-1")
                values[attr] = value
        return cls(**values)


def watched_config(path: Path) -> Watched[EscalationConfig]:
    """``path`` (escalation/policy.yml) re-read on edits; built-in defaults if it is missing."""

    def load() -> EscalationConfig:
        return EscalationConfig.from_file(path) if path.exists() else EscalationConfig()

    return Watched(lambda: [path], load, fallback=EscalationConfig)


@dataclass(frozen=True)
class Turn:
    """One customer message as the conversation view needs it."""

    text: str
    signals: Signals
    intent: Optional[str] = None
    after_answer: bool = False  # the bot answered from the knowledge base just before


@dataclass(frozen=True)
class Assessment:
    """Conversation-level scores, the cues behind them, and whether to hand over."""

    frustration: float
    complexity: float
    cues: Tuple[Cue, ...] = ()
    reason: Optional[str] = None
    priority: Optional[str] = None
    team: Optional[str] = None
    message: Signals = field(default_factory=lambda: Signals(0.0, 0.0))

    def to_dict(self) -> Dict[str, Any]:
        """JSON form, stored in the ``signals`` and ``escalation`` slots."""
        return {
            "frustration": round(self.frustration, 3),
            "complexity": round(self.complexity, 3),
            "cues": [c.to_dict() for c in self.cues],
            "reason": self.reason,
            "priority": self.priority,
            "team": self.team,
        }


def _words(text: str) -> set:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 1}


def similarity(a: str, b: str) -> float:
    """Word overlap of two messages (Jaccard), 0-1."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def _repeats(turns: Sequence[Turn], config: EscalationConfig) -> Optional[str]:
    latest = turns[-1]
    if latest.intent in SMALL_TALK or len(_words(latest.text)) < 3:
        return None
    for earlier in turns[:-1]:
        if earlier.intent in SMALL_TALK:
            continue
        if similarity(earlier.text, latest.text) >= config.repeat_similarity:
            return earlier.text[:60]
    return None


def assess(turns: Sequence[Turn], config: EscalationConfig) -> Assessment:
    """Scores of the conversation after its latest customer message, and the decision."""
    if not turns:
        return Assessment(0.0, 0.0)
    turns = list(turns)[-config.window :]
    latest = turns[-1]
    cues: List[Cue] = list(latest.signals.cues)
    frustration = [latest.signals.frustration]
    complexity = [latest.signals.complexity]
    if len(turns) >= 2:
        previous = turns[-2].signals
        if previous.frustration > 0:
            frustration.append(config.frustration_carry_over * previous.frustration)
        earlier = max(t.signals.complexity for t in turns[:-1])
        if earlier > 0:
            complexity.append(config.complexity_carry_over * earlier)

    def conversation_cue(kind: str, name: str, label: str, weight: float, evidence: str) -> None:
        cues.append(Cue(kind, name, label, weight, evidence))
        (frustration if kind == FRUSTRATION else complexity).append(weight)

    scores = [t.signals.frustration for t in turns[-3:]]
    if len(scores) == 3 and scores[0] < scores[1] < scores[2] and scores[2] >= config.rising_min:
        conversation_cue(
            FRUSTRATION,
            "rising",
            "frustration rising over turns",
            config.rising,
            " → ".join(f"{s:.2f}" for s in scores),
        )
    repeated = _repeats(turns, config)
    if repeated is not None:
        conversation_cue(
            FRUSTRATION,
            "repeated_question",
            "asked the same question again",
            config.repeated_question,
            repeated,
        )
    if len(turns) >= 2 and all(t.intent == FALLBACK_INTENT for t in turns[-2:]):
        conversation_cue(
            FRUSTRATION,
            "fallbacks",
            "two messages in a row not understood",
            config.fallbacks_in_a_row,
            "",
        )
    if latest.after_answer and any(c.name == "not_helpful" for c in latest.signals.cues):
        conversation_cue(
            FRUSTRATION,
            "not_helpful_after_answer",
            "said the answer did not help",
            config.not_helpful_after_answer,
            "",
        )
    if any(c.name == "already_tried" for c in latest.signals.cues) and any(
        t.after_answer for t in turns
    ):
        conversation_cue(
            TECHNICAL,
            "tried_after_answer",
            "standard answer already tried",
            config.not_helpful_after_answer,
            "",
        )
    f_score, c_score = noisy_or(frustration), noisy_or(complexity)
    reason = priority = team = None
    if f_score >= config.frustration_threshold:
        reason = FRUSTRATION_REASON
        priority = "urgent" if f_score >= config.urgent_at else "high"
        team = "technical" if c_score >= config.complexity_threshold else None
    elif c_score >= config.complexity_threshold:
        reason, priority, team = TECHNICAL_REASON, "normal", "technical"
        if f_score >= config.frustration_threshold / 2:
            priority = "high"
    cues.sort(key=lambda c: -c.weight)
    return Assessment(f_score, c_score, tuple(cues), reason, priority, team, latest.signals)


def turns_from_events(events: Iterable[Mapping[str, Any]]) -> List[Turn]:
    """Customer turns of a tracker's events (dicts, as in rasa_sdk or ``Event.as_dict()``).

    Only the current session counts: a ``session_started`` event starts afresh.
    """
    turns: List[Turn] = []
    answered = False
    for event in events:
        kind = event.get("event")
        if kind == "session_started" or is_system(event):
            turns, answered = [], False
        elif kind == "slot" and event.get("name") == "kb_article" and event.get("value"):
            answered = True
        elif kind == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            turns.append(
                Turn(
                    text=str(event.get("text") or ""),
                    signals=Signals.from_dict(parse.get("signals")),
                    intent=intent,
                    after_answer=answered,
                )
            )
            answered = False
    return turns


def escalated_reasons(events: Iterable[Mapping[str, Any]]) -> List[str]:
    """Reasons the bot escalated for since the session started or a person handed back."""
    reasons: List[str] = []
    for event in events:
        if event.get("event") == "session_started" or is_system(event):
            reasons = []
        elif event.get("event") == "slot" and event.get("name") == "escalation":
            value = event.get("value")
            if isinstance(value, Mapping) and value.get("reason"):
                reasons.append(str(value["reason"]))
    return reasons


__all__ = [
    "Assessment",
    "EscalationConfig",
    "PolicyConfigError",
    "NOT_UNDERSTOOD_REASON",
    "SECURITY_INTENTS",
    "SECURITY_REASON",
    "SYSTEM_INTENTS",
    "TECHNICAL",
    "Turn",
    "assess",
    "escalated_reasons",
    "turns_from_events",
    "watched_config",
]
