"""The Slack channel (slack-bolt) against the local Slack: Web API, signed events, Socket Mode."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Dict, Iterator, Optional

import pytest

from bot.channels.base import TEXT_ONLY, ChannelError
from bot.channels.config import SlackConfig
from bot.channels.slack import SlackChannel
from bot.sandbox.slack_api import (
    BOT_ID,
    BOT_USER,
    SANDBOX_APP_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_SIGNING_SECRET,
    TEAM,
    SlackApi,
)
from handoff.outbound import DeliveryFailed
from tests.channels.helpers import Harness, serving, wait_until


@pytest.fixture
def slack() -> Iterator[SlackApi]:
    with serving(SlackApi()) as api:
        yield api


def channel_for(
    harness: Harness,
    slack: SlackApi,
    socket: bool = False,
    bot_token: str = SANDBOX_BOT_TOKEN,
    app_token: str = SANDBOX_APP_TOKEN,
) -> SlackChannel:
    env = {
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": SANDBOX_SIGNING_SECRET,
        "SLACK_API_URL": f"{slack.url}/api/",  # type: ignore[attr-defined]
    }
    if socket:
        env["SLACK_APP_TOKEN"] = app_token
    config = SlackConfig.from_env(env)
    assert config is not None
    slack.events_url = f"{harness.server.url}/slack/events"
    return SlackChannel(config, harness.gateway, harness.store, retry_initial_s=0.05)


@pytest.fixture(params=["http", "socket"])
def connected(
    request: pytest.FixtureRequest, harness: Harness, slack: SlackApi
) -> Iterator[SlackChannel]:
    """The channel in HTTP events mode and in Socket Mode: every test runs in both."""
    channel = harness.start(channel_for(harness, slack, socket=request.param == "socket"))
    if request.param == "socket":
        wait_until(lambda: slack.socket_connected, what="the Socket Mode connection")
    yield channel
    harness.run(channel.stop())


def test_a_direct_message_is_answered_in_its_thread(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    delivery = slack.user_says("D0MIA", "how do I reset my password")
    ts = delivery.body["event"]["ts"]
    reply = slack.wait_posted("D0MIA", 1)[0]
    assert reply["text"] == "you said: how do I reset my password"
    assert reply["thread_ts"] == ts
    assert reply["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "you said: how do I reset my password"},
    }
    message = harness.gateway.received[0]
    assert message.conversation_id == f"slack:{TEAM}:D0MIA:{ts}"
    assert message.channel == "slack"
    assert message.metadata["customer_name"] == "Mia Jensen"
    assert message.metadata["language"] == "en"
    slack.user_says("D0MIA", "and the reset link expired", thread_ts=ts)
    assert slack.wait_posted("D0MIA", 2)[1]["thread_ts"] == ts
    time.sleep(0.5)  # the bot's own posts came back as message events (echo)
    assert harness.gateway.texts() == [
        "how do I reset my password",
        "and the reset link expired",
    ]
    assert {m.conversation_id for m in harness.gateway.received} == {message.conversation_id}


def test_the_customers_slack_locale_sets_the_first_language(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    slack.add_user("U0LARS", "Lars Nielsen", "da-DK")
    slack.user_says("D0LARS", "hej", user="U0LARS")
    slack.wait_posted("D0LARS", 1)
    assert harness.gateway.received[0].metadata["language"] == "da"


def test_a_mention_in_a_channel_is_answered_once_in_the_thread_which_continues(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    slack.user_says("C0HELP", "nobody helps me with my order", mention=True)
    reply = slack.wait_posted("C0HELP", 1)[0]
    thread = reply["thread_ts"]
    assert reply["text"] == "you said: nobody helps me with my order"
    slack.user_says("C0HELP", "order 4711", thread_ts=thread)  # no mention needed in the thread
    slack.user_says("C0HELP", "unrelated chatter in the channel")  # not for the bot
    slack.wait_posted("C0HELP", 2)
    time.sleep(0.5)
    assert harness.gateway.texts() == ["nobody helps me with my order", "order 4711"]
    assert harness.gateway.received[0].conversation_id == f"slack:{TEAM}:C0HELP:{thread}"
    assert harness.gateway.received[1].conversation_id == f"slack:{TEAM}:C0HELP:{thread}"


def test_buttons_are_block_kit_and_a_click_is_acked_and_answered(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    slack.user_says("D0BTN", "buttons please")
    question = slack.wait_posted("D0BTN", 1)[0]
    actions = question["blocks"][-1]
    assert actions["type"] == "actions"
    assert [(e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        ("Yes", "/affirm"),
        ("No", "/deny"),
    ]
    click = slack.user_clicks(question, index=1)
    assert click.status == 200 and click.seconds < 3
    answer = slack.wait_posted("D0BTN", 2)[1]
    assert answer["text"] == "you said: /deny"
    assert answer["thread_ts"] == question["thread_ts"]
    assert (
        harness.gateway.received[-1].conversation_id == harness.gateway.received[0].conversation_id
    )
    retired = slack.posted_in("D0BTN")[0]["blocks"]
    assert [b["type"] for b in retired] == ["section", "context"], "the buttons are replaced"


def test_edits_deletions_and_bots_are_ignored(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    first = slack.user_says("D0IGN", "hello")
    slack.wait_posted("D0IGN", 1)
    ts = first.body["event"]["ts"]
    base = {"channel": "D0IGN", "channel_type": "im", "team": TEAM}
    ignored = [
        {
            **base,
            "type": "message",
            "subtype": "message_changed",
            "ts": slack.next_ts(),
            "message": {"type": "message", "user": "U0CUSTOMER", "text": "hello!!", "ts": ts},
        },
        {
            **base,
            "type": "message",
            "subtype": "message_deleted",
            "ts": slack.next_ts(),
            "deleted_ts": ts,
        },
        {
            **base,
            "type": "message",
            "subtype": "bot_message",
            "ts": slack.next_ts(),
            "bot_id": "B0OTHER",
            "text": "I am another bot",
        },
        {
            **base,
            "type": "message",
            "ts": slack.next_ts(),
            "user": "U0OTHERBOT",
            "bot_id": "B0OTHER",
            "text": "another bot without subtype",
        },
        {
            **base,
            "type": "message",
            "ts": slack.next_ts(),
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "text": "my own message",
        },
    ]
    for event in ignored:
        assert slack.send_event(event).status == 200
    time.sleep(0.5)
    assert harness.gateway.texts() == ["hello"]
    assert len(slack.posted_in("D0IGN")) == 1


def test_a_retried_event_never_gets_a_second_reply(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    slack.user_says("D0RETRY", "are you there", retries=2)
    slack.wait_posted("D0RETRY", 1)
    time.sleep(0.5)
    assert len(slack.posted_in("D0RETRY")) == 1
    assert harness.gateway.texts() == ["are you there"]
    assert all(d.status == 200 for d in slack.deliveries)


def test_events_are_acked_within_3_seconds_however_slow_the_bot_is(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    harness.gateway.delay_s = 5.0
    delivery = slack.user_says("D0SLOW", "take your time")
    assert delivery.status == 200
    assert delivery.seconds < 3.0
    assert slack.wait_posted("D0SLOW", 1, timeout=30)[0]["text"] == "you said: take your time"


def test_a_file_without_text_gets_a_polite_text_only_reply(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    slack.add_channel("D0FILE", is_im=True)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D0FILE",
        "channel_type": "im",
        "user": "U0CUSTOMER",
        "text": "",
        "ts": slack.next_ts(),
        "team": TEAM,
        "files": [{"id": "F1", "name": "screenshot.png"}],
    }
    slack.send_event(event)
    assert slack.wait_posted("D0FILE", 1)[0]["text"] == TEXT_ONLY["en"]
    assert harness.gateway.received == []


def test_handed_off_threads_stay_silent_and_agent_replies_reach_the_thread(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    first = slack.user_says("D0HAND", "I want a person")
    slack.wait_posted("D0HAND", 1)
    ts = first.body["event"]["ts"]
    conversation = f"slack:{TEAM}:D0HAND:{ts}"
    harness.gateway.handed_off.add(conversation)
    slack.user_says("D0HAND", "my order is 4711", thread_ts=ts)
    wait_until(lambda: len(harness.gateway.received) == 2, what="the message to reach the gateway")
    harness.run(connected.deliver(conversation, [{"text": "Hi, **Anna** here: <checking>"}]))
    posted = slack.wait_posted("D0HAND", 2)
    assert posted[1]["thread_ts"] == ts
    assert posted[1]["text"] == "Hi, *Anna* here: &lt;checking&gt;"


def post_event(url: str, raw: str, headers: Dict[str, str]) -> int:
    request = urllib.request.Request(
        url, data=raw.encode(), headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("how", ["missing", "wrong secret", "stale timestamp", "tampered body"])
def test_http_events_with_a_bad_or_stale_signature_get_401(
    harness: Harness, slack: SlackApi, how: str
) -> None:
    harness.start(channel_for(harness, slack))
    body = slack.event_body(
        {
            "type": "message",
            "channel": "D0SIG",
            "channel_type": "im",
            "user": "U0CUSTOMER",
            "text": "hi",
            "ts": slack.next_ts(),
            "team": TEAM,
        }
    )
    raw = json.dumps(body)
    headers: Optional[Dict[str, str]]
    if how == "missing":
        headers = {}
    elif how == "wrong secret":
        headers = SlackApi(signing_secret="not-the-secret").sign(raw)
    elif how == "stale timestamp":
        headers = slack.sign(raw, timestamp=int(time.time()) - 600)
    else:
        headers = slack.sign(raw)
        raw = raw.replace('"hi"', '"hello"')
    assert post_event(str(slack.events_url), raw, headers) == 401
    assert post_event(str(slack.events_url), json.dumps(body), slack.sign(json.dumps(body))) == 200
    slack.wait_posted("D0SIG", 1) if "D0SIG" in slack.channels else None
    time.sleep(0.3)
    assert harness.gateway.texts() == ["hi"]


def test_url_verification_is_answered(harness: Harness, slack: SlackApi) -> None:
    harness.start(channel_for(harness, slack))
    raw = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})
    request = urllib.request.Request(
        str(slack.events_url),
        data=raw.encode(),
        headers={"Content-Type": "application/json", **slack.sign(raw)},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert json.loads(resp.read()) == {"challenge": "c-123"}


@pytest.mark.parametrize(
    ("socket", "bot_token", "app_token", "line"),
    [
        (
            False,
            "xoxb-wrong",
            SANDBOX_APP_TOKEN,
            "Slack: token rejected by the Web API (invalid_auth)",
        ),
        (
            True,
            SANDBOX_BOT_TOKEN,
            "xapp-wrong",
            "Slack: app-level token rejected by the Web API (invalid_auth)",
        ),
    ],
)
def test_a_rejected_token_is_one_clear_line(
    harness: Harness, slack: SlackApi, socket: bool, bot_token: str, app_token: str, line: str
) -> None:
    channel = channel_for(harness, slack, socket=socket, bot_token=bot_token, app_token=app_token)
    with pytest.raises(ChannelError) as error:
        harness.start(channel)
    assert str(error.value) == line
    assert channel.health()["status"] == "error"


def test_an_agent_reply_to_a_vanished_channel_fails_clearly(
    connected: SlackChannel, harness: Harness
) -> None:
    with pytest.raises(DeliveryFailed, match="channel_not_found"):
        harness.run(connected.deliver(f"slack:{TEAM}:C0GONE:1.000001", [{"text": "Hi"}]))


def test_a_message_without_channel_type_is_classified_with_conversations_info(
    connected: SlackChannel, slack: SlackApi, harness: Harness
) -> None:
    slack.add_channel("D0NOTYPE", is_im=True)
    event = {
        "type": "message", "channel": "D0NOTYPE", "user": "U0CUSTOMER", "text": "hello there",
        "ts": slack.next_ts(), "team": TEAM,
    }  # fmt: skip
    slack.send_event(event)
    assert slack.wait_posted("D0NOTYPE", 1)[0]["text"] == "you said: hello there"
    calls = slack.calls_of("conversations.info")
    assert [c["params"]["channel"] for c in calls] == ["D0NOTYPE"]
