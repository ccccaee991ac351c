"""Every response in domain.yml renders cleanly in every language through MultilingualNLG."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from structlog.testing import capture_logs

from bot.config import PROJECT_DIR
from bot.language import LANGUAGES
from bot.nlg import MultilingualNLG

DOMAIN = Domain.load(str(PROJECT_DIR / "domain.yml"))
# values the handoff actions pass when they utter these responses (actions/handoff.py)
ACTION_VALUES = {"position": "3", "minutes": "5", "reopen": "Monday 08:00"}


def _tracker(language: str) -> DialogueStateTracker:
    message = UserUttered("hi", parse_data={"intent": {"name": "greet"}, "language": language})
    return DialogueStateTracker.from_events("nlg-test", [message], slots=DOMAIN.slots)


def _payload_entities(payload: str) -> Dict[str, Any]:
    """The entities of a "/intent{json}" payload; {} for a bare "/intent"."""
    assert payload.startswith("/"), payload
    _, brace, rest = payload.partition("{")
    return json.loads(brace + rest) if brace else {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_response_renders_without_interpolation_errors(language: str) -> None:
    nlg = MultilingualNLG(None, DOMAIN)
    tracker = _tracker(language)
    rendered: List[Dict[str, Any]] = []
    with capture_logs() as logs:
        for name in DOMAIN.responses:
            message = asyncio.run(nlg.generate(name, tracker, "rest", **ACTION_VALUES))
            assert message is not None, name
            assert "{" not in message["text"], (name, message["text"])
            assert message["metadata"]["language"] == language
            rendered.append(message)
    errors = [entry for entry in logs if entry["log_level"] in ("error", "exception")]
    assert errors == []  # e.g. a JSON payload read as a {slot} placeholder
    buttons = [b for message in rendered for b in message.get("buttons") or []]
    assert buttons, "the domain offers buttons"
    for button in buttons:
        assert "{{" not in button["payload"], button
        _payload_entities(button["payload"])  # valid JSON entities, or none


def test_entity_payloads_carry_their_entity() -> None:
    nlg = MultilingualNLG(None, DOMAIN)
    message = asyncio.run(nlg.generate("utter_csat_ask", _tracker("de"), "rest"))
    assert message is not None
    scores = [_payload_entities(b["payload"]).get("csat_score") for b in message["buttons"]]
    assert scores == ["1", "2", "3", "4", "5"]
