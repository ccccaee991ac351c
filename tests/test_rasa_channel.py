"""The Rasa input channel keeps reply metadata (bot/rasa_channel.py)."""

from __future__ import annotations

from bot.rasa_channel import GatewayOutputChannel, reply_from_message


def test_template_response_metadata_is_flattened() -> None:
    message = {
        "text": "Hallo!",
        "buttons": [{"title": "Ja", "payload": "/affirm"}],
        "condition": [{"type": "slot", "name": "language", "value": "de"}],
        "metadata": {"language": "de"},
        "utter_action": "utter_greet",
        "timestamp": 1.0,
        "image": None,
    }
    assert reply_from_message("c1", message) == {
        "recipient_id": "c1",
        "text": "Hallo!",
        "buttons": [{"title": "Ja", "payload": "/affirm"}],
        "metadata": {"language": "de"},
    }


def test_action_keyword_arguments_become_metadata() -> None:
    reply = reply_from_message(
        "c1", {"text": "x", "kb_article": "password-reset", "language": "da"}
    )
    assert reply["metadata"] == {"kb_article": "password-reset", "language": "da"}


async def test_output_channel_keeps_one_reply_per_message() -> None:
    channel = GatewayOutputChannel()
    await channel.send_response(
        "c1", {"text": "a", "custom": {"k": 1}, "metadata": {"language": "en"}}
    )
    assert channel.messages == [
        {"recipient_id": "c1", "text": "a", "custom": {"k": 1}, "metadata": {"language": "en"}}
    ]
