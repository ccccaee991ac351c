"""Telegram and Slack through the whole bot: Rasa, actions, knowledge base and handoff."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from bot.sandbox.slack_api import TEAM, SlackApi
from bot.sandbox.telegram_api import TelegramApi
from tests.conftest import Platforms, Stack, start_stack, stop_stack
from tests.handoff.test_live import GREETING, PASSWORD_QUESTION, REQUESTS

pytestmark = pytest.mark.stack

_chats = itertools.count(900_001)
# The start of utter_greet and of the password-reset answer, per language.
GREETED = {
    "en": "Hi, I'm Alpha's support assistant",
    "de": "Hallo, ich bin der Support-Assistent",
    "da": "Hej, jeg er Alphas supportassistent",
}
RESET_URL = "https://alpha.example/account/reset-password"
LOCALES = {"en": "en-GB", "de": "de-DE", "da": "da-DK"}


def ticket_for(stack: Stack, conversation: str) -> Dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, tickets = stack.api("GET", "/api/handoffs?status=waiting")
        assert status == 200
        mine = [t for t in tickets["tickets"] if t["conversation_id"] == conversation]
        if mine:
            status, ticket = stack.api("GET", f"/api/handoffs/{mine[0]['id']}")
            return ticket
        time.sleep(0.2)
    raise AssertionError(f"no ticket for {conversation}")


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["text"] for m in messages]


@pytest.mark.parametrize("language", ["en", "de", "da"])
def test_a_telegram_conversation_in_each_language(
    stack: Stack, platforms: Platforms, language: str
) -> None:
    telegram: TelegramApi = platforms.telegram
    chat = next(_chats)
    user = telegram.user(chat, "Mia", language_code=LOCALES[language])
    telegram.user_says(chat, "/start", user=user)
    assert telegram.wait_sent(chat, 1)[0]["text"].startswith(GREETED[language])
    telegram.user_says(chat, PASSWORD_QUESTION[language], user=user)
    sent = telegram.wait_sent(chat, 3)
    assert RESET_URL in sent[1]["text"]
    buttons = [b for row in sent[2]["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["callback_data"] == "/affirm"
    telegram.user_clicks(sent[2], buttons[0]["callback_data"], user=user)
    reply = telegram.wait_sent(chat, 4)[3]
    assert reply["text"] and "reply_markup" not in telegram.sent_to(chat)[2], "keyboard retired"
    assert telegram.calls_of("sendChatAction")


@pytest.mark.parametrize("language", ["en", "de", "da"])
def test_a_slack_conversation_in_each_language(
    stack: Stack, platforms: Platforms, language: str
) -> None:
    slack: SlackApi = platforms.slack
    user, channel = f"U0{language.upper()}", f"D0{language.upper()}{next(_chats)}"
    slack.add_user(user, "Kim Berg", LOCALES[language])
    first = slack.user_says(channel, GREETING[language], user=user)
    thread = first.body["event"]["ts"]
    assert slack.wait_posted(channel, 1)[0]["text"].startswith(GREETED[language])
    slack.user_says(channel, PASSWORD_QUESTION[language], user=user, thread_ts=thread)
    posted = slack.wait_posted(channel, 3)
    assert all(m["thread_ts"] == thread for m in posted)
    assert RESET_URL in posted[1]["text"]
    assert posted[2]["blocks"][-1]["type"] == "actions"
    slack.user_clicks(posted[2], index=0, user=user)  # "yes"
    assert slack.wait_posted(channel, 4)[3]["thread_ts"] == thread


def test_telegram_handoff_round_trip(stack: Stack, platforms: Platforms) -> None:
    telegram = platforms.telegram
    chat = next(_chats)
    user = telegram.user(chat, "Jonas", language_code="de", last_name="Weber")
    telegram.user_says(chat, REQUESTS["de"], user=user)
    handed = telegram.wait_sent(chat, 1)
    ticket = ticket_for(stack, f"telegram:{chat}")
    assert ("bot", handed[-1]["text"]) in [(m["role"], m["text"]) for m in ticket["transcript"]]
    assert ticket["channel"] == "telegram" and ticket["customer"]["name"] == "Jonas Weber"
    before = len(telegram.sent_to(chat))
    telegram.user_says(chat, "Bestellung 4711 ist nicht angekommen", user=user)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the message reaches the ticket, not the bot
        _, full = stack.api("GET", f"/api/handoffs/{ticket['id']}")
        if ("customer", "Bestellung 4711 ist nicht angekommen") in [
            (m["role"], m["text"]) for m in full["transcript"]
        ]:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the customer's message did not reach the ticket")
    stack.api("POST", f"/api/handoffs/{ticket['id']}/claim")
    status, sent = stack.api(
        "POST", f"/api/handoffs/{ticket['id']}/reply", {"text": "Hallo Jonas, hier ist Anna."}
    )
    assert status == 200 and sent["delivered"]
    assert telegram.wait_sent(chat, before + 1)[before]["text"] == "Hallo Jonas, hier ist Anna."
    assert len(telegram.sent_to(chat)) == before + 1, "the bot stayed silent"
    stack.api("POST", f"/api/handoffs/{ticket['id']}/resolve")
    survey = telegram.wait_sent(chat, before + 2)[before + 1]
    assert "zufrieden" in survey["text"]
    rating = [b for row in survey["reply_markup"]["inline_keyboard"] for b in row][4]
    telegram.user_clicks(survey, rating["callback_data"], user=user)
    telegram.wait_sent(chat, before + 3)
    _, rated = stack.api("GET", f"/api/handoffs/{ticket['id']}")
    assert rated["csat"]["score"] == 5


def test_slack_handoff_round_trip(stack: Stack, platforms: Platforms) -> None:
    slack = platforms.slack
    slack.add_user("U0ASTRID", "Astrid Holm", "da-DK")
    channel = f"C0SUPPORT{next(_chats)}"
    first = slack.user_says(channel, REQUESTS["da"], user="U0ASTRID", mention=True)
    thread = first.body["event"]["ts"]
    handed = slack.wait_posted(channel, 1)
    conversation = f"slack:{TEAM}:{channel}:{thread}"
    ticket = ticket_for(stack, conversation)
    assert ("bot", handed[-1]["text"]) in [(m["role"], m["text"]) for m in ticket["transcript"]]
    assert ticket["channel"] == "slack" and ticket["customer"]["name"] == "Astrid Holm"
    before = len(slack.posted_in(channel))
    # in the thread, without mentioning the bot: goes to the ticket
    slack.user_says(channel, "Ordrenummer 8812", user="U0ASTRID", thread_ts=thread)
    stack.api("POST", f"/api/handoffs/{ticket['id']}/claim")
    status, sent = stack.api(
        "POST", f"/api/handoffs/{ticket['id']}/reply", {"text": "Hej Astrid, det er Anna."}
    )
    assert status == 200 and sent["delivered"]
    reply = slack.wait_posted(channel, before + 1)[before]
    assert (reply["text"], reply["thread_ts"]) == ("Hej Astrid, det er Anna.", thread)
    _, full = stack.api("GET", f"/api/handoffs/{ticket['id']}")
    assert ("customer", "Ordrenummer 8812") in [(m["role"], m["text"]) for m in full["transcript"]]
    stack.api("POST", f"/api/handoffs/{ticket['id']}/return")
    back = slack.wait_posted(channel, before + 2)[before + 1]
    assert "tilbage" in back["text"] and back["thread_ts"] == thread


def test_health_reports_both_channels(stack: Stack) -> None:
    components = stack.health()["components"]
    assert components["telegram"] == {
        "status": "ok",
        "mode": "webhook",
        "bot": "@AlphaSupportSandboxBot",
    }
    assert components["slack"]["status"] == "ok" and components["slack"]["mode"] == "http"


def test_a_rejected_token_is_one_line_and_the_other_channels_keep_running(
    model: Path, platforms: Platforms, tmp_path: Path
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "7000000001:not-the-right-token",
        "TELEGRAM_API_BASE_URL": platforms.telegram.url,  # type: ignore[attr-defined]
        "SLACK_APP_TOKEN": "xapp-1-without-a-bot-token",
    }
    running = start_stack(
        tmp_path,
        extra_env=env,
        ready=lambda h: (
            {"rasa", "telegram"} <= set(h.get("components", {}))
            and h["components"]["rasa"]["status"] == "ok"
            and h["components"]["telegram"]["status"] == "error"
        ),
    )
    try:
        assert running.say("cli-channels", "hello")  # REST keeps working
        health = running.health()
        assert health["status"] == "degraded"
        assert health["components"]["telegram"]["detail"] == (
            "Telegram: token rejected by the Bot API (401)"
        )
        assert health["components"]["slack"]["status"] == "error"
    finally:
        stop_stack(running)
    output = running.output.read_text()
    lines = [line for line in output.splitlines() if "Telegram:" in line or "Slack:" in line]
    assert len(lines) == 2, lines
    assert any(line.endswith("Telegram: token rejected by the Bot API (401)") for line in lines)
    assert any(
        line.endswith("Slack: SLACK_BOT_TOKEN is missing (SLACK_APP_TOKEN set); Slack is off")
        for line in lines
    )
    assert "Traceback" not in output
