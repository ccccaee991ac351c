"""Request validation (bot/gateway/requests.py), without a running bot."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings
from bot.gateway.requests import BadRequest, clean_text, depth, parse_rest_body

SETTINGS = Settings()


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


def test_valid_message() -> None:
    msg = parse_rest_body(body(sender="abc", message="  hello  ", metadata={"x": 1}), SETTINGS)
    assert (msg.conversation_id, msg.channel, msg.text, msg.metadata) == (
        "abc",
        "rest",
        "hello",
        {"x": 1},
    )


def test_sender_is_kept_exactly() -> None:
    assert (
        parse_rest_body(body(sender=" Ünïcødé 🙂 ", message="hi"), SETTINGS).conversation_id
        == " Ünïcødé 🙂 "
    )


@pytest.mark.parametrize(
    "raw,status",
    [
        (b"", 400),
        (b"   ", 400),
        (b"nope", 400),
        (b"[]", 400),
        (b"\xff\xfe", 400),
        (body(sender="a"), 400),
        (body(message="x"), 400),
        (body(sender="a", message=""), 400),
        (body(sender="a", message="x" * (SETTINGS.max_message_chars + 1)), 413),
        (body(sender="x" * 256, message="hi"), 400),
        (body(sender="a", message="hi", metadata="str"), 400),
        (
            body(
                sender="a",
                message="hi",
                metadata={"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}},
            ),
            400,
        ),
    ],
)
def test_rejections(raw: bytes, status: int) -> None:
    with pytest.raises(BadRequest) as err:
        parse_rest_body(raw, SETTINGS)
    assert err.value.status == status and err.value.message


def test_null_metadata_is_empty() -> None:
    assert parse_rest_body(body(sender="a", message="hi", metadata=None), SETTINGS).metadata == {}


def test_clean_text_drops_controls_but_keeps_newlines_and_unicode() -> None:
    assert clean_text("\x00a\x1bb\nc\td 🙂\x7f\x9f ") == "ab\nc\td 🙂"


def test_depth_counts_lists_and_objects_and_stops_early() -> None:
    assert depth({}, 8) == 1
    assert depth({"a": [1, {"b": 2}]}, 8) == 3
    assert depth("x", 8) == 0
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    assert depth(deep, 8) == 9
