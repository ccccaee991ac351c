"""Routing, priorities, opening hours, the summary, ratings and the packet (handoff/*.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from handoff import packet
from handoff.config import HandoffConfig, HandoffConfigError
from handoff.csat import parse_rating
from handoff.routing import Topic, at_stake, choose_priority, choose_team
from handoff.summary import shorten, summarize
from tests.actions.helpers import bot, slot, user

CPH = dt.timezone(dt.timedelta(hours=1))  # November: Copenhagen is UTC+1


def test_the_shipped_config_is_valid() -> None:
    config = HandoffConfig.from_file(Path("handoff/config.yml"))
    assert config.timezone == "Europe/Copenhagen" and config.hours["sun"] is None
    assert "password-reset" in config.access_at_stake and "refund-status" in config.money_at_stake


def test_opening_hours_and_next_opening() -> None:
    config = HandoffConfig.from_file(Path("handoff/config.yml"))
    sunday_noon = dt.datetime(2026, 11, 22, 12, 0, tzinfo=CPH)
    assert not config.is_open(sunday_noon)
    assert config.next_opening(sunday_noon) == dt.datetime(2026, 11, 23, 8, 0, tzinfo=CPH)
    monday = dt.datetime(2026, 11, 23, 9, 30, tzinfo=CPH)
    assert config.is_open(monday)
    saturday_evening = dt.datetime(2026, 11, 21, 16, 0, tzinfo=CPH)
    assert not config.is_open(saturday_evening)  # closes at 16:00
    assert HandoffConfig.from_dict({"hours": {}}).next_opening(monday) is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"hours": {"mon": "20:00-08:00"}}, "closes before it opens"),
        ({"hours": {"monday": "08:00-20:00"}}, "days are"),
        ({"hours": {"mon": "8-20"}}, "HH:MM-HH:MM"),
        ({"hours": {"mon": "25:00-26:00"}}, "not a time"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"expected_wait_minutes": 0}, "expected_wait_minutes"),
        ({"money_at_stake": "refund-status"}, "list of entry ids"),
        ({"colour": "blue"}, "unknown setting"),
    ],
)
def test_bad_config_names_the_problem(data, message: str) -> None:
    with pytest.raises(HandoffConfigError, match=message):
        HandoffConfig.from_dict(data)


def test_unreadable_config(tmp_path: Path) -> None:
    with pytest.raises(HandoffConfigError, match="cannot read"):
        HandoffConfig.from_file(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("hours: [")
    with pytest.raises(HandoffConfigError, match="not valid YAML"):
        HandoffConfig.from_file(broken)


@pytest.mark.parametrize(
    "reason, topic, suggested, team",
    [
        ("technical_complexity", Topic(entry_teams=["billing"]), None, "technical"),
        ("security", Topic(intent="security_payment"), None, "billing"),
        ("security", Topic(intent="security_account", entry_teams=["orders"]), None, "account"),
        ("frustration", Topic(entry_teams=["orders"]), None, "orders"),
        ("frustration", Topic(entry_teams=["orders"]), "technical", "technical"),
        ("customer_request", Topic(), None, "general"),
        ("not_understood", Topic(entry_teams=["nonsense", "billing"]), None, "billing"),
    ],
)
def test_team_comes_from_the_topic(reason, topic, suggested, team) -> None:
    assert choose_team(reason, topic, suggested) == team


@pytest.mark.parametrize(
    "reason, frustration, stakes, priority",
    [
        ("customer_request", 0.0, None, "normal"),
        ("customer_request", 0.0, "money", "high"),
        ("not_understood", 0.5, None, "high"),  # frustrated on the way
        ("technical_complexity", 0.0, "access", "high"),
        ("frustration", 0.5, None, "high"),
        ("frustration", 0.95, "money", "urgent"),
        ("security", 0.0, None, "urgent"),
        ("answer_not_helpful", 0.1, None, "normal"),
    ],
)
def test_priority_from_reason_frustration_and_stakes(reason, frustration, stakes, priority) -> None:
    assert choose_priority(reason, frustration, stakes, 0.4, 0.9) == priority


def test_stakes() -> None:
    config = HandoffConfig.from_dict(
        {"money_at_stake": ["refund-status"], "access_at_stake": ["account-locked"]}
    )
    assert at_stake(["account-locked"], config) == "access"
    assert at_stake(["refund-status", "account-locked"], config) == "money"
    assert at_stake(["order-tracking"], config) is None


@pytest.mark.parametrize(
    "lang, start", [("en", "The customer"), ("de", "Die Kundin"), ("da", "Kunden")]
)
def test_summary_in_each_language(lang: str, start: str) -> None:
    text = summarize(
        lang,
        "frustration",
        "I have waited three weeks!",
        "Refund status",
        ["Refund status"],
        True,
        ["waiting"],
    )
    assert text.startswith(start) and "waiting" in text
    assert text.count(".") >= 2 and len(text) < 400


def test_summary_without_topic_or_tries() -> None:
    text = summarize("en", "customer_request", "  can I\n talk to someone  ")
    assert text == (
        "The customer wrote: “can I talk to someone”. Nothing was tried yet; handed over because "
        "they asked for a person."
    )
    assert shorten("word " * 100).endswith("…") and len(shorten("word " * 100)) <= 161


@pytest.mark.parametrize(
    "text, score",
    [("4", 4), ("4/5", 4), ("5 stars", 5), ("vier", 4), ("fem", 5), ("★★", 2), ("zwei Sterne", 2),
     ("order 12345", None), ("10", None), ("0", None), ("thanks", None), ("en god oplevelse", None),
     ("1 2 3", None), ("", None)],
)  # fmt: skip
def test_parse_rating(text: str, score) -> None:
    assert parse_rating(text) == score


ENTITY = {"entity": "kb_entry", "value": "order-tracking"}
BUTTON = {"title": "Talk to a person"}


def test_packet_from_events() -> None:
    events = [
        {"event": "session_started"},
        user("hi", "greet"),
        bot("Hello!", "utter_greet"),
        user("my parcel never came", "faq", entities=[ENTITY]),
        bot("Track it here ...", None),
        slot("kb_article", "order-tracking"),
        user("no", "deny"),
        {"event": "bot", "text": "Other topics:", "data": {"buttons": [BUTTON]}, "timestamp": 1.0},
        user('/request_human', "request_human"),
        user('/handoff_resolved{"handoff_id": "h1"}', "handoff_resolved"),
    ]  # fmt: skip
    lines = packet.transcript(events)
    assert [m.role for m in lines] == [
        "customer",
        "bot",
        "customer",
        "bot",
        "customer",
        "bot",
        "customer",
    ]
    assert lines[5].text == "Other topics:\n[buttons: Talk to a person]"
    assert lines[6].text == "[button: request_human]"
    assert lines[0].ts.endswith("+00:00")
    assert packet.customer_request(events) == "my parcel never came"
    assert packet.said_not_helpful(events)
    assert packet.entities(events) == [{"entity": "kb_entry", "value": "order-tracking"}]
    assert [i["intent"] for i in packet.intents(events)] == [
        "greet",
        "faq",
        "deny",
        "request_human",
    ]
    assert not packet.said_not_helpful(events[:6])
