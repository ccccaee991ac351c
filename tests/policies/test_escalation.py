"""EscalationPolicy on real trackers and the real domain (bot/policies/escalation.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import PROJECT_DIR
from bot.policies.escalation import ACTION_ESCALATE, EscalationPolicy


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_DIR / "domain.yml"))


@pytest.fixture()
def policy(tmp_path: Path) -> EscalationPolicy:
    config_file = tmp_path / "policy.yml"
    config_file.write_text("frustration:\n  threshold: 0.5\ncomplexity:\n  threshold: 0.5\n")
    return EscalationPolicy.create(
        {**EscalationPolicy.get_default_config(), "config_file": str(config_file)},
        LocalModelStorage(tmp_path / "storage"),
        Resource("escalation"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def user(
    text: str, frustration: float = 0.0, complexity: float = 0.0, intent: str = "faq"
) -> List[Event]:
    signals = {
        "frustration": frustration,
        "complexity": complexity,
        "cues": [
            {
                "kind": "frustration",
                "cue": "anger",
                "label": "anger",
                "weight": frustration,
                "evidence": "furious",
            }
        ]
        if frustration
        else [],
    }
    parse: Dict[str, Any] = {
        "intent": {"name": intent, "confidence": 0.9},
        "signals": signals,
        "entities": [],
        "text": text,
    }
    return [ActionExecuted("action_listen"), UserUttered(text, parse["intent"], [], parse)]


def predict(policy: EscalationPolicy, domain: Domain, events: List[Event]):  # type: ignore[no-untyped-def]
    tracker = DialogueStateTracker.from_events("c", events, slots=domain.slots)
    return policy.predict_action_probabilities(tracker, domain)


def predicted(domain: Domain, prediction: Any) -> Optional[str]:
    if max(prediction.probabilities) == 0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


def test_calm_message_abstains_but_stores_the_scores(
    policy: EscalationPolicy, domain: Domain
) -> None:
    prediction = predict(policy, domain, user("where is my order"))
    assert predicted(domain, prediction) is None
    [slot] = prediction.events
    assert isinstance(slot, SlotSet) and slot.key == "signals"
    assert slot.value["frustration"] == 0 and slot.value["reason"] is None


def test_frustrated_message_predicts_escalation_with_the_decision(
    policy: EscalationPolicy, domain: Domain
) -> None:
    prediction = predict(policy, domain, user("I am furious", frustration=0.7))
    assert predicted(domain, prediction) == ACTION_ESCALATE
    assert prediction.policy_priority > 4  # above RulePolicy
    [decision] = prediction.optional_events
    assert decision.key == "escalation"
    assert decision.value["reason"] == "frustration" and decision.value["priority"] == "high"
    assert decision.value["cues"][0]["evidence"] == "furious"


def test_technical_message_goes_to_the_technical_team(
    policy: EscalationPolicy, domain: Domain
) -> None:
    prediction = predict(policy, domain, user("HTTP 502 on /api/v2/orders", complexity=0.8))
    assert predicted(domain, prediction) == ACTION_ESCALATE
    [decision] = prediction.optional_events
    assert (decision.value["reason"], decision.value["team"]) == (
        "technical_complexity",
        "technical",
    )


def test_after_escalating_the_policy_listens(policy: EscalationPolicy, domain: Domain) -> None:
    events = user("I am furious", frustration=0.7) + [ActionExecuted(ACTION_ESCALATE)]
    assert predicted(domain, predict(policy, domain, events)) == "action_listen"


def test_only_the_first_action_after_a_message_is_predicted(
    policy: EscalationPolicy, domain: Domain
) -> None:
    events = user("I am furious", frustration=0.7) + [ActionExecuted("utter_greet")]
    prediction = predict(policy, domain, events)
    assert predicted(domain, prediction) is None and not prediction.events


def test_escalates_once_per_reason_and_session(policy: EscalationPolicy, domain: Domain) -> None:
    events = (
        user("I am furious", frustration=0.7)
        + [SlotSet("escalation", {"reason": "frustration"}), ActionExecuted(ACTION_ESCALATE)]
        + user("still furious", frustration=0.7)
    )
    assert predicted(domain, predict(policy, domain, events)) is None
    events += [ActionExecuted("action_listen")] + user("HTTP 502", complexity=0.9)[1:]
    assert predicted(domain, predict(policy, domain, events)) == ACTION_ESCALATE


def test_conversation_level_cues_escalate_a_repeated_mildly_annoyed_question(
    policy: EscalationPolicy, domain: Domain
) -> None:
    events = (
        user("how do I get my refund back", frustration=0.2)
        + [ActionExecuted("action_answer_question"), SlotSet("kb_article", "refund-status")]
        + user("how do I get my refund back??", frustration=0.3)
    )
    prediction = predict(policy, domain, events)
    assert predicted(domain, prediction) == ACTION_ESCALATE
    cues = [c["cue"] for c in prediction.optional_events[0].value["cues"]]
    assert "repeated_question" in cues


def test_edits_to_the_config_file_are_live(
    policy: EscalationPolicy, domain: Domain, tmp_path: Path
) -> None:
    assert (
        predicted(domain, predict(policy, domain, user("x", frustration=0.55))) == ACTION_ESCALATE
    )
    import os
    import time

    path = tmp_path / "policy.yml"
    path.write_text("frustration:\n  threshold: 0.6\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert policy._config is not None
    policy._config.check_every = 0.0
    assert predicted(domain, predict(policy, domain, user("x", frustration=0.55))) is None


@pytest.mark.parametrize(
    "intent, team", [("security_account", "account"), ("security_payment", "billing")]
)
def test_security_report_is_handed_over_at_once_and_urgent(
    policy: EscalationPolicy, domain: Domain, intent: str, team: str
) -> None:
    prediction = predict(policy, domain, user("someone hacked me", intent=intent))
    assert predicted(domain, prediction) == ACTION_ESCALATE
    decision = next(e for e in prediction.optional_events if isinstance(e, SlotSet))
    assert decision.value["reason"] == "security"
    assert (decision.value["priority"], decision.value["team"]) == ("urgent", team)


def test_security_beats_frustration(policy: EscalationPolicy, domain: Domain) -> None:
    events = user("SOMEONE STOLE MY ACCOUNT!!!", frustration=0.95, intent="security_account")
    prediction = predict(policy, domain, events)
    decision = next(e for e in prediction.optional_events if isinstance(e, SlotSet))
    assert decision.value["reason"] == "security"


def test_an_unsure_security_guess_is_not_a_security_report(
    policy: EscalationPolicy, domain: Domain
) -> None:
    events = [ActionExecuted("action_listen"), UserUttered(
        "hmm", {"name": "security_payment", "confidence": 0.3}, [],
        {"intent": {"name": "security_payment", "confidence": 0.3}, "entities": [], "text": "hmm"},
    )]  # fmt: skip
    assert predicted(domain, predict(policy, domain, events)) is None


def test_system_messages_never_escalate_and_reset_the_once_per_reason_rule(
    policy: EscalationPolicy, domain: Domain
) -> None:
    angry = user("this is outrageous", frustration=0.9)
    escalated = [
        *angry,
        ActionExecuted(ACTION_ESCALATE),
        SlotSet("escalation", {"reason": "frustration"}),
    ]
    resolved = [ActionExecuted("action_listen"), UserUttered(
        "/handoff_resolved", {"name": "handoff_resolved", "confidence": 1.0}, [],
        {"intent": {"name": "handoff_resolved", "confidence": 1.0}, "entities": [], "text": "/x"},
    )]  # fmt: skip
    prediction = predict(policy, domain, escalated + resolved)
    assert predicted(domain, prediction) is None and prediction.events == []
    # angry again after the person handed back: a new handoff is allowed
    later = (
        escalated
        + resolved
        + [ActionExecuted("action_csat_ask"), *user("still broken!!", frustration=0.9)]
    )
    assert predicted(domain, predict(policy, domain, later)) == ACTION_ESCALATE
    # without the handback, the same reason is not escalated twice
    assert (
        predicted(
            domain, predict(policy, domain, escalated + user("still broken!!", frustration=0.9))
        )
        is None
    )


def test_third_out_of_scope_message_in_a_row_is_not_understood(
    policy: EscalationPolicy, domain: Domain
) -> None:
    def turn(text: str, reply: str) -> List[Event]:
        return [
            *user(text, intent="out_of_scope"),
            ActionExecuted(reply),
            BotUttered("no", metadata={"utter_action": reply}),
        ]

    events = turn("blorf", "utter_out_of_scope") + turn("plumbo", "utter_kb_unknown")
    prediction = predict(policy, domain, events + user("zorgle", intent="out_of_scope"))
    assert predicted(domain, prediction) == ACTION_ESCALATE
    decision = next(e for e in prediction.optional_events if isinstance(e, SlotSet))
    assert (decision.value["reason"], decision.value["team"]) == ("not_understood", "general")
    # two in a row, or an answer in between, is not enough
    assert (
        predicted(domain, predict(policy, domain, events[4:] + user("x", intent="out_of_scope")))
        is None
    )
    helped = events[:4] + turn("hi", "utter_greet") + events[4:]
    assert (
        predicted(domain, predict(policy, domain, helped + user("x", intent="out_of_scope")))
        is None
    )
