"""The Telegram channel with python-telegram-bot against the local Bot API server."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Iterator

import pytest

from bot.channels.base import EDITED, TEXT_ONLY, UNAVAILABLE, ChannelError
from bot.channels.config import TelegramConfig
from bot.channels.telegram import TelegramChannel
from bot.runtime.ports import free_port
from bot.sandbox.server import ThreadedServer
from bot.sandbox.telegram_api import SANDBOX_TOKEN, TelegramApi
from handoff.outbound import DeliveryFailed
from tests.channels.helpers import GREETINGS, LONG, Harness, serving, wait_until

SECRET = "webhook-secret-0123456789"


@pytest.fixture
def telegram() -> Iterator[TelegramApi]:
    with serving(TelegramApi()) as api:
        yield api


def channel_for(
    harness: Harness,
    telegram: TelegramApi,
    mode: str = "polling",
    token: str = SANDBOX_TOKEN,
    **env: str,
) -> TelegramChannel:
    config = TelegramConfig.from_env(
        {
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_MODE": mode,
            "TELEGRAM_API_BASE_URL": telegram.url,  # type: ignore[attr-defined]
            **(
                {
                    "TELEGRAM_WEBHOOK_URL": f"{harness.server.url}/telegram/webhook",
                    "TELEGRAM_WEBHOOK_SECRET": SECRET,
                }
                if mode == "webhook"
                else {}
            ),
            **env,
        }
    )
    assert config is not None
    return TelegramChannel(
        config,
        harness.gateway,
        harness.store,
        retry_initial_s=0.05,
        retry_max_s=0.2,
        poll_timeout_s=1,
    )


@pytest.fixture
def polling(harness: Harness, telegram: TelegramApi) -> Iterator[TelegramChannel]:
    channel = harness.start(channel_for(harness, telegram))
    yield channel
    harness.run(channel.stop())  # before the Bot API server goes away


def test_text_message_is_answered_in_the_chat_with_typing_first(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    user = telegram.user(4242, "Mia", language_code="da", last_name="Holm")
    telegram.user_says(4242, "hvordan nulstiller jeg min adgangskode", user=user)
    sent = telegram.wait_sent(4242, 1)
    assert sent[0]["text"] == "you said: hvordan nulstiller jeg min adgangskode"
    message = harness.gateway.received[0]
    assert message.conversation_id == "telegram:4242"
    assert message.channel == "telegram"
    assert message.metadata["language"] == "da"
    assert message.metadata["customer_name"] == "Mia Holm"
    typing = telegram.calls_of("sendChatAction")
    assert typing and typing[0].params == {"chat_id": "4242", "action": "typing"}
    assert typing[0].at <= telegram.calls_of("sendMessage")[0].at


@pytest.mark.parametrize("language", ["en", "de", "da"])
def test_start_greets_in_the_users_telegram_language(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness, language: str
) -> None:
    chat = {"en": 11, "de": 12, "da": 13}[language]
    telegram.user_says(chat, "/start", user=telegram.user(chat, language_code=f"{language}-XX"))
    assert telegram.wait_sent(chat, 1)[0]["text"] == GREETINGS[language]
    assert harness.gateway.received[-1].text == "/greet"


def test_start_in_another_language_falls_back_to_english(
    polling: TelegramChannel, telegram: TelegramApi
) -> None:
    telegram.user_says(14, "/start", user=telegram.user(14, language_code="fr"))
    assert telegram.wait_sent(14, 1)[0]["text"] == GREETINGS["en"]


def test_help_and_unknown_commands_explain_what_the_bot_does(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    telegram.user_says(15, "/help")
    telegram.user_says(15, "/frobnicate now")
    sent = telegram.wait_sent(15, 2)
    assert [m["text"] for m in sent] == ["I answer questions about your account."] * 2
    assert harness.gateway.texts() == ["/ask_capabilities", "/ask_capabilities"]


def test_buttons_are_an_inline_keyboard_and_a_press_is_answered(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    telegram.user_says(16, "buttons please")
    question = telegram.wait_sent(16, 1)[0]
    keyboard = question["reply_markup"]["inline_keyboard"]
    assert keyboard == [
        [{"text": "Yes", "callback_data": "/affirm"}],
        [{"text": "No", "callback_data": "/deny"}],
    ]
    telegram.user_clicks(question, "/deny")
    assert telegram.wait_sent(16, 2)[1]["text"] == "you said: /deny"
    assert telegram.calls_of("answerCallbackQuery"), "the button press must be answered"
    assert "reply_markup" not in telegram.sent_to(16)[0], "the pressed keyboard is retired"
    assert harness.gateway.received[-1].conversation_id == "telegram:16"


def test_long_reply_is_split_at_paragraph_boundaries(
    polling: TelegramChannel, telegram: TelegramApi
) -> None:
    telegram.user_says(17, "long please")
    wait_until(lambda: len(telegram.sent_to(17)) >= 3, what="3 parts")
    time.sleep(0.3)
    parts = [m["text"] for m in telegram.sent_to(17)]
    assert all(len(p) <= 4096 for p in parts)
    assert "\n\n".join(parts) == LONG
    for part in parts:
        assert part.startswith("Paragraph "), "every part starts at a paragraph"


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "location"])
def test_non_text_messages_get_a_polite_text_only_reply(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness, kind: str
) -> None:
    telegram.user_sends(18, kind)
    assert telegram.wait_sent(18, 1)[0]["text"] == TEXT_ONLY["en"]
    assert harness.gateway.received == []


def test_an_edited_message_asks_for_a_new_message(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    harness.store.remember("telegram:19", "telegram", "de")
    update = telegram.user_says(19, "passwort vergesen")
    telegram.wait_sent(19, 1)
    telegram.user_edits(update["message"], "passwort vergessen")
    assert telegram.wait_sent(19, 2)[1]["text"] == EDITED["de"]
    assert harness.gateway.texts() == ["passwort vergesen"]


def test_channel_posts_and_member_updates_are_ignored_without_crashing(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    telegram.channel_post(-1001, "news for everyone")
    telegram.member_update(-1002, "my_chat_member")
    telegram.member_update(-1002, "chat_member")
    telegram.push(
        {
            "message": telegram.message(
                -1002, None, chat_type="supergroup", new_chat_members=[telegram.user(7)]
            )
        }
    )
    telegram.user_says(20, "still there?")
    assert telegram.wait_sent(20, 1)[0]["text"] == "you said: still there?"
    assert telegram.sent_to(-1001) == [] and telegram.sent_to(-1002) == []
    assert harness.gateway.texts() == ["still there?"]


def test_an_update_delivered_twice_gets_exactly_one_reply(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    telegram.user_says(21, "hello once", times=2)
    telegram.user_says(21, "and again")
    telegram.wait_sent(21, 2)
    time.sleep(0.5)
    assert [m["text"] for m in telegram.sent_to(21)] == [
        "you said: hello once",
        "you said: and again",
    ]
    assert harness.gateway.texts() == ["hello once", "and again"]


def test_a_429_retry_after_is_honoured(polling: TelegramChannel, telegram: TelegramApi) -> None:
    telegram.fail("sendMessage", times=1, status=429, retry_after=1)
    telegram.user_says(22, "rate limited")
    assert telegram.wait_sent(22, 1)[0]["text"] == "you said: rate limited"
    first, second = telegram.calls_of("sendMessage")[:2]
    assert second.at - first.at >= 0.95, "the retry must wait retry_after seconds"


def test_network_errors_are_retried_with_backoff_and_nothing_is_lost(
    polling: TelegramChannel, telegram: TelegramApi
) -> None:
    telegram.disconnect("sendMessage", times=3)
    telegram.disconnect("getUpdates", times=2)
    for text in ("one", "two", "three"):
        telegram.user_says(23, text)
    sent = telegram.wait_sent(23, 3)
    assert [m["text"] for m in sent] == ["you said: one", "you said: two", "you said: three"]
    attempts = telegram.calls_of("sendMessage")
    gaps = [b.at - a.at for a, b in zip(attempts, attempts[1:4], strict=False)]
    assert gaps[1] > gaps[0] * 1.5, f"backoff must grow: {gaps}"


def test_groups_answer_only_when_mentioned_or_replied_to(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    group = -1003
    member = telegram.user(31, "Ole", language_code="da")
    telegram.user_says(group, "anyone know the opening hours?", user=member, chat_type="supergroup")
    telegram.user_says(
        group, "when are you open?", user=member, chat_type="supergroup", mention=True
    )
    answer = telegram.wait_sent(group, 1)[0]
    assert answer["text"] == "you said: when are you open?"
    assert answer["reply_parameters"]["message_id"]
    telegram.user_says(
        group, "and on sundays?", user=member, chat_type="supergroup", reply_to=answer
    )
    telegram.wait_sent(group, 2)
    assert harness.gateway.texts() == ["when are you open?", "and on sundays?"]
    assert {m.conversation_id for m in harness.gateway.received} == {f"telegram:{group}"}


def test_handed_off_messages_get_no_bot_reply_and_agent_replies_are_delivered(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    harness.gateway.handed_off.add("telegram:24")
    telegram.user_says(24, "my order number is 12345")
    wait_until(lambda: harness.gateway.received, what="the message to reach the gateway")
    harness.run(polling.deliver("telegram:24", [{"text": "Hi, Anna here. I found your order."}]))
    telegram.wait_sent(24, 1)
    time.sleep(0.3)
    assert [m["text"] for m in telegram.sent_to(24)] == ["Hi, Anna here. I found your order."]


def test_the_customer_is_asked_to_retry_when_the_assistant_is_down(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    harness.gateway.unavailable = True
    harness.store.remember("telegram:25", "telegram", "de")
    telegram.user_says(25, "hallo?")
    assert telegram.wait_sent(25, 1)[0]["text"] == UNAVAILABLE["de"]


def post_webhook(url: str, body: Dict[str, Any], secret: str = "") -> int:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_webhook_mode_sets_the_webhook_and_checks_the_secret(
    harness: Harness, telegram: TelegramApi
) -> None:
    channel = harness.start(channel_for(harness, telegram, mode="webhook"))
    assert telegram.webhook == {
        "url": f"{harness.server.url}/telegram/webhook",
        "secret_token": SECRET,
    }
    assert telegram.calls_of("getUpdates") == []
    telegram.user_says(26, "via webhook", times=2)  # Telegram may deliver twice
    assert telegram.wait_sent(26, 1)[0]["text"] == "you said: via webhook"
    url = f"{harness.server.url}/telegram/webhook"
    update = telegram.message(26, "forged")
    assert post_webhook(url, {"update_id": 9, "message": update}) == 403
    assert (
        post_webhook(url, {"update_id": 9, "message": update}, secret="wrong-secret-000000") == 403
    )
    assert post_webhook(url, {"update_id": 10, "message": {"text": "no chat"}}, SECRET) == 400
    assert post_webhook(url, {"no": "update id"}, SECRET) == 400
    time.sleep(0.3)
    assert [m["text"] for m in telegram.sent_to(26)] == ["you said: via webhook"]
    assert harness.gateway.texts() == ["via webhook"]
    assert channel.health()["status"] == "ok"


def test_a_rejected_token_is_one_clear_line(harness: Harness, telegram: TelegramApi) -> None:
    channel = channel_for(harness, telegram, token="7000000001:wrong-token")
    with pytest.raises(ChannelError) as error:
        harness.start(channel)
    assert str(error.value) == "Telegram: token rejected by the Bot API (401)"
    assert channel.health()["status"] == "error"


def test_an_unreachable_bot_api_is_retried_until_it_answers(harness: Harness) -> None:
    port = free_port()
    api = TelegramApi()
    api.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    channel = harness.start(channel_for(harness, api))
    assert channel.health()["status"] == "error"
    server = ThreadedServer(api.app, port=port).start()
    try:
        wait_until(lambda: channel.health()["status"] == "ok", what="the channel to connect")
        api.user_says(27, "you are back")
        assert api.wait_sent(27, 1)[0]["text"] == "you said: you are back"
    finally:
        harness.run(channel.stop())
        server.stop()


def test_an_agent_reply_to_a_customer_who_blocked_the_bot_fails_clearly(
    polling: TelegramChannel, telegram: TelegramApi, harness: Harness
) -> None:
    telegram.fail("sendMessage", times=1, status=403)
    with pytest.raises(DeliveryFailed, match="^Telegram: "):
        harness.run(polling.deliver("telegram:28", [{"text": "Hi, Anna here."}]))
    assert len(telegram.calls_of("sendMessage")) == 1, "a 403 is not retried"


def test_a_webhook_that_cannot_be_set_at_first_is_set_on_a_retry(
    harness: Harness, telegram: TelegramApi
) -> None:
    telegram.disconnect("setWebhook", times=2)
    channel = harness.start(channel_for(harness, telegram, mode="webhook"))
    wait_until(lambda: channel.health()["status"] == "ok", what="the webhook to be set")
    assert telegram.webhook is not None
    telegram.user_says(29, "after the retry")
    assert telegram.wait_sent(29, 1)[0]["text"] == "you said: after the retry"
