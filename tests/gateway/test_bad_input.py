"""Bad input on POST /webhooks/rest/webhook: a clear 4xx or a sensible reply, never a 5xx."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Stack


def assert_still_serving(stack: Stack) -> None:
    """After each bad request the bot still answers a normal message."""
    replies = stack.say("after-bad-input", "hello")
    assert replies and replies[0]["text"]


def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"a": value}
    return value


REJECTED = [
    ("empty body", b"", 400, "empty"),
    ("invalid JSON", b"{not json", 400, "not valid JSON"),
    ("JSON list", b'[{"sender": "a", "message": "hi"}]', 400, "JSON object"),
    ("JSON string", b'"hello"', 400, "JSON object"),
    ("missing sender", json.dumps({"message": "hi"}).encode(), 400, "sender"),
    ("non-string sender", json.dumps({"sender": 42, "message": "hi"}).encode(), 400, "sender"),
    ("empty sender", json.dumps({"sender": "  ", "message": "hi"}).encode(), 400, "sender"),
    ("missing message", json.dumps({"sender": "a"}).encode(), 400, "message"),
    ("non-string message", json.dumps({"sender": "a", "message": ["hi"]}).encode(), 400, "message"),
    ("null message", json.dumps({"sender": "a", "message": None}).encode(), 400, "message"),
    ("empty message", json.dumps({"sender": "a", "message": ""}).encode(), 400, "empty"),
    ("whitespace message", json.dumps({"sender": "a", "message": " \n\t "}).encode(), 400, "empty"),
    (
        "control characters only",
        json.dumps({"sender": "a", "message": "\x00\x01\x1b"}).encode(),
        400,
        "empty",
    ),
    ("invalid UTF-8", b'{"sender": "a", "message": "caf\xe9 \xff"}', 400, "UTF-8"),
    (
        "100 kB message",
        json.dumps({"sender": "a", "message": "x" * 100_000}).encode(),
        413,
        "too large",
    ),
    (
        "1 MB message",
        json.dumps({"sender": "a", "message": "y " * 500_000}).encode(),
        413,
        "too large",
    ),
    ("10 kB sender", json.dumps({"sender": "s" * 10_000, "message": "hi"}).encode(), 400, "sender"),
    (
        "sender with control characters",
        json.dumps({"sender": "a\x00b", "message": "hi"}).encode(),
        400,
        "sender",
    ),
    (
        "metadata not an object",
        json.dumps({"sender": "a", "message": "hi", "metadata": [1]}).encode(),
        400,
        "metadata",
    ),
    (
        "deeply nested metadata",
        json.dumps({"sender": "a", "message": "hi", "metadata": nested(50)}).encode(),
        400,
        "nested",
    ),
    (
        "JSON nested beyond the parser",
        b'{"sender": "a", "message": "hi", "metadata": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
        400,
        "nested",
    ),
]


@pytest.mark.stack
@pytest.mark.parametrize("name,raw,status,words", REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_with_clear_4xx(
    stack: Stack, name: str, raw: bytes, status: int, words: str
) -> None:
    got, body = stack.post(None, raw=raw)
    assert got == status, body
    assert isinstance(body, dict) and words.lower() in body["error"].lower(), body
    assert_still_serving(stack)


def test_message_just_under_the_limit_gets_a_reply(stack: Stack) -> None:
    text = ("my order is late " * 500)[:7900]
    got, replies = stack.post({"sender": "long-message", "message": text})
    assert got == 200 and replies and replies[0]["metadata"]["language"] == "en"


ANSWERED = [
    ("emoji only", "🙂🙂🙂"),
    ("a single emoji", "👍"),
    ("a number", "42"),
    ("control characters inside text", "hel\x00lo\x07 there"),
    ("SQL-looking text", "'; DROP TABLE events; --"),
    ("SQL union", "1 OR 1=1 UNION SELECT password FROM users"),
    ("HTML and script", "<script>alert('x')</script><b>hi</b>"),
    ("template syntax", "{{7*7}} ${jndi:ldap://x} {0} %s"),
    ("right-to-left and zero-width", "\u202ehello\u200b\u200d"),
    ("moderately nested metadata", None),
]


@pytest.mark.stack
@pytest.mark.parametrize("name,text", ANSWERED, ids=[a[0] for a in ANSWERED])
def test_odd_but_valid_messages_get_a_sensible_reply(stack: Stack, name: str, text: str) -> None:
    body = {
        "sender": f"odd-{name}",
        "message": text or "hi",
        "metadata": nested(5) if text is None else {},
    }
    got, replies = stack.post(body)
    assert got == 200, replies
    assert replies, "expected at least one reply"
    for reply in replies:
        assert reply["recipient_id"] == body["sender"]
        assert reply["text"].strip()
        assert reply["metadata"]["language"] in {"en", "de", "da"}
        # never echo markup or SQL back at the customer
        assert "<script>" not in reply["text"] and "DROP TABLE" not in reply["text"]
    assert_still_serving(stack)


@pytest.mark.stack
def test_wrong_method_and_unknown_path_are_json_4xx(stack: Stack) -> None:
    import urllib.error
    import urllib.request

    for url, method in [
        (f"{stack.url}/webhooks/rest/webhook", "GET"),
        (f"{stack.url}/nope", "GET"),
    ]:
        request = urllib.request.Request(url, method=method)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code in (404, 405)
        assert "error" in json.loads(err.value.read())
    assert_still_serving(stack)
