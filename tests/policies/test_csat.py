"""CsatPolicy: a typed rating right after the survey question, then the comment."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import PROJECT_DIR
from bot.policies.csat import ASK, COMMENT, RATE, CsatPolicy


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_DIR / "domain.yml"))


@pytest.fixture()
def policy(tmp_path: Path) -> CsatPolicy:
    return CsatPolicy.create(
        CsatPolicy.get_default_config(),
        LocalModelStorage(tmp_path / "storage"),
        Resource("csat"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def said(text: str, intent: str = "nlu_fallback", confidence: float = 0.5) -> List[Event]:
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
    return [ActionExecuted("action_listen"), UserUttered(text, parse["intent"], [], parse)]


def after(action: str) -> List[Event]:
    return [
        *said("/handoff_resolved", "handoff_resolved", 1.0),
        ActionExecuted(action),
        BotUttered("..."),
    ]


def predicted(policy: CsatPolicy, domain: Domain, events: List[Event]) -> Optional[str]:
    tracker = DialogueStateTracker.from_events("c", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    if max(prediction.probabilities) == 0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


@pytest.mark.parametrize("text", ["4", "5/5", "vier", "fem", "★★★", "I'd give it a 2"])
def test_a_typed_rating_after_the_question_is_a_rating(policy, domain, text: str) -> None:
    assert predicted(policy, domain, after(ASK) + said(text)) == RATE


@pytest.mark.parametrize("text", ["where is my parcel?", "order 12345", "10"])
def test_anything_else_after_the_question_is_left_to_the_rules(policy, domain, text: str) -> None:
    assert predicted(policy, domain, after(ASK) + said(text)) is None


def test_the_message_after_the_rating_is_the_comment(policy, domain) -> None:
    assert (
        predicted(policy, domain, after(RATE) + said("Anna was very quick", "thank", 0.8))
        == COMMENT
    )
    annoyed = said("it took far too long, honestly", "faq", 0.4)
    assert predicted(policy, domain, after(RATE) + annoyed) == COMMENT


def test_a_clear_new_question_after_the_rating_is_not_a_comment(policy, domain) -> None:
    question = said("how do I return an item", "faq", 0.95)
    assert predicted(policy, domain, after(RATE) + question) is None


def test_buttons_and_later_messages_are_left_to_the_rules(policy, domain) -> None:
    assert predicted(policy, domain, after(ASK) + said("/csat_rate", "csat_rate", 1.0)) is None
    later = after(RATE) + said("ok", "affirm") + [ActionExecuted(COMMENT), BotUttered("thanks")]
    assert predicted(policy, domain, later + said("5")) is None
    # only the first action after the message
    assert predicted(policy, domain, after(ASK) + said("4") + [ActionExecuted(RATE)]) is None


def test_not_trained_on_anything(policy) -> Any:
    assert policy.train([], Domain.empty()) is not None
